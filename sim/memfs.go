package sim

import (
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// MemFS is an in-memory [FS]. Committed file contents are never modified in
// place, so a download in progress keeps reading the version it opened.
// The zero value is not usable; call [NewMemFS].
type MemFS struct {
	now func() time.Time

	mu    sync.RWMutex
	nodes map[string]*memNode
}

type memNode struct {
	dir     bool
	data    memData
	modTime time.Time
}

// NewMemFS returns an empty in-memory file system holding only "/".
// now stamps modification times; nil means time.Now.
func NewMemFS(now func() time.Time) *MemFS {
	if now == nil {
		now = time.Now
	}
	return &MemFS{now: now, nodes: map[string]*memNode{"/": {dir: true, modTime: now()}}}
}

// WriteFile stores data under name, creating parent directories: a
// convenience for test set-up.
func (m *MemFS) WriteFile(name string, data []byte) {
	name = cleanPath("/", name)
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := path.Dir(name); d != "/"; d = path.Dir(d) {
		if _, ok := m.nodes[d]; !ok {
			m.nodes[d] = &memNode{dir: true, modTime: m.now()}
		}
	}
	m.nodes[name] = &memNode{data: memBytes(data), modTime: m.now()}
}

// ReadFile returns a file's content: a convenience for assertions.
func (m *MemFS) ReadFile(name string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, ok := m.nodes[cleanPath("/", name)]
	if !ok {
		return nil, ErrNotFound
	}
	if n.dir {
		return nil, ErrIsDir
	}
	return n.data.bytes(), nil
}

type memInfo struct {
	name string
	n    *memNode
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.n.data.size }
func (i memInfo) ModTime() time.Time { return i.n.modTime }
func (i memInfo) IsDir() bool        { return i.n.dir }
func (i memInfo) Sys() any           { return nil }
func (i memInfo) Mode() fs.FileMode {
	if i.n.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// Stat implements [FS].
func (m *MemFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, ok := m.nodes[name]
	if !ok {
		return nil, ErrNotFound
	}
	return memInfo{path.Base(name), n}, nil
}

// ReadDir implements [FS].
func (m *MemFS) ReadDir(name string) ([]fs.FileInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, ok := m.nodes[name]
	if !ok {
		return nil, ErrNotFound
	}
	if !n.dir {
		return nil, ErrNotDir
	}
	prefix := strings.TrimSuffix(name, "/") + "/"
	var out []fs.FileInfo
	for p, c := range m.nodes {
		if p != "/" && strings.HasPrefix(p, prefix) && !strings.Contains(p[len(prefix):], "/") {
			out = append(out, memInfo{path.Base(p), c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Open implements [FS].
func (m *MemFS) Open(name string, offset int64) (io.ReadCloser, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, ok := m.nodes[name]
	if !ok {
		return nil, ErrNotFound
	}
	if n.dir {
		return nil, ErrIsDir
	}
	offset = min(offset, n.data.size)
	return &memReader{blocks: n.data.slice(offset, n.data.size).blocks}, nil
}

// memReader reads a committed file's content, which is never modified.
type memReader struct{ blocks [][]byte }

func (r *memReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(r.blocks) > 0 {
		n += copy(p[n:], r.nextChunk(len(p)-n))
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (r *memReader) Close() error { return nil }

// nextChunk implements memSource: the transfer writes the content itself,
// at most n bytes of one block at a time.
func (r *memReader) nextChunk(n int) []byte {
	for len(r.blocks) > 0 && len(r.blocks[0]) == 0 {
		r.blocks = r.blocks[1:]
	}
	if len(r.blocks) == 0 {
		return nil
	}
	b := r.blocks[0]
	p := b[:min(n, len(b))]
	if len(p) == len(b) {
		r.blocks = r.blocks[1:]
	} else {
		r.blocks[0] = b[len(p):]
	}
	return p
}

// Create implements [FS].
func (m *MemFS) Create(name string, mode WriteMode, offset int64) (Upload, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p, ok := m.nodes[path.Dir(name)]; !ok || !p.dir {
		return nil, ErrNotFound
	}
	u := &memUpload{fs: m, name: name, mode: mode, offset: offset}
	if n, ok := m.nodes[name]; ok {
		if n.dir {
			return nil, ErrIsDir
		}
		if mode != WriteNew {
			u.base = n.data // never modified: committed data is immutable
		}
	}
	return u, nil
}

// memUpload is an upload into MemFS. Its bytes are copied once, into
// blocks of its own ([memWriter]); the committed file is built from those
// blocks and, for APPE and REST+STOR, the previous version's, without
// copying either.
type memUpload struct {
	fs     *MemFS
	name   string
	mode   WriteMode
	offset int64   // WriteAt, WriteOver
	base   memData // the previous content (never modified)
	w      memWriter
	done   bool
}

func (u *memUpload) Write(p []byte) (int, error) {
	if u.done {
		return 0, errUploadDone
	}
	return u.w.Write(p)
}

// content is the file the upload commits, built as [WriteMode] says.
func (u *memUpload) content() memData {
	up := u.w.data()
	switch u.mode {
	case WriteAppend:
		return u.base.then(up)
	case WriteAt, WriteOver:
		keep := min(u.offset, u.base.size)
		out := u.base.slice(0, keep).then(zeros(u.offset - keep)).then(up) // a gap past the end is zero
		if end := u.offset + up.size; u.mode == WriteOver && end < u.base.size {
			out = out.then(u.base.slice(end, u.base.size))
		}
		return out
	}
	return up
}

func (u *memUpload) Commit() error {
	if u.done {
		return nil
	}
	u.done = true
	data := u.content()
	u.fs.mu.Lock()
	defer u.fs.mu.Unlock()
	if p, ok := u.fs.nodes[path.Dir(u.name)]; !ok || !p.dir {
		return ErrNotFound
	}
	u.fs.nodes[u.name] = &memNode{data: data, modTime: u.fs.now()}
	return nil
}

// Abort discards the upload: nothing of it becomes visible.
func (u *memUpload) Abort() error {
	u.done = true
	u.w = memWriter{}
	return nil
}

// Chtimes implements [ChtimesFS]. The node is replaced, not changed, so
// that a FileInfo from an earlier Stat keeps the time it had.
func (m *MemFS) Chtimes(name string, mtime time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return ErrNotFound
	}
	c := *n
	c.modTime = mtime
	m.nodes[name] = &c
	return nil
}

// Mkdir implements [FS].
func (m *MemFS) Mkdir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.nodes[name]; ok {
		return ErrExists
	}
	if p, ok := m.nodes[path.Dir(name)]; !ok || !p.dir {
		return ErrNotFound
	}
	m.nodes[name] = &memNode{dir: true, modTime: m.now()}
	return nil
}

// Remove implements [FS].
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return ErrNotFound
	}
	if n.dir {
		return ErrIsDir
	}
	delete(m.nodes, name)
	return nil
}

// RemoveDir implements [FS].
func (m *MemFS) RemoveDir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[name]
	if !ok {
		return ErrNotFound
	}
	if !n.dir {
		return ErrNotDir
	}
	if name == "/" {
		return ErrNotEmpty
	}
	for p := range m.nodes {
		if strings.HasPrefix(p, name+"/") {
			return ErrNotEmpty
		}
	}
	delete(m.nodes, name)
	return nil
}

// Rename implements [FS].
func (m *MemFS) Rename(from, to string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[from]
	if !ok || from == "/" {
		return ErrNotFound
	}
	if p, ok := m.nodes[path.Dir(to)]; !ok || !p.dir {
		return ErrNotFound
	}
	if to == from || strings.HasPrefix(to, from+"/") {
		return ErrExists
	}
	if t, ok := m.nodes[to]; ok && t.dir {
		return ErrExists
	}
	delete(m.nodes, from)
	m.nodes[to] = n
	if n.dir {
		for p, c := range m.nodes {
			if strings.HasPrefix(p, from+"/") {
				delete(m.nodes, p)
				m.nodes[to+p[len(from):]] = c
			}
		}
	}
	return nil
}
