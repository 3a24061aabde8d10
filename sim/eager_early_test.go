package sim

import (
	"net"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TestCloseEarlyData: under CloseEarlyData a data connection that sends
// before the transfer command is reset and the listener is spent, so the
// transfer command fails at once; one that waits for the command works.
func TestCloseEarlyData(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.EagerAccept, s.CloseEarlyData = true, true })
	memFS(t, srv).WriteFile("/f", []byte("payload"))
	c := dialCtl(t, srv)
	c.login()

	// Early bytes: reset, no reply, and LIST fails without waiting for
	// the data timeout.
	ap := c.pasv()
	dc, err := net.DialTimeout("tcp", ap.String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	dc.Write([]byte("\x16early"))
	dc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := dc.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("read on the early connection: %d, %v; want it closed", n, err)
	}
	start := time.Now()
	c.send("LIST")
	rep := c.read()
	if rep.Code == 150 {
		rep = c.read()
	}
	if ftp.Class(rep.Code) != 4 || time.Since(start) > srv.dataTimeout()/2 {
		t.Fatalf("LIST after the reset: %q after %s; want a 4xx at once", rep.String(), time.Since(start))
	}
	if !transcriptHas(c.session(), "sent before the transfer command", ftp.EntryNote) {
		t.Errorf("no transcript note of the reset")
	}

	// A client that waits for the 1xx transfers (plain data here).
	res := c.transfer(xfer{cmd: "RETR f"})
	if res.final.Code != 226 || string(res.data) != "payload" {
		t.Fatalf("RETR: %q, %q", res.final.String(), res.data)
	}
	c.must("NOOP", 200)
}
