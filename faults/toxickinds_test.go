package faults

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every toxic type is in the registry under its Kind, and every rule's
// text form parses back to the same rule.
func TestToxicRegistryRoundTrip(t *testing.T) {
	rules := []ToxicRule{
		{Toxic: Latency{Latency: 50 * time.Millisecond, Jitter: 10 * time.Millisecond}, Channel: Data},
		{Toxic: Bandwidth{Rate: 400}, Stream: Upstream},
		{Toxic: Slicer{AverageSize: 3, SizeVariation: 2, Delay: time.Millisecond}, Channel: Control},
		{Toxic: ResetPeer{Timeout: time.Second}, Nth: 2},
		{Toxic: Timeout{}, Toxicity: 0.5},
		{Toxic: LimitData{Bytes: 100000}, Stream: BothStreams},
		{Toxic: SlowClose{Delay: time.Second}},
	}
	if len(rules) != len(ToxicKinds()) {
		t.Fatalf("%d kinds registered, %d toxic types tested", len(ToxicKinds()), len(rules))
	}
	for _, r := range rules {
		if _, ok := LookupToxicKind(r.Toxic.Kind()); !ok {
			t.Errorf("%T (%s) not registered", r.Toxic, r.Toxic.Kind())
		}
		back, err := ParseToxicRule(r.Settings())
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Errorf("%v: parsed back as %+v, %v", r.Settings(), back, err)
		}
		if e := r.Explain(); !strings.Contains(e, "(on ") {
			t.Errorf("%s: explanation %q", r.Toxic.Kind(), e)
		}
	}
}

// Errors name the setting, the value and what is allowed.
func TestParseToxicRuleErrors(t *testing.T) {
	for _, tc := range []struct {
		settings [][2]string
		want     []string
	}{
		{nil, []string{"without a type", "latency", "slow_close"}},
		{[][2]string{{"type", "laggy"}}, []string{`"laggy"`, "latency, bandwidth"}},
		{[][2]string{{"type", "latency"}, {"rate", "5"}}, []string{"toxic latency", `"rate"`, "latency or jitter"}},
		{[][2]string{{"type", "latency"}, {"latency", "5"}}, []string{"latency", `"5"`, "duration"}},
		{[][2]string{{"type", "latency"}, {"stream", "sideways"}}, []string{"stream", `"sideways"`, "downstream, upstream or both"}},
		{[][2]string{{"type", "limit_data"}, {"bytes", "many"}}, []string{"bytes", `"many"`, "whole number"}},
		{[][2]string{{"type", "latency"}, {"type", "latency"}}, []string{"type given twice"}},
	} {
		_, err := ParseToxicRule(tc.settings)
		if err == nil {
			t.Errorf("%v accepted", tc.settings)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", tc.settings, err, w)
			}
		}
	}
}
