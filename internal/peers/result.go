package peers

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result is the outcome of one client run.
type Result struct {
	// Client names the client and its options, as Client.Name.
	Client string
	// Args is the command line, with the password masked.
	Args []string
	// ExitCode is the exit status; -1 when the process was killed (see
	// TimedOut) or could not start.
	ExitCode int
	// TimedOut reports that the run hit its deadline and was killed.
	TimedOut bool
	// Output is stdout and stderr interleaved as written.
	Output string
	// Stdout and Stderr are the two streams alone.
	Stdout, Stderr string
	// Trace is the protocol trace: curl's -v output (its stderr), lftp's
	// -d output (its stderr), ftplib's debug output (its stdout).
	Trace string
	// Duration is the wall time of the run.
	Duration time.Duration
}

// OK reports whether the client exited with status 0 in time.
func (r *Result) OK() bool { return r.ExitCode == 0 && !r.TimedOut }

// replyLine matches a server reply in the trace of curl ("< 226 Done"),
// lftp ("<--- 226 Done") and ftplib ("*resp* '226 Done'"). For curl and lftp
// only the last line of a multi-line reply ("226 ", not "226-") counts; ftplib
// prints a multi-line reply as one line.
var replyLine = regexp.MustCompile(`(?m)^(?:(?:< |<--- )([1-5][0-9]{2})(?: |$)|\*resp\* ['"]([1-5][0-9]{2}))`)

// Replies returns the FTP reply codes the server sent, in order, as seen in
// the client's trace.
func (r *Result) Replies() []int {
	return parseReplies(r.Trace)
}

// HasReply reports whether the server sent a reply with the given code.
func (r *Result) HasReply(code int) bool {
	return slices.Contains(r.Replies(), code)
}

func parseReplies(trace string) []int {
	var codes []int
	for _, m := range replyLine.FindAllStringSubmatch(strings.ReplaceAll(trace, "\r", ""), -1) {
		c, _ := strconv.Atoi(m[1] + m[2]) // exactly one group matched
		codes = append(codes, c)
	}
	return codes
}

// outputTail is how much output String includes.
const outputTail = 3 << 10

// String summarises the run for a test failure message: client, command
// line, exit status, duration and the end of the output.
func (r *Result) String() string {
	status := fmt.Sprintf("exit %d", r.ExitCode)
	if r.TimedOut {
		status = "killed at deadline"
	}
	out := r.Output
	if len(out) > outputTail {
		out = "[...]" + out[len(out)-outputTail:]
	}
	return fmt.Sprintf("%s: %s after %v\n$ %s\n%s", r.Client, status, r.Duration.Round(time.Millisecond),
		strings.Join(r.Args, " "), out)
}
