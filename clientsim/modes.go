package clientsim

import (
	"crypto/tls"
	"fmt"
)

type reuseKind int

const (
	reusePerConnection reuseKind = iota
	reuseOpenSSL
	reuseNone
	reuseShared
)

// SessionReuse says whether and how data connections resume a TLS session.
// Use [ReuseNone], [ReusePerConnection], [ReuseLikeOpenSSL] or
// [ReuseShared]; the zero value is
// [ReusePerConnection].
type SessionReuse struct {
	kind  reuseKind
	cache tls.ClientSessionCache
}

var (
	// ReuseNone disables the client session cache: every data connection
	// does a full handshake, like Python's stock ftplib. Servers that require
	// reuse (vsftpd require_ssl_reuse, ProFTPD, FileZilla Server) refuse the
	// data connection (S01).
	ReuseNone = SessionReuse{kind: reuseNone}

	// ReusePerConnection (the default) gives each control connection its own
	// fresh tls.NewLRUClientSessionCache. Only the control connection stores
	// sessions in it; data connections offer the control connection's latest
	// session under the same key and never store (tickets the server sends
	// on a data connection are dropped, and a failed resumption does not
	// evict the control session), so every data connection resumes the
	// control session, as FileZilla and curl do.
	ReusePerConnection = SessionReuse{kind: reusePerConnection}

	// ReuseLikeOpenSSL gives each control connection its own cache, as
	// ReusePerConnection does, but keeps it the way an OpenSSL client
	// (curl 7.88) does: a session received on any connection, control or
	// data, replaces the saved one, and a TLS 1.3 session is offered only
	// once (it leaves the cache when offered). A data connection that
	// brings no new ticket (an upload to ProFTPD 1.3.8, which sends its
	// ticket with its first write, see sim.Server.TicketsOnFirstWrite)
	// therefore leaves nothing to resume, and the next data connection
	// is a full handshake, which a reuse-requiring server refuses
	// (measured with real curl: upload then download fails with curl's
	// (18); scenario proftpd-tls13-download-after-upload). TLS 1.2
	// sessions are offered again and again.
	ReuseLikeOpenSSL = SessionReuse{kind: reuseOpenSSL}
)

// ReuseShared uses cache for control and data connections and keys it
// exactly like crypto/tls does by default (clientSessionCacheKey): by the
// configured ServerName ([WithServerName] or the base config's), else by
// the connection's remote address "ip:port". Data connections store what
// they receive, as with a stock tls.Config. Consequences, on purpose:
//   - dialing an IP without a configured ServerName keys the control
//     session by "ip:21" and looks the data session up by "ip:5xxxx", so it
//     misses and the data connection does a full handshake (S02);
//   - one cache shared by several control connections to the same server
//     name hands one session's ticket to another session's data connection
//     (S03).
//
// The name used for verification and SNI is unaffected: it is still the
// configured name or the host of the dialed address.
func ReuseShared(cache tls.ClientSessionCache) SessionReuse {
	return SessionReuse{kind: reuseShared, cache: cache}
}

// String names the mode for test tables and reports.
func (r SessionReuse) String() string {
	switch r.kind {
	case reuseNone:
		return "ReuseNone"
	case reuseShared:
		return "ReuseShared"
	case reuseOpenSSL:
		return "ReuseLikeOpenSSL"
	}
	return "ReusePerConnection"
}

// PassiveMode says which passive command opens data connections.
type PassiveMode int

const (
	// EPSVFirst sends EPSV (RFC 2428) and, if the server answers 5xx, PASV,
	// remembering for the rest of the session that EPSV failed. Default.
	EPSVFirst PassiveMode = iota
	// PASVOnly sends only PASV (RFC 959).
	PASVOnly
)

// String names the mode.
func (m PassiveMode) String() string {
	switch m {
	case EPSVFirst:
		return "EPSVFirst"
	case PASVOnly:
		return "PASVOnly"
	}
	return fmt.Sprintf("PassiveMode(%d)", int(m))
}

// ActiveMode says which command announces an active-mode listener.
type ActiveMode int

const (
	// PORT announces an IPv4 listener (RFC 959).
	PORT ActiveMode = iota + 1
	// EPRT announces an IPv4 or IPv6 listener (RFC 2428).
	EPRT
)

// String names the mode.
func (m ActiveMode) String() string {
	switch m {
	case PORT:
		return "PORT"
	case EPRT:
		return "EPRT"
	}
	return fmt.Sprintf("ActiveMode(%d)", int(m))
}

// PASVAddressPolicy says what the client does with the IP address in a 227
// reply. EPSV replies carry no address: the client always uses the control
// connection's remote IP for them.
type PASVAddressPolicy int

const (
	// SkipLikeCurl ignores the 227 IP and dials the control connection's
	// remote IP with the 227 port, like curl since 7.74 (CVE-2020-8284).
	// Default.
	SkipLikeCurl PASVAddressPolicy = iota
	// Trust dials the 227 address as given, like Python's ftplib with
	// trust_server_pasv_ipv4_address.
	Trust
	// FixBogusLikeLftp dials the 227 address unless it looks bogus, in which
	// case it uses the control connection's remote IP (lftp, jlaffaye/ftp's
	// isBogusDataIP): the 227 IP is multicast or unspecified, or it is
	// private while the control IP is not (or the reverse), or loopback
	// while the control IP is not (or the reverse).
	FixBogusLikeLftp
	// FixReservedLikeLftp is lftp 4.9's own rule (ftp:fix-pasv-address):
	// the control connection's remote IP replaces a 227 address that is
	// reserved (0.0.0.0/8, 240.0.0.0/4, or in 127.0.0.0/8 but not
	// 127.0.0.1), multicast, private while the control IP is not, or
	// 127.0.0.1 while the control IP is not. Unlike FixBogusLikeLftp it
	// never fixes the reverse cases, and 127.0.0.2 behind 127.0.0.1 is
	// fixed ("Address returned by PASV seemed to be incorrect and has been
	// fixed").
	FixReservedLikeLftp
	// FallbackUnroutableLikeFileZilla replaces a 227 address that is not
	// routable (private, loopback, link-local, unspecified) with the
	// control connection's remote IP when that one is routable, like
	// FileZilla ("Server sent passive reply with unroutable address. Using
	// server address instead.").
	FallbackUnroutableLikeFileZilla
)

// String names the policy.
func (p PASVAddressPolicy) String() string {
	switch p {
	case SkipLikeCurl:
		return "SkipLikeCurl"
	case Trust:
		return "Trust"
	case FixBogusLikeLftp:
		return "FixBogusLikeLftp"
	case FixReservedLikeLftp:
		return "FixReservedLikeLftp"
	case FallbackUnroutableLikeFileZilla:
		return "FallbackUnroutableLikeFileZilla"
	}
	return fmt.Sprintf("PASVAddressPolicy(%d)", int(p))
}
