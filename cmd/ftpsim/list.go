package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

func runList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", "[NAME|FILE.yaml ...] [flags]", `Lists the scenario catalogue: name, labels, field-notes cases and summary.
Arguments (catalogue names or your YAML files) and --label narrow it.
With --yaml it prints the chosen scenarios as a scenario file, only the
fields that differ from the defaults, ready to edit and run:

  ftpsim list --yaml nat-private-pasv-trusted > customer.yaml
  ftpsim run customer.yaml`, stdout)
	label := fs.String("label", "", "only scenarios matching `EXPR` (as in ftpsim run)")
	yaml := fs.Bool("yaml", false, "print the selected scenarios as YAML, a starting point for your own files")
	names, err := parseArgs(fs, args, -1)
	if err != nil {
		return err
	}
	sel, err := selectScenarios(names, *label)
	if err != nil {
		return err
	}
	list := sel.list
	if len(list) == 0 {
		return usagef("no scenario matches (\"ftpsim list\" shows names and labels)")
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
	fmt.Fprintf(stdout, "\n%s; run them with: ftpsim run [NAME ...] [--label EXPR]\n", plural(len(list), "scenario"))
	return nil
}
