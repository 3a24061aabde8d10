package peers

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// scripts are the Python programs this package runs.
//
//go:embed scripts/*.py
var scripts embed.FS

// writeScript writes the embedded script name into dir (0644, so an
// unprivileged server can read it) and returns its path.
func writeScript(dir, name string) (string, error) {
	b, err := scripts.ReadFile("scripts/" + name)
	if err != nil {
		return "", fmt.Errorf("script %s: %w", name, err)
	}
	// Write and rename, so a concurrent run never reads a half-written file.
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", fmt.Errorf("script %s: %w", name, err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	path := filepath.Join(dir, name)
	if err := errors.Join(werr, cerr, os.Chmod(f.Name(), 0o644), os.Rename(f.Name(), path)); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("script %s: %w", name, err)
	}
	return path, nil
}
