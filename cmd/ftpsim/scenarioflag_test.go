package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
)

// userScenario is a scenario file of a user's own: a server with its own
// account and file, behind a firewall that rejects the passive range.
const userScenario = `name: acme-upload
summary: ACME's server, its account and its report file
labels: [customer]
server:
  tls: required
  users: ["acme:s3cret"]
  files:
    - {path: /report.txt, text: "quarterly numbers\n"}
client:
  user: acme
  password: s3cret
steps:
  - {op: login}
  - {op: download, path: /report.txt}
expect: {result: success}
diagnosis: {cause: "a clean path", fix: "nothing"}
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScenarioFlag(t *testing.T) {
	file := writeFile(t, "acme.yaml", userScenario)
	sc, err := scenarioFlag(file)
	if err != nil || sc.Name != "acme-upload" || sc.Server.Users[0] != "acme:s3cret" {
		t.Fatalf("--scenario FILE: %+v, %v", sc, err)
	}
	item := func(s string) string { return "  - " + indent(s, "    ")[4:] }
	two := writeFile(t, "two.yaml", "scenarios:\n"+item(userScenario)+item(strings.Replace(userScenario, "acme-upload", "acme-other", 1)))
	if _, err := scenarioFlag(two); err == nil || !strings.Contains(err.Error(), "#NAME") {
		t.Errorf("a file of two scenarios without #NAME: %v", err)
	}
	if sc, err := scenarioFlag(two + "#acme-other"); err != nil || sc.Name != "acme-other" {
		t.Errorf("FILE#NAME: %+v, %v", sc, err)
	}
	if _, err := scenarioFlag(two + "#acme-othr"); err == nil || !strings.Contains(err.Error(), `did you mean "acme-other"`) {
		t.Errorf("FILE#typo: %v", err)
	}
	if sc, err := scenarioFlag("vsftpd-reuse-required"); err != nil || sc.Server.Persona != "vsftpd" {
		t.Errorf("catalogue name: %+v, %v", sc, err)
	}

	// Every bad file is refused with one line and exit status 2.
	bad := writeFile(t, "bad.yaml", strings.Replace(userScenario, "tls: required", "tls: mandatory\n  bogus: 1", 1))
	invalid := writeFile(t, "invalid.yaml", strings.Replace(strings.Replace(userScenario, "tls: required", "tls: mandatory", 1), "result: success", "result: maybe", 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--scenario", filepath.Join(t.TempDir(), "missing.yaml")}, "no such file"},
		{[]string{"serve", "--scenario", bad}, "bogus"},
		{[]string{"serve", "--scenario", invalid}, "mandatory"},
		{[]string{"serve", "--scenario", "vsftpd-reuse-requird"}, `did you mean "vsftpd-reuse-required"`},
		{[]string{"serve", "--network", filepath.Join(t.TempDir(), "missing.yaml")}, "no such file"},
		{[]string{"serve", "--network", file}, "without a network: section"},
		{[]string{"proxy", "--target", "127.0.0.1:2121", "--pasv-ports", "30000-30009", "--network", bad}, "bogus"},
	} {
		args := tc.args
		if args[0] == "serve" {
			args = append(args, "--addr", "127.0.0.1:0")
		}
		code, out, errOut := runCmd(args...)
		first, rest, _ := strings.Cut(errOut, "\n")
		if code != exitUsage || !strings.Contains(first, tc.want) || strings.Count(rest, "\n") > 1 || out != "" {
			t.Errorf("%v: exit %d, want 2 and one line with %q:\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
}

// --network takes a network document or a whole scenario file.
func TestNetworkFlagScenarioFile(t *testing.T) {
	withNet := userScenario + "network:\n  server_nat: true\n  passive_forward: none\n  inbound: reject\n"
	spec, err := networkFlag(writeFile(t, "net-scenario.yaml", withNet))
	if err != nil || !spec.PassiveForward.None || spec.Inbound != faults.Reject {
		t.Fatalf("--network SCENARIO.yaml: %+v, %v", spec, err)
	}
	spec, err = networkFlag(writeFile(t, "net.yaml", "passive_forward: none\ninbound: reject\n"))
	if err != nil || !spec.PassiveForward.None || spec.Inbound != faults.Reject {
		t.Fatalf("--network NET.yaml: %+v, %v", spec, err)
	}
	// A network: section alone, as copied out of a scenario file.
	spec, err = networkFlag(writeFile(t, "section.yaml", "network:\n  passive_forward: none\n  inbound: reject\n"))
	if err != nil || !spec.PassiveForward.None || spec.Inbound != faults.Reject {
		t.Fatalf("--network with a network: section alone: %+v, %v", spec, err)
	}
	if spec, err = networkFlag(writeFile(t, "empty.yaml", "network: {}\n")); err != nil || !reflect.DeepEqual(spec, scenarios.NetworkSpec{}) {
		t.Fatalf("--network with an empty network: section: %+v, %v", spec, err)
	}
	if _, err = networkFlag(writeFile(t, "bogus.yaml", "network:\n  bogus: 1\n")); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("--network with an unknown key in a network: section: %v", err)
	}
	ff := faultFlags{network: writeFile(t, "s.yaml", withNet)}
	if got, sc, err := ff.spec(); err != nil || sc != nil || !got.ServerNAT {
		t.Errorf("--network with a scenario file serves only its network: %+v %v %v", got, sc, err)
	}
}

// serve --scenario FILE.yaml serves the user's server: its account and
// its file, fetched by real curl.
func TestServeScenarioFile(t *testing.T) {
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	file := writeFile(t, "acme.yaml", userScenario)
	p := startFtpsim(t, bin, "serve", "--scenario", file, "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", pasv.String(), "--ca-out", ca)
	banner := p.output()
	for _, want := range []string{"scenario acme-upload: ACME's server", "users                      acme", "expected                   success"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Timeout: 10 * time.Second, User: "acme", Password: "s3cret"}
	local := filepath.Join(t.TempDir(), "report.txt")
	r, err := newClient(t, "curl", o).Download(context.Background(), "/report.txt", local)
	if err != nil || !r.OK() {
		t.Fatalf("curl download from the user's scenario: %v\n%s", err, r)
	}
	if got, _ := os.ReadFile(local); string(got) != "quarterly numbers\n" {
		t.Fatalf("downloaded %q, want the scenario's file", got)
	}
	o.User, o.Password = "ftpsim", "ftpsim"
	if r, err := newClient(t, "curl", o).List(context.Background()); err != nil || r.OK() || !r.HasReply(530) {
		t.Fatalf("the default account must not exist on the user's server: %v\n%s", err, r)
	}
}
