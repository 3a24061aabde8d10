package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
