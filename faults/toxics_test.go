package faults_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ftpsim/ftpsim/faults"
)

// toxicPair returns both ends of a flow through natPair's NATs with the
// toxic attached to it. In a synctest bubble the delays cost no time.
func toxicPair(t *testing.T, r faults.ToxicRule) (client, server net.Conn, n *faults.Network) {
	t.Helper()
	n, cli, srv := natPair()
	n.AddToxic(r)
	ln, err := srv.Listen("tcp", "10.0.0.5:9000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := accept1(ln)
	c, err := cli.Dial("tcp", "203.0.113.7:9000")
	if err != nil {
		t.Fatal(err)
	}
	s := <-ch
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s, n
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.Latency{Latency: 100 * time.Millisecond}, Stream: faults.BothStreams})
		start := time.Now()
		go func() { io.Copy(s, s) }() // echo
		c.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		if rtt := time.Since(start); rtt != 200*time.Millisecond {
			t.Fatalf("round trip %s, want 200ms", rtt)
		}
	})
}

func TestBandwidth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.Bandwidth{Rate: 100}}) // 100 KB/s downstream
		start := time.Now()
		go func() { s.Write(make([]byte, 50_000)); s.Close() }()
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != 50_000 {
			t.Fatalf("read %d, %v", n, err)
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Fatalf("50 KB at 100 KB/s took %s, want 500ms", d)
		}
	})
}

func TestSlicer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.Slicer{AverageSize: 10, SizeVariation: 5, Delay: time.Millisecond}})
		data := bytes.Repeat([]byte("0123456789"), 100)
		go func() { s.Write(data); s.Close() }()
		var got []byte
		buf := make([]byte, 1000)
		reads := 0
		for {
			n, err := c.Read(buf)
			if n > 15 {
				t.Fatalf("read of %d bytes, want at most 15", n)
			}
			got = append(got, buf[:n]...)
			reads++
			if err == io.EOF {
				break
			}
		}
		if !bytes.Equal(got, data) || reads < 60 {
			t.Fatalf("%d bytes in %d reads", len(got), reads)
		}
	})
}

func TestLimitData(t *testing.T) {
	c, s, n := toxicPair(t, faults.ToxicRule{Toxic: faults.LimitData{Bytes: 1000}})
	s.Write(make([]byte, 600))
	s.Write(make([]byte, 600))
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 1000 {
		t.Fatalf("read %d, %v; want 1000 bytes then EOF", len(got), err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write after the limit: %v", err)
	}
	if ev := n.Timeline().Filter(1, faults.Cut); len(ev) != 1 || ev[0].Rule != "limit_data_downstream" {
		t.Fatalf("timeline:\n%s", n.Timeline())
	}
}

func TestTimeoutToxic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.Timeout{Timeout: time.Second}, Stream: faults.Upstream})
		start := time.Now()
		c.Write([]byte("lost"))
		if _, err := io.ReadAll(s); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("closed after %s, want 1s", d)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.Timeout{}, Stream: faults.Upstream})
		c.Write([]byte("lost"))
		s.SetReadDeadline(time.Now().Add(time.Hour))
		if _, err := s.Read(make([]byte, 10)); !isTimeout(err) {
			t.Fatalf("black hole read: %v", err)
		}
	})
}

func TestResetPeer(t *testing.T) {
	c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.ResetPeer{}})
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read: %v", err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("server write: %v", err)
	}
	synctest.Test(t, func(t *testing.T) {
		c, _, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.ResetPeer{Timeout: 3 * time.Second}})
		start := time.Now()
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, syscall.ECONNRESET) || time.Since(start) != 3*time.Second {
			t.Fatalf("read: %v after %s", err, time.Since(start))
		}
	})
}

func TestSlowClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s, _ := toxicPair(t, faults.ToxicRule{Toxic: faults.SlowClose{Delay: 2 * time.Second}})
		start := time.Now()
		s.Write([]byte("bye"))
		s.Close()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "bye" || time.Since(start) != 2*time.Second {
			t.Fatalf("read %q, %v after %s", got, err, time.Since(start))
		}
	})
}

// Nth, Channel and Toxicity select flows; rolls repeat for a seed.
func TestToxicSelection(t *testing.T) {
	toxic := func(n *faults.Network, f *faults.Flow) bool {
		return len(n.Timeline().Filter(f.ID, faults.Delayed)) > 0
	}
	run := func(seed uint64, r faults.ToxicRule) []bool {
		n, cli, srv := natPair()
		n.Seed = seed
		n.AddToxic(r)
		ln, _ := srv.Listen("tcp", "10.0.0.5:9000")
		defer ln.Close()
		var got []bool
		for i := 0; i < 20; i++ {
			ch := accept1(ln)
			c, err := cli.Dial("tcp", "203.0.113.7:9000")
			if err != nil {
				t.Fatal(err)
			}
			s := <-ch
			got = append(got, toxic(n, faults.FlowOf(c)))
			c.Close()
			s.Close()
		}
		return got
	}
	lat := faults.Latency{Latency: time.Millisecond}
	third := run(1, faults.ToxicRule{Toxic: lat, Nth: 3})
	for i, g := range third {
		if g != (i == 2) {
			t.Fatalf("Nth 3 selected %v", third)
		}
	}
	if ctl := run(1, faults.ToxicRule{Toxic: lat, Channel: faults.Control}); ctl[0] {
		t.Fatal("a control toxic selected a data flow")
	}
	a, b := run(7, faults.ToxicRule{Toxic: lat, Toxicity: 0.5}), run(7, faults.ToxicRule{Toxic: lat, Toxicity: 0.5})
	hits := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different rolls: %v vs %v", a, b)
		}
		if a[i] {
			hits++
		}
	}
	if hits == 0 || hits == len(a) {
		t.Fatalf("toxicity 0.5 selected %d of %d", hits, len(a))
	}
}

// Closing with received bytes unread resets the flow, as a kernel does:
// the peer reads what had arrived, then ECONNRESET; what was still in
// flight behind the latency is lost. Read first, and the close is a FIN.
func TestCloseWithUnreadBytesResets(t *testing.T) {
	for _, drain := range []bool{false, true} {
		t.Run(fmt.Sprintf("drain=%v", drain), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, s, n := toxicPair(t, faults.ToxicRule{Toxic: faults.Latency{Latency: 50 * time.Millisecond}, Stream: faults.Upstream})
				s.Write([]byte("ticket")) // downstream: no latency
				time.Sleep(time.Millisecond)
				if drain {
					buf := make([]byte, 6)
					if _, err := io.ReadFull(c, buf); err != nil {
						t.Fatal(err)
					}
				}
				c.Write(make([]byte, 1000))
				time.Sleep(60 * time.Millisecond) // the first 1000 bytes arrive
				c.Write(make([]byte, 1000))       // these are in flight at the close
				c.Close()
				got, err := io.ReadAll(s)
				switch {
				case drain && (err != nil || len(got) != 2000):
					t.Fatalf("after a drained close: %d bytes, %v; want 2000 and EOF", len(got), err)
				case !drain && (!errors.Is(err, syscall.ECONNRESET) || len(got) != 1000):
					t.Fatalf("after a close with unread bytes: %d bytes, %v; want the 1000 that arrived, then ECONNRESET", len(got), err)
				}
				cuts := n.Timeline().Filter(1, faults.Cut)
				if !drain && (len(cuts) != 1 || !strings.Contains(cuts[0].Detail, "1000 bytes in flight")) || drain && len(cuts) != 0 {
					t.Fatalf("timeline:\n%s", n.Timeline())
				}
			})
		})
	}
}
