// Command ftpsim runs the ftpsim FTPS simulator from the shell, for people
// who test non-Go software (curl, lftp, FileZilla, their own client or
// server) and for CI jobs that do not write Go.
//
// Usage:
//
//	ftpsim run [NAME|FILE]   run scenarios and report expected vs actual
//	ftpsim list              list the scenario catalogue
//	ftpsim serve [flags]     run an FTPS server on loopback
//	ftpsim proxy [flags]     put a virtual network's faults in front of a server
//	ftpsim fault add|remove|list   change a running serve's or proxy's toxics (--api)
//	ftpsim probe URL         diagnose a real FTPS server
//	ftpsim diagnose FILE...  name the scenario behind a customer's log
//	ftpsim certs --out DIR   write the good and bad test certificates
//	ftpsim version           print the version (also --version)
//	ftpsim help [command]    explain a command and its flags
//
// Flags may come before or after arguments ("ftpsim run NAME -v").
// Run "ftpsim help serve" for the server's flags.
//
// Exit status: 0 when everything behaved as expected; 1 when a scenario's
// outcome differed from its expectation (or probe found problems); 2 for
// a usage error: a bad flag or value, an unknown command or scenario, an
// unreadable scenario file; 3 when the run could not take place.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand of ftpsim.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commandList []command

func init() {
	commandList = []command{
		{"run", "run scenarios in-process and report expected vs actual outcomes", runRun},
		{"list", "list the scenario catalogue", runList},
		{"serve", "run an FTPS server (explicit, implicit, plain) on loopback", runServe},
		{"proxy", "put a virtual network's faults in front of an existing FTP/FTPS server", runProxy},
		{"fault", "add, remove and list toxics of a running serve or proxy (its --api)", runFault},
		{"certs", "write the good and bad test certificates, with an index", runCerts},
		{"probe", "diagnose a real FTPS server: TLS, certificate, NAT, session reuse, transfer", runProbe},
		{"diagnose", "name the scenario behind a customer's log (curl -v, lftp, ftplib, FileZilla, server logs) and write it as YAML", runDiagnose},
		{"version", "print the ftpsim version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" && len(args) == 1 {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commandList {
		if c.name == name {
			return exitCode(name, c.run(rest, stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "ftpsim: unknown command %q%s\nRun \"ftpsim --help\" for the commands.\n", name, didYouMean(name, commandNames()))
	return exitUsage
}

// exitCode prints err (if the command has not) and maps it to an exit
// status.
func exitCode(name string, err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ftpsim %s: %s\nRun \"ftpsim %s --help\" for its flags.\n", name, ue.msg, name)
		return exitUsage
	case errors.Is(err, errUsage):
		return exitUsage // already explained
	case errors.Is(err, errMismatch):
		return exitMismatch
	default:
		fmt.Fprintf(stderr, "ftpsim %s: %v\n", name, err)
		return exitFailed
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `ftpsim: an FTPS test server, client and fault-injection simulator.

Usage:
  ftpsim <command> [flags]

Commands:`)
	for _, c := range commandList {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, `
Run "ftpsim <command> --help" for a command's flags; flags may follow arguments.
Exit status: 0 as expected, 1 a scenario mismatched (or probe found problems),
2 usage error (bad flag, unknown command or scenario, unreadable file),
3 the run could not take place.
Everything listens on loopback (127.0.0.1) unless you say otherwise.`)
}

// newFlagSet returns a flag set whose --help prints the summary, usage line,
// description and every flag.
func newFlagSet(name, usageLine, description string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ftpsim "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: ftpsim %s %s\n\n%s\n\nFlags:\n", name, usageLine, description)
		fs.PrintDefaults()
	}
	return fs
}
