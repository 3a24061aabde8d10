package peers

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// InstallHint is the hint carried by a [*NotInstalledError] for a program
// that .ci/install-peers.sh provides.
const InstallHint = "run .ci/install-peers.sh as root"

// NotInstalledError reports that a peer program is missing or cannot run on
// this machine. Tests skip with its message.
type NotInstalledError struct {
	// Program is what is missing, e.g. "vsftpd" or "ftpsuser account".
	Program string
	// Reason says what is wrong; empty means "not installed".
	Reason string
	// Hint says how to fix it, e.g. [InstallHint].
	Hint string
}

// Error returns e.g. "vsftpd not installed: run .ci/install-peers.sh as root".
func (e *NotInstalledError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "not installed"
	}
	if e.Hint == "" {
		return e.Program + " " + reason
	}
	return e.Program + " " + reason + ": " + e.Hint
}

// ErrNotLoopback is returned (wrapped) when an address that would be
// dialled, listened on or advertised is not a loopback address.
var ErrNotLoopback = errors.New("not loopback")

// ErrUnsupported is wrapped by a client constructor given an option the
// real program has no way to honour (lftp and NoSessionReuse).
var ErrUnsupported = errors.New("the client has no such setting")

// findProgram returns the first candidate path that is an executable file.
func findProgram(name string, candidates ...string) (string, error) {
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	if len(candidates) == 0 {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &NotInstalledError{Program: name, Hint: InstallHint}
}

// needRoot returns a [*NotInstalledError] when the process is not root.
func needRoot(program, why string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	return &NotInstalledError{
		Program: program,
		Reason:  fmt.Sprintf("cannot run without root (%s)", why),
		Hint:    "run the tests as root",
	}
}
