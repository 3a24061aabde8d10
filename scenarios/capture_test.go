package scenarios_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/pcapgo"

	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// needTshark skips the test when tshark is missing.
func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: apt-get install tshark (.ci/install-peers.sh installs it)")
	}
}

// tshark runs tshark on path with args and returns its standard output.
func tshark(t *testing.T, path string, args ...string) string {
	t.Helper()
	cmd := exec.Command("tshark", append([]string{"-r", path}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s %s: %v\n%s", path, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// runCaptured runs the catalogue scenario name with a capture and
// writes the capture to a file.
func runCaptured(t *testing.T, name string, set *pki.Set) (string, *scenarios.Result) {
	t.Helper()
	sc, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no scenario %q in the catalogue", name)
	}
	c := &capture.Capture{}
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set, Capture: c})
	if res.Setup != nil {
		t.Fatalf("%s: setup: %v", name, res.Setup)
	}
	path := filepath.Join(t.TempDir(), name+".pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := c.WriteTo(f); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if !res.Match {
		t.Errorf("%s with a capture: %s", name, res)
	}
	return path, res
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestCaptureExplicitTLSDecrypts: the secrets in the file decrypt the
// explicit-FTPS control and data connections with no tshark option: the
// commands as sent, the passive command, and the data bytes.
func TestCaptureExplicitTLSDecrypts(t *testing.T) {
	needTshark(t)
	path, _ := runCaptured(t, "explicit-tls", nil)
	cmds := tshark(t, path, "-Y", "ftp.request", "-T", "fields", "-e", "ftp.request.command", "-e", "ftp.request.arg")
	for _, want := range []string{"AUTH\tTLS", "USER\t", "PASS\t", "PROT\tP", "STOR\t", "RETR\t"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("tshark -Y ftp.request: no %q:\n%s", want, cmds)
		}
	}
	if !strings.Contains(cmds, "EPSV") && !strings.Contains(cmds, "PASV") {
		t.Errorf("no PASV or EPSV in the decrypted commands:\n%s", cmds)
	}
	data := lines(tshark(t, path, "-Y", "ftp-data", "-T", "fields", "-e", "tcp.stream"))
	if len(data) == 0 {
		t.Fatalf("tshark -Y ftp-data: no decrypted data packets")
	}
	streams := map[string]bool{}
	for _, s := range data {
		streams[s] = true
	}
	if len(streams) < 3 {
		t.Errorf("ftp-data on %d TCP streams, want the upload, the download and the listing", len(streams))
	}
}

// TestCaptureNATPrivatePASV: on the client's side of the server's NAT
// the 227 reply carries the private address, and the client's SYNs to
// it get no answer (retransmitted while the dial waits).
func TestCaptureNATPrivatePASV(t *testing.T) {
	needTshark(t)
	path, _ := runCaptured(t, "nat-private-pasv-trusted", nil)
	client := "internet" // the client host is on the internet; the server's zone is server-site
	replies := tshark(t, path, "-Y", `frame.interface_name == "`+client+`" && ftp.response.code == 227`, "-T", "fields", "-e", "ftp.response.arg")
	if !strings.Contains(replies, "(10,0,0,5,") {
		t.Fatalf("no 227 with the private address 10.0.0.5 on %s:\n%s", client, replies)
	}
	syns := strings.Split(strings.TrimSpace(tshark(t, path, "-Y", `frame.interface_name == "`+client+`" && ip.dst == 10.0.0.5 && tcp.flags.syn == 1`,
		"-T", "fields", "-e", "tcp.srcport", "-e", "tcp.flags.ack", "-e", "tcp.analysis.retransmission")), "\n")
	if len(syns) < 2 {
		t.Fatalf("%d SYNs to 10.0.0.5 on %s, want the first and its retransmission 1 s later: %q", len(syns), client, syns)
	}
	port := strings.Split(syns[0], "\t")[0]
	for i, row := range syns {
		f := strings.Split(row, "\t")
		want := "1" // tshark marks the retransmissions
		if i == 0 {
			want = ""
		}
		if len(f) != 3 || f[0] != port || f[1] != "0" || f[2] != want {
			t.Errorf("SYN %d: port, ack, retransmission = %q, want %s, 0, %q", i, f, port, want)
		}
	}
	if answers := lines(tshark(t, path, "-Y", "tcp.dstport == "+port+" && tcp.flags.syn == 1 && tcp.flags.ack == 1")); len(answers) != 0 {
		t.Errorf("the dropped data SYN got an answer: %q", answers)
	}
}

// TestCaptureALGAfterCCC: the ALG rewrites the 227 once CCC has returned
// the control channel to cleartext: every 227 follows the CCC, carries
// the private address on the server's segment and the public one on the
// internet.
func TestCaptureALGAfterCCC(t *testing.T) {
	needTshark(t)
	path, _ := runCaptured(t, "alg-ftps-ccc", nil)
	for _, seg := range []struct{ iface, addr string }{{"server-site", "(10,0,0,5,"}, {"internet", "(203,0,113,7,"}} {
		rows := lines(tshark(t, path, "-Y", `frame.interface_name == "`+seg.iface+`" && (ftp.request.command == "CCC" || ftp.response.code == 227)`,
			"-T", "fields", "-e", "ftp.request.command", "-e", "ftp.response.arg"))
		if len(rows) < 2 || rows[0] != "CCC" {
			t.Fatalf("%s: CCC then 227s expected, got %q", seg.iface, rows)
		}
		for _, r := range rows[1:] {
			if !strings.Contains(r, seg.addr) {
				t.Errorf("%s: 227 %q, want the address %s", seg.iface, r, seg.addr)
			}
		}
	}
	// Before CCC the control channel is TLS: nothing for the ALG to read.
	before := lines(tshark(t, path, "-Y", `ftp.request.command == "PASS"`, "-T", "fields", "-e", "tls.record.content_type"))
	if len(before) == 0 || !strings.Contains(before[0], "23") {
		t.Errorf("PASS was not inside a TLS record (content type 23): %q", before)
	}
}

// deliberate are the TCP analysis flags a capture shows on purpose: the
// retransmitted SYN of a dial the network drops.
const deliberate = "tcp.analysis.retransmission && tcp.flags.syn == 1 && tcp.flags.ack == 0"

// TestCaptureCatalogueClean: Wireshark's TCP analysis flags nothing in
// any catalogue scenario's capture (no malformed, out-of-order, lost or
// retransmitted segment but the deliberate SYNs), and each capture
// holds packets.
func TestCaptureCatalogueClean(t *testing.T) {
	needTshark(t)
	if testing.Short() {
		t.Skip("runs the whole catalogue")
	}
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios.Catalogue() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			path, _ := runCaptured(t, sc.Name, set)
			if n := countPackets(t, path); n == 0 {
				t.Fatalf("empty capture")
			}
			bad := tshark(t, path, "-Y", "(tcp.analysis.flags && !tcp.analysis.window_update && !("+deliberate+")) || _ws.malformed || _ws.expert.severity == error")
			if strings.TrimSpace(bad) != "" {
				t.Errorf("tshark flags segments in %s:\n%s", sc.Name, bad)
			}
		})
	}
}

// countPackets reads the capture at path with gopacket's pcapng reader
// (a second reader beside tshark) and returns its packet count.
func countPackets(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := 0
	for ; n < 1<<20; n++ {
		if _, _, err := r.ReadPacketData(); err != nil {
			if err != io.EOF {
				t.Fatalf("%s: packet %d: %v", path, n+1, err)
			}
			break
		}
	}
	return n
}
