package ftp

import (
	"slices"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PortRange
		ok   bool
	}{
		{"30000-30009", PortRange{30000, 30009}, true},
		{" 21 ", PortRange{21, 21}, true},
		{"1-65535", PortRange{1, 65535}, true},
		{"30009-30000", PortRange{}, false},
		{"0-10", PortRange{}, false},
		{"65535-65536", PortRange{}, false},
		{"", PortRange{}, false},
		{"a-b", PortRange{}, false},
	} {
		got, err := ParsePortRange(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParsePortRange(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestPortRangeMethods(t *testing.T) {
	for _, tc := range []struct {
		r    PortRange
		size int
		text string
	}{
		{PortRange{}, 0, "any"},
		{PortRange{30000, 30009}, 10, "30000-30009"},
		{PortRange{21, 21}, 1, "21"},
		{PortRange{30009, 30000}, 0, "30009-30000"},
		{PortRange{65535, 65535}, 1, "65535"},
	} {
		if got := tc.r.Size(); got != tc.size {
			t.Errorf("%v.Size() = %d, want %d", tc.r, got, tc.size)
		}
		if got := len(slices.Collect(tc.r.All())); got != tc.size {
			t.Errorf("%v.All() yields %d ports, want %d", tc.r, got, tc.size)
		}
		if got := tc.r.String(); got != tc.text {
			t.Errorf("String() = %q, want %q", got, tc.text)
		}
	}
	r := PortRange{30000, 30009}
	if !r.Contains(30000) || !r.Contains(30009) || r.Contains(30010) || (PortRange{}).Contains(0) {
		t.Error("Contains wrong")
	}
	var back PortRange
	if b, _ := r.MarshalText(); back.UnmarshalText(b) != nil || back != r {
		t.Errorf("text round trip of %v gave %v", r, back)
	}
	if b, _ := (PortRange{}).MarshalText(); len(b) != 0 || back.UnmarshalText(nil) != nil || !back.IsZero() {
		t.Errorf("zero range text %q, back %v", b, back)
	}
}

func TestParsePortList(t *testing.T) {
	got, err := ParsePortList("21, 30000-30009,,990")
	if err != nil || !slices.Equal(got, []PortRange{{21, 21}, {30000, 30009}, {990, 990}}) {
		t.Errorf("ParsePortList = %v, %v", got, err)
	}
	if got, err := ParsePortList(""); err != nil || got != nil {
		t.Errorf("empty list = %v, %v", got, err)
	}
	if _, err := ParsePortList("21,x"); err == nil {
		t.Error("bad item accepted")
	}
}
