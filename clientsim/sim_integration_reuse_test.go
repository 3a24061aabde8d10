package clientsim_test

import (
	"bytes"
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Which TLS session a data connection offers.
const (
	offersOwn   = "own"   // the ticket of its own control connection
	offersOther = "other" // the ticket of another control connection (S03)
	offersNone  = "none"  // no ticket: a full handshake (S01, S02)
)

// reuseRow is one client set-up of the reuse matrix.
type reuseRow struct {
	name   string // what the row reproduces
	opts   func() []clientsim.Option
	twoCtl bool   // a second control connection shares the cache (S03)
	offers string // offersOwn, offersOther or offersNone
}

var reuseRows = []reuseRow{
	{name: "ReusePerConnection", offers: offersOwn,
		opts: func() []clientsim.Option {
			return []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReusePerConnection)}
		}},
	// S01: Python's stock ftplib; vsftpd require_ssl_reuse and ProFTPD
	// refuse it.
	{name: "S01 ReuseNone", offers: offersNone,
		opts: func() []clientsim.Option { return []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReuseNone)} }},
	// S02: a stock tls.Config with a ClientSessionCache and no ServerName,
	// dialing an IP: the control session is cached under "ip:ctrlport",
	// the data connection looks up "ip:dataport" and misses.
	{name: "S02 ReuseShared without ServerName", offers: offersNone,
		opts: func() []clientsim.Option {
			return []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReuseShared(tls.NewLRUClientSessionCache(8)))}
		}},
	// The S02 fix: a ServerName makes control and data share a key.
	{name: "ReuseShared with ServerName", offers: offersOwn,
		opts: func() []clientsim.Option {
			return []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReuseShared(tls.NewLRUClientSessionCache(8))),
				clientsim.WithServerName("localhost")}
		}},
	// S03: rclone --transfers N: N control connections to one host share
	// one cache; the second login overwrites the first one's ticket, so
	// the first connection's data connection offers the second's session.
	{name: "S03 ReuseShared by two control connections", offers: offersOther, twoCtl: true,
		opts: func() []clientsim.Option {
			return []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReuseShared(tls.NewLRUClientSessionCache(8))),
				clientsim.WithServerName("localhost")}
		}},
}

// TestSimReuseMatrix crosses sim's Reuse policy (off: pure-ftpd; any:
// vsftpd require_ssl_reuse; same: ProFTPD, FileZilla Server) with every
// client reuse mode, in TLS 1.2 and 1.3. A refused data connection fails
// in phase data-tls with 522 and leaves the control connection usable;
// the server's evidence shows whether the data connection resumed and
// whose ticket it presented.
func TestSimReuseMatrix(t *testing.T) {
	checkLeaks(t)
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range simVersions {
		for _, policy := range []sim.ReusePolicy{sim.ReuseOff, sim.ReuseAny, sim.ReuseSame} {
			for _, row := range reuseRows {
				t.Run(tls.VersionName(v)+"/"+policy.String()+"/"+row.name, func(t *testing.T) {
					t.Parallel()
					runReuseRow(t, set, v, policy, row)
				})
			}
		}
	}
}

func runReuseRow(t *testing.T, set *pki.Set, v uint16, policy sim.ReusePolicy, row reuseRow) {
	srv := startSim(t, func(s *sim.Server) { s.PKI, s.Reuse = set, policy })
	srv.FS.(*sim.MemFS).WriteFile("/f", []byte("payload"))
	opts := append(row.opts(), clientsim.WithTLSVersions(v, v))
	c := loginSim(t, srv, opts...)
	own := lastSession(t, srv)
	wantFrom := own.ID
	transfers := 2
	if row.twoCtl {
		// The second control connection must use the same cache: build
		// it with the first one's options, cache included.
		loginSim(t, srv, opts...)
		wantFrom = lastSession(t, srv).ID
		transfers = 1 // a resumed data connection gets a new ticket, which changes the next one
	}
	if row.offers == offersNone {
		wantFrom = ""
	}
	ok := policy == sim.ReuseOff || policy == sim.ReuseAny && row.offers != offersNone ||
		policy == sim.ReuseSame && row.offers == offersOwn
	resumed := row.offers == offersOwn || row.offers == offersOther && policy != sim.ReuseSame

	ctx := simCtx(t)
	errs := []error{func() error { _, err := c.Store(ctx, "up", strings.NewReader("upload")); return err }()}
	if transfers == 2 {
		_, err := c.Retrieve(ctx, "f", &bytes.Buffer{})
		errs = append(errs, err)
	}
	for _, err := range errs {
		switch {
		case ok && err != nil:
			t.Fatalf("transfer failed: %v\n%s", err, own.Transcript())
		case !ok && (clientsim.PhaseOf(err) != clientsim.PhaseDataTLS || clientsim.ReplyCode(err) != 522):
			t.Fatalf("transfer error = %v; want phase data-tls, 522", err)
		}
	}
	must(t, "Noop after the transfers", c.Noop(ctx))

	data := own.Data()
	if len(data) != transfers {
		t.Fatalf("server saw %d data connections, want %d", len(data), transfers)
	}
	for _, d := range data {
		wantReply := 226
		if !ok {
			wantReply = 522
		}
		if d.TLS.Version != v || d.TLS.Resumed != resumed || d.TicketFrom != wantFrom || d.Reply != wantReply {
			t.Errorf("server evidence %+v; want resumed=%t, ticket of %q, reply %d", d, resumed, wantFrom, wantReply)
		}
		refused := slices.ContainsFunc(d.Notes, func(n string) bool { return strings.HasPrefix(n, "rejected: reuse policy") })
		if refused == ok {
			t.Errorf("server notes %q for an outcome ok=%t", d.Notes, ok)
		}
	}
	for _, ev := range c.Evidence()[1:] {
		if ev.Channel != "data" || ev.Err != nil || ev.Version != v || ev.Resumed != resumed {
			t.Errorf("client data evidence %+v; want resumed=%t", ev, resumed)
		}
	}
}
