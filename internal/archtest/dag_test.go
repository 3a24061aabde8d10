package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ftpsim/ftpsim"

// allowed lists, per package prefix (relative to the module), which of the
// module's packages it may import. The import graph, transitive imports
// included, must stay inside it:
//
//	internal/                    <- sim/ftp, sim/pki, internal (stdlib only otherwise)
//	sim/ftp, sim/pki             <- stdlib only (the public vocabulary:
//	                                FTP wire and transcripts; test PKI)
//	faults/capture               <- stdlib and gopacket only (pcapng)
//	faults                       <- faults/capture, sim/ftp, sim/pki, internal
//	sim, clientsim               <- faults, sim/ftp, sim/pki, internal (never each other)
//	docker                       <- sim/ftp, sim/pki, internal, testcontainers-go
//	scenarios                    <- sim, clientsim, faults, internal (never docker)
//	scenarios/probe              <- scenarios (for Target) and below
//	scenarios/report             <- scenarios (for Result) and below
//	scenarios/diagnose           <- scenarios (catalogue, YAML) and below
//	suites                       <- everything; nothing imports suites
//	cmd/ftpsim                   <- scenarios and below (never docker)
//
// testcontainers-go and the Docker client (moby) are confined to docker
// and suites/docker: everything else runs without a Docker engine.
var allowed = []struct {
	pkg     string
	imports []string
}{
	{"internal/", []string{"internal/", "sim/ftp", "sim/pki"}},
	{"sim/ftp", nil},
	{"sim/pki", []string{"sim/ftp"}},
	{"faults/capture", nil},
	{"faults", []string{"faults/capture", "sim/ftp", "sim/pki", "internal/"}},
	{"sim", []string{"faults", "sim/ftp", "sim/pki", "internal/"}},
	{"clientsim", []string{"faults", "sim/ftp", "sim/pki", "internal/"}},
	{"docker", []string{"sim/ftp", "sim/pki", "internal/"}},
	{"scenarios/probe", []string{"scenarios", "sim", "clientsim", "faults", "internal/"}},
	{"scenarios/report", []string{"scenarios", "sim", "clientsim", "faults", "internal/"}},
	{"scenarios/diagnose", []string{"scenarios", "sim", "clientsim", "faults", "internal/"}},
	{"scenarios", []string{"sim", "clientsim", "faults", "internal/"}},
	{"suites", []string{"scenarios", "sim", "clientsim", "faults", "docker", "internal/", "suites"}},
	{"cmd/", []string{"scenarios", "sim", "clientsim", "faults", "internal/"}},
}

// containerLibs are the third-party modules that talk to a Docker engine;
// only the packages in containerHomes may depend on them.
var (
	containerLibs  = []string{"github.com/testcontainers/testcontainers-go", "github.com/moby/", "github.com/docker/docker"}
	containerHomes = []string{"docker", "suites/docker"}
)

// thirdPartyAllowed reports whether a module package may depend on the
// third-party package dep (the test frameworks and the container
// libraries are confined; internal/ is stdlib only).
func thirdPartyAllowed(me, dep string) (string, bool) {
	for _, fw := range testFrameworks {
		if (dep == fw || strings.HasPrefix(dep, fw+"/")) && !matches(me, "suites") {
			return "test framework " + dep + "; only suites may", false
		}
	}
	for _, lib := range containerLibs {
		if dep == strings.TrimSuffix(lib, "/") || strings.HasPrefix(dep, strings.TrimSuffix(lib, "/")+"/") {
			if !containsMatch(containerHomes, me) {
				return "container library " + dep + "; only docker and suites/docker may", false
			}
		}
	}
	if (matches(me, "internal/") || containsMatch(vocabulary, me)) && strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") {
		return "third-party " + dep + "; " + me + " is stdlib only", false
	}
	return "", true
}

// vocabulary are the public leaf packages every layer may use; like
// internal/ they depend on the standard library only.
var vocabulary = []string{"sim/ftp", "sim/pki"}

// testFrameworks may only be imported by suites (and by tests). The
// standard library's testing package is not on the list: testcontainers-go
// imports it, so docker depends on it, and that is fine.
var testFrameworks = []string{"github.com/onsi/ginkgo", "github.com/onsi/gomega"}

type pkgInfo struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkgInfo
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func matches(pkg, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(pkg+"/", prefix)
	}
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

func rulesFor(pkg string) ([]string, bool) {
	for _, a := range allowed {
		if matches(pkg, a.pkg) {
			return a.imports, true
		}
	}
	return nil, false
}

func TestImportDAG(t *testing.T) {
	for _, p := range listPackages(t) {
		me, _ := rel(p.ImportPath)
		rules, ok := rulesFor(me)
		if !ok {
			t.Errorf("%s: no layering rule; add it to allowed in %s", me, "internal/archtest/dag_test.go")
			continue
		}
		for _, dep := range p.Deps {
			if d, ok := rel(dep); ok {
				if !containsMatch(rules, d) {
					t.Errorf("%s imports %s (directly or not); STYLE.md's DAG forbids it", me, d)
				}
				continue
			}
			if why, ok := thirdPartyAllowed(me, dep); !ok {
				t.Errorf("%s imports %s (directly or not)", me, why)
			}
		}
	}
}

func containsMatch(prefixes []string, pkg string) bool {
	for _, p := range prefixes {
		if matches(pkg, p) {
			return true
		}
	}
	return false
}

// TestRulesCatchViolations checks the checker itself on made-up imports.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		pkg, dep string
		ok       bool
	}{
		{"sim", "clientsim", false},
		{"clientsim", "sim", false},
		{"sim", "sim/ftp", true},
		{"sim/ftp", "sim", false},
		{"sim/ftp", "faults", false},
		{"sim/pki", "sim/ftp", true},
		{"clientsim", "sim/ftp", true},
		{"clientsim", "sim/pki", true},
		{"faults", "sim/ftp", true},
		{"scenarios", "suites", false},
		{"cmd/ftpsim", "suites", false},
		{"cmd/ftpsim", "scenarios", true},
		{"faults", "sim", false},
		{"suites", "sim", true},
		{"scenarios", "docker", false},
		{"scenarios/probe", "scenarios", true},
		{"scenarios", "scenarios/probe", false},
		{"cmd/ftpsim", "docker", false},
		{"suites/docker", "docker", true},
		{"docker", "sim/pki", true},
		{"docker", "sim", false},
		{"docker", "sim/ftp", true},
		{"docker", "scenarios", false},
	}
	for _, c := range cases {
		rules, ok := rulesFor(c.pkg)
		if !ok {
			t.Fatalf("no rule for %s", c.pkg)
		}
		if got := containsMatch(rules, c.dep); got != c.ok {
			t.Errorf("%s -> %s: allowed=%v, want %v", c.pkg, c.dep, got, c.ok)
		}
	}
}

// TestThirdPartyRulesCatchViolations checks the confinement of the test
// frameworks and the container libraries on made-up imports.
func TestThirdPartyRulesCatchViolations(t *testing.T) {
	cases := []struct {
		pkg, dep string
		ok       bool
	}{
		{"docker", "github.com/testcontainers/testcontainers-go", true},
		{"suites/docker", "github.com/moby/moby/client", true},
		{"scenarios", "github.com/testcontainers/testcontainers-go/wait", false},
		{"cmd/ftpsim", "github.com/moby/moby/api/types", false},
		{"sim", "github.com/docker/docker/client", false},
		{"suites/conformance", "github.com/testcontainers/testcontainers-go", false},
		{"suites/conformance", "github.com/onsi/ginkgo/v2", true},
		{"docker", "github.com/onsi/gomega", false},
		{"sim/ftp", "golang.org/x/crypto/ssh", false},
		{"sim/pki", "golang.org/x/crypto/ocsp", false},
		{"scenarios", "gopkg.in/yaml.v3", true},
	}
	for _, c := range cases {
		if _, got := thirdPartyAllowed(c.pkg, c.dep); got != c.ok {
			t.Errorf("%s -> %s: allowed=%v, want %v", c.pkg, c.dep, got, c.ok)
		}
	}
}
