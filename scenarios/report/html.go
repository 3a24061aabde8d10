package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// HTMLOptions tunes [WriteHTML]. The zero value is ready to use.
type HTMLOptions struct {
	// Title heads the page; empty means "ftpsim report".
	Title string
	// PcapDir, if set, links each scenario to its packet capture,
	// PcapDir/NAME.pcapng. It is written into the page as a URL path, so
	// give it relative to the directory the page is saved in (or
	// absolute); ftpsim run --html computes that for --pcap.
	PcapDir string
	// TranscriptDir, if set, links each scenario to its transcript file,
	// TranscriptDir/NAME.txt (ftpsim run --transcripts), relative like
	// PcapDir.
	TranscriptDir string
	// Generated, if not zero, is printed under the title as the time the
	// report was made.
	Generated time.Time
	// OpenAll opens every scenario's section; by default only
	// mismatches and setup errors are open, the rest collapsed.
	OpenAll bool
}

// WriteHTML writes one self-contained HTML page about results: a summary
// table (expected against actual outcome, per scenario and counted per
// family, that is per label) with links to each scenario's section, and
// per scenario a ladder diagram drawn as inline SVG (lanes for the
// client, every NAT, firewall, ALG and middlebox of its network, and the
// server; commands and replies, TLS handshakes marked full or resumed,
// data connections and transfers, and each verdict of the network --
// dropped, refused, rewritten, cut, delayed -- at the box that gave it),
// its diagnosis, links to its capture and transcript files (see
// [HTMLOptions]) and both sides' transcripts and the fault timeline.
//
// The page fetches nothing: no scripts, fonts, styles or images from
// anywhere (its Content-Security-Policy forbids it). Every text from the
// results is escaped. Results must not be nil; their Scenario must be set,
// as [scenarios.Run] does.
func WriteHTML(w io.Writer, results []*scenarios.Result, opts HTMLOptions) error {
	for i, r := range results {
		if r == nil || r.Scenario == nil {
			return fmt.Errorf("report: results[%d] has no scenario; pass what scenarios.Run returned", i)
		}
	}
	p := newPage(results, opts)
	if err := pageTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

//go:embed page.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"inc":  func(i int) int { return i + 1 },
	"sub":  func(a, b int) int { return a - b },
	"join": func(s []string) string { return strings.Join(s, ", ") },
}).Parse(pageSource))

// page is what the template renders.
type page struct {
	Title     string
	Generated string
	Total     int
	OK        int
	Mismatch  int
	Warn      int
	Families  []family
	Scenarios []scenarioView
}

// family is one label's line of the summary.
type family struct {
	Label                   string
	Total, OK, Mismatch, NR int
}

// scenarioView is one scenario's section.
type scenarioView struct {
	Name, Anchor, Summary     string
	Labels, Cases             []string
	Status, StatusClass       string
	Expected, Actual, Error   string
	Cause, Fix, NotRepro      string
	Duration                  string
	Open                      bool
	Pcap, Transcript          string
	Ladder                    svgLadder
	Client                    string
	Servers                   []string
	Timeline, ServerData      string
	Mismatch, SetupError, NoR bool
}

func newPage(results []*scenarios.Result, opts HTMLOptions) page {
	p := page{Title: opts.Title, Total: len(results)}
	if p.Title == "" {
		p.Title = "ftpsim report"
	}
	if !opts.Generated.IsZero() {
		p.Generated = opts.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	fams := map[string]*family{}
	anchors := map[string]bool{}
	for _, r := range results {
		v := newScenarioView(r, opts)
		v.Anchor = uniqueAnchor(anchors, v.Name)
		switch {
		case v.Mismatch:
			p.Mismatch++
		case v.NoR:
			p.Warn++
			p.OK++
		default:
			p.OK++
		}
		for _, l := range r.Scenario.Labels {
			f := fams[l]
			if f == nil {
				f = &family{Label: l}
				fams[l] = f
			}
			f.Total++
			switch {
			case v.Mismatch:
				f.Mismatch++
			default:
				f.OK++
			}
			if v.NoR {
				f.NR++
			}
		}
		p.Scenarios = append(p.Scenarios, v)
	}
	for _, f := range fams {
		p.Families = append(p.Families, *f)
	}
	slices.SortFunc(p.Families, func(a, b family) int { return strings.Compare(a.Label, b.Label) })
	return p
}

func newScenarioView(r *scenarios.Result, opts HTMLOptions) scenarioView {
	sc := r.Scenario
	v := scenarioView{Name: sc.Name, Summary: sc.Summary, Labels: sc.Labels, Cases: sc.Cases,
		Expected: sc.Expect.String(), Actual: r.Got.String(), Cause: sc.Diagnosis.Cause, Fix: sc.Diagnosis.Fix,
		NotRepro: string(r.NotReproducible), Duration: r.Duration.Round(time.Millisecond).String()}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	switch {
	case r.Setup != nil:
		v.Status, v.StatusClass, v.Mismatch, v.SetupError = "setup error", "bad", true, true
		v.Actual = "setup error: " + r.Setup.Error()
	case !r.Match:
		v.Status, v.StatusClass, v.Mismatch = "MISMATCH", "bad", true
	case r.NotReproducible != "":
		v.Status, v.StatusClass, v.NoR = "as expected, not reproducible", "warn", true
	default:
		v.Status, v.StatusClass = "as expected", "ok"
	}
	v.Open = v.Mismatch || opts.OpenAll
	v.Pcap = fileLink(opts.PcapDir, sc.Name+".pcapng")
	v.Transcript = fileLink(opts.TranscriptDir, sc.Name+".txt")
	v.Ladder = layout(buildLadder(r))
	v.Client = r.ClientTranscript.String()
	for _, t := range r.ServerTranscripts {
		v.Servers = append(v.Servers, t.String())
	}
	if len(r.Timeline.Events) > 0 {
		v.Timeline = r.Timeline.String()
	}
	var data []string
	for _, d := range r.ServerData {
		data = append(data, fmt.Sprintf("data %d %s: %s, %d bytes, reply %d %s", d.N, d.Command, d.TLS, d.Bytes, d.Reply, strings.Join(d.Notes, "; ")))
	}
	v.ServerData = strings.Join(data, "\n")
	return v
}

// fileLink is the URL of dir/name, or "" without dir.
func fileLink(dir, name string) string {
	if dir == "" {
		return ""
	}
	u := url.URL{Path: path.Join(filepath.ToSlash(dir), name)}
	return u.EscapedPath()
}

var notAnchor = regexp.MustCompile(`[^a-z0-9-]+`)

// uniqueAnchor makes an id for name: lower case letters, digits and
// dashes, unique on the page.
func uniqueAnchor(seen map[string]bool, name string) string {
	base := "s-" + strings.Trim(notAnchor.ReplaceAllString(strings.ToLower(name), "-"), "-")
	a := base
	for i := 2; seen[a]; i++ {
		a = fmt.Sprintf("%s-%d", base, i)
	}
	seen[a] = true
	return a
}

// plural renders "1 line" or "3 lines".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
