package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// htmlNodes returns the elements under n for which match is true.
func htmlNodes(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
		out = append(out, htmlNodes(c, match)...)
	}
	return out
}

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func htmlText(n *html.Node) string {
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

// TestRunHTMLFromOutside runs the built binary with --html on catalogue
// scenarios and a user scenario whose expectation is wrong, and reads the
// page it wrote: a ladder per scenario in order, the names, a mismatch
// row for the user scenario, transcript and capture links that lead to
// the files of --transcripts and --pcap, and each scenario's transcripts
// on the page.
func TestRunHTMLFromOutside(t *testing.T) {
	bin := buildFtpsim(t)
	dir := t.TempDir()
	user := filepath.Join(dir, "mine.yaml")
	// The client does not resume, the server requires it: a 522, yet the
	// file expects success.
	yaml := "name: user-wrong-expectation\nsummary: my server\nlabels: [mine]\nclient: {reuse: none}\nserver: {reuse: same}\n" +
		"expect: {result: success}\ndiagnosis: {cause: c, fix: f}\n"
	if err := os.WriteFile(user, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	names := []string{"explicit-tls", "nat-private-pasv-trusted", "alg-ftps-ccc", "upload-cut-midway"}
	page := filepath.Join(dir, "out", "report.html")
	if err := os.Mkdir(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(append([]string{"run"}, names...), user, "--html", page,
		"--transcripts", filepath.Join(dir, "tr"), "--pcap", filepath.Join(dir, "caps"), "-q")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("ftpsim run with a wrong expectation: %v, want exit 1\n%s", err, out.String())
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("no page written: %v\n%s", err, out.String())
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := append(names, "user-wrong-expectation")
	ladders := htmlNodes(doc, func(n *html.Node) bool { return n.Data == "svg" && strings.Contains(htmlAttr(n, "class"), "ladder") })
	if len(ladders) != len(want) {
		t.Fatalf("%d ladders for %d scenarios run", len(ladders), len(want))
	}
	for i, l := range ladders {
		if got := htmlAttr(l, "data-scenario"); got != want[i] {
			t.Errorf("ladder %d is of %q, want %q", i, got, want[i])
		}
	}
	rows := map[string]string{}
	for _, tr := range htmlNodes(doc, func(n *html.Node) bool { return n.Data == "tr" && htmlAttr(n, "data-scenario") != "" }) {
		rows[htmlAttr(tr, "data-scenario")] = htmlText(tr)
	}
	for _, n := range names {
		if r, ok := rows[n]; !ok || !strings.Contains(r, "as expected") {
			t.Errorf("summary row of %s: %q, want it as expected", n, r)
		}
	}
	if r := rows["user-wrong-expectation"]; !strings.Contains(r, "MISMATCH") || !strings.Contains(r, "success") || !strings.Contains(r, "522") {
		t.Errorf("summary row of the wrong expectation: %q, want MISMATCH, expected success, actual 522", r)
	}
	if !strings.Contains(htmlText(doc), "1 mismatched") {
		t.Errorf("the page's counts do not say 1 mismatched")
	}
	for _, l := range []struct{ class, prefix, ext string }{{"transcript", "../tr/", ".txt"}, {"pcap", "../caps/", ".pcapng"}} {
		links := htmlNodes(doc, func(n *html.Node) bool { return n.Data == "a" && htmlAttr(n, "class") == l.class })
		if len(links) != len(want) {
			t.Fatalf("%d %s links, want %d", len(links), l.class, len(want))
		}
		for i, a := range links {
			href := htmlAttr(a, "href")
			if href != l.prefix+want[i]+l.ext {
				t.Errorf("%s link %q, want it relative to the page: %s%s%s", l.class, href, l.prefix, want[i], l.ext)
			}
			if fi, err := os.Stat(filepath.Join(filepath.Dir(page), filepath.FromSlash(href))); err != nil || fi.Size() == 0 {
				t.Errorf("%s link %q leads to no file or an empty one: %v", l.class, href, err)
			}
		}
	}
	pres := htmlNodes(doc, func(n *html.Node) bool { return n.Data == "pre" && htmlAttr(n, "data-side") == "client" })
	if len(pres) != len(want) || !strings.Contains(htmlText(pres[len(pres)-1]), "522") {
		t.Errorf("%d client transcripts on the page for %d scenarios, the last one must hold the 522", len(pres), len(want))
	}
}

// TestRunHTMLRefusals: a page that cannot be written, or --html with
// --target, is a usage error before any scenario runs, and leaves no file.
func TestRunHTMLRefusals(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "explicit-tls", "--html", filepath.Join(dir, "missing", "r.html")}, "cannot write in"},
		{[]string{"run", "explicit-tls", "--html", dir}, "is a directory"},
		{[]string{"run", "explicit-tls", "--html", filepath.Join(dir, "r.html"), "--target", "ftp://u:p@127.0.0.1:21"}, "cannot be combined with --target"},
	}
	for _, c := range cases {
		code, out, errOut := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, exitUsage, c.want)
		}
		if strings.Contains(out, "explicit-tls") {
			t.Errorf("%v: a scenario ran before the refusal:\n%s", c.args, out)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("the refusals left files: %v", left)
	}
}
