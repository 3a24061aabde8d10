package scenarios

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/ftpsim/ftpsim/faults"
)

// UnmarshalYAML decodes a network: section through the network
// vocabulary: each key is a field of [NetworkHelp] with a scalar value
// read as --fault reads it, or toxics, a list of mappings of
// [faults.ParseToxicRule]'s settings. Errors give the line, the key, the
// value and what is allowed.
func (s *NetworkSpec) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: network: want a mapping of faults", node.Line)
	}
	var spec NetworkSpec
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if k.Value == "toxics" {
			rules, err := decodeToxics(v)
			if err != nil {
				return err
			}
			spec.Toxics = append(spec.Toxics, rules...)
			continue
		}
		f, ok := networkFields.lookup(k.Value)
		if !ok {
			return fmt.Errorf("line %d: network: unknown field %q (want %s or toxics)", k.Line, k.Value, networkFields.keys())
		}
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: network.%s: want a single value, %s", v.Line, k.Value, f.Usage())
		}
		if v.Tag == "!!null" {
			continue
		}
		if err := f.Parse(&spec, v.Value); err != nil {
			return fmt.Errorf("line %d: network.%w", v.Line, err)
		}
	}
	*s = spec
	return nil
}

func decodeToxics(v *yaml.Node) ([]faults.ToxicRule, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: network.toxics: want a list", v.Line)
	}
	var out []faults.ToxicRule
	for i, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: network.toxics[%d]: want a mapping such as {type: latency, latency: 50ms}", item.Line, i)
		}
		var settings [][2]string
		for j := 0; j+1 < len(item.Content); j += 2 {
			key, val := item.Content[j], item.Content[j+1]
			if val.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: network.toxics[%d].%s: want a single value", val.Line, i, key.Value)
			}
			settings = append(settings, [2]string{key.Value, val.Value})
		}
		r, err := faults.ParseToxicRule(settings)
		if err != nil {
			return nil, fmt.Errorf("line %d: network.toxics[%d]: %w", item.Line, i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// MarshalYAML renders the fields that are not zero, as UnmarshalYAML
// reads them.
func (s NetworkSpec) MarshalYAML() (any, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range networkFields {
		if v := f.Format(s); v != "" {
			m.Content = append(m.Content, scalar(f.Key), scalar(v))
		}
	}
	if len(s.Toxics) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, t := range s.Toxics {
			item := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			for _, kv := range t.Settings() {
				item.Content = append(item.Content, scalar(kv[0]), scalar(kv[1]))
			}
			list.Content = append(list.Content, item)
		}
		m.Content = append(m.Content, scalar("toxics"), list)
	}
	return m, nil
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
