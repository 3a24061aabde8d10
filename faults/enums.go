package faults

import (
	"fmt"
	"strconv"
	"strings"
)

// names is the text vocabulary of an enum: the name of each value, in
// order from the first, and extra spellings Parse also accepts.
type names[E ~int] struct {
	what    string       // the enum in errors: "stream"
	first   E            // the value of list[0]
	list    []string     // canonical names
	aliases map[string]E // other accepted spellings, "" included where it means a value
}

func (n names[E]) format(v E, typeName string) string {
	if i := int(v - n.first); i >= 0 && i < len(n.list) {
		return n.list[i]
	}
	return typeName + "(" + strconv.Itoa(int(v)) + ")"
}

// parse reads a name, case-insensitively. Errors name the enum, the
// value and the allowed names.
func (n names[E]) parse(s string) (E, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, name := range n.list {
		if l == name {
			return n.first + E(i), nil
		}
	}
	if v, ok := n.aliases[l]; ok {
		return v, nil
	}
	want := strings.Join(n.list[:len(n.list)-1], ", ") + " or " + n.list[len(n.list)-1]
	return 0, fmt.Errorf("%s %q: want %s", n.what, s, want)
}

func (n names[E]) unmarshal(v *E, b []byte) error {
	x, err := n.parse(string(b))
	if err != nil {
		return err
	}
	*v = x
	return nil
}

var streamNames = names[Stream]{what: "stream", first: Downstream,
	list: []string{"downstream", "upstream", "both"}, aliases: map[string]Stream{"": Downstream}}

// ParseStream parses "downstream" (or ""), "upstream" or "both".
func ParseStream(s string) (Stream, error) { return streamNames.parse(s) }

// String returns "downstream", "upstream" or "both".
func (s Stream) String() string { return streamNames.format(s, "Stream") }

// MarshalText returns the stream's name.
func (s Stream) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a name as [ParseStream] does.
func (s *Stream) UnmarshalText(b []byte) error { return streamNames.unmarshal(s, b) }

var channelNames = names[Channel]{what: "channel", first: AnyChannel,
	list: []string{"any", "control", "data"}, aliases: map[string]Channel{"": AnyChannel}}

// ParseChannel parses "any" (or ""), "control" or "data".
func ParseChannel(s string) (Channel, error) { return channelNames.parse(s) }

// String returns "any", "control" or "data".
func (c Channel) String() string { return channelNames.format(c, "Channel") }

// MarshalText returns the channel's name.
func (c Channel) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses a name as [ParseChannel] does.
func (c *Channel) UnmarshalText(b []byte) error { return channelNames.unmarshal(c, b) }

var actionNames = names[Action]{what: "action", first: Accept,
	list: []string{"accept", "drop", "reject"}, aliases: map[string]Action{"": 0, "default": 0}}

// ParseAction parses "accept", "drop" or "reject"; "" and "default" are
// the zero Action, the setting's default.
func ParseAction(s string) (Action, error) { return actionNames.parse(s) }

// String returns "accept", "drop", "reject", or "default" for zero.
func (a Action) String() string {
	if a == 0 {
		return "default"
	}
	return actionNames.format(a, "Action")
}

// MarshalText returns the action's name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses a name as [ParseAction] does.
func (a *Action) UnmarshalText(b []byte) error { return actionNames.unmarshal(a, b) }

var directionNames = names[Direction]{what: "direction", first: Inbound,
	list: []string{"inbound", "outbound", "both"}, aliases: map[string]Direction{"": Inbound}}

// ParseDirection parses "inbound" (or ""), "outbound" or "both".
func ParseDirection(s string) (Direction, error) { return directionNames.parse(s) }

// String returns "inbound", "outbound" or "both".
func (d Direction) String() string { return directionNames.format(d, "Direction") }

// MarshalText returns the direction's name.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a name as [ParseDirection] does.
func (d *Direction) UnmarshalText(b []byte) error { return directionNames.unmarshal(d, b) }

var verdictNames = names[Verdict]{what: "verdict", first: Allowed,
	list: []string{"allowed", "dropped", "refused", "rewritten", "cut", "delayed", "seen"}}

// ParseVerdict parses a verdict's name ("dropped", ...).
func ParseVerdict(s string) (Verdict, error) { return verdictNames.parse(s) }

// String returns the verdict in lower case.
func (v Verdict) String() string { return verdictNames.format(v, "Verdict") }

// MarshalText returns the verdict's name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses a name as [ParseVerdict] does.
func (v *Verdict) UnmarshalText(b []byte) error { return verdictNames.unmarshal(v, b) }

var algNames = names[ALGMode]{what: "ALG mode", first: ALGOff,
	list: []string{"off", "correct", "swap-port", "keep-address", "no-epsv"}, aliases: map[string]ALGMode{"": ALGOff, "none": ALGOff}}

// ParseALGMode parses "off" (or "", "none"), "correct", "swap-port",
// "keep-address" or "no-epsv".
func ParseALGMode(s string) (ALGMode, error) { return algNames.parse(s) }

// String names the mode.
func (m ALGMode) String() string { return algNames.format(m, "ALGMode") }

// MarshalText returns the mode's name.
func (m ALGMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a name as [ParseALGMode] does.
func (m *ALGMode) UnmarshalText(b []byte) error { return algNames.unmarshal(m, b) }
