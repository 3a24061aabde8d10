package clientsim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Features sends FEAT (RFC 2389) and returns the features by upper-case
// name, each mapped to its parameters ("" when none): "MLST" ->
// "type*;size*;modify*;", "REST" -> "STREAM", "AUTH" -> "TLS". A name
// listed on several lines, as vsftpd and sim list "AUTH TLS" and "AUTH
// SSL", maps to the parameters of every line in order, joined with ';'
// ("TLS;SSL").
func (c *Conn) Features(ctx context.Context) (map[string]string, error) {
	r, err := c.simple(ctx, PhaseReply, "FEAT", "", ftp.CodeSystemStatus)
	if err != nil {
		return nil, err
	}
	feats := make(map[string]string)
	if len(r.Lines) < 3 {
		return feats, nil
	}
	for _, line := range r.Lines[1 : len(r.Lines)-1] {
		name, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		if name == "" {
			continue
		}
		name, params = strings.ToUpper(name), strings.TrimSpace(params)
		if prev, ok := feats[name]; ok && prev != "" {
			params = prev + ";" + params
		}
		feats[name] = params
	}
	return feats, nil
}

// Noop sends NOOP and expects 200.
func (c *Conn) Noop(ctx context.Context) error {
	_, err := c.simple(ctx, PhaseReply, "NOOP", "")
	return err
}

// Quote sends one raw command line (no CR or LF) and returns the first
// reply whatever its code; the error reports only failures to send or
// read. It is meant for commands without a data connection; PASS is
// redacted in the transcript.
func (c *Conn) Quote(ctx context.Context, line string) (ftp.Reply, error) {
	cmd, err := ftp.ParseCommand(line)
	if err != nil {
		return ftp.Reply{}, &Error{Phase: PhaseReply, Op: "quote", Err: err}
	}
	end, err := c.begin()
	if err != nil {
		return ftp.Reply{}, &Error{Phase: PhaseReply, Op: cmd.Redacted(), Err: err}
	}
	defer end()
	r, err := c.roundTrip(ctx, cmd)
	return r, newError(PhaseReply, cmd.Redacted(), err)
}

// Type sends TYPE A (ASCII) or TYPE I (binary).
func (c *Conn) Type(ctx context.Context, typ string) error {
	_, err := c.simple(ctx, PhaseReply, "TYPE", typ)
	return err
}

// Cwd changes the working directory (CWD).
func (c *Conn) Cwd(ctx context.Context, path string) error {
	_, err := c.simple(ctx, PhaseReply, "CWD", path)
	return err
}

// Cdup changes to the parent directory (CDUP).
func (c *Conn) Cdup(ctx context.Context) error {
	_, err := c.simple(ctx, PhaseReply, "CDUP", "")
	return err
}

// Pwd returns the working directory from the quoted path of the 257 reply
// (doubled quotes inside it stand for one, RFC 959 appendix II).
func (c *Conn) Pwd(ctx context.Context) (string, error) {
	r, err := c.simple(ctx, PhaseReply, "PWD", "", ftp.CodePathCreated)
	if err != nil {
		return "", err
	}
	dir, ok := quotedPath(r.Message())
	if !ok {
		return "", &Error{Phase: PhaseReply, Op: "PWD", Err: unexpected(r)}
	}
	return dir, nil
}

func quotedPath(text string) (string, bool) {
	start := strings.IndexByte(text, '"')
	if start < 0 {
		return "", false
	}
	var b strings.Builder
	for i := start + 1; i < len(text); i++ {
		if text[i] != '"' {
			b.WriteByte(text[i])
			continue
		}
		if i+1 < len(text) && text[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), true
	}
	return "", false
}

// Delete removes a file (DELE).
func (c *Conn) Delete(ctx context.Context, path string) error {
	_, err := c.simple(ctx, PhaseReply, "DELE", path)
	return err
}

// MakeDir creates a directory (MKD, 257).
func (c *Conn) MakeDir(ctx context.Context, path string) error {
	_, err := c.simple(ctx, PhaseReply, "MKD", path)
	return err
}

// RemoveDir removes a directory (RMD).
func (c *Conn) RemoveDir(ctx context.Context, path string) error {
	_, err := c.simple(ctx, PhaseReply, "RMD", path)
	return err
}

// Rename renames from to to (RNFR, 350, RNTO).
func (c *Conn) Rename(ctx context.Context, from, to string) error {
	end, err := c.begin()
	if err != nil {
		return &Error{Phase: PhaseReply, Op: "RNFR " + from, Err: err}
	}
	defer end()
	if _, err := c.do(ctx, PhaseReply, ftp.Command{Verb: "RNFR", Arg: from}, ftp.CodePendingFurther); err != nil {
		return err
	}
	_, err = c.do(ctx, PhaseReply, ftp.Command{Verb: "RNTO", Arg: to})
	return err
}

// Size returns a file's size from SIZE (RFC 3659, 213), which depends on
// the current TYPE.
func (c *Conn) Size(ctx context.Context, path string) (int64, error) {
	r, err := c.simple(ctx, PhaseReply, "SIZE", path, ftp.CodeFileStatus)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(strings.TrimSpace(r.Message()), 10, 64)
	if perr != nil || n < 0 {
		return 0, &Error{Phase: PhaseReply, Op: "SIZE " + path, Err: unexpected(r)}
	}
	return n, nil
}

// ModTime returns a file's modification time from MDTM (RFC 3659, 213,
// YYYYMMDDHHMMSS[.sss] in UTC).
func (c *Conn) ModTime(ctx context.Context, path string) (time.Time, error) {
	r, err := c.simple(ctx, PhaseReply, "MDTM", path, ftp.CodeFileStatus)
	if err != nil {
		return time.Time{}, err
	}
	t, perr := parseTimeVal(strings.TrimSpace(r.Message()))
	if perr != nil {
		return time.Time{}, &Error{Phase: PhaseReply, Op: "MDTM " + path, Err: fmt.Errorf("%w: %w", perr, unexpected(r))}
	}
	return t, nil
}

// parseTimeVal parses RFC 3659's time-val: YYYYMMDDHHMMSS with an optional
// fraction of a second, in UTC.
func parseTimeVal(s string) (time.Time, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if len(whole) != 14 {
		return time.Time{}, fmt.Errorf("bad time-val %q", s)
	}
	t, err := time.ParseInLocation("20060102150405", whole, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time-val %q", s)
	}
	if hasFrac {
		if frac == "" || len(frac) > 9 || strings.Trim(frac, "0123456789") != "" {
			return time.Time{}, fmt.Errorf("bad time-val %q", s)
		}
		ns, _ := strconv.Atoi((frac + "000000000")[:9])
		t = t.Add(time.Duration(ns))
	}
	return t, nil
}

// Quit sends QUIT, reads the 221 and closes the Conn, with a close_notify
// on a protected control connection. The Conn is closed even on error; an
// error from closing (the server may have closed first) is not reported.
func (c *Conn) Quit(ctx context.Context) error {
	_, err := c.simple(ctx, PhaseReply, "QUIT", "", ftp.CodeClosing)
	c.Close()
	return err
}
