package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Capture collects synthesized packets and TLS secrets and writes them
// as one pcapng file. The zero value is ready to use; settings must not
// change after the first connection. A Capture is safe for concurrent
// use. Call [Capture.WriteTo] once, at the end (or [Capture.Discard]).
type Capture struct {
	// MSS is the largest TCP payload of one synthesized packet. Zero
	// means 32768; it is capped at 65495, the most an IPv4 packet holds.
	MSS int
	// DataSnaplen, when positive, truncates each packet of a data
	// connection to this many bytes (headers included) in the file, as a
	// capture's snap length does; lengths, sequence numbers and the
	// control connections stay whole. Zero keeps every byte.
	DataSnaplen int
	// MemoryLimit is how many bytes of packets are kept in memory before
	// they spill to a temporary file. Zero means 64 MiB.
	MemoryLimit int

	mu      sync.Mutex
	ifaces  []iface
	byName  map[string]int
	mem     bytes.Buffer
	spill   *os.File
	spillW  *bufio.Writer
	packets int
	err     error
	done    bool
	scratch [28]byte

	kmu     sync.Mutex
	secrets bytes.Buffer        // NSS key log lines, each once
	seen    map[string]struct{} // lines in secrets
	partial []byte              // a line not yet ended by a newline
}

type iface struct{ name, desc string }

const (
	defaultMSS    = 32768
	maxMSS        = 65535 - 20 - 20
	defaultMemory = 64 << 20
	// blockDSB and secretsTLS are the pcapng Decryption Secrets Block
	// type and its TLS key log secrets type ("TLSK").
	blockDSB   = 0x0000000A
	secretsTLS = 0x544c534b
	blockEPB   = 0x00000006
)

// Interface returns the ID of the interface (network segment) with the
// given name, adding it with the description desc if it is new.
func (c *Capture) Interface(name, desc string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.byName[name]; ok {
		return id
	}
	if c.byName == nil {
		c.byName = map[string]int{}
	}
	c.ifaces = append(c.ifaces, iface{name, desc})
	c.byName[name] = len(c.ifaces) - 1
	return len(c.ifaces) - 1
}

// Interfaces returns the names of the interfaces so far, by ID.
func (c *Capture) Interfaces() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.ifaces))
	for i, f := range c.ifaces {
		out[i] = f.name
	}
	return out
}

// Packets returns the number of packets recorded so far.
func (c *Capture) Packets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.packets
}

func (c *Capture) mss() int {
	switch {
	case c.MSS <= 0:
		return defaultMSS
	case c.MSS > maxMSS:
		return maxMSS
	}
	return c.MSS
}

// record appends one Enhanced Packet Block for the bytes kept of a
// packet of length bytes, captured on interface id at at.
func (c *Capture) record(id int, at time.Time, kept []byte, length int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.err != nil {
		return
	}
	c.packets++
	block := 32 + len(kept)
	pad := (4 - block&3) & 3
	block += pad
	ts := uint64(at.UnixNano())
	b := c.scratch[:]
	le := binary.LittleEndian
	le.PutUint32(b[0:], blockEPB)
	le.PutUint32(b[4:], uint32(block))
	le.PutUint32(b[8:], uint32(id))
	le.PutUint32(b[12:], uint32(ts>>32))
	le.PutUint32(b[16:], uint32(ts))
	le.PutUint32(b[20:], uint32(len(kept)))
	le.PutUint32(b[24:], uint32(length))
	w := c.sinkLocked()
	w.Write(b[:28])
	w.Write(kept)
	var tail [8]byte
	le.PutUint32(tail[pad:], uint32(block))
	if _, err := w.Write(tail[:pad+4]); err != nil && c.err == nil {
		c.err = err
	}
}

// sinkLocked is where packet blocks go: memory up to MemoryLimit, then
// a temporary file.
func (c *Capture) sinkLocked() io.Writer {
	if c.spillW != nil {
		return c.spillW
	}
	limit := c.MemoryLimit
	if limit <= 0 {
		limit = defaultMemory
	}
	if c.mem.Len() < limit {
		return &c.mem
	}
	f, err := os.CreateTemp("", "ftpsim-capture-*.part")
	if err != nil {
		c.err = fmt.Errorf("capture: spill packets to a temporary file: %w (set TMPDIR to a writable directory or raise MemoryLimit)", err)
		return io.Discard
	}
	c.spill, c.spillW = f, bufio.NewWriterSize(f, 1<<20)
	c.spillW.Write(c.mem.Bytes())
	c.mem = bytes.Buffer{}
	return c.spillW
}

// ErrWritten is returned by a second [Capture.WriteTo].
var ErrWritten = errors.New("capture: already written (WriteTo or Discard was called)")

// WriteTo writes the capture as pcapng to w: a section header, one
// interface per segment (raw IP), a Decryption Secrets Block with every
// TLS secret collected by [Capture.KeyLog] (when there is one), then the
// packets in the order they were recorded. Later packets are dropped;
// a second call returns [ErrWritten].
func (c *Capture) WriteTo(w io.Writer) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return 0, ErrWritten
	}
	c.done = true
	defer c.releaseLocked()
	if c.err != nil {
		return 0, c.err
	}
	cw := &countWriter{w: w}
	ifaces := c.ifaces
	if len(ifaces) == 0 {
		ifaces = []iface{{"none", "no connection was recorded"}}
	}
	ng, err := pcapgo.NewNgWriterInterface(cw, ngInterface(ifaces[0]), pcapgo.NgWriterOptions{
		SectionInfo: pcapgo.NgSectionInfo{Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "ftpsim"},
	})
	if err != nil {
		return cw.n, err
	}
	for _, f := range ifaces[1:] {
		if _, err := ng.AddInterface(ngInterface(f)); err != nil {
			return cw.n, err
		}
	}
	if err := ng.Flush(); err != nil {
		return cw.n, err
	}
	if err := c.writeSecrets(cw); err != nil {
		return cw.n, err
	}
	if c.spill != nil {
		if err := c.spillW.Flush(); err != nil {
			return cw.n, err
		}
		if _, err := c.spill.Seek(0, io.SeekStart); err != nil {
			return cw.n, err
		}
		_, err = io.Copy(cw, c.spill)
	} else {
		_, err = cw.Write(c.mem.Bytes())
	}
	return cw.n, err
}

// Discard drops the packets without writing them, removing a temporary
// file.
func (c *Capture) Discard() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	c.releaseLocked()
}

func (c *Capture) releaseLocked() {
	c.mem = bytes.Buffer{}
	if c.spill != nil {
		c.spill.Close()
		os.Remove(c.spill.Name())
		c.spill, c.spillW = nil, nil
	}
}

func ngInterface(f iface) pcapgo.NgInterface {
	return pcapgo.NgInterface{Name: f.name, Description: f.desc, LinkType: layers.LinkTypeRaw, TimestampResolution: 9}
}

// writeSecrets writes the Decryption Secrets Block, if any secret was
// collected.
func (c *Capture) writeSecrets(w io.Writer) error {
	c.kmu.Lock()
	secrets := append([]byte(nil), c.secrets.Bytes()...)
	c.kmu.Unlock()
	if len(secrets) == 0 {
		return nil
	}
	pad := (4 - len(secrets)&3) & 3
	length := 12 + 4 + len(secrets) + pad + 4
	b := make([]byte, 0, length)
	le := binary.LittleEndian
	b = le.AppendUint32(b, blockDSB)
	b = le.AppendUint32(b, uint32(length))
	b = le.AppendUint32(b, secretsTLS)
	b = le.AppendUint32(b, uint32(len(secrets)))
	b = append(b, secrets...)
	b = append(b, make([]byte, pad)...)
	b = le.AppendUint32(b, uint32(length))
	_, err := w.Write(b)
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
