package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Parse reads one or more scenarios from YAML. A document may hold one
// scenario, or a list of them under "scenarios:"; several documents may be
// separated by "---". Unknown fields are errors, so typos do not pass
// silently. Every scenario is validated.
func Parse(data []byte) ([]Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var out []Scenario
	for doc := 0; ; doc++ {
		var node yaml.Node
		if err := dec.Decode(&node); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("scenarios: yaml document %d: %w", doc+1, err)
		}
		list, err := decodeDocument(&node)
		if err != nil {
			return nil, fmt.Errorf("scenarios: yaml document %d: %w", doc+1, err)
		}
		out = append(out, list...)
	}
	for i := range out {
		if err := out[i].Validate(); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, errors.New("scenarios: no scenario in the YAML")
	}
	return out, nil
}

func decodeDocument(node *yaml.Node) ([]Scenario, error) {
	var probe struct {
		Scenarios []yaml.Node `yaml:"scenarios"`
	}
	if err := node.Decode(&probe); err == nil && len(probe.Scenarios) > 0 {
		var wrapper struct {
			Scenarios []Scenario `yaml:"scenarios"`
		}
		if err := strictDecode(node, &wrapper); err != nil {
			return nil, err
		}
		return wrapper.Scenarios, nil
	}
	var sc Scenario
	if err := strictDecode(node, &sc); err != nil {
		return nil, err
	}
	return []Scenario{sc}, nil
}

// strictDecode decodes a node refusing unknown fields.
func strictDecode(node *yaml.Node, v any) error {
	b, err := yaml.Marshal(node)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// Load reads scenarios from a YAML file (see [Parse]).
func Load(path string) ([]Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	list, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return list, nil
}

// Marshal renders scenarios as YAML that [Parse] reads back, to start a
// customer case from a catalogue entry.
func Marshal(list ...Scenario) ([]byte, error) {
	return yaml.Marshal(struct {
		Scenarios []Scenario `yaml:"scenarios"`
	}{list})
}
