// Package fidelity holds the differential tests that prove sim's server
// personas and clientsim's client personas behave like the real programs:
// the same command script runs against a real server (vsftpd, ProFTPD,
// pure-ftpd, pyftpdlib, started by internal/peers) and against sim with
// the matching persona, and the transcripts are compared, reply by reply,
// after normalising addresses, ports, timestamps and banners.
//
// The package itself is the scripted raw client ([Run], [Step]), the case
// catalogue ([ServerCases]), the normaliser ([Normalize]) and the fidelity
// table ([Table]); the tests run them.
package fidelity
