package sim

import "errors"

// memData is the content of a MemFS file: blocks read in order, none of
// which is modified once the file is committed. Versions of a file share
// blocks: an APPE keeps the previous version's blocks and adds its own, a
// REST+STOR keeps a prefix of them, so neither copies what it keeps.
type memData struct {
	blocks [][]byte // each with len == cap, so nothing can append into it
	size   int64
}

// memBytes is a memData holding a copy of b in one block.
func memBytes(b []byte) memData {
	if len(b) == 0 {
		return memData{}
	}
	c := make([]byte, len(b))
	copy(c, b)
	return memData{blocks: [][]byte{c}, size: int64(len(c))}
}

// bytes returns the content joined into a new slice.
func (d memData) bytes() []byte {
	out := make([]byte, 0, d.size)
	for _, b := range d.blocks {
		out = append(out, b...)
	}
	return out
}

// slice returns the bytes from..to (0 <= from <= to <= size), sharing the
// blocks.
func (d memData) slice(from, to int64) memData {
	out := memData{size: to - from}
	if out.size <= 0 {
		return memData{}
	}
	var at int64
	for _, b := range d.blocks {
		end := at + int64(len(b))
		if end > from && at < to {
			lo, hi := max(from-at, 0), min(to-at, int64(len(b)))
			out.blocks = append(out.blocks, b[lo:hi:hi])
		}
		if at = end; at >= to {
			break
		}
	}
	return out
}

// then returns d followed by e.
func (d memData) then(e memData) memData {
	if d.size == 0 {
		return e
	}
	if e.size == 0 {
		return d
	}
	blocks := make([][]byte, 0, len(d.blocks)+len(e.blocks))
	return memData{blocks: append(append(blocks, d.blocks...), e.blocks...), size: d.size + e.size}
}

// zeros is n zero bytes.
func zeros(n int64) memData {
	if n <= 0 {
		return memData{}
	}
	return memData{blocks: [][]byte{make([]byte, n)}, size: n}
}

// Upload blocks grow from memBlockMin to memBlockMax: an upload copies
// each byte once, into its block, and a large one costs one allocation per
// memBlockMax (BenchmarkMemFSUpload).
const (
	memBlockMin = 64 << 10
	memBlockMax = 4 << 20
)

// errUploadDone is what a write to a committed or aborted upload gets.
var errUploadDone = errors.New("sim: upload already committed or aborted")

// memWriter gathers an upload's bytes into blocks of growing size.
type memWriter struct {
	blocks [][]byte // the last one may have room left
	size   int64
}

func (w *memWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(w.blocks) == 0 || len(w.blocks[len(w.blocks)-1]) == cap(w.blocks[len(w.blocks)-1]) {
			next := memBlockMin
			if len(w.blocks) > 0 {
				next = min(2*cap(w.blocks[len(w.blocks)-1]), memBlockMax)
			}
			w.blocks = append(w.blocks, make([]byte, 0, next))
		}
		last := &w.blocks[len(w.blocks)-1]
		k := min(len(p), cap(*last)-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	w.size += int64(n)
	return n, nil
}

// data returns what was written as immutable content. The last block is
// capped, or copied when most of it is unused, so a small upload does not
// keep a whole block.
func (w *memWriter) data() memData {
	if len(w.blocks) == 0 {
		return memData{}
	}
	last := w.blocks[len(w.blocks)-1]
	if len(last) < cap(last)/4 {
		last = append([]byte(nil), last...)
	}
	w.blocks[len(w.blocks)-1] = last[:len(last):len(last)]
	return memData{blocks: w.blocks, size: w.size}
}
