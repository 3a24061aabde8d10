package faults_test

import (
	"io"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults/capture"
)

// BenchmarkPcapTransfer moves 256 MiB per iteration over one flow
// through a client NAT and a server NAT with an FTP helper (three
// segments), once without a capture and once with one that keeps 128
// bytes of each data packet (DataSnaplen) and is written out, and
// reports both rates, the capture's size and the time ratio.
func BenchmarkPcapTransfer(b *testing.B) {
	const size = 256 << 20
	transfer := func(c *capture.Capture) time.Duration {
		n, cli, srv := natPair()
		n.Pcap = c
		defer n.Close()
		ln, err := srv.Listen("tcp", "10.0.0.5:9000")
		if err != nil {
			b.Fatal(err)
		}
		ch := accept1(ln)
		vc, err := cli.Dial("tcp", "203.0.113.7:9000")
		if err != nil {
			b.Fatal(err)
		}
		vs := <-ch
		d := pumpPair(b, vs, vc, size)
		vs.Close()
		vc.Close()
		if c != nil {
			start := time.Now()
			if _, err := c.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
			d += time.Since(start)
		}
		return d
	}
	b.SetBytes(2 * size)
	var off, on time.Duration
	packets := 0
	for b.Loop() {
		off += transfer(nil)
		c := &capture.Capture{DataSnaplen: 128}
		on += transfer(c)
		packets = c.Packets()
	}
	mb := float64(size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/off.Seconds(), "off-MiB/s")
	b.ReportMetric(mb/on.Seconds(), "on-MiB/s")
	b.ReportMetric(on.Seconds()/off.Seconds(), "on/off")
	b.ReportMetric(float64(packets), "packets")
}
