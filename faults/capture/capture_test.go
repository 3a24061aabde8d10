package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// packet is one packet read back from a capture.
type packet struct {
	iface   int
	at      time.Time
	caplen  int
	length  int
	src     netip.AddrPort
	dst     netip.AddrPort
	tcp     *layers.TCP
	payload []byte
}

func (p packet) flags() string {
	var b strings.Builder
	for _, f := range []struct {
		on   bool
		name string
	}{{p.tcp.SYN, "S"}, {p.tcp.RST, "R"}, {p.tcp.FIN, "F"}, {p.tcp.PSH, "P"}, {p.tcp.ACK, "A"}} {
		if f.on {
			b.WriteString(f.name)
		}
	}
	return b.String()
}

// readBack writes c and parses the file with pcapgo's reader.
func readBack(t *testing.T, c *Capture) ([]byte, []pcapgo.NgInterface, []packet) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	file := buf.Bytes()
	r, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.NgReaderOptions{})
	if err != nil {
		t.Fatalf("NewNgReader: %v", err)
	}
	var pkts []packet
	for i := 0; i < 1_000_000; i++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("packet %d: %v", len(pkts), err)
		}
		p := packet{iface: ci.InterfaceIndex, at: ci.Timestamp, caplen: ci.CaptureLength, length: ci.Length}
		first := layers.LayerTypeIPv4
		if data[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		}
		pk := gopacket.NewPacket(data, first, gopacket.Default)
		switch ip := pk.NetworkLayer().(type) {
		case *layers.IPv4:
			p.src, p.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip.SrcIP.To4())), 0), netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip.DstIP.To4())), 0)
		case *layers.IPv6:
			p.src, p.dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip.SrcIP)), 0), netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip.DstIP)), 0)
		default:
			t.Fatalf("packet %d: no IP layer", len(pkts))
		}
		tcp, _ := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("packet %d: no TCP layer", len(pkts))
		}
		p.tcp = tcp
		p.src = netip.AddrPortFrom(p.src.Addr(), uint16(tcp.SrcPort))
		p.dst = netip.AddrPortFrom(p.dst.Addr(), uint16(tcp.DstPort))
		p.payload = append([]byte(nil), tcp.Payload...)
		pkts = append(pkts, p)
	}
	var ifs []pcapgo.NgInterface
	for i := 0; i < r.NInterfaces(); i++ {
		f, _ := r.Interface(i)
		ifs = append(ifs, f)
	}
	return file, ifs, pkts
}

// blockTypes lists the pcapng block types of file, in order.
func blockTypes(t *testing.T, file []byte) []uint32 {
	t.Helper()
	var out []uint32
	for len(file) >= 12 {
		typ := binary.LittleEndian.Uint32(file)
		n := binary.LittleEndian.Uint32(file[4:])
		if n < 12 || int(n) > len(file) || n%4 != 0 {
			t.Fatalf("bad block length %d (type %#x)", n, typ)
		}
		out = append(out, typ)
		file = file[n:]
	}
	if len(file) != 0 {
		t.Fatalf("%d trailing bytes after the last block", len(file))
	}
	return out
}

func TestConnHandshakeDataFin(t *testing.T) {
	c := &Capture{}
	k := c.Conn("lan", ap("192.168.1.10:40000"), ap("203.0.113.5:21"), false)
	k.Open(t0)
	k.Send(t0.Add(time.Millisecond), false, []byte("220 ready\r\n"))
	k.Ack(t0.Add(time.Millisecond), true)
	k.Send(t0.Add(2*time.Millisecond), true, []byte("USER x\r\n"))
	k.Ack(t0.Add(2*time.Millisecond), false)
	k.Ack(t0.Add(2*time.Millisecond), false) // nothing new: no packet
	k.Close(t0.Add(3*time.Millisecond), true)
	k.Close(t0.Add(3*time.Millisecond), true) // once
	k.Close(t0.Add(4*time.Millisecond), false)
	k.Send(t0.Add(5*time.Millisecond), true, []byte("late")) // after FIN: nothing
	_, ifs, pkts := readBack(t, c)
	if len(ifs) != 1 || ifs[0].Name != "lan" || ifs[0].LinkType != layers.LinkTypeRaw {
		t.Fatalf("interfaces = %+v, want one raw-IP interface named lan", ifs)
	}
	want := []string{"S", "SA", "A", "PA", "A", "PA", "A", "FA", "A", "FA", "A"}
	var got []string
	for _, p := range pkts {
		got = append(got, p.flags())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("flags = %v, want %v", got, want)
	}
	checkSequence(t, pkts, ap("192.168.1.10:40000"))
	if !pkts[0].at.Equal(t0) || !pkts[len(pkts)-1].at.Equal(t0.Add(4*time.Millisecond)) {
		t.Errorf("timestamps %v .. %v, want %v .. %v", pkts[0].at, pkts[len(pkts)-1].at, t0, t0.Add(4*time.Millisecond))
	}
	if string(pkts[3].payload) != "220 ready\r\n" || pkts[3].src != ap("203.0.113.5:21") {
		t.Errorf("packet 4 = %s %q, want the listener's banner", pkts[3].src, pkts[3].payload)
	}
}

// checkSequence replays the packets of one connection and checks that
// every sequence number is the next one of its sender and every ACK
// acknowledges exactly what the peer sent.
func checkSequence(t *testing.T, pkts []packet, dialer netip.AddrPort) {
	t.Helper()
	var next, isn [2]uint32
	var synSeen [2]bool
	for i, p := range pkts {
		e := 1
		if p.src == dialer {
			e = 0
		}
		tcp := p.tcp
		if tcp.SYN {
			if synSeen[e] && tcp.Seq != isn[e] {
				t.Errorf("packet %d: retransmitted SYN with seq %d, first was %d", i, tcp.Seq, isn[e])
			}
			synSeen[e], isn[e], next[e] = true, tcp.Seq, tcp.Seq+1
		} else if tcp.Seq != next[e] {
			t.Errorf("packet %d (%s from end %d): seq %d, want %d", i, p.flags(), e, tcp.Seq, next[e])
		}
		if !tcp.SYN {
			next[e] = tcp.Seq + uint32(p.length-ipHeaderLen(p)-int(tcp.DataOffset)*4)
			if tcp.FIN {
				next[e]++
			}
		}
		if tcp.ACK && tcp.Ack != next[1-e] {
			t.Errorf("packet %d (%s from end %d): ack %d, want %d", i, p.flags(), e, tcp.Ack, next[1-e])
		}
	}
}

func ipHeaderLen(p packet) int {
	if p.src.Addr().Is4() {
		return 20
	}
	return 40
}

func TestConnMSSSplitsAndIPv6(t *testing.T) {
	c := &Capture{MSS: 1000}
	d, l := ap("[2001:db8::1]:40001"), ap("[2001:db8::2]:50000")
	k := c.Conn("internet", d, l, true)
	k.Open(t0)
	data := bytes.Repeat([]byte("x"), 2500)
	k.Send(t0, true, data)
	k.Ack(t0, false)
	k.Reset(t0, false)
	k.Reset(t0, true) // once
	k.Send(t0, true, data)
	_, _, pkts := readBack(t, c)
	var sizes []int
	for _, p := range pkts {
		if !p.src.Addr().Is6() {
			t.Fatalf("packet from %s, want IPv6", p.src)
		}
		sizes = append(sizes, len(p.payload))
	}
	if got := joinInts(sizes); got != "0 0 0 1000 1000 500 0 0" {
		t.Fatalf("payload sizes = %s, want 0 0 0 1000 1000 500 0 0", got)
	}
	if last := pkts[len(pkts)-1]; last.flags() != "RA" || last.src != l {
		t.Errorf("last packet %s from %s, want RA from the listener", last.flags(), last.src)
	}
	if !pkts[5].tcp.PSH || pkts[4].tcp.PSH {
		t.Errorf("PSH on the last piece only: got %v %v", pkts[4].tcp.PSH, pkts[5].tcp.PSH)
	}
	checkSequence(t, pkts, d)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

func TestConnAttemptRetransmitsAndRefuse(t *testing.T) {
	c := &Capture{}
	d := ap("10.0.0.2:40002")
	dropped := c.Conn("lan", d, ap("10.9.9.9:50001"), true)
	dropped.Attempt(t0)
	dropped.Attempt(t0.Add(time.Second))
	dropped.Attempt(t0.Add(3 * time.Second))
	dropped.Send(t0, true, []byte("never")) // not open: nothing
	refused := c.Conn("lan", d, ap("10.0.0.3:21"), false)
	refused.Refuse(t0) // before any SYN: nothing
	refused.Attempt(t0)
	refused.Refuse(t0)
	refused.Open(t0) // after a refusal: nothing
	_, _, pkts := readBack(t, c)
	if len(pkts) != 5 {
		t.Fatalf("%d packets, want 3 SYNs and SYN+RST", len(pkts))
	}
	for i := 0; i < 3; i++ {
		p := pkts[i]
		if p.flags() != "S" || p.tcp.Seq != pkts[0].tcp.Seq || !p.at.Equal(t0.Add([]time.Duration{0, time.Second, 3 * time.Second}[i])) {
			t.Errorf("packet %d: %s seq %d at %v, want the same SYN at +0s, +1s, +3s", i, p.flags(), p.tcp.Seq, p.at)
		}
	}
	rst := pkts[4]
	if rst.flags() != "RA" || rst.tcp.Ack != pkts[3].tcp.Seq+1 || rst.src != ap("10.0.0.3:21") {
		t.Errorf("refusal = %s ack %d from %s, want RA acking the SYN (%d) from the listener", rst.flags(), rst.tcp.Ack, rst.src, pkts[3].tcp.Seq+1)
	}
}

func TestWriteToSecretsBeforePackets(t *testing.T) {
	c := &Capture{}
	io.WriteString(c.KeyLog(), "# comment\nCLIENT_RANDOM aa bb\nCLIENT_")
	io.WriteString(c.KeyLog(), "RANDOM cc dd\nCLIENT_RANDOM aa bb\n")
	c.Interface("dmz", "the server's zone")
	k := c.Conn("lan", ap("10.0.0.2:40000"), ap("10.0.0.3:21"), false)
	k.Open(t0)
	if got, want := c.Secrets(), "CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\n"; got != want {
		t.Fatalf("Secrets = %q, want %q (each line once, no comments)", got, want)
	}
	file, ifs, pkts := readBack(t, c)
	if len(ifs) != 2 || ifs[0].Name != "dmz" || ifs[0].Description != "the server's zone" || ifs[1].Name != "lan" {
		t.Fatalf("interfaces = %+v, want dmz then lan", ifs)
	}
	if len(pkts) != 3 || pkts[0].iface != 1 {
		t.Fatalf("%d packets on interface %d, want the 3 of the handshake on lan (1)", len(pkts), pkts[0].iface)
	}
	types := blockTypes(t, file)
	want := []uint32{0x0A0D0D0A, 1, 1, blockDSB, blockEPB, blockEPB, blockEPB}
	if len(types) != len(want) {
		t.Fatalf("blocks = %x, want %x", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("blocks = %x, want %x (section, interfaces, secrets, packets)", types, want)
		}
	}
	if !bytes.Contains(file, []byte("CLIENT_RANDOM cc dd\n")) {
		t.Error("the secrets are not in the file")
	}
	if _, err := c.WriteTo(io.Discard); err != ErrWritten {
		t.Errorf("second WriteTo: %v, want ErrWritten", err)
	}
}

func TestEmptyCaptureIsValid(t *testing.T) {
	file, ifs, pkts := readBack(t, &Capture{})
	if len(ifs) != 1 || len(pkts) != 0 {
		t.Fatalf("empty capture: %d interfaces, %d packets; want a placeholder interface and no packet", len(ifs), len(pkts))
	}
	if types := blockTypes(t, file); len(types) != 2 {
		t.Errorf("blocks = %x, want a section and one interface (no secrets block)", types)
	}
}

func TestDataSnaplen(t *testing.T) {
	c := &Capture{DataSnaplen: 100}
	data := c.Conn("lan", ap("10.0.0.2:40000"), ap("10.0.0.3:50000"), true)
	ctrl := c.Conn("lan", ap("10.0.0.2:40001"), ap("10.0.0.3:21"), false)
	big := bytes.Repeat([]byte("d"), 5000)
	for _, k := range []*Conn{data, ctrl} {
		k.Open(t0)
		k.Send(t0, true, big)
	}
	file, _, pkts := readBack(t, c)
	if len(pkts) != 8 {
		t.Fatalf("%d packets, want 8", len(pkts))
	}
	tsharkCheck(t, file, "tcp.len == 5000", 2) // lengths from the IP header, truncated or not
	if p := pkts[3]; p.caplen != 100 || p.length != 20+20+5000 {
		t.Errorf("data packet: captured %d of %d bytes, want 100 of %d", p.caplen, p.length, 5040)
	}
	if p := pkts[7]; p.caplen != p.length || p.length != 5040 {
		t.Errorf("control packet: captured %d of %d bytes, want all %d", p.caplen, p.length, 5040)
	}
	if p := pkts[0]; p.caplen != p.length {
		t.Errorf("a data SYN (%d bytes) is shorter than the snap length and stays whole, got %d", p.length, p.caplen)
	}
}

func TestSpillToTempFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	c := &Capture{MemoryLimit: 10 << 10}
	k := c.Conn("lan", ap("10.0.0.2:40000"), ap("10.0.0.3:50000"), true)
	k.Open(t0)
	chunk := bytes.Repeat([]byte{0xAB}, 4000)
	for i := 0; i < 20; i++ {
		k.Send(t0, true, chunk)
		k.Ack(t0, false)
	}
	spilled, _ := filepath.Glob(filepath.Join(dir, "ftpsim-capture-*"))
	if len(spilled) != 1 {
		t.Fatalf("temp files %v, want one past MemoryLimit", spilled)
	}
	_, _, pkts := readBack(t, c)
	if len(pkts) != 3+40 {
		t.Fatalf("%d packets read back, want 43", len(pkts))
	}
	total := 0
	for _, p := range pkts {
		total += len(p.payload)
	}
	if total != 20*4000 {
		t.Errorf("%d payload bytes read back, want %d", total, 20*4000)
	}
	checkSequence(t, pkts, ap("10.0.0.2:40000"))
	if left, _ := filepath.Glob(filepath.Join(dir, "ftpsim-capture-*")); len(left) != 0 {
		t.Errorf("temp files left after WriteTo: %v", left)
	}
	c2 := &Capture{MemoryLimit: 1}
	k2 := c2.Conn("lan", ap("10.0.0.2:40000"), ap("10.0.0.3:50000"), true)
	k2.Open(t0)
	k2.Send(t0, true, chunk)
	c2.Discard()
	if left, _ := filepath.Glob(filepath.Join(dir, "ftpsim-capture-*")); len(left) != 0 {
		t.Errorf("temp files left after Discard: %v", left)
	}
}

func TestTapLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer s.Close()
		s.Write([]byte("220 hi\r\n"))
		b := make([]byte, 64)
		n, _ := io.ReadAtLeast(s, b, 6)
		s.Write(bytes.ToUpper(b[:n]))
		_, err = io.Copy(io.Discard, s)
		done <- err
	}()
	c := &Capture{}
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	nc := c.Tap(raw, TapSpec{Dialed: true, ListenerPort: 21})
	if _, ok := nc.(interface{ CloseWrite() error }); !ok {
		t.Fatal("a tapped TCP conn lost CloseWrite")
	}
	b := make([]byte, 64)
	n, err := io.ReadAtLeast(nc, b, 8)
	if err != nil || string(b[:n]) != "220 hi\r\n" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	nc.Write([]byte("quit\r\n"))
	if n, err = io.ReadAtLeast(nc, b, 6); err != nil || string(b[:n]) != "QUIT\r\n" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	nc.(interface{ CloseWrite() error }).CloseWrite()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Read(b); err != io.EOF {
		t.Fatalf("read after the server closed: %v, want EOF", err)
	}
	nc.Close()
	file, ifs, pkts := readBack(t, c)
	if len(ifs) != 1 || ifs[0].Name != "loopback" {
		t.Fatalf("interfaces %+v, want loopback", ifs)
	}
	local := addrPort(raw.LocalAddr())
	var text strings.Builder
	fins := 0
	for _, p := range pkts {
		if p.src != local && p.src.Port() != 21 {
			t.Errorf("packet from %s: the listener must show port 21", p.src)
		}
		text.Write(p.payload)
		if p.tcp.FIN {
			fins++
		}
	}
	if text.String() != "220 hi\r\nquit\r\nQUIT\r\n" || fins != 2 {
		t.Errorf("stream %q with %d FINs, want the exchange and 2 FINs", text.String(), fins)
	}
	checkSequence(t, pkts, local)
	tsharkCheck(t, file, "ftp.request.command", 1)
}

// tsharkCheck counts the packets of file that filter selects with
// tshark, when it is installed, and checks Wireshark's TCP analysis
// flags nothing.
func tsharkCheck(t *testing.T, file []byte, filter string, want int) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark not installed (apt-get install tshark): file checked with pcapgo only")
		return
	}
	path := filepath.Join(t.TempDir(), "c.pcapng")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-r", path, "-Y", filter).Output()
	if err != nil {
		t.Fatalf("tshark -r %s -Y %q: %v\n%s", path, filter, err, out)
	}
	if got := countLines(out); got != want {
		t.Errorf("tshark -Y %q: %d packets, want %d:\n%s", filter, got, want, out)
	}
	out, err = exec.Command("tshark", "-r", path, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update").Output()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("tshark flags TCP analysis problems (%v):\n%s", err, out)
	}
}

func TestConcurrentConnsAreSafe(t *testing.T) {
	c := &Capture{}
	k := c.Conn("lan", ap("10.0.0.2:40000"), ap("10.0.0.3:50000"), true)
	k.Open(t0)
	done := make(chan struct{})
	for _, fromDialer := range []bool{true, false} {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				k.Send(t0, fromDialer, []byte("abc"))
				k.Ack(t0, !fromDialer)
			}
		}()
	}
	<-done
	<-done
	_, _, pkts := readBack(t, c)
	checkSequence(t, pkts, ap("10.0.0.2:40000"))
}

// countLines counts the non-empty lines of tshark's output.
func countLines(out []byte) int {
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

func TestTapListener(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Capture{}
	ln := c.TapListener(raw, TapSpec{Dialed: true, ListenerPort: 990, Interface: "lo"})
	defer ln.Close()
	go func() {
		cc, err := net.Dial("tcp", raw.Addr().String())
		if err == nil {
			cc.Write([]byte("hello"))
			cc.Close()
		}
	}()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(s)
	s.Close()
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v", b, err)
	}
	_, ifs, pkts := readBack(t, c)
	if len(ifs) != 1 || ifs[0].Name != "lo" {
		t.Fatalf("interfaces %+v, want lo", ifs)
	}
	if first := pkts[0]; !first.tcp.SYN || first.dst.Port() != 990 {
		t.Errorf("first packet %s to %s, want the peer's SYN to port 990 (the accepting end listens)", first.flags(), first.dst)
	}
	var got []byte
	for _, p := range pkts {
		if p.dst.Port() == 990 {
			got = append(got, p.payload...)
		}
	}
	if string(got) != "hello" {
		t.Errorf("bytes to the listener %q, want hello", got)
	}
}
