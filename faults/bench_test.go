package faults_test

import (
	"net"
	"testing"
	"time"
)

// pumpPair measures moving size bytes from w to r.
func pumpPair(b *testing.B, w, r net.Conn, size int) time.Duration {
	buf := make([]byte, 32<<10)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		for sent := 0; sent < size; sent += len(buf) {
			if _, err := w.Write(buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	rbuf := make([]byte, 32<<10)
	for got := 0; got < size; {
		n, err := r.Read(rbuf)
		if err != nil {
			b.Fatal(err)
		}
		got += n
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkThroughput moves 8 MiB per iteration through the virtual
// network (client LAN NAT -> internet -> DMZ NAT with a port forward, no
// faults) and through a real loopback TCP connection, in the same run,
// and reports both rates and their ratio.
func BenchmarkThroughput(b *testing.B) {
	const size = 8 << 20
	_, cli, srv := natPair()
	vln, _ := srv.Listen("tcp", "10.0.0.5:9000")
	defer vln.Close()
	ch := accept1(vln)
	vc, err := cli.Dial("tcp", "203.0.113.7:9000")
	if err != nil {
		b.Fatal(err)
	}
	vs := <-ch
	defer vc.Close()
	defer vs.Close()

	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Skip("no loopback:", err)
	}
	defer rln.Close()
	rch := accept1(rln)
	rc, err := net.Dial("tcp", rln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	rs := <-rch
	defer rc.Close()
	defer rs.Close()

	b.SetBytes(2 * size)
	b.ResetTimer()
	var virt, real time.Duration
	for i := 0; i < b.N; i++ {
		virt += pumpPair(b, vs, vc, size)
		real += pumpPair(b, rs, rc, size)
	}
	mb := float64(size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/virt.Seconds(), "virtual-MiB/s")
	b.ReportMetric(mb/real.Seconds(), "loopback-MiB/s")
	b.ReportMetric(real.Seconds()/virt.Seconds(), "virtual/loopback")
}
