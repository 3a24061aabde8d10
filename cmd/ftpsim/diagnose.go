package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios/diagnose"
)

// stdin is what "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

// errNoMatch: diagnose found no catalogue scenario consistent with the log.
var errNoMatch = fmt.Errorf("no catalogue scenario matches the log: %w", errMismatch)

func runDiagnose(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diagnose", "[--yaml OUT.yaml] [--json] [-v] FILE...", `Reads the log of a customer's failure and names the catalogue scenarios
consistent with it, best first, with the lines that support each, the
cause and the fix. Several files of one incident (the client's and the
server's log) are read together; "-" is standard input.

Formats recognised (each is detected from its lines):
  clients  curl -v, lftp debug (lftp -d, or "debug" in lftp), Python ftplib
           set_debuglevel(1 or 2), FileZilla (message log or log file),
           WinSCP session log
  servers  vsftpd (log_ftp_protocol=YES, debug_ssl=YES), ProFTPD (SystemLog,
           TLSLog of mod_tls), pure-ftpd (syslog, -d for commands),
           FileZilla Server 1.x

Addresses and user names in the log are data: nothing is dialed. Passwords
are never printed (PASS ****).

With --yaml it writes a scenario (persona, client settings, network) that
reproduces the failure:
  ftpsim diagnose --yaml customer.yaml curl.log
  ftpsim run customer.yaml                 # same failure phase and reply code
  ftpsim serve --scenario customer.yaml    # run the customer's own client against it

Exit status: 0 a scenario matches (or the log shows no failure); 1 nothing
in the catalogue matches; 2 usage error (no file, unreadable file, a format
not recognised); 3 the scenario file could not be written.`, stdout)
	yamlOut := fs.String("yaml", "", "write a scenario reproducing the failure to `OUT.yaml`")
	asJSON := fs.Bool("json", false, "print the incident and the ranked matches as JSON")
	verbose := fs.Bool("v", false, "show every scored point and the whole exchange")
	files, err := parseArgs(fs, args, -1)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("name at least one log file (or - for standard input)")
	}
	rep, err := diagnose.Files(stdin, files...)
	if err != nil {
		if errors.Is(err, diagnose.ErrUnrecognised) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			// The command's name already prefixes the message.
			return usagef("%s", strings.TrimPrefix(err.Error(), "diagnose: "))
		}
		return err
	}
	if *asJSON {
		if err := writeDiagnoseJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(stdout, *verbose)
	}
	if len(rep.Top(1)) == 0 {
		return errNoMatch
	}
	if *yamlOut != "" {
		f, err := os.Create(*yamlOut)
		if err != nil {
			return fmt.Errorf("--yaml: %w", err)
		}
		if err := rep.WriteYAML(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "wrote %s; next:\n  ftpsim run %s\n  ftpsim serve --scenario %s\n", *yamlOut, *yamlOut, *yamlOut)
		}
	} else if !*asJSON {
		fmt.Fprintf(stdout, "next: ftpsim run %s   (or --yaml OUT.yaml for your own copy)\n", rep.Top(1)[0].Name)
	}
	return nil
}

// writeDiagnoseJSON prints the incident and the top matches.
func writeDiagnoseJSON(w io.Writer, rep *diagnose.Report) error {
	type match struct {
		diagnose.Candidate
		Cause     string `json:"cause"`
		Fix       string `json:"fix"`
		ServerFix string `json:"server_fix,omitempty"`
	}
	out := struct {
		Incident *diagnose.Incident `json:"incident"`
		Matches  []match            `json:"matches"`
	}{Incident: rep.Incident, Matches: []match{}}
	for _, c := range rep.Top(3) {
		out.Matches = append(out.Matches, match{c, c.Scenario.Diagnosis.Cause, c.Scenario.Diagnosis.Fix, rep.ServerFix(c)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
