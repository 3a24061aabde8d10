// Package fidelity holds the differential tests that prove sim's server
// personas and clientsim's client personas behave like the real programs.
//
// Servers (TestServerFidelity): the same command script runs against a
// real server (vsftpd, ProFTPD, pure-ftpd, pyftpdlib and some of their
// variants, started by internal/peers) and against sim with the matching
// persona; the transcripts are compared reply by reply, code and text,
// after normalising ports, clock times and greeting banners. Addresses are
// not normalised: a 227 that advertises 127.0.0.2 must match one that does.
//
// Clients (TestClientFidelity): a real client (curl, lftp, Python ftplib)
// and clientsim under its persona each run the same session against sim
// servers set up alike; the TLS-relevant profile each server recorded
// ([ClientProfile]) is compared.
//
// Both tests log a fidelity table (case × persona: match, DIFFERS, known)
// followed by every difference; see it with
//
//	go test -run Fidelity -v ./suites/fidelity
//
// A row whose program is not installed is skipped with the
// NotInstalledError message (run .ci/install-peers.sh as root).
//
// The package itself is the scripted raw client ([Run], [Step]), the case
// catalogue ([ServerCases]), the normaliser ([Normalize], [Compare]), the
// client profile and the table ([Table]).
package fidelity
