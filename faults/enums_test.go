package faults

import (
	"strings"
	"testing"
)

// Every enum's names parse back to their value, the text forms round
// trip, and errors name the value and every allowed name.
func TestEnumText(t *testing.T) {
	type textEnum interface {
		String() string
		MarshalText() ([]byte, error)
	}
	check := func(what string, values []textEnum, parse func(string) (textEnum, error), unmarshal func([]byte) (textEnum, error)) {
		t.Helper()
		var allowed []string
		for _, v := range values {
			name := v.String()
			allowed = append(allowed, name)
			if got, err := parse(strings.ToUpper(name)); err != nil || got != v {
				t.Errorf("%s: parse(%q) = %v, %v; want %v", what, name, got, err, v)
			}
			b, _ := v.MarshalText()
			if got, err := unmarshal(b); err != nil || got != v {
				t.Errorf("%s: text round trip of %v gave %v, %v", what, v, got, err)
			}
		}
		_, err := parse("bogus")
		if err == nil {
			t.Fatalf("%s: bogus accepted", what)
		}
		for _, name := range append(allowed, `"bogus"`) {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s: error %q does not name %s", what, err, name)
			}
		}
	}
	check("stream", []textEnum{Downstream, Upstream, BothStreams},
		func(s string) (textEnum, error) { return ParseStream(s) },
		func(b []byte) (textEnum, error) { var v Stream; err := v.UnmarshalText(b); return v, err })
	check("channel", []textEnum{AnyChannel, Control, Data},
		func(s string) (textEnum, error) { return ParseChannel(s) },
		func(b []byte) (textEnum, error) { var v Channel; err := v.UnmarshalText(b); return v, err })
	check("action", []textEnum{Accept, Drop, Reject},
		func(s string) (textEnum, error) { return ParseAction(s) },
		func(b []byte) (textEnum, error) { var v Action; err := v.UnmarshalText(b); return v, err })
	check("direction", []textEnum{Inbound, Outbound, BothDirections},
		func(s string) (textEnum, error) { return ParseDirection(s) },
		func(b []byte) (textEnum, error) { var v Direction; err := v.UnmarshalText(b); return v, err })
	check("verdict", []textEnum{Allowed, Dropped, Refused, Rewritten, Cut, Delayed, Seen},
		func(s string) (textEnum, error) { return ParseVerdict(s) },
		func(b []byte) (textEnum, error) { var v Verdict; err := v.UnmarshalText(b); return v, err })
	check("ALG mode", []textEnum{ALGOff, ALGCorrect, ALGSwapPort, ALGKeepAddress, ALGNoEPSV},
		func(s string) (textEnum, error) { return ParseALGMode(s) },
		func(b []byte) (textEnum, error) { var v ALGMode; err := v.UnmarshalText(b); return v, err })
}

// Empty text and the documented aliases mean the zero or default value.
func TestEnumAliases(t *testing.T) {
	if a, err := ParseAction(""); a != 0 || err != nil {
		t.Errorf(`ParseAction("") = %v, %v`, a, err)
	}
	if m, err := ParseALGMode("none"); m != ALGOff || err != nil {
		t.Errorf(`ParseALGMode("none") = %v, %v`, m, err)
	}
	if c, err := ParseChannel(""); c != AnyChannel || err != nil {
		t.Errorf(`ParseChannel("") = %v, %v`, c, err)
	}
	if got := Stream(7).String(); got != "Stream(7)" {
		t.Errorf("Stream(7) = %q", got)
	}
	if got := Action(0).String(); got != "default" {
		t.Errorf("Action(0) = %q", got)
	}
}
