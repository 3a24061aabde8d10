package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[NAME|FILE.yaml ...] [flags]", `Runs scenarios in-process (server and client on loopback) and prints, for
each, whether the actual outcome is the expected one, then a summary table.
Without arguments it runs the whole catalogue ("ftpsim list" shows it).
Arguments are catalogue names or YAML files of your own scenarios.
Exits 1 if any scenario does not behave as expected.

With --html FILE it also writes one self-contained HTML page (it fetches
nothing; open it in any browser): a summary table of expected against
actual outcomes, counts per family, and per scenario a ladder diagram of
client, network boxes and server, its diagnosis and its transcripts,
linked to the files of --transcripts (and --pcap) when given.

  ftpsim run --label nat,alg --html report.html --transcripts tr

With --target URL the client side of each scenario that depends only on
the client runs against your server instead, and gets a verdict against
what the well-configured reference server (in-process: TLS required on
control and data, session reuse required) does with the same client:
well-configured, reproduces NAME (your server behaves like that catalogue
scenario; its cause and fix are printed), unsupported (a command refused
as not implemented), differs, insecure (a cleartext login or transfer, a
wrong password accepted, no TLS) or no-run. Exits 1 only on insecure or
no-run. Scenarios for the implicit-FTPS port need --implicit-addr (or an
ftps:// URL) and are not-applicable otherwise.

  ftpsim run --target ftp://user:pass@127.0.0.1:21 --ca ca.pem --implicit-addr 127.0.0.1:990`, stdout)
	label := fs.String("label", "", "only scenarios matching `EXPR`: labels joined by , (or) and && (and), ! negates; e.g. 'tls&&!cert,nat'")
	asJSON := fs.Bool("json", false, "print one JSON object per line instead of text: a record per scenario in list order, then a summary (README: JSON schema)")
	quiet := fs.Bool("quiet", false, "print only mismatches and the one-line summary")
	fs.BoolVar(quiet, "q", false, "short for --quiet")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`")
	transcripts := fs.String("transcripts", "", "write each scenario's client and server transcripts to `DIR`")
	pcapDir := fs.String("pcap", "", "write each scenario's packet capture to `DIR`/NAME.pcapng: one interface per network segment, the TLS secrets inside (tshark -r FILE -Y ftp decrypts); not with --target")
	htmlOut := fs.String("html", "", "also write an HTML report (summary, a ladder diagram and the transcripts per scenario) to `FILE`; not with --target")
	verbose := fs.Bool("v", false, "print the diagnosis of every scenario and the transcripts of mismatches")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on each scenario")
	parallel := fs.Int("parallel", 4, "run up to `N` scenarios at once (in-process only; each has its own server and network)")
	target := fs.String("target", "", "run the client side against your server at `URL` instead of the in-process one and judge it against the well-configured reference: ftp://user:pass@host:port (explicit FTPS) or ftps://… (implicit); only scenarios that do not depend on server settings run")
	caFile := fs.String("ca", "", "with --target: PEM `FILE` of the CA that signed your server's certificate (default: system roots)")
	insecure := fs.Bool("insecure", false, "with --target: do not verify your server's certificate")
	serverName := fs.String("server-name", "", "with --target: TLS `NAME` to verify (default: the URL's host)")
	implicitAddr := fs.String("implicit-addr", "", "with --target: your server's implicit-FTPS address `HOST:PORT` too (an ftp:// target has only the explicit one)")
	names, err := parseArgs(fs, args, -1)
	if err != nil {
		return err
	}
	if *parallel < 1 {
		return usagef("--parallel %d: want 1 or more scenarios at once", *parallel)
	}
	if *timeout <= 0 {
		return usagef("--timeout %v: want a positive duration", *timeout)
	}
	sel, err := selectScenarios(names, *label)
	if err != nil {
		return err
	}
	list := sel.list
	if err := checkHTMLFlag(*htmlOut, *target); err != nil {
		return err
	}
	if *pcapDir != "" && *target != "" {
		return usagef("--pcap records in-process runs only; not with --target")
	}
	runOne, pcapErr, err := pcapRun(*pcapDir)
	if err != nil {
		return err
	}
	if *junit != "" {
		// Refuse an unwritable report path before anything runs, not after.
		f, err := os.OpenFile(*junit, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return usagef("--junit: %v", err)
		}
		f.Close()
	}
	tgt, err := targetFromFlags(*target, *caFile, *serverName, *insecure)
	if err != nil {
		return err
	}
	if *implicitAddr != "" {
		if tgt == nil {
			return usagef("--implicit-addr needs --target")
		}
		if _, _, err := net.SplitHostPort(*implicitAddr); err != nil {
			return usagef("--implicit-addr %q: want HOST:PORT", *implicitAddr)
		}
		tgt.ImplicitAddr = *implicitAddr
	}
	if tgt != nil {
		list = applicableToTarget(list, stdout, *asJSON || *quiet)
	}
	if len(list) == 0 {
		return usagef("no scenario matches (\"ftpsim list\" shows names and labels)")
	}
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if tgt != nil {
		tr := &targetRun{out: stdout, json: *asJSON, verbose: *verbose, quiet: *quiet, timeout: *timeout, transcripts: *transcripts}
		results, failed, err := tr.run(ctx, list, tgt, set)
		if err != nil {
			return err
		}
		if *junit != "" {
			if err := writeJUnit(*junit, results); err != nil {
				return err
			}
		}
		if failed {
			return errMismatch
		}
		return ctx.Err()
	}
	rep := &reporter{out: stdout, json: *asJSON, verbose: *verbose, quiet: *quiet, total: len(list), sel: sel}
	rep.start()
	opts := scenarios.RunOptions{PKI: set, Timeout: *timeout}
	results, err := runAll(ctx, runOne, list, opts, *parallel, func(i, done int, res *scenarios.Result) error {
		rep.progress(i, done, res)
		if *transcripts != "" {
			return writeTranscripts(*transcripts, res)
		}
		return nil
	})
	if err == nil {
		err = pcapErr()
	}
	if err != nil {
		return err
	}
	rep.summary(results)
	if *junit != "" {
		if err := writeJUnit(*junit, results); err != nil {
			return err
		}
	}
	if err := writeHTMLReport(*htmlOut, results, names, *pcapDir, *transcripts); err != nil {
		return err
	}
	for _, r := range results {
		if failed(r) {
			return errMismatch
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// errMismatch makes ftpsim exit 1 without another message.
var errMismatch = fmt.Errorf("some scenarios did not behave as expected")

// selection is what the arguments of run and list chose: the scenarios in
// order and, for each, the argument that named it (a catalogue name or
// the YAML file it came from), so hints can name a command that works.
type selection struct {
	list   []scenarios.Scenario
	source map[string]string
}

// rerun is the command that reruns one selected scenario verbosely.
func (s *selection) rerun(name string) string {
	if src, ok := s.source[name]; ok && src != name {
		return fmt.Sprintf("ftpsim run -v %s   (the file; it holds %s)", src, name)
	}
	return "ftpsim run -v " + name
}

// selectScenarios resolves arguments (names or YAML files) and the label
// filter.
func selectScenarios(args []string, label string) (*selection, error) {
	sel := &selection{source: map[string]string{}}
	if len(args) == 0 {
		sel.list = scenarios.Catalogue()
	}
	for _, a := range args {
		if strings.HasSuffix(a, ".yaml") || strings.HasSuffix(a, ".yml") {
			l, err := scenarios.Load(a)
			if err != nil {
				return nil, usagef("%s", oneLine(err))
			}
			for _, sc := range l {
				sel.source[sc.Name] = a
			}
			sel.list = append(sel.list, l...)
			continue
		}
		sc, ok := scenarios.Lookup(a)
		if !ok {
			return nil, usagef("no scenario named %q%s; \"ftpsim list\" shows the catalogue, and scenario files must end in .yaml", a, didYouMean(a, scenarioNames()))
		}
		sel.list = append(sel.list, sc)
	}
	if label == "" {
		return sel, nil
	}
	match, err := parseLabelFilter(label)
	if err != nil {
		return nil, usagef("--label: %v", err)
	}
	var out []scenarios.Scenario
	for _, sc := range sel.list {
		if match(&sc) {
			out = append(out, sc)
		}
	}
	sel.list = out
	return sel, nil
}

// scenarioNames lists the catalogue's names, for suggestions.
func scenarioNames() []string {
	var names []string
	for _, sc := range scenarios.Catalogue() {
		names = append(names, sc.Name)
	}
	return names
}

// parseLabelFilter parses "a&&!b,c" (comma = or, && = and, ! = not).
func parseLabelFilter(expr string) (func(*scenarios.Scenario) bool, error) {
	var alts [][]string
	for _, alt := range strings.Split(expr, ",") {
		var terms []string
		for _, t := range strings.Split(alt, "&&") {
			t = strings.TrimSpace(t)
			if t == "" || t == "!" {
				return nil, fmt.Errorf("--label %q: empty term", expr)
			}
			terms = append(terms, t)
		}
		alts = append(alts, terms)
	}
	return func(sc *scenarios.Scenario) bool {
		for _, terms := range alts {
			all := true
			for _, t := range terms {
				neg := strings.HasPrefix(t, "!")
				if sc.HasLabel(strings.TrimPrefix(t, "!")) == neg {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}, nil
}

func writeTranscripts(dir string, r *scenarios.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "scenario: %s\nexpected: %s\nactual:   %s\n", r.Scenario.Name, r.Scenario.Expect, r.Got)
	if r.Err != nil {
		fmt.Fprintf(&b, "error:    %v\n", r.Err)
	}
	writeDiagnosis(&b, "", r.Scenario.Diagnosis)
	fmt.Fprintf(&b, "\n== client\n%s", r.ClientTranscript.String())
	for i, t := range r.ServerTranscripts {
		fmt.Fprintf(&b, "\n== server session %d\n%s", i+1, t)
	}
	return os.WriteFile(filepath.Join(dir, r.Scenario.Name+".txt"), []byte(b.String()), 0o644)
}

// jsonResult is the --json record of one in-process scenario run
// (kind "scenario"); README "JSON schema" documents it.
type jsonResult struct {
	Kind     string            `json:"kind"`
	Name     string            `json:"name"`
	Match    bool              `json:"match"`
	Expected scenarios.Outcome `json:"expected"`
	Actual   scenarios.Outcome `json:"actual"`
	Error    string            `json:"error,omitempty"`
	Setup    string            `json:"setup_error,omitempty"`
	Millis   int64             `json:"ms"`
	Cause    string            `json:"cause,omitempty"`
	Fix      string            `json:"fix,omitempty"`
	// NotReproducible names the limitation when the verdict is the
	// simulator's, not the emulated real program's.
	NotReproducible string `json:"not_reproducible,omitempty"`
}

// jsonSummary is the last --json record of a run (kind "summary").
type jsonSummary struct {
	Kind            string `json:"kind"`
	Total           int    `json:"total"`
	AsExpected      int    `json:"as_expected"`
	Mismatched      int    `json:"mismatched"`
	NotReproducible int    `json:"not_reproducible"`
	// Verdicts counts target verdicts by kind (--target runs only).
	Verdicts map[scenarios.VerdictKind]int `json:"verdicts,omitempty"`
	// NotApplicable counts target scenarios skipped (--target only).
	NotApplicable int   `json:"not_applicable,omitempty"`
	Millis        int64 `json:"ms"`
}

func toJSON(r *scenarios.Result) []byte {
	j := jsonResult{Kind: "scenario", Name: r.Scenario.Name, Match: !failed(r), Expected: r.Scenario.Expect, Actual: r.Got,
		Millis: r.Duration.Milliseconds(), Cause: r.Scenario.Diagnosis.Cause, Fix: r.Scenario.Diagnosis.Fix,
		NotReproducible: string(r.NotReproducible)}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	if r.Setup != nil {
		j.Setup = r.Setup.Error()
	}
	b, _ := json.Marshal(j)
	return b
}

// targetFromFlags builds the --target, or returns nil without one.
func targetFromFlags(rawURL, caFile, serverName string, insecure bool) (*scenarios.Target, error) {
	if rawURL == "" {
		if caFile != "" || insecure || serverName != "" {
			return nil, fmt.Errorf("--ca, --insecure and --server-name need --target")
		}
		return nil, nil
	}
	t, err := scenarios.ParseTarget(rawURL)
	if err != nil {
		return nil, err
	}
	t.Insecure, t.ServerName = insecure, serverName
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate in it", caFile)
		}
	}
	return t, nil
}

// applicableToTarget drops scenarios that depend on server settings.
func applicableToTarget(list []scenarios.Scenario, out io.Writer, quiet bool) []scenarios.Scenario {
	keep := scenarios.TargetScenarios(list)
	if !quiet {
		verb := "apply"
		if len(keep) == 1 {
			verb = "applies"
		}
		fmt.Fprintf(out, "--target: %s %s; %d depend on server settings ftpsim cannot set on your server and are left out\n",
			plural(len(keep), "scenario"), verb, len(list)-len(keep))
	}
	return keep
}

// runAll runs list with run (scenarios.Run, or pcapRun's) with up to
// workers scenarios at once. Results keep the
// order of list; done is called, one call at a time, as each finishes,
// with the scenario's index in list and how many have finished.
func runAll(ctx context.Context, run runFunc, list []scenarios.Scenario, opts scenarios.RunOptions, workers int,
	done func(i, n int, res *scenarios.Result) error) ([]*scenarios.Result, error) {
	results := make([]*scenarios.Result, len(list))
	next := make(chan int)
	var mu sync.Mutex
	var firstErr error
	finished := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res := run(ctx, list[i], opts)
				mu.Lock()
				results[i] = res
				finished++
				if err := done(i, finished, res); err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, i := range dispatchOrder(list) {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	var out []*scenarios.Result
	for _, r := range results {
		if r != nil {
			out = append(out, r)
		}
	}
	return out, firstErr
}
