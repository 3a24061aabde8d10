package faults

import (
	"bytes"
	"net/netip"
	"testing"
)

// fuzzFlow builds a control flow from a client LAN to a server DMZ, both
// behind NATs whose helper runs in mode, without opening it.
func fuzzFlow(mode ALGMode) (*Flow, *Gateway, *Gateway) {
	n := &Network{}
	n.AddZone("internet", nil)
	lan := &Gateway{Public: netip.MustParseAddr("198.51.100.2"), ALG: mode}
	dmz := &Gateway{Public: netip.MustParseAddr("203.0.113.7"), ALG: mode, DropEPSV: mode == ALGNoEPSV}
	n.AddZone("lan", lan)
	n.AddZone("dmz", dmz)
	cli := n.AddHost("client", "lan", "192.168.1.10")
	srv := n.AddHost("server", "dmz", "10.0.0.5")
	f := &Flow{
		ID: 1, Channel: Control, Dialer: cli, Listener: srv, net: n, gws: []*Gateway{lan, dmz},
		Pre:  Endpoints{netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("203.0.113.7:21")},
		Post: Endpoints{netip.MustParseAddrPort("198.51.100.2:40000"), netip.MustParseAddrPort("10.0.0.5:21")},
	}
	return f, lan, dmz
}

// FuzzALG feeds segments to the FTP helpers of both gateways in both
// directions and checks what a helper may do: leave anything that is not
// text untouched, keep the number of lines, change only announcement
// lines, and in correct mode put the public address with the same port
// where the inside address was. A second pass over its own output must
// change nothing (the public address is never rewritten again).
func FuzzALG(f *testing.F) {
	for _, s := range []string{
		"227 Entering Passive Mode (10,0,0,5,117,49).\r\n",
		"227 Entering Passive Mode (10,0,0,5,117,49)\r\n226 done\r\n",
		"227 =10, 0, 0, 5, 117, 49\r\n",
		"229 Entering Extended Passive Mode (|||30001|)\r\n",
		"PORT 192,168,1,10,156,65\r\n",
		"port 192,168,1,10,156,65\r\n",
		"EPRT |1|192.168.1.10|40001|\r\n",
		"EPRT |2|2001:db8::1|40001|\r\n",
		"211-Features:\r\n AUTH TLS\r\n EPSV\r\n211 End\r\n",
		"\x16\x03\x01\x00\x05hello",
		"\x17\x03\x03\x00\x10227 (10,0,0,5,1,2)",
		"227 (999,0,0,5,1,2)\r\n",
	} {
		for mode := range 5 {
			f.Add([]byte(s), true, uint8(mode))
			f.Add([]byte(s), false, uint8(mode))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, down bool, m uint8) {
		mode := ALGMode(m % 5)
		fl, lan, dmz := fuzzFlow(mode)
		dir := Upstream
		if down {
			dir = Downstream
		}
		l := &link{flow: fl, dir: dir}
		for _, g := range []*Gateway{lan, dmz} {
			st := newALGStage(g, fl)
			orig := append([]byte(nil), in...)
			out := st.segment(l, in)
			if !bytes.Equal(in, orig) {
				t.Fatal("the helper modified its input")
			}
			checkALG(t, in, out, dir, mode, g)
			if again := newALGStage(g, fl).segment(l, out); !bytes.Equal(again, out) {
				t.Fatalf("second pass changed %q to %q", out, again)
			}
		}
	})
}

func checkALG(t *testing.T, in, out []byte, dir Stream, mode ALGMode, g *Gateway) {
	t.Helper()
	if !isText(in) {
		if !bytes.Equal(in, out) {
			t.Fatalf("binary segment changed: %q -> %q", in, out)
		}
		return
	}
	il, ol := splitLines(in), splitLines(out)
	if len(il) != len(ol) {
		t.Fatalf("%d lines became %d: %q -> %q", len(il), len(ol), in, out)
	}
	for i := range il {
		if bytes.Equal(il[i], ol[i]) {
			continue
		}
		before, ok1 := parseAnnouncement(lines(il[i])[0], dir)
		after, ok2 := parseAnnouncement(lines(ol[i])[0], dir)
		if !ok1 || !ok2 || before.cmd != after.cmd {
			t.Fatalf("line %q became %q", il[i], ol[i])
		}
		if mode == ALGCorrect || mode == ALGNoEPSV {
			if after.addr.Addr() != g.Public || before.cmd == "PASV" && after.addr.Port() != before.addr.Port() {
				t.Fatalf("correct helper turned %s into %s", before.addr, after.addr)
			}
		}
	}
}

// FuzzCorruptRecord checks that the record tracker never panics and
// changes at most one byte of a stream, whatever the segments.
func FuzzCorruptRecord(f *testing.F) {
	f.Add([]byte("220 hi\r\n"), []byte("\x17\x03\x03\x00\x02ab\x17\x03\x03\x00\x01c"), uint8(2))
	f.Add([]byte("\x16\x03\x01\x00"), []byte("\x01x\x17\x03"), uint8(1))
	f.Fuzz(func(t *testing.T, a, b []byte, rec uint8) {
		fl, _, _ := fuzzFlow(ALGOff)
		s := &corruptStage{target: max(int(rec%4), 1)}
		l := &link{flow: fl, dir: Downstream}
		diff := 0
		for _, seg := range [][]byte{a, b} {
			out := s.segment(l, seg)
			if len(out) != len(seg) {
				t.Fatal("length changed")
			}
			for i := range seg {
				if out[i] != seg[i] {
					diff++
				}
			}
		}
		if diff > 1 {
			t.Fatalf("%d bytes changed", diff)
		}
	})
}
