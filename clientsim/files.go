package clientsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// MaxListing bounds the bytes of one LIST, NLST or MLSD listing.
const MaxListing = 64 << 20

// Retrieve downloads path (RETR) into w and returns the bytes written to w.
// It succeeds only if the final reply is 226 or 250 and the data stream
// ended cleanly: on TLS, with close_notify (else [ErrTruncated]).
func (c *Conn) Retrieve(ctx context.Context, path string, w io.Writer) (int64, error) {
	return c.RetrieveFrom(ctx, path, 0, w)
}

// RetrieveFrom is [Conn.Retrieve] starting at offset (REST offset, then
// RETR; offset 0 sends no REST).
func (c *Conn) RetrieveFrom(ctx context.Context, path string, offset int64, w io.Writer) (int64, error) {
	return c.transferAt(ctx, "RETR", path, offset, nil, w)
}

// Store uploads r to path (STOR) and returns the bytes sent. The data
// connection is handshaken even when r is empty, and ends with the
// client's close_notify. The error carries the final reply if it is not
// 226 or 250.
func (c *Conn) Store(ctx context.Context, path string, r io.Reader) (int64, error) {
	return c.StoreFrom(ctx, path, 0, r)
}

// StoreFrom is [Conn.Store] writing from offset (REST offset, then STOR).
func (c *Conn) StoreFrom(ctx context.Context, path string, offset int64, r io.Reader) (int64, error) {
	return c.transferAt(ctx, "STOR", path, offset, r, nil)
}

// transferAt runs verb on path after REST offset (none for 0), refusing a
// negative offset before anything is sent.
func (c *Conn) transferAt(ctx context.Context, verb, path string, offset int64, src io.Reader, dst io.Writer) (int64, error) {
	if offset < 0 {
		return 0, &Error{Phase: PhaseTransfer, Op: "REST", Err: fmt.Errorf("negative offset %d", offset)}
	}
	res, err := c.transfer(ctx, xfer{cmd: ftp.Command{Verb: verb, Arg: path}, offset: offset, src: src, dst: dst})
	return res.n, err
}

// Append uploads r to the end of path (APPE).
func (c *Conn) Append(ctx context.Context, path string, r io.Reader) (int64, error) {
	res, err := c.transfer(ctx, xfer{cmd: ftp.Command{Verb: "APPE", Arg: path}, src: r})
	return res.n, err
}

// StoreUnique uploads r under a name the server picks (STOU) and returns
// that name, taken from "FILE: name" (RFC 1123 4.1.2.9) in the 1xx reply
// or else in the final reply; it is "" when neither names it.
func (c *Conn) StoreUnique(ctx context.Context, r io.Reader) (string, int64, error) {
	res, err := c.transfer(ctx, xfer{cmd: ftp.Command{Verb: "STOU"}, src: r})
	if err != nil {
		return "", res.n, err
	}
	for _, rep := range []ftp.Reply{res.prelim, res.final} {
		if _, name, ok := strings.Cut(rep.Message(), "FILE:"); ok {
			name, _, _ = strings.Cut(strings.TrimSpace(name), "\n")
			return strings.TrimSpace(name), res.n, nil
		}
	}
	return "", res.n, nil
}

// List returns the raw lines of LIST path (path may be empty).
func (c *Conn) List(ctx context.Context, path string) ([]string, error) {
	return c.listing(ctx, "LIST", path)
}

// NameList returns the names of NLST path (path may be empty).
func (c *Conn) NameList(ctx context.Context, path string) ([]string, error) {
	return c.listing(ctx, "NLST", path)
}

// MLSD lists a directory in the machine format of RFC 3659.
func (c *Conn) MLSD(ctx context.Context, path string) ([]Entry, error) {
	lines, err := c.listing(ctx, "MLSD", path)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, 0, len(lines))
	for _, l := range lines {
		e, err := parseEntry(l)
		if err != nil {
			return entries, &Error{Phase: PhaseTransfer, Op: "MLSD " + path, Err: err}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// MLST returns the facts of one path from the 250 reply of MLST (RFC 3659
// 7), without a data connection.
func (c *Conn) MLST(ctx context.Context, path string) (Entry, error) {
	op := strings.TrimSpace("MLST " + path)
	r, err := c.simple(ctx, PhaseReply, "MLST", path, ftp.CodeFileActionOK)
	if err != nil {
		return Entry{}, err
	}
	if len(r.Lines) < 3 {
		return Entry{}, &Error{Phase: PhaseReply, Op: op, Err: unexpected(r)}
	}
	e, err := parseEntry(r.Lines[1])
	if err != nil {
		return Entry{}, &Error{Phase: PhaseReply, Op: op, Err: err}
	}
	return e, nil
}

func (c *Conn) listing(ctx context.Context, verb, path string) ([]string, error) {
	var buf cappedBuffer
	_, err := c.transfer(ctx, xfer{cmd: ftp.Command{Verb: verb, Arg: path}, dst: &buf})
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(buf.b), "\n") {
		if l = strings.TrimSuffix(l, "\r"); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

var errListingTooLarge = errors.New("listing larger than MaxListing")

// cappedBuffer collects a listing up to MaxListing bytes.
type cappedBuffer struct{ b []byte }

func (w *cappedBuffer) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > MaxListing {
		return 0, errListingTooLarge
	}
	w.b = append(w.b, p...)
	return len(p), nil
}
