package faults

import (
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Middlebox is a device on a [Gateway] that interposes on the flows
// crossing it: it sees and may change each segment, and may answer in the
// peer's stead. Like toxics, middleboxes are settings only; their state
// lives with each flow.
type Middlebox interface {
	// Name names the middlebox in the timeline.
	Name() string
	// stage returns the middlebox's state for one direction of f, or nil
	// when it does not act there.
	stage(f *Flow, dir Stream, rule string) stage
}

// AUTHFilter is a broken middlebox that keeps FTP in cleartext (S20): on
// control flows it removes the AUTH lines from FEAT replies and answers
// every AUTH command itself with Code, without forwarding it. A client
// that requires TLS must then give up before USER and PASS.
type AUTHFilter struct {
	// Code is the reply to AUTH: 500, 502 or 504. Zero means 500.
	Code int
}

// Name returns "auth-filter".
func (AUTHFilter) Name() string { return "auth-filter" }

func (m AUTHFilter) stage(f *Flow, dir Stream, rule string) stage {
	if f.Channel != Control {
		return nil
	}
	code := m.Code
	if code == 0 {
		code = ftp.CodeSyntaxError
	}
	return &authFilterStage{code: code, rule: rule}
}

type authFilterStage struct {
	code int
	rule string
}

func (s *authFilterStage) segment(l *link, p []byte) []byte {
	if !isText(p) {
		return p
	}
	var out []byte
	for _, raw := range splitLines(p) {
		line := strings.TrimRight(string(raw), "\r\n")
		if l.dir == Upstream {
			if _, ok := commandArg(line, "AUTH"); ok {
				var reply strings.Builder
				ftp.WriteReply(&reply, s.code, "AUTH not understood.")
				l.flow.down.inject([]byte(reply.String()))
				l.flow.net.event(l.flow, Rewritten, s.rule, "%q swallowed; answered %d", line, s.code)
				continue
			}
		} else if isFeatAUTH(line) {
			l.flow.net.event(l.flow, Rewritten, s.rule, "FEAT line %q removed", strings.TrimSpace(line))
			continue
		}
		out = append(out, raw...)
	}
	return out
}

// isFeatAUTH reports whether line is an AUTH feature line of a FEAT
// reply: indented, "AUTH" followed by nothing, a space or a list.
func isFeatAUTH(line string) bool {
	if !strings.HasPrefix(line, " ") {
		return false
	}
	t := strings.TrimSpace(line)
	return strings.EqualFold(t, "AUTH") || len(t) > 4 && strings.EqualFold(t[:5], "AUTH ")
}

// ResetOnClientHello resets a flow when a TLS ClientHello (a handshake
// record, 0x16 0x03) goes upstream: a middlebox that kills TLS.
type ResetOnClientHello struct {
	// Channel selects control or data flows. Zero means both.
	Channel Channel
}

// Name returns "reset-on-client-hello".
func (ResetOnClientHello) Name() string { return "reset-on-client-hello" }

func (m ResetOnClientHello) stage(f *Flow, dir Stream, rule string) stage {
	if dir != Upstream || !m.Channel.matches(f.Channel) {
		return nil
	}
	return helloResetStage{rule: rule}
}

type helloResetStage struct{ rule string }

func (s helloResetStage) segment(l *link, p []byte) []byte {
	if len(p) >= 2 && p[0] == recordHandshake && p[1] == 3 {
		l.flow.net.event(l.flow, Cut, s.rule, "TLS ClientHello answered with a reset")
		l.flow.reset()
		return nil
	}
	return p
}

// CorruptRecord flips a byte in the nth TLS application-data record of a
// stream, so the receiver fails the record's authentication ("bad record
// MAC"). In TLS 1.3 the first such record downstream is the server's
// encrypted handshake.
type CorruptRecord struct {
	// Stream is the direction corrupted. Zero means [Downstream].
	Stream Stream
	// Channel selects control or data flows. Zero means both.
	Channel Channel
	// Record is the 1-based number of the application-data record to
	// corrupt. Zero means the first.
	Record int
}

// Name returns "corrupt-record".
func (CorruptRecord) Name() string { return "corrupt-record" }

func (m CorruptRecord) stage(f *Flow, dir Stream, rule string) stage {
	if !m.Stream.matches(dir) || !m.Channel.matches(f.Channel) {
		return nil
	}
	return &corruptStage{target: max(m.Record, 1), rule: rule}
}

// TLS record content types (RFC 8446 5.1).
const (
	recordChangeCipherSpec = 20
	recordHandshake        = 22
	recordApplicationData  = 23
)

// corruptStage follows the TLS record framing of a stream across
// segments. Text before the first record (cleartext FTP before AUTH TLS)
// is skipped segment by segment.
type corruptStage struct {
	target, count int
	hdr           []byte // partial record header
	need          int    // body bytes left in the current record
	flip          bool   // flip the next body byte
	done          bool
	rule          string
}

func (s *corruptStage) segment(l *link, p []byte) []byte {
	if s.done {
		return p
	}
	out := p
	for i := 0; i < len(p) && !s.done; {
		if s.need > 0 {
			n := min(s.need, len(p)-i)
			if s.flip {
				out = append([]byte(nil), p...)
				out[i] ^= 0xff
				s.flip, s.done = false, true
				l.flow.net.event(l.flow, Rewritten, s.rule, "%s TLS application-data record %d corrupted", l.dir, s.count)
			}
			i += n
			s.need -= n
			continue
		}
		if len(s.hdr) == 0 && (p[i] < recordChangeCipherSpec || p[i] > recordApplicationData) {
			return out // not at a record: cleartext
		}
		s.hdr = append(s.hdr, p[i])
		i++
		if len(s.hdr) < 5 {
			continue
		}
		s.need = int(s.hdr[3])<<8 | int(s.hdr[4])
		if s.hdr[0] == recordApplicationData {
			s.count++
			s.flip = s.count == s.target && s.need > 0
		}
		s.hdr = s.hdr[:0]
	}
	return out
}

// String describes the stage for debugging.
func (s *corruptStage) String() string { return fmt.Sprintf("corrupt record %d", s.target) }
