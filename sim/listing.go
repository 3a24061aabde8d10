package sim

import (
	"fmt"

	"github.com/ftpsim/ftpsim/sim/ftp"
	"io"
	"io/fs"
	"time"
)

type lineFormat func(fi fs.FileInfo, now time.Time) string

// formatLIST renders one line the way "ls -l" does, which every FTP client
// can parse.
func formatLIST(fi fs.FileInfo, now time.Time) string {
	mode := "-rw-r--r--"
	if fi.IsDir() {
		mode = "drwxr-xr-x"
	}
	mt := fi.ModTime()
	stamp := mt.Format("Jan _2 15:04")
	if now.Sub(mt) > 180*24*time.Hour || mt.Sub(now) > 24*time.Hour {
		stamp = mt.Format("Jan _2  2006")
	}
	return fmt.Sprintf("%s 1 ftp ftp %12d %s %s", mode, fi.Size(), stamp, fi.Name())
}

func formatNLST(fi fs.FileInfo, _ time.Time) string { return fi.Name() }

// formatMLSx renders RFC 3659 facts followed by the name.
func formatMLSx(fi fs.FileInfo, perm Perm) string {
	typ, p := "file", "r"
	if fi.IsDir() {
		typ, p = "dir", "el"
	}
	if perm == PermReadWrite {
		if fi.IsDir() {
			p += "cmfp"
		} else {
			p += "wadf"
		}
	}
	return fmt.Sprintf("type=%s;size=%d;modify=%s;perm=%s; %s", typ, fi.Size(),
		fi.ModTime().UTC().Format("20060102150405"), p, fi.Name())
}

// listLines lists a directory, or describes a single file.
func (sess *Session) listLines(arg string, format lineFormat) ([]string, error) {
	p := sess.path(arg)
	st, err := sess.srv.FS.Stat(p)
	if err != nil {
		return nil, err
	}
	now := sess.srv.now()
	ents := []fs.FileInfo{st}
	if st.IsDir() {
		if ents, err = sess.srv.FS.ReadDir(p); err != nil {
			return nil, err
		}
	}
	ents = sess.listable(ents)
	lines := make([]string, 0, len(ents))
	for _, e := range ents {
		lines = append(lines, format(e, now))
	}
	return lines, nil
}

func (sess *Session) mlsdLines(arg string) ([]string, error) {
	p := sess.path(arg)
	st, err := sess.srv.FS.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, ErrNotDir
	}
	ents, err := sess.srv.FS.ReadDir(p)
	if err != nil {
		return nil, err
	}
	ents = sess.listable(ents)
	lines := make([]string, 0, len(ents))
	for _, e := range ents {
		lines = append(lines, formatMLSx(e, sess.perm))
	}
	return lines, nil
}

// toCRLF converts a stored file (LF line ends) to the TYPE A wire form
// (CRLF): a bare LF becomes CRLF; an existing CRLF is kept.
type toCRLF struct {
	r      io.Reader
	prevCR bool
	buf    []byte
	out    []byte
}

func newToCRLF(r io.Reader) *toCRLF { return &toCRLF{r: r, buf: make([]byte, 32<<10)} }

func (c *toCRLF) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		n, err := c.r.Read(c.buf)
		for _, b := range c.buf[:n] {
			if b == '\n' && !c.prevCR {
				c.out = append(c.out, '\r')
			}
			c.out = append(c.out, b)
			c.prevCR = b == '\r'
		}
		if err != nil && len(c.out) == 0 {
			return 0, err
		}
		if err != nil {
			break
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// fromCRLF converts TYPE A wire data (CRLF) to the stored form (LF). A CR
// at the end of one write is held until the next byte is known.
type fromCRLF struct {
	w      io.Writer
	heldCR bool
	out    []byte
}

func (c *fromCRLF) Write(p []byte) (int, error) {
	c.out = c.out[:0]
	for _, b := range p {
		if c.heldCR {
			c.heldCR = false
			if b != '\n' {
				c.out = append(c.out, '\r')
			}
		}
		if b == '\r' {
			c.heldCR = true
			continue
		}
		c.out = append(c.out, b)
	}
	if _, err := c.w.Write(c.out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a CR held back at the end of the stream.
func (c *fromCRLF) Flush() error {
	if !c.heldCR {
		return nil
	}
	c.heldCR = false
	_, err := c.w.Write([]byte{'\r'})
	return err
}

// safeName reports whether a name can travel on the wire: no control
// characters. A CR or LF inside a name would end a LIST, NLST or MLSD line
// early and inject a line of the server's choosing into the client's
// listing, and RFC 959's pathnames exclude CR and LF anyway.
func safeName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// nameOK reports whether p may be created (STOR, APPE, MKD, RNTO): a name
// with a control character is refused with 553.
func (sess *Session) nameOK(p string) bool {
	if safeName(p) {
		return true
	}
	sess.transcript.Add(ftp.EntryNote, "refused the name %q: it holds control characters", p)
	return false
}

// listable drops entries whose names hold control characters (files made
// on disk behind the server's back: DirFS serves any directory), noting
// each in the transcript.
func (sess *Session) listable(ents []fs.FileInfo) []fs.FileInfo {
	out := ents[:0:0]
	for _, e := range ents {
		if !safeName(e.Name()) {
			sess.transcript.Add(ftp.EntryNote, "listing: omitted %q: its name holds control characters", e.Name())
			continue
		}
		out = append(out, e)
	}
	return out
}
