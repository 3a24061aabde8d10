package sim

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
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
	// Create starts an upload. Nothing becomes visible under name until
	// [Upload.Commit] succeeds; see [WriteMode]. Append and resume modes
	// start from the file as it is when Create is called.
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

// ChtimesFS is an [FS] that can set a file's modification time, as MFMT
// (draft-somers-ftp-mfxx) asks. It is optional: a server whose storage
// does not implement it leaves MFMT out of FEAT and answers the command as
// unknown. [MemFS] and [DirFS] implement it.
type ChtimesFS interface {
	FS
	// Chtimes sets the modification time of a file or directory that
	// exists; it returns [ErrNotFound] for a name that does not.
	Chtimes(name string, mtime time.Time) error
}

// WriteMode says how an upload relates to an existing file. In every mode
// the upload is atomic: the new content becomes visible under the name only
// when [Upload.Commit] succeeds, in one step; [Upload.Abort] (a 426, ABOR,
// a broken data connection) leaves the previous file byte-identical, or no
// file. Real servers write in place (vsftpd keeps the partial bytes of a
// cut upload and answers 426); the simulator keeps the previous content so
// that a failed transfer never changes what a test sees.
type WriteMode int

const (
	// WriteNew replaces the file (STOR, STOU): the content is the upload.
	WriteNew WriteMode = iota
	// WriteAppend appends (APPE): the content is the previous file, or
	// nothing, followed by the upload.
	WriteAppend
	// WriteAt resumes at an offset and ends the file with the upload (REST
	// then STOR on pure-ftpd): the content is the first offset bytes of the
	// previous file, then the upload. An offset past the end pads the gap
	// with zero bytes.
	WriteAt
	// WriteOver writes the upload over the previous file from an offset and
	// keeps what follows it (REST then STOR on vsftpd and pyftpdlib): only
	// the bytes the upload covers change. An offset past the end pads the
	// gap with zero bytes.
	WriteOver
)

// Upload is an upload in progress. Exactly one of Commit or Abort is called.
type Upload interface {
	io.Writer
	// Commit makes the upload final, atomically.
	Commit() error
	// Abort discards the upload; the previous file stays as it was.
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
