// Package clientsim is an FTP/FTPS client built for testing servers and the
// network between client and server: every step is bounded, observable
// (a transcript and per-handshake [TLSEvidence]) and classified (a typed
// [*Error] with a [Phase]), and the behaviours real clients differ on are
// options rather than accidents.
//
//	c, err := clientsim.Dial(ctx, "127.0.0.1:2121", clientsim.WithRootCAs(pool))
//	err = c.Login(ctx, "ftpsim", "ftpsim")
//	n, err := c.Store(ctx, "a.bin", r)
//	n, err = c.Retrieve(ctx, "a.bin", w)
//	err = c.Quit(ctx)
//
// # TLS on the control connection
//
// The default is explicit FTPS with TLS required: after the 220 greeting
// the client sends AUTH TLS and handshakes on 234. Any other answer (500,
// 502, 504, 534, and also wrong successes like 200 or 334), a failed
// handshake, or clear text after 234 makes [Dial] fail and close the
// connection, so USER and PASS are never sent in clear ([ErrTLSRequired]).
// [WithAuthFallback] tries AUTH SSL first, then AUTH TLS, like old curl.
// [WithImplicitTLS] handshakes at connect; [WithPlain] disables TLS.
// After login, [Conn.Login] sends PBSZ 0 and PROT P (or C), also in
// implicit mode unless [WithoutPROT], and then TYPE I.
//
// # CCC
//
// [WithCCC] clears the control connection after login (RFC 4217 6) in what
// curl calls the active shutdown: on 200 the client sends its
// close_notify (tls.Conn.CloseWrite, which leaves TCP open), waits for the
// server's close_notify, and continues in clear text on the same TCP
// connection. The server must send nothing after its close_notify until
// the next command: crypto/tls may have read such bytes into its buffer,
// where they are lost. A server that closes TCP, or sends data, instead
// of close_notify fails Login with [PhaseTLS]. Data connections keep
// their PROT level and still use TLS. [WithCCCShutdown]([CCCLikeLftp]),
// which the [Lftp] persona sets, sends the client's close_notify only
// after looking for the server's, and fails with a [*CCCRaceError] when
// the server's came first, as lftp does.
//
// # Data connections
//
// Passive mode (default, [EPSVFirst]) sends EPSV, falling back to PASV for
// the rest of the session on a 5xx, and dials the data address before the
// transfer command, as curl and lftp do. The 227 address is treated per
// [PASVAddressPolicy]; EPSV always uses the control connection's IP.
// Active mode ([WithActive]) listens, announces with PORT or EPRT, and
// accepts after the 1xx. In both modes the client is the TLS client on the
// data connection (RFC 4217 7) and handshakes explicitly right after the
// 1xx, so even an empty upload completes a handshake (S09).
//
// A download is complete when the server's close_notify arrived and the
// final reply is 226 or 250. crypto/tls reports a TCP close at a record
// boundary as io.EOF, exactly like close_notify; the client tells them
// apart by whether the transport itself reported EOF, and reports a bare
// close as [ErrTruncated] even if 226 follows (unless [WithLenientTLSEOF]).
// An upload ends with the client's close_notify, then waits up to
// [Timeouts.CloseNotify] for the server's close_notify or close before
// closing TCP, so that nothing the server sent (TLS 1.3 tickets) is
// answered with a reset (S07); the final reply decides the outcome. When
// the local reader fails, the upload closes TCP without close_notify, so
// that a strict server can tell the file is incomplete.
//
// # TLS session reuse
//
// Servers such as vsftpd (require_ssl_reuse), ProFTPD and FileZilla Server
// accept a data connection only if its TLS session resumes the control
// connection's. [WithSessionReuse] chooses: [ReusePerConnection] (default)
// resumes the control session on every data connection whatever the
// address; [ReuseNone] never resumes; [ReuseShared] behaves exactly like a
// stock crypto/tls ClientSessionCache, including its known failures (S02,
// S03). TLS 1.3 tickets arrive after the handshake and are processed when
// the client next reads the control connection; the client always reads a
// reply (at least the one to USER) between the control handshake and the
// first data connection.
//
// When the server refuses the data connection's TLS, the error has
// [PhaseDataTLS] and the refusal's [ReplyCode]. vsftpd 3.0.3 with
// require_ssl_reuse answers 150, completes the handshake, sends
// close_notify, then "522 SSL connection failed: session reuse required"
// and ends the whole session (the next command sees EOF); ProFTPD's
// mod_tls does the same with "425 Unable to build data connection:
// Operation not permitted" and keeps the session. The Conn itself stays
// usable whenever the server does.
//
// # Errors
//
// Every error is an [*Error] with a [Phase] and the operation; it wraps the
// cause unchanged: [*textproto.Error] for replies ([ReplyCode]),
// crypto/tls and crypto/x509 errors for handshakes
// ([*tls.CertificateVerificationError], [x509.UnknownAuthorityError],
// [x509.HostnameError], [x509.CertificateInvalidError],
// [tls.RecordHeaderError]), [*net.OpError] for the network. An alert
// received from the peer is a [*net.OpError] with Op "remote error", as
// crypto/tls reports it on TCP. A failure to read a reply leaves the
// control stream out of step; the Conn then refuses further operations.
//
// # Seams
//
// [WithDialer] carries every dial (control and passive data), and
// [WithActiveListener] every active-mode listen, so a fault layer can
// refuse, delay or rewrite them. Addresses are read with net/netip from
// the String of whatever net.Addr the seam's connections return.
//
// # Concurrency
//
// A [Conn] runs one operation at a time. [Conn.Abort] may be called from
// another goroutine during a transfer, and [Conn.Close] at any time; Close
// waits for the interrupted operation to return, so no goroutine of the
// Conn outlives it (a caller's io.Writer or io.Reader that blocks forever
// keeps Close waiting).
package clientsim
