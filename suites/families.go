package suites

import (
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

// familyRules name the failure families the catalogue suite gives a
// DescribeTable each, most specific first: a scenario belongs to the first
// family one of whose labels it carries.
var familyRules = []struct {
	family string
	labels []string
}{
	{"docker", []string{"docker"}},
	{"alg", []string{"alg"}},
	{"firewall", []string{"firewall"}},
	{"nat", []string{"nat"}},
	{"cert", []string{"cert"}},
	{"reuse", []string{"reuse"}},
	{"policy", []string{"policy", "auth", "login"}},
}

// basicLabels describe scenarios of the basics family: they never name a
// family of their own.
var basicLabels = []string{
	"tls", "explicit", "implicit", "plain", "ccc", "active", "transfer", "ascii",
	"go", "pasv", "epsv", "prot", "ip", "permissions", "anonymous",
}

// Basics is the family of scenarios no other family claims.
const Basics = "basics"

// Family returns the failure family of a scenario, from its labels:
//   - the first of docker, alg, firewall, nat, cert, reuse, policy (which
//     also takes auth and login) whose label the scenario carries;
//   - otherwise its first label that is not a basic one (tls, explicit,
//     implicit, plain, ccc, active, transfer, ascii, go, pasv, epsv, prot,
//     ip, permissions, anonymous), so a scenario with a new kind of label
//     (say "latency") gets a family of its own without code changes;
//   - otherwise [Basics].
//
// Example:
//
//	sc, _ := scenarios.Lookup("nat-pasv-address-trusted")
//	suites.Family(sc) // "nat"
func Family(sc scenarios.Scenario) string {
	for _, r := range familyRules {
		for _, l := range r.labels {
			if sc.HasLabel(l) {
				return r.family
			}
		}
	}
	for _, l := range sc.Labels {
		if l = strings.ToLower(l); !slices.Contains(basicLabels, l) {
			return l
		}
	}
	return Basics
}

// FamilyGroup is one failure family and its scenarios.
type FamilyGroup struct {
	Name      string
	Scenarios []scenarios.Scenario
}

// Families groups scenarios by [Family], keeping the scenarios' order
// within a family and ordering families by their first scenario.
//
// Example:
//
//	for _, f := range suites.Families(scenarios.Catalogue()) {
//		fmt.Println(f.Name, len(f.Scenarios))
//	}
func Families(list []scenarios.Scenario) []FamilyGroup {
	var out []FamilyGroup
	index := map[string]int{}
	for _, sc := range list {
		f := Family(sc)
		i, ok := index[f]
		if !ok {
			i = len(out)
			index[f] = i
			out = append(out, FamilyGroup{Name: f})
		}
		out[i].Scenarios = append(out[i].Scenarios, sc)
	}
	return out
}
