package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
)

// Exit statuses. They are part of the command's interface: CI scripts
// tell a regression (1) from a typo in their own job (2) and from a run
// that could not take place at all (3).
const (
	exitOK       = 0 // every scenario behaved as expected; the command did what was asked
	exitMismatch = 1 // a scenario's outcome differed from its expectation, a --target verdict is insecure or no-run, or probe found problems
	exitUsage    = 2 // bad flag, flag value or argument; unknown command or scenario; unreadable scenario file
	exitFailed   = 3 // the run could not take place (a port in use, a write that failed, ...)
)

// errUsage marks an error as the caller's: exit status 2.
var errUsage = errors.New("usage")

// usageError is a usage problem with its message: the command prints
// "ftpsim CMD: MSG" and a pointer to --help, never the whole help text.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return errUsage }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// parseArgs parses flags wherever they appear among the positional
// arguments ("ftpsim run NAME -v" and "ftpsim run -v NAME" are the same),
// and returns the positional arguments in order. "--" ends the flags. At
// most maxPos positional arguments are accepted (-1: any number). A flag
// error comes back as a usage error with the flag package's one-line
// message; --help comes back as flag.ErrHelp after printing the help.
func parseArgs(fs *flag.FlagSet, args []string, maxPos int) ([]string, error) {
	help := fs.Usage
	out := fs.Output()
	var msg strings.Builder
	fs.SetOutput(&msg)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = help }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				help()
				return nil, err
			}
			return nil, usagef("%s", firstLine(msg.String(), err.Error()))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...) // everything after "--" is positional
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if maxPos >= 0 && len(pos) > maxPos {
		if maxPos == 0 {
			return nil, usagef("unexpected argument %q (this command takes flags only)", pos[0])
		}
		return nil, usagef("too many arguments: %q (at most %d)", pos, maxPos)
	}
	return pos, nil
}

// parseFlags parses a command that takes no positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	_, err := parseArgs(fs, args, 0)
	return err
}

// firstLine returns the first non-empty line of s, or def.
func firstLine(s, def string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return def
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(2, len(name)/4)
	if best == "" || bestDist > limit {
		// A prefix or a word of a long name is also a likely slip.
		for _, c := range candidates {
			if len(name) >= 4 && strings.Contains(c, name) {
				return fmt.Sprintf(" (did you mean %q?)", c)
			}
		}
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// version describes this build: the module version (or "devel"), and the
// VCS revision and time when the binary was built from a checkout.
func version() string {
	v, rev, at, dirty := "devel", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		v += " " + bi.GoVersion
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		v += " " + rev
		if at != "" {
			v += " " + at
		}
	}
	return "ftpsim " + v
}

func runVersion(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", "", "Prints the ftpsim version, the Go version it was built with and, when built\nfrom a checkout, the commit.", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, version())
	return nil
}

// commandNames lists the subcommands, for suggestions.
func commandNames() []string {
	var names []string
	for _, c := range commandList {
		names = append(names, c.name)
	}
	return slices.Concat(names, []string{"help"})
}
