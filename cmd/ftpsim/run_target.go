package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// targetRun is ftpsim run --target: each applicable scenario's client
// side against the user's server, judged against what the well-configured
// reference server (in-process, same client) does with it, in the
// vocabulary of the conformance suite (scenarios.Judge).
type targetRun struct {
	out         io.Writer
	json        bool
	verbose     bool
	quiet       bool // only failing verdicts and the summary line
	timeout     time.Duration
	transcripts string
}

// targetJSON is one scenario's verdict in --json output.
type targetJSON struct {
	Kind      string                `json:"kind"` // "verdict"
	Name      string                `json:"name"`
	Verdict   scenarios.VerdictKind `json:"verdict"`
	Reason    string                `json:"reason"`
	Actual    scenarios.Outcome     `json:"actual"`
	Reference scenarios.Outcome     `json:"reference,omitzero"`
	Known     []string              `json:"known,omitempty"`
	Cause     string                `json:"cause,omitempty"`
	Fix       string                `json:"fix,omitempty"`
	Millis    int64                 `json:"ms"`
}

// run judges list against t and returns the results (Match set to "the
// verdict does not fail") and whether any verdict fails.
func (tr *targetRun) run(ctx context.Context, list []scenarios.Scenario, t *scenarios.Target, set *pki.Set) ([]*scenarios.Result, bool, error) {
	var runnable []scenarios.Scenario
	skipped := map[string]string{}
	for _, sc := range list {
		if why := t.MissingAddress(sc); why != "" {
			skipped[sc.Name] = why
			continue
		}
		runnable = append(runnable, sc)
	}
	began := time.Now()
	if !tr.json && !tr.quiet {
		fmt.Fprintf(tr.out, "ftpsim run --target %s: %s against your server, each judged against the well-configured reference server (in-process) given the same client\n",
			t, plural(len(runnable), "scenario"))
		for _, sc := range list {
			if why, ok := skipped[sc.Name]; ok {
				fmt.Fprintf(tr.out, "  not-applicable  %-36s %s\n", sc.Name, why)
			}
		}
	}
	refs, err := scenarios.References(ctx, runnable, set)
	if err != nil {
		return nil, false, err
	}
	catalogue := scenarios.Catalogue()
	var results []*scenarios.Result
	var verdicts []scenarios.Verdict
	failed := false
	w := len(fmt.Sprint(len(runnable)))
	for i, sc := range runnable {
		if ctx.Err() != nil {
			break
		}
		res := scenarios.Run(ctx, t.Adapt(sc), scenarios.RunOptions{Target: t, Timeout: tr.timeout})
		v := scenarios.Judge(res, refs[sc.Name], catalogue)
		res.Match = !v.Failed()
		failed = failed || v.Failed()
		results, verdicts = append(results, res), append(verdicts, v)
		if tr.transcripts != "" {
			if err := writeTranscripts(tr.transcripts, res); err != nil {
				return results, failed, err
			}
		}
		if tr.json {
			b, _ := json.Marshal(targetJSON{Kind: "verdict", Name: sc.Name, Verdict: v.Kind, Reason: v.Reason, Actual: v.Got, Reference: v.Reference,
				Known: v.Known, Cause: v.Cause, Fix: v.Fix, Millis: res.Duration.Milliseconds()})
			fmt.Fprintf(tr.out, "%s\n", b)
			continue
		}
		if tr.quiet && !v.Failed() {
			continue
		}
		mark := "ok  "
		if v.Failed() {
			mark = "FAIL"
		}
		fmt.Fprintf(tr.out, "[%*d/%d] %s %-16s %-36s %s\n", w, i+1, len(runnable), mark, v.Kind, sc.Name, v.Got)
		if v.Kind != scenarios.VerdictWellConfigured || tr.verbose {
			fmt.Fprintf(tr.out, "      %s\n", v.Reason)
			if v.Fix != "" {
				fmt.Fprintf(tr.out, "      fix: %s\n", v.Fix)
			}
		}
		if v.Failed() && res.Err != nil && !strings.Contains(v.Reason, res.Err.Error()) {
			fmt.Fprintf(tr.out, "      error: %v\n", res.Err)
		}
	}
	tr.summary(verdicts, len(skipped), time.Since(began))
	return results, failed, nil
}

func (tr *targetRun) summary(vs []scenarios.Verdict, skipped int, elapsed time.Duration) {
	counts := map[scenarios.VerdictKind]int{}
	bad := 0
	for _, v := range vs {
		counts[v.Kind]++
		if v.Failed() {
			bad++
		}
	}
	if tr.json {
		b, _ := json.Marshal(jsonSummary{Kind: "summary", Total: len(vs), AsExpected: len(vs) - bad, Mismatched: bad,
			Verdicts: counts, NotApplicable: skipped, Millis: elapsed.Milliseconds()})
		fmt.Fprintf(tr.out, "%s\n", b)
		return
	}
	var parts []string
	for _, k := range []scenarios.VerdictKind{scenarios.VerdictWellConfigured, scenarios.VerdictReproduces, scenarios.VerdictUnsupported,
		scenarios.VerdictDiffers, scenarios.VerdictInsecure, scenarios.VerdictNoRun} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	if skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d not-applicable", skipped))
	}
	if !tr.quiet {
		fmt.Fprintln(tr.out)
	}
	fmt.Fprintf(tr.out, "%s: %s (%s)\n", plural(len(vs), "scenario"), strings.Join(parts, ", "), elapsed.Round(time.Millisecond))
	if len(vs) > 0 && counts[scenarios.VerdictNoRun] == len(vs) {
		fmt.Fprintln(tr.out, "no scenario could run against the target: check its URL (host, port, ftp:// or ftps://), that the server is up, and what is between you and it")
	}
	if !tr.quiet {
		fmt.Fprintln(tr.out, "(only insecure and no-run fail; reproduces names the catalogue scenario your server behaves like, with its fix)")
	}
}
