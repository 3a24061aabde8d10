package clientsim

import (
	"net/netip"
	"testing"
)

func TestLftpFixesAndRoutable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		control, data string
		lftp          bool // lftp 4.9 replaces the 227 address
		routable      bool // the 227 address, as FileZilla sees it
	}{
		{"127.0.0.1", "127.0.0.2", true, false},      // 127/8 but not 127.0.0.1: reserved
		{"127.0.0.1", "127.0.0.1", false, false},     // the same address
		{"203.0.113.7", "127.0.0.1", true, false},    // loopback behind a public address
		{"127.0.0.1", "203.0.113.7", false, true},    // the reverse: lftp keeps it
		{"203.0.113.7", "10.1.2.3", true, false},     // private behind public
		{"10.0.0.1", "203.0.113.7", false, true},     // public behind private: kept
		{"10.0.0.1", "10.1.2.3", false, false},       // both private
		{"203.0.113.7", "0.0.0.0", true, false},      // 0/8
		{"203.0.113.7", "240.0.0.1", true, true},     // 240/4
		{"203.0.113.7", "224.0.0.1", true, true},     // multicast
		{"203.0.113.7", "198.51.100.9", false, true}, // public, wrong: nobody can tell
		{"203.0.113.7", "169.254.1.1", false, false}, // link-local: not routable
	}
	for _, tt := range tests {
		c, d := netip.MustParseAddr(tt.control), netip.MustParseAddr(tt.data)
		if got := lftpFixes(c, d); got != tt.lftp {
			t.Errorf("lftpFixes(%s, %s) = %v, want %v", c, d, got, tt.lftp)
		}
		if got := routable(d); got != tt.routable {
			t.Errorf("routable(%s) = %v, want %v", d, got, tt.routable)
		}
	}
}
