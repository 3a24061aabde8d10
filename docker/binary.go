package docker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// FTPSimPackage is the import path of the ftpsim command, built into the
// FTPSim image.
const FTPSimPackage = "github.com/ftpsim/ftpsim/cmd/ftpsim"

// binaryTimeout bounds the go build of the ftpsim binary.
const binaryTimeout = 5 * time.Minute

// ftpsimBinary returns a static Linux build of the ftpsim command: the
// file FTPSIM_BINARY names, or a fresh "go build" (CGO_ENABLED=0,
// -trimpath, so that the same sources give the same bytes and the image
// cache hits). The go command runs in the working directory, which must
// be inside a module that requires github.com/ftpsim/ftpsim (go test runs
// in the package's directory).
func ftpsimBinary(ctx context.Context) ([]byte, error) {
	if p := os.Getenv("FTPSIM_BINARY"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("FTPSIM_BINARY: %w", err)
		}
		return b, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, serr := os.Stat(goCmd); serr != nil {
			return nil, fmt.Errorf("ftpsim binary: no go command (%v); set FTPSIM_BINARY to a static build of %s", err, FTPSimPackage)
		}
	}
	dir, err := os.MkdirTemp("", "ftpsim-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "ftpsim")
	ctx, cancel := context.WithTimeout(ctx, binaryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, FTPSimPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	cmd.WaitDelay = 5 * time.Second
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ftpsim binary: go build %s: %v: %s (or set FTPSIM_BINARY)", FTPSimPackage, err, tail(string(msg), 4))
	}
	return os.ReadFile(out)
}
