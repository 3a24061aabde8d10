package sim

import (
	"crypto/tls"
	"testing"
)

// TestReusePolicy is the matrix {off, any, same} × {the client resumes its
// control session, does a full handshake, resumes another control
// connection's session} × {TLS 1.2, TLS 1.3}.
//
// "other" is the S03 mix-up: two control connections to one server share a
// client session cache under one ServerName, so the second one's ticket
// replaces the first one's, and the first one's data connection presents
// a ticket of the wrong session.
func TestReusePolicy(t *testing.T) {
	t.Parallel()
	type want struct {
		code    int  // final reply of LIST
		resumed bool // DataEvidence.TLS.Resumed
	}
	table := map[ReusePolicy]map[string]want{
		ReuseOff:  {"own": {226, true}, "full": {226, false}, "other": {226, true}},
		ReuseAny:  {"own": {226, true}, "full": {522, false}, "other": {226, true}},
		ReuseSame: {"own": {226, true}, "full": {522, false}, "other": {522, false}},
	}
	for _, v := range tlsVersions {
		for _, policy := range []ReusePolicy{ReuseOff, ReuseAny, ReuseSame} {
			for _, client := range []string{"own", "full", "other"} {
				w := table[policy][client]
				t.Run(v.name+"/"+policy.String()+"/"+client, func(t *testing.T) {
					t.Parallel()
					srv := startSim(t, func(s *Server) { s.Reuse = policy })
					memFS(t, srv).WriteFile("/f", []byte("x"))
					shared := tls.NewLRUClientSessionCache(8)

					victim := dialCtl(t, srv)
					victim.secure(clientTLS(srv, v.v, shared))
					var other *rawClient
					if client == "other" {
						// Its handshake resumes the victim's ticket; the
						// ticket it gets back (tagged with its own session)
						// replaces the victim's in the shared cache.
						other = dialCtl(t, srv)
						other.secure(clientTLS(srv, v.v, shared))
					}
					dataCfg := clientTLS(srv, v.v, shared)
					if client == "full" {
						dataCfg = clientTLS(srv, v.v, nil)
					}

					res := victim.transfer(xfer{cmd: "LIST", tls: dataCfg})
					if res.prelim.Code != 150 || res.final.Code != w.code {
						t.Fatalf("got %q then %q (tls %v), want 150 then %d",
							res.prelim.String(), res.final.String(), res.tlsErr, w.code)
					}
					sess := victim.session()
					ev := sess.Data()
					if len(ev) != 1 {
						t.Fatalf("%d data evidences", len(ev))
					}
					d := ev[0]
					wantFrom := ""
					switch client {
					case "own":
						wantFrom = sess.ID
					case "other":
						wantFrom = other.session().ID
					}
					if d.TLS.Resumed != w.resumed || d.TicketFrom != wantFrom || d.Reply != w.code || !d.Protected || d.TLS.Version != v.v {
						t.Fatalf("evidence %+v; want resumed %v, ticket from %q, reply %d", d, w.resumed, wantFrom, w.code)
					}
					if w.code == 522 && len(d.Notes) == 0 {
						t.Fatalf("a rejection without notes: %+v", d)
					}
					// The control connection stays usable after a refusal.
					victim.must("NOOP", 200)

					if client == "other" {
						// The mix-up goes both ways: the victim's data
						// connection left a ticket of the victim's session in
						// the shared cache, and the other connection now
						// presents it.
						res := other.transfer(xfer{cmd: "LIST", tls: clientTLS(srv, v.v, shared)})
						d := other.session().Data()[0]
						if res.final.Code != w.code || d.TicketFrom != sess.ID {
							t.Fatalf("other: %q, evidence %+v; want %d and a ticket of %s", res.final.String(), d, w.code, sess.ID)
						}
					}
				})
			}
		}
	}
}

// TestReuseSameRecovers: after a refused foreign ticket the server issues
// a ticket of the right session, so the next transfer is accepted. This is
// the behaviour a client that retries relies on.
func TestReuseSameRecovers(t *testing.T) {
	t.Parallel()
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) { s.Reuse = ReuseSame })
			shared := tls.NewLRUClientSessionCache(8)
			a := dialCtl(t, srv)
			a.secure(clientTLS(srv, v.v, shared))
			b := dialCtl(t, srv)
			b.secure(clientTLS(srv, v.v, shared))
			if res := a.transfer(xfer{cmd: "LIST", tls: clientTLS(srv, v.v, shared)}); res.final.Code != 522 {
				t.Fatalf("first LIST: %q, want 522", res.final.String())
			}
			// The refused connection did a full handshake and its ticket,
			// now in the cache, belongs to a.
			if res := a.transfer(xfer{cmd: "LIST", tls: clientTLS(srv, v.v, shared)}); res.final.Code != 226 {
				t.Fatalf("second LIST: %q, want 226", res.final.String())
			}
			if d := a.session().Data()[1]; !d.TLS.Resumed || d.TicketFrom != a.session().ID {
				t.Fatalf("second evidence %+v", d)
			}
		})
	}
}
