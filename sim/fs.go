package sim

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
)

// FS is the storage behind a [Server]. Names are absolute, slash-separated
// and already cleaned ("/", "/dir/file"); the server never passes "..".
// Implementations must be safe for concurrent use by many sessions.
//
// Two implementations ship with the package: [NewMemFS] (the default) and
// [NewDirFS] (a directory on disk, confined with [os.Root]).
type FS interface {
	// Stat describes one file or directory.
	Stat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory, sorted by name.
	ReadDir(name string) ([]fs.FileInfo, error)
	// Open opens a file for reading from offset.
	Open(name string, offset int64) (io.ReadCloser, error)
	// Create starts an upload. The data becomes visible under name only
	// when [Upload.Commit] succeeds for [WriteNew]; see [WriteMode].
	Create(name string, mode WriteMode, offset int64) (Upload, error)
	// Mkdir creates one directory; its parent must exist.
	Mkdir(name string) error
	// Remove deletes a file (not a directory).
	Remove(name string) error
	// RemoveDir deletes an empty directory.
	RemoveDir(name string) error
	// Rename moves a file or directory.
	Rename(from, to string) error
}

// WriteMode says how an upload relates to an existing file.
type WriteMode int

const (
	// WriteNew replaces the file atomically on commit (STOR, STOU):
	// an aborted or truncated upload leaves the old content, or nothing.
	WriteNew WriteMode = iota
	// WriteAppend appends to the file in place (APPE). Bytes written before
	// an abort stay, as on every real server; the transfer is still
	// reported as failed.
	WriteAppend
	// WriteAt writes in place from an offset (REST then STOR), for resuming.
	WriteAt
)

// Upload is an upload in progress. Exactly one of Commit or Abort is called.
type Upload interface {
	io.Writer
	// Commit makes the upload final.
	Commit() error
	// Abort discards what can be discarded (see [WriteMode]).
	Abort() error
}

// Errors an [FS] returns; the server maps them to reply codes.
var (
	ErrNotFound = fs.ErrNotExist
	ErrExists   = fs.ErrExist
	ErrNotDir   = errors.New("not a directory")
	ErrIsDir    = errors.New("is a directory")
	ErrNotEmpty = errors.New("directory not empty")
)

// cleanPath resolves arg against cwd into an absolute, cleaned path that
// cannot climb above "/".
func cleanPath(cwd, arg string) string {
	if arg == "" {
		return cwd
	}
	if !strings.HasPrefix(arg, "/") {
		arg = cwd + "/" + arg
	}
	return path.Clean("/" + arg)
}
