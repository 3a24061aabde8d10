package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ftpsim/ftpsim/scenarios"
)

// isScenarioFile reports whether a --scenario or run argument names a
// YAML file rather than a catalogue scenario.
func isScenarioFile(arg string) bool {
	file, _, _ := strings.Cut(arg, "#")
	return strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml")
}

// scenarioFlag resolves serve's --scenario: a catalogue name, a YAML file
// holding one scenario, or FILE.yaml#NAME picking one of several.
func scenarioFlag(arg string) (*scenarios.Scenario, error) {
	if !isScenarioFile(arg) {
		sc, ok := scenarios.Lookup(arg)
		if !ok {
			return nil, fmt.Errorf("--scenario %q: no such scenario%s; \"ftpsim list\" shows the catalogue, and scenario files must end in .yaml",
				arg, didYouMean(arg, scenarioNames()))
		}
		return &sc, nil
	}
	file, name, picked := strings.Cut(arg, "#")
	list, err := scenarios.Load(file)
	if err != nil {
		return nil, fmt.Errorf("--scenario: %s", oneLine(err))
	}
	var names []string
	for i := range list {
		if picked && list[i].Name == name {
			return &list[i], nil
		}
		names = append(names, list[i].Name)
	}
	switch {
	case picked:
		return nil, fmt.Errorf("--scenario %s: %s holds no scenario named %q%s (it holds %s)", arg, file, name, didYouMean(name, names), strings.Join(names, ", "))
	case len(list) > 1:
		return nil, fmt.Errorf("--scenario %s: the file holds %d scenarios (%s); pick one with %s#NAME", file, len(list), strings.Join(names, ", "), file)
	}
	return &list[0], nil
}

// scenarioKeys are top-level keys of a scenario document that a network
// document never has: a --network file with one of them is a scenario
// file, whose network: section is the network.
var scenarioKeys = []string{"scenarios", "name", "summary", "server", "client", "network", "steps", "expect", "diagnosis"}

// networkFlag reads serve's and proxy's --network FILE: a network
// document (the keys of a scenario's network: section), or a whole
// scenario file whose network: section is taken.
func networkFlag(file string) (scenarios.NetworkSpec, error) {
	var spec scenarios.NetworkSpec
	data, err := os.ReadFile(file)
	if err != nil {
		return spec, fmt.Errorf("--network: %w", err)
	}
	if onlyNetwork(data) {
		// A network: section on its own, as copied from a scenario.
		var doc struct {
			Network scenarios.NetworkSpec `yaml:"network"`
		}
		if err := decodeStrict(data, &doc); err != nil {
			return spec, fmt.Errorf("--network %s: %s", file, oneLine(err))
		}
		return doc.Network, nil
	}
	if !looksLikeScenario(data) {
		if err := decodeStrict(data, &spec); err != nil {
			return spec, fmt.Errorf("--network %s: %s", file, oneLine(err))
		}
		return spec, nil
	}
	list, err := scenarios.Parse(data)
	if err != nil {
		return spec, fmt.Errorf("--network %s: %s", file, oneLine(err))
	}
	var with []string
	for _, sc := range list {
		if sc.Network != nil {
			with = append(with, sc.Name)
		}
	}
	switch {
	case len(with) == 0:
		return spec, fmt.Errorf("--network %s: a scenario file without a network: section (use --scenario %s to serve the whole scenario)", file, file)
	case len(with) > 1:
		return spec, fmt.Errorf("--network %s: %d scenarios have a network (%s); keep one in the file, or serve one with --scenario %s#NAME", file, len(with), strings.Join(with, ", "), file)
	}
	for _, sc := range list {
		if sc.Network != nil {
			return *sc.Network, nil
		}
	}
	return spec, nil
}

// onlyNetwork reports whether the first YAML document of data is a
// mapping whose only key is network.
func onlyNetwork(data []byte) bool {
	var node yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&node); err != nil || len(node.Content) == 0 {
		return false
	}
	m := node.Content[0]
	return m.Kind == yaml.MappingNode && len(m.Content) == 2 && m.Content[0].Value == "network"
}

// looksLikeScenario reports whether the first YAML document of data is a
// mapping with a scenario's top-level key.
func looksLikeScenario(data []byte) bool {
	var node yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&node); err != nil || len(node.Content) == 0 {
		return false
	}
	m := node.Content[0]
	if m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i < len(m.Content); i += 2 {
		for _, k := range scenarioKeys {
			if m.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

// oneLine renders err on one line: joined errors (a scenario's Validate
// lists every problem) are separated by "; ".
func oneLine(err error) string {
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}
