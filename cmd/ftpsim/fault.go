package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"time"
)

// runFault is ftpsim fault: the client of a running serve's or proxy's
// fault API.
func runFault(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fault", "list|add|remove [ARG] --api HOST:PORT [flags]", `Changes the toxics of a running "ftpsim serve" or "ftpsim proxy" started with
--api HOST:PORT, through its fault API (JSON over HTTP on loopback; README:
fault API). A toxic applies to connections that open after the change: the
next transfer's data connection, the next session's control connection.

  ftpsim serve --api 127.0.0.1:8474 &
  ftpsim fault add toxic=limit_data,bytes=100000,channel=data,stream=upstream
  ftpsim fault add --name slow toxic=latency,latency=300ms
  ftpsim fault list
  ftpsim fault remove slow        (--all removes every toxic)

The faults that shape the network (NAT, firewall, ALG, middleboxes) are set
when serve or proxy starts (--fault) and are listed as fixed.`, stdout)
	api := fs.String("api", "127.0.0.1:8474", "the fault API's `HOST:PORT` (serve's or proxy's --api)")
	name := fs.String("name", "", "with add: the toxic's `NAME` (default TYPE_STREAM, as in Toxiproxy)")
	all := fs.Bool("all", false, "with remove: remove every toxic")
	asJSON := fs.Bool("json", false, "print the API's JSON instead of text")
	pos, err := parseArgs(fs, args, 2)
	if err != nil {
		return err
	}
	if err := checkAPIAddr(*api); err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want a subcommand: list, add FAULT or remove NAME")
	}
	base := "http://" + *api + "/faults"
	sub, rest := pos[0], pos[1:]
	var method, url string
	var body []byte
	switch sub {
	case "list", "ls":
		if len(rest) > 0 {
			return usagef("fault list takes no argument")
		}
		method, url = http.MethodGet, base
	case "add":
		if len(rest) != 1 {
			return usagef("fault add takes one FAULT, e.g. toxic=latency,latency=200ms")
		}
		method, url = http.MethodPost, base
		body, _ = json.Marshal(apiAdd{Fault: rest[0], Name: *name})
	case "remove", "rm":
		switch {
		case *all && len(rest) == 0:
			method, url = http.MethodDelete, base
		case !*all && len(rest) == 1:
			method, url = http.MethodDelete, base+"/"+neturl.PathEscape(rest[0])
		default:
			return usagef("fault remove takes one NAME, or --all")
		}
	default:
		return usagef("unknown subcommand %q%s: want list, add or remove", sub, didYouMean(sub, []string{"list", "add", "remove"}))
	}
	if *name != "" && sub != "add" {
		return usagef("--name goes with add")
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("fault API at %s: %w (is ftpsim serve or proxy running with --api %s?)", *api, err, *api)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		var e apiError
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return usagef("%s", e.Error)
		}
		return fmt.Errorf("fault API: %s", resp.Status)
	}
	if *asJSON {
		_, err := stdout.Write(data)
		return err
	}
	switch sub {
	case "list", "ls":
		var d apiFaults
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "fixed:  %s\n", joinOr(d.Fixed, " ", "none (a clean network)"))
		if len(d.Toxics) == 0 {
			fmt.Fprintln(stdout, "toxics: none")
		}
		for _, t := range d.Toxics {
			fmt.Fprintf(stdout, "toxic   %-24s %s\n        %s\n", t.Name, t.Fault, t.Explain)
		}
	case "add":
		var t apiToxic
		if err := json.Unmarshal(data, &t); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s: %s\n", t.Name, t.Explain)
	default:
		if *all {
			var m map[string]int
			json.Unmarshal(data, &m)
			fmt.Fprintf(stdout, "removed %s\n", plural(m["removed"], "toxic"))
		} else {
			fmt.Fprintf(stdout, "removed %s\n", rest[0])
		}
	}
	return nil
}
