// Package ftp is ftpsim's protocol vocabulary: the reply codes of RFC 959,
// RFC 2228, RFC 2428, RFC 3659, RFC 4217 and RFC 7151 as named constants,
// bounded command and reply framing on top of [net/textproto], and the
// encoders and parsers for the data-channel address formats (PASV's 227
// reply, EPSV's 229 reply, PORT and EPRT arguments) for IPv4 and IPv6,
// and the session [Transcript] both sides record ([Render] and
// [ParseEntries] write and read its text form).
//
// Everything here is stdlib-only and shared by the server ([github.com/ftpsim/ftpsim/sim]),
// the client ([github.com/ftpsim/ftpsim/clientsim]) and the fault layer,
// which must read the same bytes the same way.
//
// Protocol errors are reported as [*textproto.Error] (a reply with its code)
// or as the sentinels of this package ([ErrLineTooLong], [ErrMalformedReply],
// [ErrBadAddress]) wrapped with the operation that failed.
package ftp
