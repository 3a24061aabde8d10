package faults

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/internal/field"
)

// ToxicKind is one entry of the toxic registry: a kind of [Toxic], named
// as in Toxiproxy, with the attributes it reads from text. Everything
// that names toxics in text (scenario YAML, ftpsim's --fault flag and
// its help, the banners that explain a network) reads [ToxicKinds].
type ToxicKind struct {
	Name       string        // Toxiproxy's type name, the Kind of its toxics
	Help       string        // what the toxic does, one line
	Attributes []SettingHelp // the attributes it reads, in Toxiproxy's units

	parse   func(attrs [][2]string) (Toxic, error)
	pairs   func(Toxic) [][2]string
	explain func(Toxic) string
}

// SettingHelp is the help line of one text setting.
type SettingHelp struct {
	Usage string // "latency=DURATION"
	Help  string
}

// toxicKind registers T: its name is T's Kind, its attributes the fields
// of the table.
func toxicKind[T Toxic](help string, explain func(T) string, attrs ...field.Field[T]) ToxicKind {
	var zero T
	table := field.Table[T](attrs)
	k := ToxicKind{Name: zero.Kind(), Help: help}
	for _, a := range attrs {
		k.Attributes = append(k.Attributes, SettingHelp{a.Usage(), a.Help})
	}
	k.parse = func(pairs [][2]string) (Toxic, error) {
		var t T
		for _, p := range pairs {
			if err := table.Set(&t, p[0], p[1]); err != nil {
				return nil, fmt.Errorf("toxic %s: %w", k.Name, err)
			}
		}
		return t, nil
	}
	k.pairs = func(t Toxic) [][2]string { return table.Pairs(t.(T)) }
	k.explain = func(t Toxic) string { return explain(t.(T)) }
	return k
}

// toxicKinds is the registry, in Toxiproxy's order.
var toxicKinds = []ToxicKind{
	toxicKind("delays every chunk", func(t Latency) string {
		return fmt.Sprintf("every chunk is delayed by %s ± %s", t.Latency, t.Jitter)
	},
		field.Duration("latency", "delay of every chunk, e.g. 50ms", func(t *Latency) *time.Duration { return &t.Latency }),
		field.Duration("jitter", "up to this much more or less", func(t *Latency) *time.Duration { return &t.Jitter })),
	toxicKind("caps throughput", func(t Bandwidth) string {
		return fmt.Sprintf("throughput is capped at %d KB/s", t.Rate)
	},
		field.Int("rate", "KB/s", "KB/s (1 KB = 1000 bytes)", func(t *Bandwidth) *int { return &t.Rate })),
	toxicKind("cuts the stream into small pieces (short reads)", func(t Slicer) string {
		return fmt.Sprintf("the stream arrives in pieces of %d±%d bytes, %s apart", t.AverageSize, t.SizeVariation, t.Delay)
	},
		field.Int("average_size", "BYTES", "bytes per piece", func(t *Slicer) *int { return &t.AverageSize }),
		field.Int("size_variation", "BYTES", "+/- bytes", func(t *Slicer) *int { return &t.SizeVariation }),
		field.Duration("delay", "between pieces", func(t *Slicer) *time.Duration { return &t.Delay })),
	toxicKind("resets the flow", func(t ResetPeer) string {
		return "connections are reset after " + t.Timeout.String()
	},
		field.Duration("timeout", "reset this long after the flow opens (0: at once)", func(t *ResetPeer) *time.Duration { return &t.Timeout })),
	toxicKind("black-holes the stream", func(t Timeout) string {
		if t.Timeout == 0 {
			return "bytes are black-holed; the connection never closes"
		}
		return "bytes are black-holed; the connection closes after " + t.Timeout.String()
	},
		field.Duration("timeout", "close the flow this long after it opens (0: never)", func(t *Timeout) *time.Duration { return &t.Timeout })),
	toxicKind("closes the flow after some bytes", func(t LimitData) string {
		return fmt.Sprintf("connections are cut after %d bytes: downloads arrive truncated, truncated uploads get 426 from the server", t.Bytes)
	},
		field.Int("bytes", "BYTES", "bytes let through before the flow is closed", func(t *LimitData) *int64 { return &t.Bytes })),
	toxicKind("delays the close", func(t SlowClose) string {
		return "the close arrives " + t.Delay.String() + " late"
	},
		field.Duration("delay", "before the close", func(t *SlowClose) *time.Duration { return &t.Delay })),
}

// ToxicKinds returns the toxic registry, in Toxiproxy's order.
func ToxicKinds() []ToxicKind { return append([]ToxicKind(nil), toxicKinds...) }

// LookupToxicKind returns the registry entry of a kind ("latency").
func LookupToxicKind(name string) (ToxicKind, bool) {
	for _, k := range toxicKinds {
		if k.Name == name {
			return k, true
		}
	}
	return ToxicKind{}, false
}

func kindNames() string {
	var names []string
	for _, k := range toxicKinds {
		names = append(names, k.Name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ruleFields are the settings of a [ToxicRule] that select flows, as
// text; the kind's attributes come after them.
var ruleFields = field.Table[ToxicRule]{
	field.Text("stream", "STREAM", "downstream (default: server to client on control and passive data), upstream or both",
		func(r *ToxicRule) *Stream { return &r.Stream }, ParseStream),
	field.Text("channel", "CHANNEL", "any (default), control or data", func(r *ToxicRule) *Channel { return &r.Channel }, ParseChannel),
	field.Int("nth", "N", "only the Nth flow the toxic selects (1-based)", func(r *ToxicRule) *int { return &r.Nth }),
	field.Float("toxicity", "P", "probability that a selected flow gets the toxic (default 1)", func(r *ToxicRule) *float64 { return &r.Toxicity }),
}

// ToxicRuleHelp returns the help of a toxic rule's text settings: type,
// then those that select flows. Each kind's attributes are in its
// [ToxicKind].
func ToxicRuleHelp() []SettingHelp {
	out := []SettingHelp{{"type=KIND", kindNames() + " (may be given first, without type=)"}}
	for _, f := range ruleFields {
		out = append(out, SettingHelp{f.Usage(), f.Help})
	}
	return out
}

// ParseToxicRule makes the rule that KEY, VALUE settings describe in
// Toxiproxy's vocabulary: "type" names the kind (see [ToxicKinds]);
// "stream", "channel", "nth" and "toxicity" select flows as the fields of
// [ToxicRule] do; every other key is an attribute of the kind. A key may
// appear once. Errors name the setting, its value and what is allowed.
func ParseToxicRule(settings [][2]string) (ToxicRule, error) {
	var r ToxicRule
	var kind string
	var attrs [][2]string
	seen := map[string]bool{}
	for _, s := range settings {
		key, value := s[0], s[1]
		if seen[key] {
			return r, fmt.Errorf("toxic: %s given twice", key)
		}
		seen[key] = true
		if key == "type" {
			kind = value
		} else if _, ok := ruleFields.Lookup(key); ok {
			if err := ruleFields.Set(&r, key, value); err != nil {
				return r, fmt.Errorf("toxic: %w", err)
			}
		} else {
			attrs = append(attrs, s)
		}
	}
	if kind == "" {
		return r, errors.New("toxic without a type: want type=" + kindNames())
	}
	k, ok := LookupToxicKind(kind)
	if !ok {
		return r, fmt.Errorf("toxic type %q: want %s", kind, kindNames())
	}
	t, err := k.parse(attrs)
	if err != nil {
		return r, err
	}
	r.Toxic = t
	return r, nil
}

// Settings renders the rule as [ParseToxicRule] reads it: type first,
// then the settings that are not zero. Name and Hosts have no text form.
func (r ToxicRule) Settings() [][2]string {
	if r.Toxic == nil {
		return nil
	}
	out := [][2]string{{"type", r.Toxic.Kind()}}
	out = append(out, ruleFields.Pairs(r)...)
	if k, ok := LookupToxicKind(r.Toxic.Kind()); ok {
		out = append(out, k.pairs(r.Toxic)...)
	}
	return out
}

// Explain says what a client meets on the flows the rule selects:
// "every chunk is delayed by 50ms ± 0s (on data connections, downstream)".
func (r ToxicRule) Explain() string {
	if r.Toxic == nil {
		return "no toxic"
	}
	what := r.Toxic.Kind()
	if k, ok := LookupToxicKind(r.Toxic.Kind()); ok {
		what = k.explain(r.Toxic)
	}
	where := "every"
	if r.Channel != AnyChannel {
		where = r.Channel.String()
	}
	where = "on " + where + " connection, " + r.Stream.String()
	if r.Nth > 0 {
		where += fmt.Sprintf(", only flow #%d it selects", r.Nth)
	}
	return what + " (" + where + ")"
}
