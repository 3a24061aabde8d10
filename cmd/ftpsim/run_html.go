package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/scenarios/report"
)

// checkHTMLFlag refuses --html before anything runs: with --target (the
// page compares each scenario with its catalogue expectation, which a
// --target run does not), or when path cannot be written. It leaves no
// file behind.
func checkHTMLFlag(path, target string) error {
	if path == "" {
		return nil
	}
	if target != "" {
		return usagef("--html cannot be combined with --target: the page compares each scenario with its catalogue expectation, " +
			"while a --target run judges your server against the reference server; use --json or --junit for a --target run")
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return usagef("--html %s: is a directory; give a file name, e.g. %s", path, filepath.Join(path, "report.html"))
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return usagef("--html: %v", err)
		}
		return f.Close()
	}
	probe, err := os.CreateTemp(filepath.Dir(path), ".ftpsim-html-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return usagef("--html %s: cannot write in %s (%v); give a file in a directory that exists and you can write", path, filepath.Dir(path), err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// writeHTMLReport writes the HTML page of results to path (nothing when
// path is ""), linking each scenario to its capture in pcapDir and its
// transcript in transcriptDir when those are set, relative to the page's
// directory so the files can be moved together. It writes a temporary
// file next to path and renames it, so a reader never sees half a page.
func writeHTMLReport(path string, results []*scenarios.Result, args []string, pcapDir, transcriptDir string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	opts := report.HTMLOptions{Title: htmlTitle(args), Generated: time.Now(),
		PcapDir: relativeTo(dir, pcapDir), TranscriptDir: relativeTo(dir, transcriptDir)}
	f, err := os.CreateTemp(dir, ".ftpsim-html-*")
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing to remove
	if err := report.WriteHTML(f, results, opts); err != nil {
		f.Close()
		return fmt.Errorf("--html: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	return nil
}

// htmlTitle names the run: the command line's scenario arguments, or the
// catalogue.
func htmlTitle(args []string) string {
	if len(args) == 0 {
		return "ftpsim run (catalogue)"
	}
	t := "ftpsim run " + strings.Join(args, " ")
	if r := []rune(t); len(r) > 120 {
		t = string(r[:119]) + "…"
	}
	return t
}

// relativeTo is target as a path from dir, or "" without target; an
// absolute path when there is no relative one.
func relativeTo(dir, target string) string {
	if target == "" {
		return ""
	}
	absDir, err1 := filepath.Abs(dir)
	absTarget, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return target
	}
	if rel, err := filepath.Rel(absDir, absTarget); err == nil {
		return rel
	}
	return absTarget
}
