package scenarios_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// activeCase is a real client in active mode entering a scenario network.
type activeCase struct {
	name   string
	client string // curl, ftplib, lftp
	plain  bool   // cleartext FTP; otherwise explicit FTPS with PROT P
	spec   scenarios.NetworkSpec
	// ok says the session (LIST, STOR, RETR) succeeds with equal SHA-256;
	// otherwise reply is a code the server must have sent, and trace a
	// text the client's trace must hold.
	ok    bool
	reply int
	trace string
	// serverDials says the server's data flow to the client host is
	// expected on the timeline (it reached the entry's relay).
	serverDials bool
}

var activeCases = []activeCase{
	{name: "cleartext, client NAT with its FTP helper: curl", client: "curl", plain: true,
		spec: scenarios.NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, ok: true, serverDials: true},
	{name: "cleartext, client NAT with its FTP helper: ftplib", client: "ftplib", plain: true,
		spec: scenarios.NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, ok: true, serverDials: true},
	{name: "cleartext, client NAT without a helper: the server refuses the private address", client: "curl", plain: true,
		spec: scenarios.NetworkSpec{ClientNAT: true}, reply: 500},
	{name: "TLS, client on the internet: ftplib", client: "ftplib",
		spec: scenarios.NetworkSpec{}, ok: true, serverDials: true},
	{name: "TLS, client on the internet: curl 7.88 gets the data connection, then fails it (curl issue #10666)", client: "curl",
		spec: scenarios.NetworkSpec{}, trace: "Connection accepted from server", serverDials: true},
	{name: "TLS, client NAT with its FTP helper (blind under TLS): the server refuses the private address", client: "ftplib",
		spec: scenarios.NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, reply: 500},
	{name: "TLS, client behind a firewall that rejects inbound: the data connection is refused", client: "ftplib",
		spec: scenarios.NetworkSpec{ClientInbound: ptr(faults.Reject), ClientALG: faults.ALGCorrect}, reply: 425},
	{name: "cleartext, the same firewall: its FTP helper opens the data connection", client: "ftplib", plain: true,
		spec: scenarios.NetworkSpec{ClientInbound: ptr(faults.Reject), ClientALG: faults.ALGCorrect}, ok: true, serverDials: true},
}

// Real clients in active mode behind an entry: they announce a loopback
// address, which stands for the client host's own; the server's data
// connection crosses the network back to the client host (NAT, helpers,
// firewalls deciding) and is bridged to the real listener.
func TestServeExternalActive(t *testing.T) {
	set, caFile := activeCA(t)
	for i, tc := range activeCases {
		t.Run(tc.name, func(t *testing.T) {
			runActiveCase(t, set, caFile, netip.AddrFrom4([4]byte{127, 66, byte(os.Getpid() % 250), byte(i + 1)}), tc, nil)
		})
	}
}

// lftpCases are lftp's active mode (ftp:passive-mode off), which listens
// on 0.0.0.0: lftp runs in a network namespace of its own, whose only
// interface is its loopback, reaching the entry through a relay.
var lftpCases = []activeCase{
	{name: "cleartext, client NAT with its FTP helper", client: "lftp", plain: true,
		spec: scenarios.NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, ok: true, serverDials: true},
	{name: "TLS, client on the internet", client: "lftp",
		spec: scenarios.NetworkSpec{}, ok: true, serverDials: true},
	{name: "TLS, client NAT with its FTP helper (blind under TLS): the server refuses the private address", client: "lftp",
		spec: scenarios.NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, reply: 500},
	{name: "TLS, client behind a firewall that rejects inbound: the data connection is refused", client: "lftp",
		spec: scenarios.NetworkSpec{ClientInbound: ptr(faults.Reject), ClientALG: faults.ALGCorrect}, reply: 425},
}

// Real lftp in active mode behind an entry, from a network namespace of
// its own.
func TestServeExternalActiveLftp(t *testing.T) {
	set, caFile := activeCA(t)
	if _, err := peers.NewLftp(peers.ClientOptions{Addr: "127.0.0.1:21", CAFile: caFile, Dir: t.TempDir()}); err != nil {
		var missing *peers.NotInstalledError
		if errors.As(err, &missing) {
			t.Skip(missing.Error())
		}
	}
	ns := newNetns(t)
	for i, tc := range lftpCases {
		t.Run(tc.name, func(t *testing.T) {
			runActiveCase(t, set, caFile, netip.AddrFrom4([4]byte{127, 67, byte(os.Getpid() % 250), byte(i + 1)}), tc, ns)
		})
	}
}

// activeCA returns a certificate set and its CA's file, for clients.
func activeCA(t *testing.T) (*pki.Set, string) {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, set.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return set, caFile
}

// runActiveCase serves a sim server behind tc's network with an entry on
// ip and runs tc's client there, or in ns through a relay to the entry.
func runActiveCase(t *testing.T, set *pki.Set, caFile string, ip netip.Addr, tc activeCase, ns *netns) {
	t.Helper()
	spec := scenarios.ServerSpec{TLS: "required", DataTLS: "required"}
	if tc.plain {
		spec = scenarios.ServerSpec{TLS: "optional"}
	}
	srv, err := scenarios.BuildServer(spec, set)
	if err != nil {
		t.Fatal(err)
	}
	srv.DataTimeout = 3 * time.Second
	cert, err := set.CA.Server(pki.LeafOptions{IPAddresses: []net.IP{ip.AsSlice(), net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	tc2 := cert.TLSCertificate()
	srv.Certificate = &tc2 // for the entry's address, which clients dial
	x, err := scenarios.ServeExternal(srv, tc.spec, scenarios.ExternalOptions{Entry: netip.AddrPortFrom(ip, 0)})
	if err != nil {
		t.Fatalf("cannot open the entry: %v", err)
	}
	defer x.Close()
	srv.Start()
	defer srv.Close()

	dir := t.TempDir()
	o := peers.ClientOptions{Addr: x.ControlAddr().String(), CAFile: caFile, Dir: dir, Active: true, Plain: tc.plain,
		User: sim.DefaultUser, Password: sim.DefaultPassword, Timeout: 20 * time.Second}
	if ns != nil {
		o.Netns = ns.path
		o.Addr = "127.0.0.1:" + strconv.Itoa(ns.forward(t, x.ControlAddr().String()))
		x.Entry.SetDialReal(ns.dial)
	}
	client := newActiveClient(t, tc.client, o)
	payload := make([]byte, 300<<10)
	rand.Read(payload)
	local, back := filepath.Join(dir, "up.bin"), filepath.Join(dir, "back.bin")
	if err := os.WriteFile(local, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := client.Session(ctx, local, "up.bin", back)
	if err != nil {
		t.Fatal(err)
	}
	report := func() string { return r.Output + "\n" + x.Network.Timeline().String() }
	if tc.ok {
		if !r.OK() {
			t.Fatalf("%s: exit %d\n%s", r.Client, r.ExitCode, report())
		}
		got, err := os.ReadFile(back)
		if err != nil || sha256.Sum256(got) != sha256.Sum256(payload) {
			t.Fatalf("downloaded %d bytes (%v), SHA-256 differs from the %d uploaded", len(got), err, len(payload))
		}
	} else {
		if r.OK() {
			t.Fatalf("%s succeeded, want a failure\n%s", r.Client, report())
		}
		if tc.reply != 0 && !r.HasReply(tc.reply) {
			t.Errorf("no %d reply; replies %v\n%s", tc.reply, r.Replies(), report())
		}
		if tc.trace != "" && !strings.Contains(r.Trace, tc.trace) {
			t.Errorf("trace lacks %q\n%s", tc.trace, report())
		}
	}
	t.Logf("%s: exit %d, replies %v\n%s", r.Client, r.ExitCode, r.Replies(), x.Network.Timeline())
	dials := 0
	for _, f := range x.Network.Flows() {
		if f.Channel == faults.Data && f.Dialer == x.Server && f.Listener == x.Client {
			dials++
		}
	}
	if tc.serverDials && dials == 0 {
		t.Errorf("no data flow from the server to the client host\n%s", report())
	}
	if !tc.serverDials && dials > 0 {
		t.Errorf("%d data flows from the server reached the client host\n%s", dials, report())
	}
}

// newActiveClient makes the named real client, or skips naming what is
// missing.
func newActiveClient(t *testing.T, name string, o peers.ClientOptions) peers.Client {
	t.Helper()
	c, err := peers.NewClient(name, o)
	var missing *peers.NotInstalledError
	if errors.As(err, &missing) {
		t.Skip(missing.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ptr returns a pointer to v, for the optional fields of a spec.
func ptr[T any](v T) *T { return &v }
