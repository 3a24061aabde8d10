package report

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// run runs catalogue scenarios by name, sharing one PKI.
func run(t *testing.T, names ...string) []*scenarios.Result {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*scenarios.Result
	for _, n := range names {
		sc, ok := scenarios.Lookup(n)
		if !ok {
			t.Fatalf("no catalogue scenario %q", n)
		}
		res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set})
		if res.Setup != nil {
			t.Fatalf("%s: setup: %v", n, res.Setup)
		}
		out = append(out, res)
	}
	return out
}

// render writes the page and parses it back.
func render(t *testing.T, results []*scenarios.Result, opts HTMLOptions) (*html.Node, string) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, results, opts); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	return doc, b.String()
}

// find returns the elements under n for which match is true.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
		out = append(out, find(c, match)...)
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func byClass(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag && hasClass(n, class) }
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// ladderOf returns the diagram of the named scenario.
func ladderOf(t *testing.T, doc *html.Node, name string) *html.Node {
	t.Helper()
	for _, svg := range find(doc, byClass("svg", "ladder")) {
		if attr(svg, "data-scenario") == name {
			return svg
		}
	}
	t.Fatalf("no ladder for %s", name)
	return nil
}

func lanesOf(svg *html.Node) []string {
	var keys []string
	for _, g := range find(svg, byClass("g", "lane")) {
		keys = append(keys, attr(g, "data-lane"))
	}
	return keys
}

func TestOneLadderPerScenario(t *testing.T) {
	names := []string{"explicit-tls", "nat-private-pasv-trusted", "alg-plain-ftp", "reuse-required-client-no-reuse"}
	doc, _ := render(t, run(t, names...), HTMLOptions{})
	svgs := find(doc, byClass("svg", "ladder"))
	if len(svgs) != len(names) {
		t.Fatalf("%d ladders for %d scenarios", len(svgs), len(names))
	}
	for i, svg := range svgs {
		if got := attr(svg, "data-scenario"); got != names[i] {
			t.Errorf("ladder %d is of %q, want %q", i, got, names[i])
		}
		if rows := find(svg, byClass("g", "row")); len(rows) < 10 {
			t.Errorf("%s: %d rows; a login alone has more", names[i], len(rows))
		}
	}
	if rows := find(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-scenario") != "" }); len(rows) != len(names) {
		t.Errorf("summary table has %d scenario rows, want %d", len(rows), len(names))
	}
	// Every summary link leads to a section of the page.
	ids := map[string]bool{}
	for _, s := range find(doc, func(n *html.Node) bool { return n.Data == "section" }) {
		ids[attr(s, "id")] = true
	}
	for _, a := range find(doc, func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "#") }) {
		if !ids[strings.TrimPrefix(attr(a, "href"), "#")] {
			t.Errorf("link %s leads nowhere", attr(a, "href"))
		}
	}
}

func TestNATScenarioLanesAndDrop(t *testing.T) {
	doc, _ := render(t, run(t, "nat-private-pasv-trusted", "nat-passive-range-not-forwarded"), HTMLOptions{})
	trusted := ladderOf(t, doc, "nat-private-pasv-trusted")
	if got, want := strings.Join(lanesOf(trusted), " "), "client internet server-gw server"; got != want {
		t.Errorf("lanes %q, want %q (the private 10.0.0.5 is unroutable on the internet)", got, want)
	}
	drops := find(trusted, func(n *html.Node) bool { return n.Data == "g" && attr(n, "data-verdict") == "dropped" })
	if len(drops) != 1 || attr(drops[0], "data-lane") != laneInternet || !hasClass(drops[0], "data-fail") {
		t.Fatalf("want one failed data connection dropped on the internet lane, got %d: %v", len(drops), drops)
	}
	if s := text(drops[0]); !strings.Contains(s, "10.0.0.5") || !strings.Contains(s, "DROPPED") {
		t.Errorf("the drop says %q; want the address and the verdict", s)
	}
	forwarded := ladderOf(t, doc, "nat-passive-range-not-forwarded")
	drops = find(forwarded, func(n *html.Node) bool { return n.Data == "g" && attr(n, "data-verdict") == "dropped" })
	if len(drops) == 0 || attr(drops[0], "data-lane") != laneServerGW {
		t.Errorf("nat-passive-range-not-forwarded: want the drop at the server NAT, got %d drops", len(drops))
	}
}

func TestALGAndMiddleboxLanes(t *testing.T) {
	doc, _ := render(t, run(t, "alg-plain-ftp", "auth-stripped-by-middlebox", "active-behind-client-nat-alg"), HTMLOptions{})
	alg := ladderOf(t, doc, "alg-plain-ftp")
	if got, want := strings.Join(lanesOf(alg), " "), "client server-alg server-gw server"; got != want {
		t.Errorf("alg-plain-ftp lanes %q, want %q", got, want)
	}
	rewrites := find(alg, func(n *html.Node) bool { return attr(n, "data-verdict") == "rewritten" })
	if len(rewrites) != 3 || attr(rewrites[0], "data-lane") != laneServerALG {
		t.Errorf("want 3 rewrites of 227 at the server ALG (one per transfer), got %d", len(rewrites))
	}
	client := ladderOf(t, doc, "active-behind-client-nat-alg")
	if got, want := strings.Join(lanesOf(client), " "), "client client-gw client-alg server-gw server"; got != want {
		t.Errorf("active-behind-client-nat-alg lanes %q, want %q", got, want)
	}
	mb := ladderOf(t, doc, "auth-stripped-by-middlebox")
	// AUTH TLS never reaches the server: its arrow ends at the middlebox,
	// and the 502 comes from there.
	lanes := find(mb, byClass("g", "lane"))
	x := map[string]string{}
	for _, l := range lanes {
		x[attr(l, "data-lane")] = attr(find(l, func(n *html.Node) bool { return n.Data == "line" })[0], "x1")
	}
	for _, g := range find(mb, byClass("g", "arrow")) {
		line := find(g, func(n *html.Node) bool { return n.Data == "line" })[0]
		switch s := text(g); {
		case strings.Contains(s, "AUTH TLS") && hasClass(g, "cmd"):
			if attr(line, "x2") != x[laneMiddlebox] {
				t.Errorf("AUTH TLS ends at x=%s, want the middlebox at %s", attr(line, "x2"), x[laneMiddlebox])
			}
		case strings.Contains(s, "502"):
			if attr(line, "x1") != x[laneMiddlebox] {
				t.Errorf("502 starts at x=%s, want the middlebox at %s", attr(line, "x1"), x[laneMiddlebox])
			}
		}
	}
}

func TestTLSFullAndResumed(t *testing.T) {
	doc, _ := render(t, run(t, "reuse-required-client-no-reuse", "reuse-same-session-ok"), HTMLOptions{})
	count := func(svg *html.Node, class string) int { return len(find(svg, byClass("g", class))) }
	noReuse := ladderOf(t, doc, "reuse-required-client-no-reuse")
	if f, r := count(noReuse, "tls-full"), count(noReuse, "tls-resumed"); f != 2 || r != 0 {
		t.Errorf("reuse-required-client-no-reuse: %d full and %d resumed handshakes, want 2 full (control, data) and none resumed", f, r)
	}
	if n := count(noReuse, "reply-fail"); n != 1 {
		t.Errorf("reuse-required-client-no-reuse: %d failing replies drawn, want the 522", n)
	}
	notes := find(noReuse, byClass("g", "note-fail"))
	if len(notes) == 0 || !strings.Contains(text(notes[0]), "reuse policy") {
		t.Errorf("the server's refusal is not drawn: %d failure remarks", len(notes))
	}
	ok := ladderOf(t, doc, "reuse-same-session-ok")
	if f, r := count(ok, "tls-full"), count(ok, "tls-resumed"); f != 1 || r < 2 {
		t.Errorf("reuse-same-session-ok: %d full and %d resumed handshakes, want 1 full and every data connection resumed", f, r)
	}
}

// hostile is a result whose every text tries to break out of the page.
func hostile() *scenarios.Result {
	evil := `</title></text></svg><script>alert(1)</script><img src=x onerror=alert(2)>"'&`
	t0 := time.Unix(1_800_000_000, 0)
	sc := &scenarios.Scenario{Name: "evil" + evil, Summary: evil, Labels: []string{"x" + evil},
		Expect:    scenarios.Outcome{Result: scenarios.Success},
		Diagnosis: scenarios.Diagnosis{Cause: evil, Fix: evil}, Network: &scenarios.NetworkSpec{}}
	return &scenarios.Result{
		Scenario: sc, Got: scenarios.Outcome{Result: scenarios.Failure, Message: evil}, Err: errors.New(evil),
		ClientTranscript: scenarios.Transcript{
			{Time: t0, Kind: ftp.EntryCommand, Text: "USER " + evil},
			{Time: t0.Add(time.Millisecond), Kind: ftp.EntryReply, Text: "530 " + evil + "\n530 second line"},
		},
		ServerTranscripts: []scenarios.Transcript{{{Time: t0, Kind: ftp.EntryNote, Text: "refused " + evil}}},
		Timeline: faults.Timeline{Start: t0, Events: []faults.Event{
			{Time: t0.Add(time.Microsecond), Flow: 1, Verdict: faults.Dropped, Rule: "server-gateway " + evil, Detail: evil,
				Dst: netip.MustParseAddrPort("203.0.113.7:21")},
		}},
	}
}

func TestHostileTextIsEscaped(t *testing.T) {
	res := hostile()
	doc, page := render(t, []*scenarios.Result{res}, HTMLOptions{Title: "t" + res.Scenario.Summary, PcapDir: "caps"})
	if n := find(doc, func(n *html.Node) bool { return n.Data == "script" || n.Data == "img" }); len(n) != 0 {
		t.Fatalf("hostile text made %d script or img elements", len(n))
	}
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("hostile text made an attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
		}
	}
	if svgs := find(doc, byClass("svg", "ladder")); len(svgs) != 1 {
		t.Fatalf("%d ladders, want 1: the hostile text broke the diagram", len(svgs))
	}
	// The text is still there, shown as text.
	svg := find(doc, byClass("svg", "ladder"))[0]
	if !strings.Contains(text(svg), "<script>alert(1)</script>") {
		t.Errorf("the hostile reply is not shown as text in the ladder")
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("the page contains a raw <script>")
	}
	for _, a := range find(doc, byClass("a", "pcap")) {
		if h := attr(a, "href"); !strings.HasPrefix(h, "caps/evil") || strings.ContainsAny(h, "<>\"' ") {
			t.Errorf("pcap link %q is not an escaped path under caps/", h)
		}
	}
}

func TestServerRemarksFollowTheirCommand(t *testing.T) {
	// The server's clock runs two hours ahead (an advance-clock step),
	// yet its refusal of RETR belongs between RETR and the next command.
	t0 := time.Unix(1_800_000_000, 0)
	ahead := t0.Add(2 * time.Hour)
	ms := func(t time.Time, n int) time.Time { return t.Add(time.Duration(n) * time.Millisecond) }
	res := &scenarios.Result{
		Scenario: &scenarios.Scenario{Name: "clock"},
		ClientTranscript: scenarios.Transcript{
			{Time: ms(t0, 0), Kind: ftp.EntryCommand, Text: "NOOP"},
			{Time: ms(t0, 1), Kind: ftp.EntryReply, Text: "200 ok"},
			{Time: ms(t0, 10), Kind: ftp.EntryCommand, Text: "RETR a"},
			{Time: ms(t0, 12), Kind: ftp.EntryReply, Text: "522 no"},
			{Time: ms(t0, 20), Kind: ftp.EntryCommand, Text: "QUIT"},
		},
		ServerTranscripts: []scenarios.Transcript{{
			{Time: ms(t0, 0), Kind: ftp.EntryCommand, Text: "NOOP"},
			{Time: ms(ahead, 10), Kind: ftp.EntryCommand, Text: "RETR a"},
			{Time: ms(ahead, 11), Kind: ftp.EntryNote, Text: "data 1 rejected: reuse policy \"same\" not met"},
			{Time: ms(ahead, 30), Kind: ftp.EntryNote, Text: "late remark"},
		}},
	}
	l := buildLadder(res)
	var order []string
	for _, r := range l.Rows {
		order = append(order, r.Text)
	}
	got := strings.Join(order, " | ")
	want := `NOOP | 200 ok | RETR a | server: data 1 rejected: reuse policy "same" not met | 522 no | server: late remark | QUIT`
	if got != want {
		t.Errorf("rows\n got %s\nwant %s", got, want)
	}
}

func TestWriteHTMLRejectsAResultWithoutScenario(t *testing.T) {
	err := WriteHTML(&bytes.Buffer{}, []*scenarios.Result{{}}, HTMLOptions{})
	if err == nil || !strings.Contains(err.Error(), "results[0]") {
		t.Fatalf("err = %v, want one naming results[0]", err)
	}
}

func TestMismatchesOpenOthersCollapsed(t *testing.T) {
	results := run(t, "explicit-tls", "plain-ftp")
	bad := *results[1]
	bad.Match = false
	doc, _ := render(t, []*scenarios.Result{results[0], &bad}, HTMLOptions{TranscriptDir: "../tr"})
	var open []bool
	for _, d := range find(doc, func(n *html.Node) bool { return n.Data == "details" && !hasClass(n, "transcripts") }) {
		_, isOpen := attrOK(d, "open")
		open = append(open, isOpen)
	}
	if len(open) != 2 || open[0] || !open[1] {
		t.Errorf("details open = %v, want [false true] (only the mismatch open)", open)
	}
	links := find(doc, byClass("a", "transcript"))
	if len(links) != 2 || attr(links[1], "href") != "../tr/plain-ftp.txt" {
		t.Errorf("transcript links %v, want ../tr/NAME.txt", links)
	}
	if len(find(doc, byClass("a", "pcap"))) != 0 {
		t.Errorf("pcap links without a PcapDir")
	}
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func TestTranscriptBlocks(t *testing.T) {
	results := run(t, "reuse-required-client-no-reuse")
	doc, _ := render(t, append(results, hostile()), HTMLOptions{})
	sections := find(doc, func(n *html.Node) bool { return n.Data == "section" })
	if len(sections) != 2 {
		t.Fatalf("%d sections, want 2", len(sections))
	}
	// Each section holds one collapsed block with the client's and every
	// server session's transcript, as text.
	for i, s := range sections {
		blocks := find(s, byClass("details", "transcripts"))
		if len(blocks) != 1 {
			t.Fatalf("section %d: %d transcript blocks, want 1", i, len(blocks))
		}
		if _, open := attrOK(blocks[0], "open"); open {
			t.Errorf("section %d: the transcripts are open; they should start collapsed", i)
		}
	}
	pres := func(s *html.Node, side string) []string {
		var out []string
		for _, p := range find(s, func(n *html.Node) bool { return n.Data == "pre" && attr(n, "data-side") == side }) {
			out = append(out, text(p))
		}
		return out
	}
	res := results[0]
	client, servers := pres(sections[0], "client"), pres(sections[0], "server")
	if len(client) != 1 || client[0] != res.ClientTranscript.String() {
		t.Errorf("client transcript block %q, want the client's transcript", client)
	}
	if len(servers) != len(res.ServerTranscripts) || len(servers) == 0 {
		t.Fatalf("%d server transcript blocks for %d server sessions", len(servers), len(res.ServerTranscripts))
	}
	if !strings.Contains(servers[0], "reuse policy") {
		t.Errorf("the server's transcript lacks its refusal (reuse policy): %q", servers[0])
	}
	evil := pres(sections[1], "client")
	if len(evil) != 1 || !strings.Contains(evil[0], "<script>alert(1)</script>") {
		t.Errorf("the hostile client transcript is not shown as text: %q", evil)
	}
	if s := pres(sections[1], "server"); len(s) != 1 || !strings.Contains(s[0], "refused </title>") {
		t.Errorf("the hostile server transcript is not shown as text: %q", s)
	}
	if tl := find(sections[1], byClass("pre", "timeline")); len(tl) != 1 || !strings.Contains(text(tl[0]), "DROPPED") && !strings.Contains(strings.ToLower(text(tl[0])), "dropped") {
		t.Errorf("the network timeline block is missing or lacks the drop: %d blocks", len(tl))
	}
}
