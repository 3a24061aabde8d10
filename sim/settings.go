package sim

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TLSPolicy says whether TLS is optional, required or unavailable on a
// channel. The zero value is [TLSOptional].
type TLSPolicy int

const (
	// TLSOptional accepts TLS and cleartext.
	TLSOptional TLSPolicy = iota
	// TLSRequired refuses cleartext: on the control channel USER/PASS
	// before AUTH; on the data channel a transfer under PROT C.
	TLSRequired
	// TLSDisabled offers no TLS: AUTH is answered as not implemented.
	TLSDisabled
)

// String returns "optional", "required" or "off".
func (p TLSPolicy) String() string {
	switch p {
	case TLSOptional:
		return "optional"
	case TLSRequired:
		return "required"
	case TLSDisabled:
		return "off"
	}
	return "TLSPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseTLSPolicy parses "optional", "required" or "off".
func ParseTLSPolicy(s string) (TLSPolicy, error) {
	switch strings.ToLower(s) {
	case "optional", "":
		return TLSOptional, nil
	case "required", "require", "on":
		return TLSRequired, nil
	case "off", "disabled", "none":
		return TLSDisabled, nil
	}
	return 0, fmt.Errorf("sim: unknown TLS policy %q (want required, optional or off)", s)
}

// ReusePolicy says which TLS sessions a protected data connection must
// resume. The zero value is [ReuseOff].
type ReusePolicy int

const (
	// ReuseOff accepts full handshakes on data connections (pure-ftpd,
	// pyftpdlib).
	ReuseOff ReusePolicy = iota
	// ReuseAny requires the data connection to resume some session this
	// server issued (vsftpd's require_ssl_reuse checks only that).
	ReuseAny
	// ReuseSame requires the data connection to resume a session issued on
	// this very control connection (ProFTPD, FileZilla Server 1.x). It
	// defeats connection stealing and the shared-cache mix-up of S03.
	ReuseSame
)

// String returns "off", "any" or "same".
func (p ReusePolicy) String() string {
	switch p {
	case ReuseOff:
		return "off"
	case ReuseAny:
		return "any"
	case ReuseSame:
		return "same"
	}
	return "ReusePolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseReusePolicy parses "off", "any" or "same".
func ParseReusePolicy(s string) (ReusePolicy, error) {
	switch strings.ToLower(s) {
	case "off", "none", "":
		return ReuseOff, nil
	case "any":
		return ReuseAny, nil
	case "same":
		return ReuseSame, nil
	}
	return 0, fmt.Errorf("sim: unknown reuse policy %q (want off, any or same)", s)
}

// PortRange is an inclusive range of TCP ports for passive listeners.
// The zero value means "any free port". It is [ftp.PortRange], the one
// port range type of ftpsim, under this package's name.
type PortRange = ftp.PortRange

// ParsePortRange parses "LOW-HIGH" (or a single port) with the one
// port range parser, [ftp.ParsePortRange].
func ParsePortRange(s string) (PortRange, error) { return ftp.ParsePortRange(s) }

// Perm is what a user may do.
type Perm int

const (
	// PermReadWrite may list, download, upload, rename and delete.
	PermReadWrite Perm = iota
	// PermReadOnly may list and download; anything that writes gets 550.
	PermReadOnly
)

// User is an account on the server.
type User struct {
	Name     string
	Password string
	Perm     Perm
}

// Default credentials of a server whose Users list is empty.
const (
	DefaultUser     = "ftpsim"
	DefaultPassword = "ftpsim"
)

// ParseUser parses "NAME:PASSWORD" (an optional ":ro" suffix makes the user
// read-only).
func ParseUser(s string) (User, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return User{}, fmt.Errorf("sim: bad user %q (want NAME:PASSWORD)", s)
	}
	u := User{Name: name, Password: rest}
	if p, found := strings.CutSuffix(rest, ":ro"); found {
		u.Password, u.Perm = p, PermReadOnly
	}
	return u, nil
}

func prefixContains(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// CCCNotify says when, after its 200 to CCC, the server sends the
// close_notify that ends TLS on the control connection. A client that
// sends its own close_notify once it has read the 200, as lftp 4.9
// (GnuTLS) does, races the server's: if the server's arrives first,
// together with the 200 or before lftp has acted on it, lftp takes it for
// the end of the connection ("Peer closed connection"), hangs up and
// retries. Measured against real pure-ftpd 1.0.50 on loopback: lftp with
// ftp:ssl-use-ccc fails in 6 to 9 of 10 runs when idle and not at all
// when pure-ftpd runs under strace; the timing, so the machine's load,
// decides. The zero value is [CCCNotifyAtOnce].
type CCCNotify int

const (
	// CCCNotifyAtOnce sends the close_notify right after the 200, in a
	// write of its own, without waiting for the client's: the race above,
	// as pure-ftpd 1.0.50 does (its tls_close_session runs right after
	// the reply).
	CCCNotifyAtOnce CCCNotify = iota
	// CCCNotifyWithReply sends the 200 and the close_notify in one write,
	// so a client reads them together: the losing side of the race, every
	// time (lftp fails, as against a loaded real pure-ftpd).
	CCCNotifyWithReply
	// CCCNotifyAfterClient sends the 200, waits for the client's
	// close_notify and only then sends its own: the winning side of the
	// race, every time (lftp goes on in cleartext).
	CCCNotifyAfterClient
)

// String returns "at-once", "with-reply" or "after-client".
func (n CCCNotify) String() string {
	switch n {
	case CCCNotifyAtOnce:
		return "at-once"
	case CCCNotifyWithReply:
		return "with-reply"
	case CCCNotifyAfterClient:
		return "after-client"
	}
	return "CCCNotify(" + strconv.Itoa(int(n)) + ")"
}
