package suites

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"
)

// BeIntactTransfer succeeds when the actual content is exactly size bytes
// whose SHA-256 is sum: what arrived is what was sent, neither truncated
// (a data connection closed early, a missing close_notify), nor extended,
// nor altered (TYPE A line-ending conversion of a binary file, a
// middlebox). The actual value is the content: []byte, string,
// *bytes.Buffer, or anything with a Bytes() []byte or Contents() []byte
// method (gbytes.Buffer).
//
// Example:
//
//	var got bytes.Buffer
//	_, err := conn.Retrieve(ctx, "big.bin", &got)
//	Expect(err).NotTo(HaveOccurred())
//	Expect(got.Bytes()).To(suites.BeIntactTransfer(int64(len(sent)), sha256.Sum256(sent)))
//
// fails with
//
//	Expected
//	    262000 bytes, SHA-256 5a1f...c3d2 (144 bytes short: truncated)
//	to be an intact transfer of 262144 bytes, SHA-256 9e0b...41aa
func BeIntactTransfer(size int64, sum [32]byte) types.GomegaMatcher {
	want := fmt.Sprintf("be an intact transfer of %d bytes, SHA-256 %s", size, short(sum[:]))
	return makeMatcher(want,
		func(actual any) string {
			b, _ := contentOf(actual)
			return describeContent(b, size, sum)
		},
		func(actual any) (bool, error) {
			b, ok := contentOf(actual)
			if !ok {
				return false, wrongType("BeIntactTransfer", "content ([]byte, string, *bytes.Buffer, Bytes() or Contents())", actual)
			}
			return int64(len(b)) == size && sha256.Sum256(b) == sum, nil
		})
}

// HaveSHA256 succeeds when the SHA-256 of the actual content is sum. sum
// is a [32]byte (as sha256.Sum256 returns it), a 32-byte slice, or its hex
// encoding; the actual value is the content, as for [BeIntactTransfer].
//
// Example:
//
//	Expect(downloaded).To(suites.HaveSHA256(sha256.Sum256(uploaded)))
//	Expect(downloaded).To(suites.HaveSHA256("9e0b...41aa"))
//
// fails with
//
//	Expected
//	    262144 bytes, SHA-256 5a1f...c3d2
//	to have SHA-256 9e0b...41aa
func HaveSHA256(sum any) types.GomegaMatcher {
	want, err := sumOf(sum)
	label := "<invalid sum>"
	if err == nil {
		label = short(want[:])
	}
	return makeMatcher("have SHA-256 "+label,
		func(actual any) string {
			b, _ := contentOf(actual)
			got := sha256.Sum256(b)
			return fmt.Sprintf("%d bytes, SHA-256 %s", len(b), short(got[:]))
		},
		func(actual any) (bool, error) {
			if err != nil {
				return false, err
			}
			b, ok := contentOf(actual)
			if !ok {
				return false, wrongType("HaveSHA256", "content ([]byte, string, *bytes.Buffer, Bytes() or Contents())", actual)
			}
			return sha256.Sum256(b) == want, nil
		})
}

// sumOf converts HaveSHA256's argument.
func sumOf(sum any) ([32]byte, error) {
	var out [32]byte
	switch v := sum.(type) {
	case [32]byte:
		return v, nil
	case []byte:
		if len(v) != len(out) {
			return out, fmt.Errorf("HaveSHA256: a %d-byte sum; want 32 bytes", len(v))
		}
		copy(out[:], v)
		return out, nil
	case string:
		b, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil || len(b) != len(out) {
			return out, fmt.Errorf("HaveSHA256: %q is not a hex SHA-256 (64 hex digits)", v)
		}
		copy(out[:], b)
		return out, nil
	}
	return out, fmt.Errorf("HaveSHA256: sum of type %T; want [32]byte, []byte or a hex string", sum)
}

// contentOf returns the bytes of a content value.
func contentOf(actual any) ([]byte, bool) {
	switch v := actual.(type) {
	case []byte:
		return v, true
	case string:
		return []byte(v), true
	case *bytes.Buffer:
		if v == nil {
			return nil, false
		}
		return v.Bytes(), true
	case interface{ Bytes() []byte }:
		return v.Bytes(), true
	case interface{ Contents() []byte }:
		return v.Contents(), true
	}
	return nil, false
}

// describeContent says how content differs from the intended transfer.
func describeContent(b []byte, size int64, sum [32]byte) string {
	got := sha256.Sum256(b)
	s := fmt.Sprintf("%d bytes, SHA-256 %s", len(b), short(got[:]))
	switch n := int64(len(b)); {
	case n < size:
		s += fmt.Sprintf(" (%d bytes short: truncated)", size-n)
	case n > size:
		s += fmt.Sprintf(" (%d bytes too many: extended, e.g. LF to CRLF in TYPE A)", n-size)
	case got != sum:
		s += " (right size, different content: corrupted)"
	}
	return s
}

// short abbreviates a digest as the first and last 4 bytes in hex.
func short(sum []byte) string {
	h := hex.EncodeToString(sum)
	if len(h) <= 16 {
		return h
	}
	return h[:8] + "..." + h[len(h)-8:]
}
