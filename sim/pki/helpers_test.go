package pki

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"
)

// testTime is the fixed clock of every test, so that expiry is
// deterministic.
var testTime = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func testNow() time.Time { return testTime }

// tlsVersions is the version matrix every handshake test runs.
var tlsVersions = []struct {
	name string
	v    uint16
}{{"TLSv12", tls.VersionTLS12}, {"TLSv13", tls.VersionTLS13}}

var testSet = sync.OnceValues(func() (*Set, error) {
	return NewSet(SetOptions{Now: testNow})
})

// sharedSet returns one ECDSA set on testTime, built once per test binary.
func sharedSet(t testing.TB) *Set {
	t.Helper()
	s, err := testSet()
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s
}

// localPipe returns a connected pair of loopback TCP connections, closed
// at cleanup. TCP buffers let either side finish writing its handshake
// flight while the other has already stopped reading.
func localPipe(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	type result struct {
		c   net.Conn
		err error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		accepted <- result{c, err}
	}()
	client, dialErr := net.Dial("tcp", ln.Addr().String())
	if dialErr != nil {
		ln.Close() // unblocks Accept
	}
	r := <-accepted
	ln.Close()
	if dialErr != nil || r.err != nil {
		t.Fatalf("loopback pipe: dial: %v, accept: %v", dialErr, r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c
}

// handshake runs a TLS handshake between a client and a server with the
// given configurations and returns each side's error.
func handshake(t testing.TB, clientCfg, serverCfg *tls.Config) (clientErr, serverErr error) {
	t.Helper()
	cc, sc := localPipe(t)
	done := make(chan error, 1)
	go func() {
		srv := tls.Server(sc, serverCfg)
		err := srv.Handshake()
		if err != nil {
			// Unblock a client still waiting for our flight.
			sc.Close()
		}
		done <- err
	}()
	clientErr = tls.Client(cc, clientCfg).Handshake()
	if clientErr != nil {
		cc.Close()
	}
	return clientErr, <-done
}
