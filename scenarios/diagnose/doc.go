// Package diagnose reads the log a customer sends (curl -v output, an lftp
// debug log, Python ftplib's debug output, a FileZilla or WinSCP log, a
// vsftpd, ProFTPD, pure-ftpd or FileZilla Server log) and says which of
// the catalogue's scenarios it is, with the evidence lines that support
// each, the cause and the fix, and writes a scenario file that reproduces
// it (ftpsim diagnose).
//
// [ParseLog] recognises one file's format and turns its lines into
// [Event]s: commands sent, replies received, TLS events (handshake,
// resumption, alerts, certificate errors), connections and errors, each
// with its file and line number. Passwords never leave the parser: a PASS
// argument is replaced by "****" before anything stores the line.
//
// [Analyze] joins the events of one incident (several files, such as the
// client's and the server's log) into an [Incident]: the programs on both
// sides, the TLS settings, the passive or active addresses (classified
// against the control peer), the timings and the point of failure in the
// vocabulary of [scenarios.Outcome] (phase, reply code, class). Addresses
// and user names are data: nothing here dials them.
//
// [Report.ServerFix] names the settings of the server the log shows
// (vsftpd, ProFTPD, pure-ftpd, FileZilla Server) that the fix changes.
//
// [Match] scores every scenario of [scenarios.Catalogue] against the
// incident, by how well its expected outcome and its server, client and
// network settings agree with what the log shows, and ranks them. A
// [Report] holds the ranking with the evidence of every point, the facts
// the log lacks, and [Report.Reproduction], a scenario (persona, client
// settings, network) that [scenarios.Run] and ftpsim run reproduce with
// the same failure phase and reply code as the log.
package diagnose
