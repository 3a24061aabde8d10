package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes runs the command as a CI job would and checks the
// documented statuses: 0 as expected, 1 a mismatch, 2 the caller's
// mistake, with one line saying what is wrong (never the whole help).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	mismatch := filepath.Join(dir, "mismatch.yaml")
	if err := os.WriteFile(mismatch, []byte(`name: expects-failure
client: {tls: explicit}
expect: {result: failure}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"run", "explicit-tls", "-v"}, exitOK, ""}, // flags after names
		{[]string{"run", "-v", "explicit-tls"}, exitOK, ""},
		{[]string{"run", "explicit-tls", "--", "plain-ftp"}, exitOK, ""},
		{[]string{"run", mismatch}, exitMismatch, ""},
		{[]string{"run", "explicit-tsl"}, exitUsage, `did you mean "explicit-tls"?`},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, exitUsage, "no such file"},
		{[]string{"run", "--parallel", "0", "explicit-tls"}, exitUsage, "--parallel 0"},
		{[]string{"run", "--timeout", "soon"}, exitUsage, `invalid value "soon"`},
		{[]string{"run", "--junit", filepath.Join(dir, "no", "such", "dir", "j.xml"), "explicit-tls"}, exitUsage, "--junit"},
		{[]string{"run", "--label", "no-such-label-anywhere"}, exitUsage, "no scenario matches"},
		{[]string{"list", "extra"}, exitUsage, `no scenario named "extra"`},
		{[]string{"serve", "--tls", "sometimes"}, exitUsage, "--tls"},
		{[]string{"serv"}, exitUsage, `did you mean "serve"?`},
		{[]string{"certs"}, exitUsage, "--out DIR is required"},
	}
	for _, c := range cases {
		code, out, errOut := runCmd(c.args...)
		if code != c.code {
			t.Errorf("ftpsim %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(c.args, " "), code, c.code, out, errOut)
			continue
		}
		if c.contains != "" && !strings.Contains(errOut, c.contains) {
			t.Errorf("ftpsim %s: stderr lacks %q:\n%s", strings.Join(c.args, " "), c.contains, errOut)
		}
		if c.code == exitUsage && (strings.Contains(errOut, "Flags:") || strings.Count(errOut, "\n") > 3) {
			t.Errorf("ftpsim %s: a usage error must be a line or two, not the help:\n%s", strings.Join(c.args, " "), errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, _ := runCmd(args...)
		if code != 0 || !strings.HasPrefix(out, "ftpsim ") || !strings.Contains(out, "go1.") {
			t.Errorf("ftpsim %s: exit %d, %q", args[0], code, out)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"explicit-tls", "implicit-tls", "nat-private-pasv-trusted"}
	for in, want := range map[string]string{
		"explict-tls":             "explicit-tls",
		"nat-privat-pasv-trusted": "nat-private-pasv-trusted",
		"IMPLICIT-TLS":            "implicit-tls",
		"nat-private":             "nat-private-pasv-trusted",
		"something-else-entirely": "",
		"x":                       "",
	} {
		got := didYouMean(in, names)
		if want == "" && got != "" || want != "" && !strings.Contains(got, `"`+want+`"`) {
			t.Errorf("didYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}
