package docker

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/pki"
)

// A passive range given by the caller must name at least one port.
func TestCheckPassive(t *testing.T) {
	for _, tc := range []struct {
		r     PortRange
		valid bool
	}{
		{PortRange{}, false},
		{PortRange{Low: 30000, High: 30009}, true},
		{PortRange{Low: 21, High: 21}, true},
		{PortRange{Low: 30009, High: 30000}, false},
		{PortRange{Low: 0, High: 10}, false},
	} {
		if err := checkPassive(tc.r); (err == nil) != tc.valid {
			t.Errorf("checkPassive(%v) = %v, want valid=%v", tc.r, err, tc.valid)
		}
	}
}

func testSettings(t *testing.T, s Settings) Settings {
	t.Helper()
	s, err := s.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if s.Passive.IsZero() {
		s.Passive = PortRange{Low: 30000, High: 30009}
	}
	return s
}

func TestSettingsDefaultsAndEnv(t *testing.T) {
	s := testSettings(t, Settings{})
	env := s.Env()
	want := map[string]string{
		"FTPS_USER": "ftpsim", "FTPS_PASSWORD": "ftpsim", "FTPS_CONTROL_PORT": "21",
		"FTPS_PASV_MIN_PORT": "30000", "FTPS_PASV_MAX_PORT": "30009", "FTPS_PASV_ADDRESS": "127.0.0.1",
		"FTPS_CERT_FILE": "/etc/ftps/server.crt", "FTPS_KEY_FILE": "/etc/ftps/server.key",
		"FTPS_PEM_FILE": "/etc/ftps/server.pem", "FTPS_CA_FILE": "/etc/ftps/ca.crt",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"FTPS_IMPLICIT_PORT", "FTPS_REQUIRE_REUSE"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s set by default: %q", k, env[k])
		}
	}
	if s.Certificate == nil || s.CA == nil || s.RootCAs() == nil {
		t.Fatal("no default certificate and CA")
	}
	if _, err := s.Certificate.Leaf.Verify(x509.VerifyOptions{Roots: s.RootCAs(), DNSName: "localhost"}); err != nil {
		t.Errorf("default certificate does not verify against its CA: %v", err)
	}

	s = testSettings(t, Settings{AdvertiseBridge: true, ImplicitPort: 990, Reuse: ReuseNotRequired, CertDir: "/certs"})
	env = s.Env()
	if _, ok := env["FTPS_PASV_ADDRESS"]; ok {
		t.Error("bridge advertised but FTPS_PASV_ADDRESS set")
	}
	if env["FTPS_IMPLICIT_PORT"] != "990" || env["FTPS_REQUIRE_REUSE"] != "no" || env["FTPS_CERT_FILE"] != "/certs/server.crt" {
		t.Errorf("env = %v", env)
	}
	if env := testSettings(t, Settings{Reuse: ReuseRequired}).Env(); env["FTPS_REQUIRE_REUSE"] != "yes" {
		t.Errorf("FTPS_REQUIRE_REUSE = %q", env["FTPS_REQUIRE_REUSE"])
	}
	if _, err := (Settings{ControlPort: 990, ImplicitPort: 990}).withDefaults(); err == nil {
		t.Error("implicit port equal to the control port accepted")
	}
}

func TestSettingsHostNetwork(t *testing.T) {
	ip := netip.MustParseAddr("127.240.1.2")
	s := testSettings(t, Settings{HostNetwork: ip, ImplicitPort: 990})
	env := s.Env()
	if env["FTPS_LISTEN_ADDRESS"] != "127.240.1.2" || env["FTPS_PASV_ADDRESS"] != "127.240.1.2" {
		t.Errorf("host network: listen %q, advertised %q; want both 127.240.1.2", env["FTPS_LISTEN_ADDRESS"], env["FTPS_PASV_ADDRESS"])
	}
	got := strings.Join(ftpsimCmd(s), " ")
	for _, want := range []string{"--addr 127.240.1.2:21", "--implicit-addr 127.240.1.2:990", "--pasv-addr 127.240.1.2"} {
		if !strings.Contains(got, want) {
			t.Errorf("ftpsim serve %s: lacks %q", got, want)
		}
	}
	s = testSettings(t, Settings{HostNetwork: ip, AdvertisedAddr: netip.MustParseAddr("203.0.113.7")})
	if env := s.Env(); env["FTPS_PASV_ADDRESS"] != "203.0.113.7" {
		t.Errorf("an advertised address given with the host network became %q", env["FTPS_PASV_ADDRESS"])
	}
	if _, ok := testSettings(t, Settings{}).Env()["FTPS_LISTEN_ADDRESS"]; ok {
		t.Error("FTPS_LISTEN_ADDRESS set on the bridge")
	}
	for _, bad := range []string{"192.0.2.1", "::1", "0.0.0.0"} {
		if _, err := (Settings{HostNetwork: netip.MustParseAddr(bad)}).withDefaults(); err == nil {
			t.Errorf("host network address %s accepted", bad)
		}
	}
}

func TestPickHostAddr(t *testing.T) {
	a, err := pickHostAddr(21, 990)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseHostAddr(a)
	if b := a.As4(); b[0] != 127 || b[1] != 240 {
		t.Fatalf("picked %s, want 127.240.x.y", a)
	}
	if b, err := pickHostAddr(21); err != nil || b == a {
		t.Errorf("second pick %s, %v; want another address than %s", b, err, a)
	} else {
		releaseHostAddr(b)
	}
	// A port something listens on makes an address unfit.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if portFree("127.0.0.1", port) {
		t.Errorf("port %d reported free while listened on", port)
	}
	if !portFree("127.0.0.1", 0) {
		t.Error("port 0 reported taken")
	}
}

func TestSettingsFiles(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings(t, Settings{Certificate: set.Get(pki.GoodChain), CA: set.CA})
	f := s.files()
	if !bytes.Equal(f["/etc/ftps/server.crt"], set.Get(pki.GoodChain).ChainPEM()) {
		t.Error("server.crt is not the chain")
	}
	if n := bytes.Count(f["/etc/ftps/server.crt"], []byte("BEGIN CERTIFICATE")); n != 2 {
		t.Errorf("server.crt holds %d certificates, want leaf and intermediate", n)
	}
	pem := f["/etc/ftps/server.pem"]
	if !bytes.Contains(pem, []byte("PRIVATE KEY")) || !bytes.HasPrefix(pem, []byte("-----BEGIN CERTIFICATE")) {
		t.Error("server.pem is not chain then key")
	}
	if !bytes.Equal(f["/etc/ftps/ca.crt"], set.CA.CertPEM()) {
		t.Error("ca.crt is not the CA")
	}
	if _, ok := testSettings(t, Settings{Certificate: set.Get(pki.Good)}).files()["/etc/ftps/ca.crt"]; ok {
		t.Error("ca.crt written without a CA")
	}
}

func TestFTPSimCmd(t *testing.T) {
	s := testSettings(t, Settings{ImplicitPort: 990, User: "u", Password: "p:w"})
	got := strings.Join(ftpsimCmd(s), " ")
	for _, want := range []string{"--addr 0.0.0.0:21", "--implicit-addr 0.0.0.0:990", "--user u:p:w", "--well-configured",
		"--lenient-tls-eof", "--pasv-ports 30000-30009", "--pasv-addr 127.0.0.1",
		"--cert /etc/ftps/server.crt --key /etc/ftps/server.key"} {
		if !strings.Contains(got, want) {
			t.Errorf("ftpsim serve %s: lacks %q", got, want)
		}
	}
	if strings.Contains(got, "--reuse") || strings.Contains(got, "--tls") {
		t.Errorf("ftpsim serve %s: restates policies that --well-configured sets", got)
	}
	s.AdvertiseBridge, s.Reuse = true, ReuseNotRequired
	got = strings.Join(ftpsimCmd(s), " ")
	if strings.Contains(got, "--pasv-addr") || !strings.Contains(got, "--reuse off") {
		t.Errorf("bridge/no-reuse: ftpsim serve %s", got)
	}
}

func TestContextHash(t *testing.T) {
	files := map[string]ctxFile{"Dockerfile": {[]byte("FROM scratch\n"), 0o644}, "entrypoint.sh": {[]byte("#!/bin/sh\n"), 0o755}}
	h := contextHash("vsftpd", "sha256:base", files)
	if h != contextHash("vsftpd", "sha256:base", files) {
		t.Fatal("hash not stable")
	}
	changed := map[string]ctxFile{"Dockerfile": {[]byte("FROM scratch\n"), 0o644}, "entrypoint.sh": {[]byte("#!/bin/sh\n"), 0o644}}
	for name, other := range map[string]string{
		"other base":    contextHash("vsftpd", "sha256:other", files),
		"other product": contextHash("proftpd", "sha256:base", files),
		"other mode":    contextHash("vsftpd", "sha256:base", changed),
	} {
		if other == h {
			t.Errorf("%s: same hash", name)
		}
	}
	a, err := tarFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tarFiles(files)
	if !bytes.Equal(a, b) {
		t.Error("context archive not deterministic")
	}
}

func TestEmbeddedContexts(t *testing.T) {
	for _, p := range Products() {
		if p.binary {
			continue
		}
		files, err := p.contextFiles(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		df, ok := files["Dockerfile"]
		if !ok || files["entrypoint.sh"].mode != 0o755 {
			t.Fatalf("%s: context %v lacks Dockerfile or an executable entrypoint.sh", p.Name, sortedKeys(files))
		}
		// The same Dockerfile must build with a registry (default BASE)
		// and without one (BASE given): no syntax line, ARG before FROM.
		text := string(df.data)
		if !strings.Contains(text, "ARG BASE=debian:bookworm-slim\nFROM ${BASE}") || strings.Contains(text, "# syntax=") {
			t.Errorf("%s Dockerfile does not take BASE as the first ARG", p.Name)
		}
		if !strings.Contains(text, "STOPSIGNAL SIGKILL") {
			t.Errorf("%s Dockerfile does not stop at once", p.Name)
		}
	}
}

func TestMirror(t *testing.T) {
	deb822 := "Types: deb\n# http://snapshot.debian.org/archive/debian/2025\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n" +
		"Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
	if got := mirrorFromDeb822(deb822); got != "http://mirror.example/debian" {
		t.Errorf("deb822: %q", got)
	}
	if got := mirrorFromDeb822("Types: deb\nURIs: http://x/debian-security\nSuites: bookworm-security\n"); got != "" {
		t.Errorf("security-only deb822: %q", got)
	}
	list := "# comment\ndeb-src http://src/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main\n"
	if got := mirrorFromList(list); got != "http://m/debian" {
		t.Errorf("sources.list: %q", got)
	}
	t.Setenv("FTPSIM_DEBIAN_MIRROR", "http://override/debian")
	if got := debianMirror(); got != "http://override/debian" {
		t.Errorf("override: %q", got)
	}
}

func TestReadJSONStream(t *testing.T) {
	ok := `{"stream":"Step 1/2 : FROM scratch\n"}{"stream":" ---> Running\n"}{"aux":{"ID":"sha256:1"}}`
	if err := readJSONStream(strings.NewReader(ok)); err != nil {
		t.Errorf("ok stream: %v", err)
	}
	bad := `{"stream":"Step 3/7 : RUN apt-get update\n"}{"errorDetail":{"message":"returned a non-zero code: 100"},"error":"The command returned a non-zero code: 100"}`
	err := readJSONStream(strings.NewReader(bad))
	if err == nil || !strings.Contains(err.Error(), "non-zero code: 100") || !strings.Contains(err.Error(), "apt-get update") {
		t.Errorf("error stream: %v", err)
	}
}

func TestWindowPool(t *testing.T) {
	p := &windowPool{used: map[uint16]bool{}}
	pool := PortRange{Low: 29900, High: 29929}
	seen := map[uint16]bool{}
	var got []PortRange
	for range 3 {
		w, err := p.take(pool, 10)
		if err != nil {
			t.Skipf("ports of %s busy on this machine: %v", pool, err)
		}
		if w.Size() != 10 || !pool.Contains(w.Low) || !pool.Contains(w.High) || seen[w.Low] {
			t.Fatalf("window %v: bad or repeated", w)
		}
		seen[w.Low] = true
		got = append(got, w)
	}
	if _, err := p.take(pool, 10); err == nil {
		t.Error("a fourth window of 10 in 30 ports")
	}
	p.release(got[1])
	if w, err := p.take(pool, 10); err != nil || w != got[1] {
		t.Errorf("after release: %v, %v; want %v", w, err, got[1])
	}
	// A port someone listens on makes its window unavailable.
	p = &windowPool{used: map[uint16]bool{}}
	ln, err := net.Listen("tcp4", "127.0.0.1:29935")
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	for range 10 {
		if w, err := p.take(PortRange{Low: 29930, High: 29949}, 10); err != nil || w.Contains(29935) {
			t.Fatalf("took %v (%v) although 29935 is busy", w, err)
		}
		p = &windowPool{used: map[uint16]bool{}}
	}
}

func TestIsPortConflict(t *testing.T) {
	for msg, want := range map[string]bool{
		"Error response from daemon: driver failed programming external connectivity: Bind for 127.0.0.1:26000 failed: port is already allocated": true,
		"listen tcp4 127.0.0.1:26003: bind: address already in use":                                                                               true,
		"container exited (exit code 2)": false,
	} {
		if got := isPortConflict(errors.New(msg)); got != want {
			t.Errorf("%q: %v", msg, got)
		}
	}
}

// TestFrontRelay relays through a front whose listeners are ordinary
// loopback listeners to a backend that echoes, then half-closes, the way
// an FTP data connection ends; and a route to a dead backend closes the
// client's connection at once.
func TestFrontRelay(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait() // after the deferred Close below
	defer backend.Close()
	wg.Go(func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				b, _ := io.ReadAll(c) // until the client's half-close
				c.Write(bytes.ToUpper(b))
				c.(*net.TCPConn).CloseWrite()
			})
		}
	})
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()

	listen := func(network, addr string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }
	f, err := newFront(listen, "127.0.0.1", false, []route{{21, backend.Addr().String()}, {30000, deadAddr}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := net.Dial("tcp", f.Control.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("hello"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "HELLO" {
		t.Fatalf("relayed %q, %v", got, err)
	}
	d, err := net.Dial("tcp", f.Passive[0].Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.SetDeadline(time.Now().Add(5 * time.Second))
	var ne net.Error
	if n, err := d.Read(make([]byte, 1)); n != 0 || err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("route to a dead backend: read %d, %v; want the connection closed", n, err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := net.Dial("tcp", f.Control.Addr().String()); err == nil {
		t.Error("front still accepts after Close")
	}
}

func TestLabels(t *testing.T) {
	l := Labels("vsftpd")
	if l[LabelManaged] != "true" || l[LabelSession] != SessionID() || l[LabelProduct] != "vsftpd" || len(SessionID()) != 16 {
		t.Errorf("labels %v", l)
	}
	names := []string{}
	for _, p := range Products() {
		names = append(names, p.Name)
		if q, ok := ProductByName(p.Name); !ok || q != p {
			t.Errorf("ProductByName(%q)", p.Name)
		}
	}
	if !slices.Equal(names, []string{"vsftpd", "proftpd", "pure-ftpd", "ftpsim"}) {
		t.Errorf("products %v", names)
	}
}
