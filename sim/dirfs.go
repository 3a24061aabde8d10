package sim

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
)

// DirFS is an [FS] over a directory on disk. Every access goes through an
// [os.Root], so no name, symbolic link included, can reach outside the
// directory. Fresh uploads are written to a hidden temporary file and
// renamed into place on commit.
type DirFS struct {
	root *os.Root
}

// NewDirFS opens dir as the server's root. Close it when the server is done.
func NewDirFS(dir string) (*DirFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("sim: open root: %w", err)
	}
	return &DirFS{root: r}, nil
}

// Close releases the root directory.
func (d *DirFS) Close() error { return d.root.Close() }

// pathEscapes recognises os.Root refusing a name that leaves the root (a
// symbolic link pointing outside it). The os package does not export that
// error, so it is matched by its text; the server answers it as a
// permission error.
func pathEscapes(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// rel turns an absolute FS name into a name relative to the root.
func rel(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" {
		return "."
	}
	return name
}

// Stat implements [FS].
func (d *DirFS) Stat(name string) (fs.FileInfo, error) { return d.root.Stat(rel(name)) }

// ReadDir implements [FS].
func (d *DirFS) ReadDir(name string) ([]fs.FileInfo, error) {
	f, err := d.root.Open(rel(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		if errors.Is(err, syscall.ENOTDIR) {
			return nil, ErrNotDir
		}
		return nil, err
	}
	out := make([]fs.FileInfo, 0, len(ents))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".ftpsim-upload-") {
			continue
		}
		if info, err := e.Info(); err == nil {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Open implements [FS].
func (d *DirFS) Open(name string, offset int64) (io.ReadCloser, error) {
	f, err := d.root.Open(rel(name))
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, ErrIsDir
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// Create implements [FS].
func (d *DirFS) Create(name string, mode WriteMode, offset int64) (Upload, error) {
	if st, err := d.root.Stat(rel(name)); err == nil && st.IsDir() {
		return nil, ErrIsDir
	}
	if mode != WriteNew {
		flag := os.O_WRONLY | os.O_CREATE
		if mode == WriteAppend {
			flag |= os.O_APPEND
		}
		f, err := d.root.OpenFile(rel(name), flag, 0o644)
		if err != nil {
			return nil, err
		}
		if mode == WriteAt {
			if err := f.Truncate(offset); err == nil {
				_, err = f.Seek(offset, io.SeekStart)
			}
			if err != nil {
				f.Close()
				return nil, err
			}
		}
		return &dirUpload{f: f}, nil
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path.Join(path.Dir(rel(name)), ".ftpsim-upload-"+hex.EncodeToString(rnd[:]))
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &dirUpload{f: f, d: d, tmp: tmp, final: rel(name)}, nil
}

type dirUpload struct {
	f          *os.File
	d          *DirFS
	tmp, final string // set for WriteNew
	done       bool
}

func (u *dirUpload) Write(p []byte) (int, error) { return u.f.Write(p) }

func (u *dirUpload) Commit() error {
	if u.done {
		return nil
	}
	u.done = true
	err := u.f.Close()
	if u.tmp == "" {
		return err
	}
	if err == nil {
		err = u.d.root.Rename(u.tmp, u.final)
	}
	if err != nil {
		u.d.root.Remove(u.tmp)
	}
	return err
}

func (u *dirUpload) Abort() error {
	if u.done {
		return nil
	}
	u.done = true
	err := u.f.Close()
	if u.tmp != "" {
		return u.d.root.Remove(u.tmp)
	}
	return err
}

// Mkdir implements [FS].
func (d *DirFS) Mkdir(name string) error { return d.root.Mkdir(rel(name), 0o755) }

// Remove implements [FS].
func (d *DirFS) Remove(name string) error {
	st, err := d.root.Lstat(rel(name))
	if err != nil {
		return err
	}
	if st.IsDir() {
		return ErrIsDir
	}
	return d.root.Remove(rel(name))
}

// RemoveDir implements [FS].
func (d *DirFS) RemoveDir(name string) error {
	st, err := d.root.Lstat(rel(name))
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return ErrNotDir
	}
	if rel(name) == "." {
		return ErrNotEmpty
	}
	if err := d.root.Remove(rel(name)); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return ErrNotEmpty
		}
		return err
	}
	return nil
}

// Rename implements [FS].
func (d *DirFS) Rename(from, to string) error { return d.root.Rename(rel(from), rel(to)) }
