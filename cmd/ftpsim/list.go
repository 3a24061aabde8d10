package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

func runList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", "[flags]", "Lists the scenario catalogue: name, labels, field-notes cases and summary.", stdout)
	label := fs.String("label", "", "only scenarios matching `EXPR` (as in ftpsim run)")
	yaml := fs.Bool("yaml", false, "print the selected scenarios as YAML, a starting point for your own files")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	list, err := selectScenarios(nil, *label)
	if err != nil {
		return err
	}
	if *yaml {
		b, err := scenarios.Marshal(list...)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	fmt.Fprintf(stdout, "%-36s %-22s %-9s %s\n", "NAME", "LABELS", "CASES", "SUMMARY")
	for _, sc := range list {
		fmt.Fprintf(stdout, "%-36s %-22s %-9s %s\n", sc.Name, strings.Join(sc.Labels, ","), strings.Join(sc.Cases, ","), sc.Summary)
	}
	fmt.Fprintf(stdout, "\n%d scenarios; run them with: ftpsim run [NAME ...] [--label EXPR]\n", len(list))
	return nil
}
