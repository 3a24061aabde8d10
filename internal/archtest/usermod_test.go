package archtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserModule builds and runs testdata/usermod as a user's own module
// (a require of github.com/ftpsim/ftpsim and a replace pointing here): the
// README's "test in 20 lines" taken from README.md, catalogue runs, target verdicts, the docker products
// and a Ginkgo spec with the suites matchers. An exported name a user's
// module cannot call fails it at compile time.
func TestUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join("testdata", "usermod")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		if name == "go.mod.in" {
			name, b = "go.mod", []byte(strings.ReplaceAll(string(b), "REPO", root))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The README's example, exactly as a user would paste it.
	example, err := readmeExample(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "readme_example_test.go"), []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	// The user's go.sum starts as ours: every module it needs is one of
	// ours, so no download is needed when the cache has them.
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	for _, args := range [][]string{{"mod", "tidy"}, {"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the user module: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
}

// readmeExample returns README.md's "test in 20 lines" as a test file of
// the user module, with the imports it needs.
func readmeExample(readme string) (string, error) {
	b, err := os.ReadFile(readme)
	if err != nil {
		return "", err
	}
	const start = "func TestUploadResumesTLSSession(t *testing.T) {\n"
	s := string(b)
	i := strings.Index(s, start)
	if i < 0 {
		return "", fmt.Errorf("%s: no %q", readme, strings.TrimSpace(start))
	}
	j := strings.Index(s[i:], "\n}\n")
	if j < 0 {
		return "", fmt.Errorf("%s: the example does not end", readme)
	}
	return `package usermod

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

` + s[i:i+j+3], nil
}
