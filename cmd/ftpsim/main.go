// Command ftpsim runs the ftpsim FTPS simulator from the shell, for people
// who test non-Go software (curl, lftp, FileZilla, their own client or
// server) and for CI jobs that do not write Go.
//
// Usage:
//
//	ftpsim run [NAME|FILE]   run scenarios and report expected vs actual
//	ftpsim list              list the scenario catalogue
//	ftpsim serve [flags]     run an FTPS server on loopback
//	ftpsim certs --out DIR   write the good and bad test certificates
//	ftpsim help [command]    explain a command and its flags
//
// Run "ftpsim help serve" for the server's flags.
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
		{"certs", "write the good and bad test certificates, with an index", runCerts},
		{"probe", "diagnose a real FTPS server: TLS, certificate, NAT, session reuse, transfer", runProbe},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitUsage is returned for bad flags or arguments: exit status 2.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commandList {
		if c.name == name {
			err := c.run(rest, stdout, stderr)
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			case errors.Is(err, errMismatch):
				return 1
			default:
				fmt.Fprintf(stderr, "ftpsim %s: %v\n", name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "ftpsim: unknown command %q\n\n", name)
	usage(stderr)
	return 2
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
Run "ftpsim <command> --help" for a command's flags.
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

// parseFlags parses args and turns flag errors into errUsage (the flag
// package has already printed the problem and the usage).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
