package keylog

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// EnvVar is the environment variable that names the key log file.
const EnvVar = "SSLKEYLOGFILE"

var (
	mu    sync.Mutex
	files = map[string]*file{}
)

// file is one key log file shared by every TLS connection of the process.
type file struct {
	mu sync.Mutex
	f  *os.File
}

// Write appends one batch of lines (crypto/tls writes each line in one
// call); writes from concurrent handshakes do not interleave.
func (f *file) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.f.Write(p)
}

// Env returns a writer that appends to the file named by SSLKEYLOGFILE,
// or nil when the variable is unset or empty. The file is created with
// mode 0600 if missing, opened once per process and path, and stays open
// until the process ends, as OpenSSL and NSS keep it.
func Env() (io.Writer, error) {
	path := os.Getenv(EnvVar)
	if path == "" {
		return nil, nil
	}
	return Open(path)
}

// Open returns a writer that appends to the key log file at path,
// shared with every other caller that opens the same path.
func Open(path string) (io.Writer, error) {
	mu.Lock()
	defer mu.Unlock()
	if f := files[path]; f != nil {
		return f, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("TLS key log %s: %w (unset %s or name a writable file)", path, err, EnvVar)
	}
	files[path] = &file{f: f}
	return files[path], nil
}
