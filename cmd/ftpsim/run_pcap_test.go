package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
)

// TestRunPcapFromOutside runs the binary with --pcap and reads each
// file back with tshark: one capture per scenario, the network's
// segments as interfaces, the explicit-FTPS login decrypted in place.
func TestRunPcapFromOutside(t *testing.T) {
	bin := buildFtpsim(t)
	dir := filepath.Join(t.TempDir(), "caps") // created by --pcap
	names := []string{"explicit-tls", "nat-private-pasv-trusted"}
	cmd := exec.Command(bin, append(append([]string{"run"}, names...), "--pcap", dir, "-q")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("ftpsim run --pcap: %v\n%s", err, out.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if strings.Join(files, " ") != "explicit-tls.pcapng nat-private-pasv-trusted.pcapng" {
		t.Fatalf("files in --pcap DIR: %v, want one per scenario and nothing else", files)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: apt-get install tshark; the files exist but are not decoded")
	}
	tshark := func(file string, args ...string) string {
		c := exec.Command("tshark", append([]string{"-r", filepath.Join(dir, file)}, args...)...)
		b, err := c.Output()
		if err != nil {
			t.Fatalf("tshark -r %s %v: %v", file, args, err)
		}
		return string(b)
	}
	if got := tshark("explicit-tls.pcapng", "-Y", "ftp.request.command == \"PASS\"", "-T", "fields", "-e", "ftp.request.arg"); strings.TrimSpace(got) == "" {
		t.Error("explicit-tls.pcapng: tshark does not decrypt the PASS command")
	}
	ifs := tshark("nat-private-pasv-trusted.pcapng", "-T", "fields", "-e", "frame.interface_name")
	for _, want := range []string{"internet", "server-site"} {
		if !strings.Contains(ifs, want) {
			t.Errorf("nat-private-pasv-trusted.pcapng: no packet on interface %s", want)
		}
	}
}

// TestRunPcapRefusals: --pcap with --target, or on a path that is a
// file, is refused before anything runs.
func TestRunPcapRefusals(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, args := range [][]string{
		{"explicit-tls", "--pcap", file},
		{"--target", "ftp://u:p@127.0.0.1:1", "--pcap", t.TempDir()},
	} {
		var out, errOut bytes.Buffer
		err := runRun(args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "--pcap") {
			t.Errorf("run %v: %v, want a --pcap usage error", args, err)
		}
		if strings.Contains(out.String(), "MATCH") {
			t.Errorf("run %v ran scenarios before refusing:\n%s", args, out.String())
		}
	}
}

// TestServeAndProxyPcap runs serve --pcap (plain loopback, then with a
// fault) and proxy --pcap, drives each with ftplib or curl, stops it and
// reads the file with tshark: the commands decrypted with the server's
// secrets on loopback, the network's segments behind faults.
func TestServeAndProxyPcap(t *testing.T) {
	bin := buildFtpsim(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: apt-get install tshark")
	}
	ctx := context.Background()
	fields := func(t *testing.T, file, filter string, field string) string {
		t.Helper()
		b, err := exec.Command("tshark", "-r", file, "-Y", filter, "-T", "fields", "-e", field).Output()
		if err != nil {
			t.Fatalf("tshark -r %s -Y %q: %v", file, filter, err)
		}
		return string(b)
	}
	serve := func(t *testing.T, file string, extra ...string) string {
		ctl, pasv := freeLoopbackPorts(t)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		args := append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--ca-out", ca, "--quiet", "--pcap", file}, extra...)
		p := startFtpsim(t, bin, args...)
		// Python's ftplib says AUTH TLS; curl says AUTH SSL, after which
		// Wireshark 4.0's FTP dissector does not look for TLS.
		o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Dir: t.TempDir(), Timeout: 8 * time.Second, Reuse: true}
		if r, err := newClient(t, "ftplib", o).List(ctx); err != nil || !r.OK() {
			t.Fatalf("ftplib LIST: %v\n%s", err, r)
		}
		return p.stop(t)
	}
	t.Run("serve", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "serve.pcapng")
		out := serve(t, file)
		if !strings.Contains(out, "wrote") || !strings.Contains(out, file) {
			t.Errorf("serve did not say it wrote %s:\n%s", file, out)
		}
		cmds := fields(t, file, "ftp.request", "ftp.request.command")
		for _, want := range []string{"AUTH", "USER", "PASS", "PASV", "LIST"} { // ftplib uses PASV
			if !strings.Contains(cmds, want) {
				t.Errorf("serve.pcapng: no %s decrypted; commands:\n%s", want, cmds)
			}
		}
		if data := fields(t, file, "ftp-data", "tcp.stream"); strings.TrimSpace(data) == "" {
			t.Error("serve.pcapng: the listing's data connection is not decrypted as ftp-data")
		}
	})
	t.Run("serve-faults", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "nat.pcapng")
		serve(t, file, "--fault", "server_nat")
		ifs := fields(t, file, "tcp", "frame.interface_name")
		for _, want := range []string{"internet", "server-site"} {
			if !strings.Contains(ifs, want) {
				t.Errorf("nat.pcapng: no packet on interface %s", want)
			}
		}
		if addrs := fields(t, file, `frame.interface_name == "server-site"`, "ip.dst"); !strings.Contains(addrs, "10.0.0.5") {
			t.Errorf("nat.pcapng: the server's segment does not show its private address 10.0.0.5")
		}
		if cmds := fields(t, file, "ftp.request", "ftp.request.command"); !strings.Contains(cmds, "USER") {
			t.Errorf("nat.pcapng: USER not decrypted (the server's secrets):\n%s", cmds)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		prod := startProduct(t)
		ctl, err := peers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "proxy.pcapng")
		p := startFtpsim(t, bin, "proxy", "--target", prod.srv.Addr, "--pasv-ports", prod.pasv.String(), "--listen", fmt.Sprintf("127.0.0.1:%d", ctl), "--quiet", "--pcap", file)
		o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: prod.ca, Dir: t.TempDir(), Timeout: 10 * time.Second}
		if r, err := newClient(t, "curl", o).List(ctx); err != nil || !r.OK() {
			t.Fatalf("curl LIST through the proxy: %v\n%s", err, r)
		}
		if out := p.stop(t); !strings.Contains(out, "wrote") {
			t.Errorf("proxy did not say it wrote %s:\n%s", file, out)
		}
		syns := fields(t, file, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.dstport")
		if !strings.Contains(syns, "21") {
			t.Errorf("proxy.pcapng: no SYN to the control port 21 of the virtual server:\n%s", syns)
		}
		if tls := fields(t, file, "tls.handshake.type == 1", "frame.number"); strings.TrimSpace(tls) == "" {
			t.Error("proxy.pcapng: no TLS ClientHello (curl's AUTH TLS) recorded")
		}
	})
}
