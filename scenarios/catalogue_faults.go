package scenarios

import (
	"time"

	"github.com/ftpsim/ftpsim/faults"
)

func middleboxScenarios() []Scenario {
	return []Scenario{
		{
			Name: "auth-stripped-by-middlebox", Cases: []string{"S20"}, Labels: []string{"tls", "auth", "middlebox"},
			Summary: "a middlebox strips AUTH from FEAT and answers AUTH TLS with 502; the client must not log in in clear",
			Network: &NetworkSpec{AuthFilter: 502}, Expect: fail("tls", 502, "tls-required"),
			Diagnosis: Diagnosis{
				Cause: "an inspecting firewall (FTP fixup/inspection) answers AUTH itself to keep FTP readable; the server never sees AUTH TLS",
				Fix:   "disable FTP inspection for this server or allow AUTH TLS through; never let the client fall back to cleartext",
			},
		},
		{
			Name: "tls-reset-at-client-hello", Cases: []string{"S19"}, Labels: []string{"tls", "middlebox"},
			Summary: "a middlebox resets the connection when the TLS ClientHello goes out after 234",
			Network: &NetworkSpec{ResetOnClientHello: new(faults.Control)}, Expect: fail("tls", 0, "reset"),
			Diagnosis: Diagnosis{Cause: "a firewall or IPS kills connections that start TLS on port 21", Fix: "allow TLS on the FTP control port, or use implicit FTPS on 990 if it is allowed"},
		},
		{
			Name: "tls-record-corrupted", Cases: []string{"S19"}, Labels: []string{"tls", "middlebox"},
			Summary: "a middlebox rewrites a byte inside a TLS record on the control channel",
			Network: &NetworkSpec{CorruptRecord: new(faults.Control)}, Expect: fail("tls", 0, ""),
			Diagnosis: Diagnosis{Cause: "something in the path modifies TLS records (bad record MAC): an ALG rewriting what it believes is cleartext FTP", Fix: "disable the FTP ALG/inspection on the path"},
		},
	}
}

func toxicScenarios() []Scenario {
	return []Scenario{
		{
			Name: "control-idle-timeout-during-transfer", Cases: []string{"S27"}, Labels: []string{"firewall", "timeout"},
			Summary: "the firewall forgets the idle control connection during a slow upload; the 226 never arrives",
			// A 1 s idle timer and a 2.6 s upload (512 KiB at 200 KB/s): the
			// timer must outlast every product's greeting, and ProFTPD 1.3.8
			// standalone greets up to 0.3 s late when connections arrive
			// within 0.3 s of each other (measured against the container),
			// which a 300 ms timer turned into a connect timeout.
			Network: &NetworkSpec{IdleTimeout: time.Second, Toxics: []faults.ToxicRule{{Toxic: faults.Bandwidth{Rate: 200}, Stream: faults.Upstream, Channel: faults.Data}}},
			Steps:   []Step{{Op: "login"}, {Op: "upload", Path: "slow.bin", Size: 512 << 10}},
			Expect:  fail("transfer", 0, "timeout"),
			Diagnosis: Diagnosis{
				Cause: "the control connection is idle while the data flows; a NAT/firewall idle timer shorter than the transfer drops it, so the final reply is lost (the upload itself may have succeeded)",
				Fix:   "raise the firewall's TCP idle timeout for port 21, or have the client send NOOP keepalives during transfers (FileZilla, lftp can)",
			},
		},
		{
			Name: "upload-cut-midway", Cases: []string{"S08"}, Labels: []string{"transfer", "truncation"},
			Summary: "the network cuts a protected upload after 100 kB; the server must not store it as complete",
			Network: &NetworkSpec{Toxics: []faults.ToxicRule{{Toxic: faults.LimitData{Bytes: 100000}, Stream: faults.Upstream, Channel: faults.Data}}},
			Steps:   []Step{{Op: "login"}, {Op: "upload", Path: "cut.bin", Size: 1 << 20}},
			Expect:  fail("transfer", 426, "reply"),
			Diagnosis: Diagnosis{
				Cause: "the data connection ended without a TLS close_notify: the upload is truncated (ProFTPD and pure-ftpd store it as complete; vsftpd with OpenSSL 3 answers 426 but keeps the partial bytes)",
				Fix:   "retry the upload; compare the stored size or checksum, since several servers accept a truncated upload",
			},
		},
		{
			Name: "download-cut-midway", Cases: []string{"S08"}, Labels: []string{"transfer", "truncation"},
			Summary:   "the network cuts a protected download after 100 kB; the client must report truncation",
			Network:   &NetworkSpec{Toxics: []faults.ToxicRule{{Toxic: faults.LimitData{Bytes: 100000}, Channel: faults.Data}}},
			Server:    ServerSpec{Files: []File{{Path: "/big.bin", Size: 1 << 20}}},
			Steps:     []Step{{Op: "login"}, {Op: "download", Path: "big.bin"}},
			Expect:    fail("transfer", 0, "truncated"),
			Diagnosis: Diagnosis{Cause: "the data connection ended without the server's TLS close_notify", Fix: "retry with REST from the received size; never treat such a download as complete"},
		},
		{
			Name: "high-latency-link", Labels: []string{"toxics"},
			Summary: "80 ms each way on every connection: slower, but everything works",
			Network: &NetworkSpec{Toxics: []faults.ToxicRule{{Toxic: faults.Latency{Latency: 80 * time.Millisecond}, Stream: faults.BothStreams}}}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "latency only slows the exchanges down", Fix: "nothing to fix"},
		},
		{
			Name: "replies-split-mid-line", Labels: []string{"toxics"},
			Summary: "the control channel delivers replies a few bytes at a time (slicer)",
			Network: &NetworkSpec{Toxics: []faults.ToxicRule{{Toxic: faults.Slicer{AverageSize: 3, SizeVariation: 2}, Channel: faults.Control}}},
			Client:  ClientSpec{TLS: "plain"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "TCP may split replies anywhere; a correct client reassembles lines", Fix: "nothing to fix"},
		},
	}
}
