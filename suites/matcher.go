package suites

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
)

// messageTemplate renders every matcher's failure message in Gomega's
// usual shape:
//
//	Expected
//	    <what the actual value is, in FTP terms>
//	to <what the matcher wants>
//
// The description is computed by the matcher (a transcript or a 256 KiB
// download would make format.Object unreadable).
var messageTemplate = template.Must(gcustom.ParseTemplate(
	"Expected\n    {{call .Data.Describe .Actual}}\n{{.To}} {{.Data.Want}}"))

// messageData is the template data of every matcher.
type messageData struct {
	Want     string
	Describe func(actual any) string
}

// makeMatcher builds a gcustom matcher whose messages describe the actual
// value with describe. match must return an error (built with wrongType)
// for an actual value it does not understand.
func makeMatcher(want string, describe func(any) string, match func(any) (bool, error)) types.GomegaMatcher {
	d := func(actual any) string { return indentTail(describe(actual), "    ") }
	return gcustom.MakeMatcher(match).WithPrecompiledTemplate(messageTemplate, messageData{Want: want, Describe: d})
}

// wrongType is the error a matcher returns for an actual value of a type
// it does not handle, so misuse shows up as a matcher error, not as a
// plain failed assertion.
func wrongType(matcher, accepts string, actual any) error {
	return fmt.Errorf("%s expects %s, got:\n%s", matcher, accepts, format.Object(actual, 1))
}

// indentTail indents every line but the first.
func indentTail(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// lastLines returns at most n trailing lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d earlier lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
