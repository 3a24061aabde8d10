package clientsim

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestPASVAddressPolicy checks S10/S11 handling through the dialer seam:
// the test dialer records every address and refuses anything but loopback
// 127.0.0.1/::1, so 10.x and 127.0.0.2 are never dialed for real.
func TestPASVAddressPolicy(t *testing.T) {
	cases := []struct {
		advertised string
		policy     PASVAddressPolicy
		wantHost   string // host the data dial must go to
	}{
		{"10.1.2.3", Trust, "10.1.2.3"},
		{"10.1.2.3", SkipLikeCurl, "127.0.0.1"},
		{"10.1.2.3", FixBogusLikeLftp, "127.0.0.1"}, // private vs not
		{"127.0.0.2", Trust, "127.0.0.2"},
		{"127.0.0.2", SkipLikeCurl, "127.0.0.1"},
		{"127.0.0.2", FixBogusLikeLftp, "127.0.0.2"}, // both loopback: not bogus
		{"0.0.0.0", FixBogusLikeLftp, "127.0.0.1"},
		{"224.0.0.1", FixBogusLikeLftp, "127.0.0.1"},
		{"127.0.0.1", Trust, "127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.policy.String()+"/"+tc.advertised, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{pasvHost: tc.advertised})
			s.setFile("f", []byte("data"))
			d := &recDialer{}
			c := loginFake(t, s, WithPassive(PASVOnly), WithPASVAddress(tc.policy), WithDialer(d.dial))
			_, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{})
			dialed := d.dialed()
			if len(dialed) != 2 || dialed[0] != s.addr {
				t.Fatalf("dialed = %q, want control then data", dialed)
			}
			host, _, _ := net.SplitHostPort(dialed[1])
			if host != tc.wantHost {
				t.Fatalf("data dialed %s, want host %s", dialed[1], tc.wantHost)
			}
			if tc.wantHost == "127.0.0.1" {
				if err != nil {
					t.Fatalf("Retrieve: %v", err)
				}
				return
			}
			var op *net.OpError
			if PhaseOf(err) != PhaseDataConnect || !errors.Is(err, errRefusedByTest) || !errors.As(err, &op) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(err.Error(), "dial data "+dialed[1]) {
				t.Errorf("message %q lacks the dialed address", err)
			}
		})
	}
}

// TestEPSVFallback checks that a 5xx to EPSV switches to PASV once and for
// the rest of the session, and that EPSV dials the control IP.
func TestEPSVFallback(t *testing.T) {
	for _, tc := range []struct {
		name      string
		epsvReply int
		wantEPSV  int
		wantPASV  int
	}{{"EPSV works", 0, 2, 0}, {"EPSV 502", 502, 1, 2}, {"EPSV 522", 522, 1, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{epsvReply: tc.epsvReply, pasvHost: "10.9.9.9"})
			s.setFile("f", []byte("x"))
			d := &recDialer{}
			c := loginFake(t, s, WithDialer(d.dial))
			for i := 0; i < 2; i++ {
				if _, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{}); err != nil {
					t.Fatalf("Retrieve %d: %v", i, err)
				}
			}
			var epsv, pasv int
			for _, cmd := range s.commands() {
				epsv += b2i(cmd == "EPSV")
				pasv += b2i(cmd == "PASV")
			}
			if epsv != tc.wantEPSV || pasv != tc.wantPASV {
				t.Fatalf("EPSV %d PASV %d, want %d %d", epsv, pasv, tc.wantEPSV, tc.wantPASV)
			}
			for _, a := range d.dialed() {
				if !strings.HasPrefix(a, "127.0.0.1:") {
					t.Fatalf("dialed %q", d.dialed())
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestEPSVRefusedWith4xx checks that only a 5xx triggers the fallback.
func TestEPSVRefusedWith4xx(t *testing.T) {
	s := newFakeServer(t, fakeOpts{epsvReply: 425})
	c := loginFake(t, s)
	_, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{})
	if PhaseOf(err) != PhaseDataConnect || ReplyCode(err) != 425 {
		t.Fatalf("err = %v", err)
	}
}

func TestBogusDataIP(t *testing.T) {
	cases := []struct {
		control, data string
		bogus         bool
	}{
		{"127.0.0.1", "10.1.2.3", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"203.0.113.7", "192.168.1.2", true},
		{"203.0.113.7", "198.51.100.9", false}, // S11: routable but wrong passes
		{"10.0.0.1", "10.0.0.2", false},
		{"10.0.0.1", "127.0.0.1", true},
		{"203.0.113.7", "0.0.0.0", true},
		{"203.0.113.7", "239.1.2.3", true},
		{"::ffff:127.0.0.1", "127.0.0.1", false},
		{"2001:db8::1", "fd00::1", true},
	}
	for _, tc := range cases {
		got := bogusDataIP(netip.MustParseAddr(tc.control), netip.MustParseAddr(tc.data))
		if got != tc.bogus {
			t.Errorf("bogusDataIP(%s, %s) = %v, want %v", tc.control, tc.data, got, tc.bogus)
		}
	}
}
