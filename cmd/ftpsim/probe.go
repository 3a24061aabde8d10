package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios/probe"
)

// errProblems makes ftpsim probe exit 1 after printing its report.
var errProblems = fmt.Errorf("probe found problems: %w", errMismatch)

func runProbe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe", "ftp://user:pass@host:port | ftps://user:pass@host:port [flags]",
		`Diagnoses a real FTP/FTPS server the way a support engineer would: greeting,
AUTH TLS and AUTH SSL, FEAT, implicit TLS, whether a login in clear would be
accepted (USER is sent in clear, the password never), TLS 1.2 and 1.3, the
certificate (chain, missing intermediate, names, validity, key), PBSZ/PROT,
the PASV address against the address you connected to (NAT), EPSV, whether
data connections need TLS session reuse, and an upload/download/delete of a
small file with a unique name.

ftp:// probes explicit FTPS (AUTH TLS, default port 21); ftps:// probes
implicit FTPS (default port 990). The password is sent only over TLS, and
only if the certificate verifies (against --ca, else the system roots) or
--insecure is given; certificate problems are reported either way.

Exits 0 when no problem was found, 1 when there are problems, 2 on usage
errors.`, stdout)
	caFile := fs.String("ca", "", "PEM `FILE` of the CA that signed the server's certificate (default: system roots)")
	insecure := fs.Bool("insecure", false, "go on (log in, transfer) even if the certificate does not verify; its problems are still reported")
	serverName := fs.String("server-name", "", "TLS `NAME` to send and verify (default: the URL's host)")
	implicitAddr := fs.String("implicit-addr", "", "also probe implicit FTPS at `HOST:PORT` (e.g. the same host on 990)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "bound on each step (dial, reply, handshake, transfer inactivity)")
	readOnly := fs.Bool("read-only", false, "do not upload the test file")
	urls, err := parseArgs(fs, args, -1)
	if err != nil {
		return err
	}
	if len(urls) != 1 {
		return usagef("want exactly one URL (ftp://user:pass@host:port or ftps://…), got %d", len(urls))
	}
	tgt, err := targetFromFlags(urls[0], *caFile, *serverName, *insecure)
	if err != nil {
		return usagef("%v", err)
	}
	if *implicitAddr != "" {
		if _, _, err := net.SplitHostPort(*implicitAddr); err != nil {
			return usagef("--implicit-addr %q: %v", *implicitAddr, err)
		}
		tgt.ImplicitAddr = *implicitAddr
	}
	if *timeout <= 0 {
		return usagef("--timeout %v: want a positive duration", *timeout)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep := probe.Run(ctx, tgt, probe.Options{Timeout: *timeout, ReadOnly: *readOnly})
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeProbeReport(stdout, rep)
	}
	if len(rep.Problems()) > 0 {
		return errProblems
	}
	return ctx.Err()
}

// probeMarks are the status marks of the one-line-per-check list.
var probeMarks = map[probe.Severity]string{
	probe.SeverityOK:      "[ ok ]",
	probe.SeverityInfo:    "[info]",
	probe.SeverityWarning: "[WARN]",
	probe.SeverityProblem: "[FAIL]",
}

// writeProbeReport prints one line per check, then the details of every
// warning and problem, then the counts.
func writeProbeReport(w io.Writer, rep *probe.Report) {
	fmt.Fprintf(w, "ftpsim probe: %s", rep.Target)
	if rep.Server != "" {
		fmt.Fprintf(w, " (looks like %s)", rep.Server)
	}
	fmt.Fprint(w, "\n\n")
	width := 0
	for _, f := range rep.Findings {
		width = max(width, len(f.Check))
	}
	skipped := 0
	for _, f := range rep.Findings {
		mark := probeMarks[f.Severity]
		if f.Skipped {
			mark = "[skip]"
			skipped++
		}
		fmt.Fprintf(w, "%s %-*s  %s\n", mark, width, f.Check, f.Summary)
	}
	for _, sev := range []probe.Severity{probe.SeverityProblem, probe.SeverityWarning} {
		for _, f := range rep.Findings {
			if f.Severity == sev {
				writeProbeDetail(w, f)
			}
		}
	}
	problems, warnings := rep.Count(probe.SeverityProblem), rep.Count(probe.SeverityWarning)
	fmt.Fprintf(w, "\n%s, %s, %d ok, %d info (%d not checked) in %s\n",
		plural(problems, "problem"), plural(warnings, "warning"), rep.Count(probe.SeverityOK),
		rep.Count(probe.SeverityInfo)-skipped, skipped, rep.Duration.Round(time.Millisecond))
}

// writeProbeDetail prints what was seen, why it matters and the fix.
func writeProbeDetail(w io.Writer, f probe.Finding) {
	mark := strings.Trim(probeMarks[f.Severity], "[] ")
	fmt.Fprintf(w, "\n%s %s", mark, f.Check)
	if len(f.Cases) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(f.Cases, ", "))
	}
	fmt.Fprintf(w, ": %s\n", f.Summary)
	if f.Evidence != "" {
		fmt.Fprintf(w, "  seen: %s\n", strings.ReplaceAll(f.Evidence, "\n", "\n        "))
	}
	for _, part := range []struct{ label, text string }{{"why: ", f.Why}, {"fix: ", f.Fix}} {
		if part.text != "" {
			fmt.Fprintf(w, "  %s %s\n", part.label, wrap(part.text, 92, "        "))
		}
	}
}

// wrap breaks text into lines of at most width runes, continuation lines
// prefixed with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		l := len([]rune(word))
		if i > 0 && n+1+l > width {
			b.WriteString("\n" + indent)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += l
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
