package field

import (
	"strings"
	"testing"
	"time"
)

type settings struct {
	On    bool
	N     int
	Big   int64
	P     float64
	D     time.Duration
	Label string
}

var table = Table[settings]{
	Bool("on", "a switch", func(s *settings) *bool { return &s.On }),
	Int("n", "N", "a count", func(s *settings) *int { return &s.N }),
	Int("big", "BYTES", "a size", func(s *settings) *int64 { return &s.Big }),
	Float("p", "P", "a probability", func(s *settings) *float64 { return &s.P }),
	Duration("d", "a wait", func(s *settings) *time.Duration { return &s.D }),
	Func("label", "TEXT", "a name",
		func(s *settings, text string) error { s.Label = text; return nil },
		func(s settings) string { return s.Label }),
}

func TestSetAndPairs(t *testing.T) {
	var s settings
	for _, kv := range [][2]string{{"on", "true"}, {"n", "3"}, {"big", "100000"}, {"p", "0.5"}, {"d", "300ms"}, {"label", "x"}} {
		if err := table.Set(&s, kv[0], kv[1]); err != nil {
			t.Fatalf("%s=%s: %v", kv[0], kv[1], err)
		}
	}
	want := settings{On: true, N: 3, Big: 100000, P: 0.5, D: 300 * time.Millisecond, Label: "x"}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	var back settings
	for _, kv := range table.Pairs(s) {
		if err := table.Set(&back, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if back != s {
		t.Errorf("pairs %v parse back as %+v", table.Pairs(s), back)
	}
	if p := table.Pairs(settings{}); len(p) != 0 {
		t.Errorf("zero settings render %v", p)
	}
	if f, _ := table.Lookup("d"); f.Usage() != "d=DURATION" {
		t.Errorf("usage %q", f.Usage())
	}
	if f, _ := table.Lookup("on"); f.Usage() != "on" {
		t.Errorf("usage %q", f.Usage())
	}
}

func TestErrors(t *testing.T) {
	var s settings
	for _, tc := range []struct{ key, value, want string }{
		{"on", "maybe", `on: "maybe": want true or false`},
		{"n", "three", `n: "three": want a whole number`},
		{"n", "99999999999999999999", "whole number"},
		{"p", "half", `p: "half": want a number`},
		{"d", "300", `d: "300": want a duration`},
		{"x", "1", `unknown setting "x" (want on, n, big, p, d or label)`},
	} {
		err := table.Set(&s, tc.key, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
}
