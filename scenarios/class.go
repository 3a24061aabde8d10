package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Class names the kind of error behind a failed outcome. The certificate
// classes are the test PKI's failure keys, so a class and the certificate
// case it came from are spelled once. In YAML and JSON a class is its
// string; decoding refuses names not listed here.
type Class string

// The classes, in the order Classes lists them.
const (
	// ClassReply: the server refused with an FTP reply (Outcome.Code).
	ClassReply Class = "reply"
	// ClassNotReproducible: the server emulates a real program and
	// refused in a way that program might not refuse, because Go's
	// crypto/tls cannot do what it does (sim.Limitations). The verdict is
	// the simulator's, not the real program's: run the real product
	// (suites/docker) to get it.
	ClassNotReproducible Class = "not-reproducible"

	ClassUnknownAuthority  Class = pki.KeyUnknownAuthority  // no chain to a trusted root
	ClassExpired           Class = pki.KeyExpired           // certificate past NotAfter
	ClassNotYetValid       Class = pki.KeyNotYetValid       // certificate before NotBefore
	ClassHostname          Class = pki.KeyHostname          // certificate not valid for the name dialed
	ClassIPSANMissing      Class = pki.KeyIPSANMissing      // an IP dialed, no IP SANs at all
	ClassIncompatibleUsage Class = pki.KeyIncompatibleUsage // extended key usage forbids the role

	ClassTruncated   Class = "truncated"    // data ended without TLS close_notify or short
	ClassTLSRequired Class = "tls-required" // the server demands TLS the client did not use
	ClassNotTLS      Class = "not-tls"      // the peer did not speak TLS where TLS was expected
	ClassCorrupt     Class = "corrupt"      // downloaded bytes differ from the server's file
	ClassRefused     Class = "refused"      // connection refused
	ClassReset       Class = "reset"        // connection reset by peer
	ClassTimeout     Class = "timeout"      // a wait ran out
	ClassOther       Class = "other"        // none of the above
)

// Classes returns every class.
func Classes() []Class {
	return []Class{ClassReply, ClassNotReproducible,
		ClassUnknownAuthority, ClassExpired, ClassNotYetValid, ClassHostname, ClassIPSANMissing, ClassIncompatibleUsage,
		ClassTruncated, ClassTLSRequired, ClassNotTLS, ClassCorrupt, ClassRefused, ClassReset, ClassTimeout, ClassOther}
}

// String returns the class name.
func (c Class) String() string { return string(c) }

// ParseClass parses a class name.
func ParseClass(s string) (Class, error) {
	c := Class(strings.TrimSpace(s))
	if c == "" || slices.Contains(Classes(), c) {
		return c, nil
	}
	names := make([]string, 0, len(Classes()))
	for _, k := range Classes() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("unknown class %q: want one of %s", s, strings.Join(names, ", "))
}

// MarshalText returns the class name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c), nil }

// UnmarshalText parses a class name (see [ParseClass]).
func (c *Class) UnmarshalText(b []byte) error {
	v, err := ParseClass(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// certificateClass is the class of a certificate failure, "" for none.
func certificateClass(f pki.Failure) Class { return Class(f.Key()) }

// notReproducible returns the limitation a failure ran into when the
// simulator marked it as not the emulated program's: by the server's
// evidence (in-process) or by the marker in the reply text (a remote
// ftpsim serve).
func notReproducible(data []sim.DataEvidence, message string) sim.Limitation {
	for _, d := range data {
		if d.NotReproducible != "" {
			return d.NotReproducible
		}
	}
	_, rest, ok := strings.Cut(message, sim.NotReproducibleMarker+" (")
	if !ok {
		return ""
	}
	key, _, ok := strings.Cut(rest, ")")
	if !ok || key == "" {
		return ""
	}
	return sim.Limitation(key)
}
