// Package sim is a complete in-process FTP/FTPS server for tests, shaped
// like [net/http/httptest]: [NewServer] starts one on loopback with an
// in-memory file system and a certificate from a fresh test CA, and
// [Server.Close] waits for every connection it served.
//
// It speaks explicit FTPS (AUTH TLS, AUTH SSL, TLS-C, TLS-P), implicit FTPS
// on its own listener and plain FTP, with the RFC 2228/4217 commands PBSZ,
// PROT and CCC, and policies for what real servers enforce: TLS required on
// the control or data channel, TLS session reuse on data connections (off,
// any session, or the same session as the control connection, bound
// through [crypto/tls.Config.WrapSession]), truncated uploads (no TLS
// close_notify), passive port ranges and a NAT address for 227 replies,
// foreign-address and bounce checks, users and permissions, address lists,
// connection limits and timeouts.
//
// Every session keeps a transcript ([Session.Transcript]) and the TLS
// evidence of every connection ([Session.ControlTLS], [Session.Data]), so a
// test can assert what happened on the wire, not only what a client said.
//
// The listener and dialer seams ([Server.Listener], [Server.ListenPassive],
// [Server.DialActive]) let the fault layer put the server on a simulated
// network; [Server.Replies] lets a persona change reply codes and texts.
//
// Personas ([Vsftpd], [ProFTPD], [PureFTPd], [FileZillaServer],
// [Pyftpdlib]) preset the settings and replies that make the server answer
// like those programs on the TLS paths: the code, the text and the order.
// [NewPersonaServer] returns an unstarted server with one applied; any
// setting can then be overridden. suites/fidelity compares each persona
// with the real program.
package sim
