package faults_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// pkt is one packet read back from a capture.
type pkt struct {
	iface    string
	src, dst netip.AddrPort
	tcp      *layers.TCP
	payload  []byte
}

func (p pkt) is(flags string) bool {
	tcp := p.tcp
	got := ""
	for _, f := range []struct {
		on   bool
		name string
	}{{tcp.SYN, "S"}, {tcp.RST, "R"}, {tcp.FIN, "F"}, {tcp.ACK, "A"}} {
		if f.on {
			got += f.name
		}
	}
	return got == flags
}

// readPcap writes c to a file in a temporary directory and reads it back.
func readPcap(t *testing.T, c *capture.Capture) (string, []pkt) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "net.pcapng")
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewNgReader(bytes.NewReader(buf.Bytes()), pcapgo.NgReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkt
	for i := 0; i < 10_000_000; i++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		first := layers.LayerTypeIPv4
		if data[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		}
		pk := gopacket.NewPacket(data, first, gopacket.Default)
		src, _ := netip.AddrFromSlice(pk.NetworkLayer().NetworkFlow().Src().Raw())
		dst, _ := netip.AddrFromSlice(pk.NetworkLayer().NetworkFlow().Dst().Raw())
		tcp := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
		f, _ := r.Interface(ci.InterfaceIndex)
		out = append(out, pkt{iface: f.Name, src: netip.AddrPortFrom(src, uint16(tcp.SrcPort)),
			dst: netip.AddrPortFrom(dst, uint16(tcp.DstPort)), tcp: tcp, payload: tcp.Payload})
	}
	return path, out
}

// stream is the payload sent on iface from src, concatenated.
func stream(pkts []pkt, iface string, src netip.AddrPort) string {
	var b strings.Builder
	for _, p := range pkts {
		if p.iface == iface && p.src == src {
			b.Write(p.payload)
		}
	}
	return b.String()
}

func ifaces(pkts []pkt) string {
	seen := map[string]bool{}
	var out []string
	for _, p := range pkts {
		if !seen[p.iface] {
			seen[p.iface] = true
			out = append(out, p.iface)
		}
	}
	return strings.Join(out, " ")
}

// tsharkClean checks that Wireshark's TCP analysis flags nothing in path
// but what allow matches, when tshark is installed.
func tsharkClean(t *testing.T, path string, allow string) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark not installed (apt-get install tshark): TCP analysis not checked")
		return
	}
	filter := "tcp.analysis.flags && !tcp.analysis.window_update"
	if allow != "" {
		filter += " && !(" + allow + ")"
	}
	out, err := exec.Command("tshark", "-r", path, "-Y", filter).Output()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("tshark -r %s -Y %q (%v):\n%s", path, filter, err, out)
	}
}

// TestPcapSegmentsAndALG records a plain-FTP download through a client
// NAT and a server NAT with an FTP helper, on both transports: three
// interfaces, each with its own addresses, the 227 private on the
// server's side and public on the client's, the data on every segment.
func TestPcapSegmentsAndALG(t *testing.T) {
	for _, tr := range []faults.Transport{faults.Memory, faults.Loopback} {
		t.Run(tr.String(), func(t *testing.T) {
			c := &capture.Capture{}
			e := newEnvNet(t, &faults.Network{Pcap: c, Transport: tr}, nil, algDMZ(faults.ALGCorrect), nil)
			e.mustFetch(testCtx(t, 10*time.Second), opts(trustPASV, []clientsim.Option{clientsim.WithPlain()})...)
			e.srv.Close()
			e.n.Close()
			path, pkts := readPcap(t, c)
			if got := ifaces(pkts); got != "lan internet dmz" {
				t.Fatalf("interfaces in order of first packet: %q, want lan internet dmz", got)
			}
			flows := e.n.Flows()
			ctl := flows[0]
			lanSrv, dmzSrv := ctl.Pre.Dst, ctl.Post.Dst
			for _, w := range []struct{ iface, src, dst string }{
				{"lan", ctl.Pre.Src.String(), ctl.Pre.Dst.String()},
				{"internet", ctl.Post.Src.String(), ctl.Pre.Dst.String()},
				{"dmz", ctl.Post.Src.String(), ctl.Post.Dst.String()},
			} {
				var syn *pkt
				for i := range pkts {
					if pkts[i].iface == w.iface && pkts[i].is("S") {
						syn = &pkts[i]
						break
					}
				}
				if syn == nil || syn.src.String() != w.src || syn.dst.String() != w.dst {
					t.Errorf("%s: first SYN %v, want %s -> %s", w.iface, syn, w.src, w.dst)
				}
			}
			dmzReplies, lanReplies := stream(pkts, "dmz", dmzSrv), stream(pkts, "lan", lanSrv)
			if !strings.Contains(dmzReplies, "227 Entering Passive Mode (10,0,0,5,") {
				t.Errorf("dmz side: no 227 with the private address:\n%s", dmzReplies)
			}
			if !strings.Contains(lanReplies, "227 Entering Passive Mode (203,0,113,7,") || strings.Contains(lanReplies, "(10,0,0,5,") {
				t.Errorf("lan side: want the 227 rewritten to the public address:\n%s", lanReplies)
			}
			if cmds := stream(pkts, "lan", ctl.Pre.Src); !strings.Contains(cmds, "USER ") || !strings.Contains(cmds, "PASV\r\n") {
				t.Errorf("lan side: no USER or PASV command:\n%s", cmds)
			}
			data := flows[1]
			for _, seg := range []struct {
				iface string
				src   netip.AddrPort
			}{{"lan", data.Pre.Dst}, {"internet", data.Pre.Dst}, {"dmz", data.Post.Dst}} {
				if got := stream(pkts, seg.iface, seg.src); got != string(payload) {
					t.Errorf("%s: %d data bytes from %s, want the %d of the file", seg.iface, len(got), seg.src, len(payload))
				}
			}
			fins := 0
			for _, p := range pkts {
				if p.tcp.FIN {
					fins++
				}
			}
			if fins != 2*2*3 {
				t.Errorf("%d FINs, want 12 (2 flows, 2 ends, 3 segments)", fins)
			}
			tsharkClean(t, path, "")
		})
	}
}

// TestPcapDroppedDialRetransmits: a dial the internet drops shows as a
// SYN retransmitted at 1, 3 and 7 seconds with no answer, on the
// dialer's LAN (its own address) and on the internet (the NAT's).
func TestPcapDroppedDialRetransmits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &capture.Capture{}
		n := &faults.Network{Pcap: c}
		n.AddZone("internet", nil)
		n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr(clientPublic)})
		cli := n.AddHost("client", "lan", clientInside)
		ctx, cancel := context.WithTimeout(context.Background(), 7500*time.Millisecond)
		defer cancel()
		_, err := cli.DialContext(ctx, "tcp", "10.9.9.9:30001")
		if !isTimeout(err) {
			t.Fatalf("dial: %v, want a timeout", err)
		}
		n.Close()
		path, pkts := readPcap(t, c)
		for _, w := range []struct{ iface, src string }{{"lan", clientInside}, {"internet", clientPublic}} {
			var syns []pkt
			for _, p := range pkts {
				if p.iface == w.iface {
					syns = append(syns, p)
				}
			}
			if len(syns) != 4 {
				t.Fatalf("%s: %d packets, want 4 SYNs (0, 1, 3, 7 s)", w.iface, len(syns))
			}
			for _, p := range syns {
				if !p.is("S") || p.src.Addr().String() != w.src || p.dst.String() != "10.9.9.9:30001" || p.tcp.Seq != syns[0].tcp.Seq {
					t.Errorf("%s: %s -> %s %+v, want the same SYN from %s", w.iface, p.src, p.dst, p.tcp.Seq, w.src)
				}
			}
		}
		tsharkClean(t, path, "tcp.analysis.retransmission && tcp.flags.syn == 1 && tcp.flags.ack == 0")
	})
}

// TestPcapRefusedAndReset: a dial a firewall rejects shows SYN and
// RST-ACK on the segments before the firewall only; a reset flow ends
// with an RST on every segment.
func TestPcapRefusedAndReset(t *testing.T) {
	c := &capture.Capture{}
	n := &faults.Network{Pcap: c}
	n.AddZone("internet", nil)
	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr(clientPublic)})
	n.AddZone("dmz", &faults.Gateway{Public: netip.MustParseAddr(serverPublic), Inbound: faults.Reject,
		Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")}}})
	cli := n.AddHost("client", "lan", clientInside)
	srv := n.AddHost("server", "dmz", serverInside)
	ln, err := srv.Listen("tcp", serverInside+":21")
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 5*time.Second)
	if _, err := cli.DialContext(ctx, "tcp", serverPublic+":2121"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to an unforwarded port: %v, want refused", err)
	}
	go func() {
		if s, err := ln.Accept(); err == nil {
			s.Write([]byte("220 hi\r\n220 hi\r\n")) // the client reads half
		}
	}()
	conn, err := cli.DialContext(ctx, "tcp", serverPublic+":21")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	io.ReadFull(conn, b)
	conn.Close() // with received bytes unread: a reset
	n.Close()
	path, pkts := readPcap(t, c)
	var refused, rsts []string
	for _, p := range pkts {
		if p.dst.Port() == 2121 || p.src.Port() == 2121 {
			refused = append(refused, p.iface+":"+flagsOf(p))
		}
		if p.tcp.RST && p.src.Port() != 2121 {
			rsts = append(rsts, p.iface)
		}
	}
	if strings.Join(refused, " ") != "lan:S internet:S internet:RA lan:RA" {
		t.Errorf("refused dial: %v, want SYN and RST-ACK on lan and internet only", refused)
	}
	if strings.Join(rsts, " ") != "lan internet dmz" {
		t.Errorf("reset flow: RST on %v, want lan internet dmz", rsts)
	}
	tsharkClean(t, path, "")
}

func flagsOf(p pkt) string {
	for _, f := range []string{"S", "RA", "A", "FA"} {
		if p.is(f) {
			return f
		}
	}
	return "?"
}
