package capture

import (
	"bytes"
	"io"
)

// KeyLog returns a writer for TLS secrets in the NSS key log format, as
// tls.Config.KeyLogWriter, sim.Server.KeyLogWriter and clientsim.WithKeyLog
// take, or for the contents of a key log file (io.Copy from an
// SSLKEYLOGFILE). Each line is kept once, however many ends log it, and
// goes into the file's Decryption Secrets Block.
func (c *Capture) KeyLog() io.Writer { return keyLog{c} }

type keyLog struct{ c *Capture }

func (k keyLog) Write(p []byte) (int, error) {
	c := k.c
	c.kmu.Lock()
	defer c.kmu.Unlock()
	data := p
	if len(c.partial) > 0 {
		data = append(c.partial, p...)
		c.partial = nil
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			c.partial = append([]byte(nil), data...)
			break
		}
		c.addLineLocked(data[:i])
		data = data[i+1:]
	}
	return len(p), nil
}

func (c *Capture) addLineLocked(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return
	}
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	if _, ok := c.seen[string(line)]; ok {
		return
	}
	c.seen[string(line)] = struct{}{}
	c.secrets.Write(line)
	c.secrets.WriteByte('\n')
}

// Secrets returns the key log lines collected so far, one per line.
func (c *Capture) Secrets() string {
	c.kmu.Lock()
	defer c.kmu.Unlock()
	return c.secrets.String()
}
