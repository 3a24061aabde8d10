package diagnose

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// Report is a diagnosis: the incident and every catalogue scenario
// ranked against it.
type Report struct {
	Incident   *Incident   `json:"incident"`
	Candidates []Candidate `json:"-"`
}

// Diagnose analyses the logs of one incident and ranks the catalogue
// ([scenarios.Catalogue]) against it.
func Diagnose(logs ...*Log) *Report {
	in := Analyze(logs...)
	return &Report{Incident: in, Candidates: Match(in, scenarios.Catalogue())}
}

// Files parses the named log files ("-" is standard input, read from
// stdin) and diagnoses them as one incident.
func Files(stdin io.Reader, names ...string) (*Report, error) {
	var logs []*Log
	for _, name := range names {
		var r io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, fmt.Errorf("diagnose: %w", err)
			}
			defer f.Close()
			r = f
		}
		l, err := ParseLog(name, r)
		if err != nil {
			return nil, fmt.Errorf("diagnose: %w", err)
		}
		logs = append(logs, l)
	}
	return Diagnose(logs...), nil
}

// Top returns up to n candidates whose expected outcome agrees with the
// log, best first. None means nothing in the catalogue matches.
func (r *Report) Top(n int) []Candidate {
	var out []Candidate
	for _, c := range r.Candidates {
		if !c.Consistent || len(out) == n {
			break
		}
		out = append(out, c)
	}
	return out
}

// Tied returns the consistent candidates with the best score: the
// scenarios the log cannot tell apart.
func (r *Report) Tied() []Candidate {
	top := r.Top(len(r.Candidates))
	var out []Candidate
	for _, c := range top {
		if c.Score == top[0].Score {
			out = append(out, c)
		}
	}
	return out
}

// Reproduction returns a scenario that reproduces the incident: the best
// match, renamed for the customer's case, with its persona (the log's
// server when the scenario names none), client settings and network. ok
// is false when nothing matches.
func (r *Report) Reproduction() (sc scenarios.Scenario, ok bool) {
	top := r.Top(1)
	if len(top) == 0 {
		return scenarios.Scenario{}, false
	}
	sc = top[0].Scenario
	var files []string
	for _, l := range r.Incident.Logs {
		files = append(files, l.Name)
	}
	sc.Summary = fmt.Sprintf("reproduces %s (as catalogue scenario %s): %s", strings.Join(files, ", "), sc.Name, sc.Summary)
	if sc.Server.Persona == "" && isPersona(r.Incident.Server) {
		// the customer's server, as far as the simulator knows it
		sc.Server.Persona = r.Incident.Server
	}
	sc.Name = "customer-" + sc.Name
	sc.Labels = append(append([]string(nil), sc.Labels...), "customer")
	return sc, true
}

// isPersona reports whether name is one of sim's server personas.
func isPersona(name string) bool {
	_, ok := sim.PersonaByName(name)
	return ok
}

// WriteYAML writes [Report.Reproduction] as a scenario file.
func (r *Report) WriteYAML(w io.Writer) error {
	sc, ok := r.Reproduction()
	if !ok {
		return fmt.Errorf("diagnose: no catalogue scenario matches the log, so there is nothing to reproduce")
	}
	b, err := scenarios.Marshal(sc)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
