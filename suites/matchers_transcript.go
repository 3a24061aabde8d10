package suites

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/ftpsim/ftpsim/scenarios"
)

// rawCredential finds USER and PASS commands in raw protocol bytes: at the
// start of the capture or of a line.
var rawCredential = regexp.MustCompile(`(?im)^(USER|PASS)[ \t][^\r\n]*`)

// HaveNoCleartextCredentials succeeds when no USER or PASS command crossed
// the network in clear. The actual value may be
//   - raw bytes as they crossed the wire ([]byte, *bytes.Buffer, or a
//     string that is not a rendered transcript), e.g. a capture taken by
//     the fault layer or a net.Conn tee: any line starting with USER or
//     PASS is a leak (after AUTH TLS the bytes are TLS records, where no
//     such line appears);
//   - a transcript (a rendered one as a string, an [*ftp.Transcript], a
//     [*clientsim.Conn], or a [*scenarios.Result]'s client transcript):
//     transcripts hold the decrypted view, so a USER or PASS entry counts
//     only if the control channel was not under TLS at that point (before
//     the control handshake, or after CCC). For a [*scenarios.Result] of
//     a run on a virtual network, the network's own evidence
//     (Result.CleartextCredentials: a PASS crossed it in clear) counts too.
//
// Example:
//
//	Expect(res).To(suites.HaveNoCleartextCredentials())
//	Expect(capture.Bytes()).To(suites.HaveNoCleartextCredentials())
//
// fails with
//
//	Expected
//	    credentials in clear: USER ftpsim, PASS ****
//	to have sent no USER/PASS in cleartext
func HaveNoCleartextCredentials() types.GomegaMatcher {
	return makeMatcher("have sent no USER/PASS in cleartext", describeCredentials,
		func(actual any) (bool, error) {
			lines, ok := cleartextCredentials(actual)
			if !ok {
				return false, wrongType("HaveNoCleartextCredentials",
					"raw bytes ([]byte, *bytes.Buffer, string) or a transcript (string, *ftp.Transcript, *clientsim.Conn, *scenarios.Result)",
					actual)
			}
			return len(lines) == 0, nil
		})
}

// cleartextCredentials returns the credential lines actual shows in clear,
// with passwords masked.
func cleartextCredentials(actual any) ([]string, bool) {
	var raw []byte
	switch v := actual.(type) {
	case []byte:
		raw = v
	case *bytes.Buffer:
		if v == nil {
			return nil, false
		}
		raw = v.Bytes()
	case string:
		if !looksLikeTranscript(v) {
			raw = []byte(v)
			break
		}
		return scenarios.ParseTranscript(v).CleartextCredentials(), true
	case *scenarios.Result:
		if v == nil {
			return nil, false
		}
		return v.CredentialsInClear(), true
	default:
		entries, ok := transcriptOf(actual)
		if !ok {
			return nil, false
		}
		return entries.CleartextCredentials(), true
	}
	var out []string
	for _, m := range rawCredential.FindAll(raw, -1) {
		line := string(m)
		if strings.EqualFold(line[:4], "PASS") {
			line = "PASS ****"
		}
		out = append(out, line)
	}
	return out, true
}

func describeCredentials(actual any) string {
	lines, _ := cleartextCredentials(actual)
	if len(lines) == 0 {
		return "no USER or PASS in clear"
	}
	return "credentials in clear: " + strings.Join(lines, ", ")
}

// HaveExchanged succeeds when the transcript shows command answered with
// reply code code (a preliminary or a final reply). command is a verb
// ("PASS", "PROT") that matches any arguments, or a full command ("PROT
// P", "AUTH TLS") that must match exactly; case does not matter. The
// actual value is a transcript: a rendered one (string), an
// [*ftp.Transcript], a [*clientsim.Conn] or a [*scenarios.Result] (its
// client transcript).
//
// Example:
//
//	Expect(res).To(suites.HaveExchanged("AUTH TLS", 234))
//	Expect(res).To(suites.HaveExchanged("PROT P", 200))
//	Expect(res).NotTo(suites.HaveExchanged("PASS", 230))
//
// fails with
//
//	Expected
//	    AUTH TLS -> 502 Command not implemented.
//	to have exchanged AUTH TLS -> 234
func HaveExchanged(command string, code int) types.GomegaMatcher {
	want := fmt.Sprintf("have exchanged %s -> %d", command, code)
	describe := func(actual any) string {
		entries, _ := transcriptOf(actual)
		ex := entries.Exchanges(command)
		if len(ex) == 0 {
			return fmt.Sprintf("a transcript without %s (%d entries)", command, len(entries))
		}
		var lines []string
		for _, x := range ex {
			if len(x.Replies) == 0 {
				lines = append(lines, x.Command+" -> no reply")
				continue
			}
			lines = append(lines, x.Command+" -> "+strings.Join(firstLines(x.Replies), " / "))
		}
		return strings.Join(lines, "\n")
	}
	return makeMatcher(want, describe, func(actual any) (bool, error) {
		entries, ok := transcriptOf(actual)
		if !ok {
			return false, wrongType("HaveExchanged",
				"a transcript (string, *ftp.Transcript, *clientsim.Conn, *scenarios.Result)", actual)
		}
		return entries.Exchanged(command, code), nil
	})
}

// firstLines keeps the first line of each multi-line reply.
func firstLines(replies []string) []string {
	out := make([]string, len(replies))
	for i, r := range replies {
		out[i], _, _ = strings.Cut(r, "\n")
	}
	return out
}
