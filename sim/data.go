package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func (sess *Session) closePassive() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.pasv != nil {
		sess.pasv.Close()
		sess.pasv = nil
	}
}

// openPassive opens a listener on the control connection's local address,
// inside PassivePorts when set.
func (sess *Session) openPassive() (net.Listener, error) {
	sess.closePassive()
	sess.activeAddr = netip.AddrPort{}
	listen := sess.srv.ListenPassive
	if listen == nil {
		listen = net.Listen
	}
	ip := sess.LocalAddr.Addr()
	r := sess.srv.PassivePorts
	var ln net.Listener
	var err error
	if r.Size() == 0 {
		ln, err = listen("tcp", netip.AddrPortFrom(ip, 0).String())
	} else {
		start := rand.IntN(r.Size())
		for i := 0; i < r.Size(); i++ {
			port := uint16(int(r.Low) + (start+i)%r.Size())
			ln, err = listen("tcp", netip.AddrPortFrom(ip, port).String())
			if err == nil {
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if sess.srv.EagerAccept {
		ln = sess.acceptEagerly(ln)
	}
	sess.mu.Lock()
	sess.pasv = ln
	sess.mu.Unlock()
	sess.transcript.Add(ftp.EntryData, "passive listener %s", ln.Addr())
	return ln, nil
}

// clearDataRefused answers a data-connection set-up command under PROT C
// when data TLS is required and [Server.DataTLSAtSetup] is set.
func (sess *Session) clearDataRefused(verb string) bool {
	if !sess.srv.DataTLSAtSetup || sess.srv.DataTLS != TLSRequired || sess.prot == 'P' {
		return false
	}
	sess.transcript.Add(ftp.EntryNote, "%s refused: PROT %c but data TLS is required", verb, sess.prot)
	sess.send(sess.srv.replyVars(ReplyDataNeedsTLS, "{verb}", verb))
	return true
}

func (sess *Session) cmdPASV(string) bool {
	if sess.clearDataRefused("PASV") {
		return false
	}
	if sess.epsvAll {
		sess.send(sess.srv.reply(ReplyEPSVAll))
		return false
	}
	adv := sess.srv.PassiveAddr
	if !adv.IsValid() {
		adv = sess.LocalAddr.Addr().Unmap()
	}
	if !adv.Unmap().Is4() {
		sess.reply(ftp.CodeCantOpenData, "PASV needs IPv4; use EPSV on an IPv6 connection.")
		return false
	}
	ln, ok := sess.listenPassive()
	if !ok {
		return false
	}
	hp, _ := ftp.FormatHostPort(netip.AddrPortFrom(adv.Unmap(), addrOf(ln.Addr()).Port()))
	sess.send(sess.srv.replyVars(ReplyPassive, "{hostport}", hp))
	return false
}

func (sess *Session) cmdEPSV(arg string) bool {
	if sess.clearDataRefused("EPSV") {
		return false
	}
	arg = strings.ToUpper(strings.TrimSpace(arg))
	if arg == "ALL" {
		sess.epsvAll = true
		sess.reply(ftp.CodeOK, "EPSV ALL ok.")
		return false
	}
	if arg != "" {
		want := "1"
		if sess.LocalAddr.Addr().Unmap().Is6() {
			want = "2"
		}
		if arg != want {
			sess.reply(ftp.CodeNetworkProtocol, "Network protocol not supported, use (%s)", want)
			return false
		}
	}
	ln, ok := sess.listenPassive()
	if !ok {
		return false
	}
	port := strconv.Itoa(int(addrOf(ln.Addr()).Port()))
	sess.send(sess.srv.replyVars(ReplyExtendedPassive, "{port}", port))
	return false
}

func (sess *Session) cmdPORT(arg string) bool {
	ap, err := ftp.ParsePORT(arg)
	return sess.setActive("PORT", ap, err)
}

func (sess *Session) cmdEPRT(arg string) bool {
	ap, err := ftp.ParseEPRT(arg)
	if errors.Is(err, ftp.ErrUnknownNetwork) {
		sess.reply(ftp.CodeNetworkProtocol, "Network protocol not supported, use (1,2)")
		return false
	}
	return sess.setActive("EPRT", ap, err)
}

func (sess *Session) setActive(verb string, ap netip.AddrPort, err error) bool {
	switch {
	case sess.srv.DisableActive:
		sess.reply(ftp.CodeNotImplemented, "Active mode is disabled; use PASV or EPSV.")
		return false
	case sess.epsvAll:
		sess.send(sess.srv.reply(ReplyEPSVAll))
		return false
	case sess.clearDataRefused(verb):
		return false
	case err != nil:
		sess.reply(ftp.CodeSyntaxErrorArgs, "Illegal %s command: %v.", verb, err)
		return false
	}
	if resolve := sess.srv.ResolveActive; resolve != nil {
		if v := resolve(sess.raw, ap); v != ap {
			sess.transcript.Add(ftp.EntryNote, "%s %s means %s on the network", verb, ap, v)
			ap = v
		}
	}
	foreign := ap.Addr().Unmap() != sess.RemoteAddr.Addr().Unmap() || ap.Port() < 1024
	if foreign && !sess.srv.AllowBounce {
		sess.transcript.Add(ftp.EntryNote, "%s to %s refused: control peer is %s", verb, ap, sess.RemoteAddr.Addr())
		sess.send(sess.srv.replyVars(ReplyBounce, sess.addrVars(ap, "{verb}", verb)...))
		return false
	}
	sess.closePassive()
	sess.activeAddr = ap
	sess.send(sess.srv.replyVars(ReplyActiveOK, "{verb}", verb))
	return false
}

// addrVars returns the placeholders {ip}, {addr} and {peer} for a foreign
// address, followed by more.
func (sess *Session) addrVars(ap netip.AddrPort, more ...string) []string {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	return append([]string{"{ip}", ap.Addr().String(), "{addr}", ap.String(),
		"{peer}", sess.RemoteAddr.Addr().Unmap().String()}, more...)
}

// errForeign marks a passive data connection refused for its address.
var errForeign = errors.New("data connection from a foreign address")

// foreignError is errForeign with the refused peer.
type foreignError struct{ peer netip.AddrPort }

func (e *foreignError) Error() string        { return errForeign.Error() + " " + e.peer.String() }
func (e *foreignError) Is(target error) bool { return target == errForeign }

// foreign reports whether a passive data connection from peer must be
// refused.
func (sess *Session) foreign(peer netip.AddrPort) bool {
	return peer.Addr().Unmap() != sess.RemoteAddr.Addr().Unmap() && !sess.srv.AllowForeignData
}

// refuseForeign closes a foreign data connection and records it. It reports
// whether the server answers it (the zero DropForeignData) or keeps silent.
func (sess *Session) refuseForeign(c net.Conn, peer netip.AddrPort, ev *DataEvidence) bool {
	c.Close()
	what := "refused"
	if sess.srv.DropForeignData {
		what = "dropped"
	}
	if ev != nil {
		ev.Notes = append(ev.Notes, what+" data connection from "+peer.String())
	}
	sess.transcript.Add(ftp.EntryData, "%s data connection from foreign address %s (control peer %s)", what, peer, sess.RemoteAddr.Addr())
	return !sess.srv.DropForeignData
}

// dataConn establishes the data connection of one transfer: it accepts on
// the passive listener (refusing foreign peers) or dials the PORT address.
// The passive listener is single-use.
func (sess *Session) dataConn(ctx context.Context, ev *DataEvidence) (net.Conn, error) {
	deadline := time.Now().Add(sess.srv.dataTimeout())
	sess.mu.Lock()
	ln := sess.pasv
	sess.pasv = nil
	sess.mu.Unlock()
	if ln == nil {
		ev.Passive = false
		dial := sess.srv.DialActive
		if dial == nil {
			d := &net.Dialer{}
			dial = d.DialContext
		}
		dctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		network := "tcp4"
		if sess.activeAddr.Addr().Is6() && !sess.activeAddr.Addr().Is4In6() {
			network = "tcp6"
		}
		sess.transcript.Add(ftp.EntryData, "dialing %s", sess.activeAddr)
		c, err := dial(dctx, network, sess.activeAddr.String())
		if err == nil {
			ev.Peer = addrOf(c.RemoteAddr())
		}
		return c, err
	}
	ev.Passive = true
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if dl, ok := ln.(interface{ SetDeadline(time.Time) error }); ok {
		dl.SetDeadline(deadline)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return nil, err
		}
		peer := addrOf(c.RemoteAddr())
		if !sess.foreign(peer) {
			ev.Peer = peer
			sess.transcript.Add(ftp.EntryData, "accepted data connection from %s", peer)
			return c, nil
		}
		if sess.refuseForeign(c, peer, ev) {
			return nil, &foreignError{peer: peer}
		}
	}
}

// listenPassive opens the passive listener, answering the refusal itself
// when it cannot.
func (sess *Session) listenPassive() (net.Listener, bool) {
	ln, err := sess.openPassive()
	if err != nil {
		sess.transcript.Add(ftp.EntryNote, "passive listen failed: %v", err)
		sess.send(sess.srv.reply(ReplyPassiveListenFail))
		return nil, false
	}
	return ln, true
}
