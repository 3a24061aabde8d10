package archtest

import (
	"os"
	"strings"
	"testing"
)

// TestRequiredDependenciesAreDirect checks that go.mod names the libraries
// users build on (Ginkgo, Gomega, testcontainers-go) as direct
// requirements. A "// indirect" mark on one of them means go.mod was not
// tidied after the code started importing it, and tells a reader of go.mod
// that the project does not depend on it.
func TestRequiredDependenciesAreDirect(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	required := []string{
		"github.com/onsi/ginkgo/v2",
		"github.com/onsi/gomega",
		"github.com/testcontainers/testcontainers-go",
	}
	lines := strings.Split(string(data), "\n")
	for _, mod := range required {
		found := false
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) >= 2 && (fields[0] == mod || (fields[0] == "require" && fields[1] == mod)) {
				found = true
				if strings.Contains(line, "// indirect") {
					t.Errorf("go.mod marks %s as indirect (%q); run go mod tidy", mod, strings.TrimSpace(line))
				}
			}
		}
		if !found {
			t.Errorf("go.mod does not require %s", mod)
		}
	}
}
