package fidelity

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// tlsParams is what one control-connection handshake negotiated.
type tlsParams struct {
	Version uint16
	Curve   tls.CurveID
	HRR     bool // the server asked for another key share
	Suite   uint16
}

// controlHandshake does AUTH TLS on addr with a Go client offering
// versions up to max and the given key-exchange groups (nil: Go's
// default), and returns what was negotiated.
func controlHandshake(t *testing.T, addr string, max uint16, curves []tls.CurveID) tlsParams {
	t.Helper()
	c := sharedCerts(t)
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(raw)
	if rep, err := ftp.ReadReply(r, 0); err != nil || rep.Code != 220 {
		t.Fatalf("greeting: %v %v", rep, err)
	}
	fmt.Fprintf(raw, "AUTH TLS\r\n")
	if rep, err := ftp.ReadReply(r, 0); err != nil || rep.Code != 234 {
		t.Fatalf("AUTH TLS: %v %v", rep, err)
	}
	tc := tls.Client(raw, &tls.Config{RootCAs: c.Pool, ServerName: "127.0.0.1", MaxVersion: max, CurvePreferences: curves})
	if err := tc.HandshakeContext(context.Background()); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	cs := tc.ConnectionState()
	return tlsParams{Version: cs.Version, Curve: cs.CurveID, HRR: cs.HelloRetryRequest, Suite: cs.CipherSuite}
}

// TestTLSParametersFidelity: each persona negotiates the TLS version and
// key-exchange group its real server does, for a Go client with its
// default groups and for one offering only X25519 and P-256 (as curl
// with OpenSSL 3 does), including whether the server sends a
// HelloRetryRequest. The cipher suite is logged beside them: crypto/tls
// chooses its own order (a documented sim.Limitations entry).
func TestTLSParametersFidelity(t *testing.T) {
	rows := []struct {
		name    string
		persona sim.Persona
		start   func(peers.Config) func(context.Context) (*peers.Server, error)
	}{
		{"vsftpd", sim.Vsftpd(), func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c}.Start
		}},
		{"proftpd", sim.ProFTPD(), func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: c}.Start
		}},
		{"pure-ftpd", sim.PureFTPd(), func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: c}.Start
		}},
		{"pyftpdlib", sim.Pyftpdlib(), func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: c}.Start
		}},
	}
	offers := []struct {
		name   string
		max    uint16
		curves []tls.CurveID
	}{
		{"TLS1.3 Go default groups", tls.VersionTLS13, nil},
		{"TLS1.3 X25519,P-256", tls.VersionTLS13, []tls.CurveID{tls.X25519, tls.CurveP256}},
		{"TLS1.2 Go default groups", tls.VersionTLS12, nil},
	}
	var table []string
	t.Cleanup(func() { t.Logf("TLS parameters (real | persona):\n%s", strings.Join(table, "\n")) })
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			realSrv := startReal(t, row.start)
			personaSrv := startPersona(t, row.persona, nil)
			for _, o := range offers {
				real := controlHandshake(t, realSrv.Addr, o.max, o.curves)
				persona := controlHandshake(t, personaSrv.Addr, o.max, o.curves)
				table = append(table, fmt.Sprintf("%-10s %-26s %s | %s", row.name, o.name, real, persona))
				if real.Version != persona.Version || real.Curve != persona.Curve || real.HRR != persona.HRR {
					t.Errorf("%s: real %s, persona %s", o.name, real, persona)
				}
			}
		})
	}
}

func (p tlsParams) String() string {
	hrr := ""
	if p.HRR {
		hrr = " HRR"
	}
	return fmt.Sprintf("%s %s%s %s", tls.VersionName(p.Version), p.Curve, hrr, tls.CipherSuiteName(p.Suite))
}
