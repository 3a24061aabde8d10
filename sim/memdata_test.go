package sim

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// wantContent is what an upload of up in mode at offset makes of base,
// written out byte by byte as [WriteMode] says.
func wantContent(base, up []byte, mode WriteMode, offset int64) []byte {
	switch mode {
	case WriteAppend:
		return append(bytes.Clone(base), up...)
	case WriteAt, WriteOver:
		end := offset + int64(len(up))
		if mode == WriteOver {
			end = max(end, int64(len(base)))
		}
		out := make([]byte, end)
		copy(out, base[:min(int64(len(base)), end)])
		copy(out[offset:], up)
		return out
	}
	return bytes.Clone(up)
}

// TestMemFSUploadModes: across block boundaries, every mode commits the
// content WriteMode describes; a reader opened on the previous version
// keeps reading it, byte for byte, after the commit and while a later
// upload writes; Read and the transfer's nextChunk see the same bytes;
// an aborted upload leaves the file as it was.
func TestMemFSUploadModes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([]byte, 2*memBlockMax)
	for i := 0; i < len(pool); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			pool[i+j] = byte(v >> (8 * j))
		}
	}
	random := func(n int) []byte {
		at := rng.IntN(len(pool) - n)
		return bytes.Clone(pool[at : at+n])
	}
	for _, mode := range []WriteMode{WriteNew, WriteAppend, WriteAt, WriteOver} {
		for _, baseLen := range []int{0, 10, memBlockMin + 7, 3*memBlockMin + 1} {
			for _, offset := range []int64{0, 5, memBlockMin + 9, 5 * memBlockMin} {
				for _, upLen := range []int{0, 1, memBlockMin, 2*memBlockMin + 3} {
					if mode != WriteAt && mode != WriteOver && offset != 0 {
						continue
					}
					m := NewMemFS(nil)
					base := random(baseLen)
					// Uploaded in two writes, so that a base over memBlockMin
					// spans blocks.
					b, _ := m.Create("/f", WriteNew, 0)
					b.Write(base[:baseLen/2])
					b.Write(base[baseLen/2:])
					b.Commit()
					old, _ := m.Open("/f", 0)
					up := random(upLen)
					u, err := m.Create("/f", mode, offset)
					if err != nil {
						t.Fatal(err)
					}
					for rest := up; len(rest) > 0; {
						k := min(len(rest), 1+rng.IntN(3*copyBuffer/2))
						if n, err := u.Write(rest[:k]); n != k || err != nil {
							t.Fatalf("write: %d, %v", n, err)
						}
						rest = rest[k:]
					}
					// Another upload of the same file, aborted, while the first is open.
					a, _ := m.Create("/f", mode, offset)
					a.Write(random(100))
					a.Abort()
					if err := u.Commit(); err != nil {
						t.Fatal(err)
					}
					if _, err := u.Write([]byte("late")); err == nil {
						t.Errorf("a write after Commit succeeded")
					}
					want := wantContent(base, up, mode, offset)
					got, _ := m.ReadFile("/f")
					if !bytes.Equal(got, want) {
						t.Fatalf("mode %d base %d offset %d upload %d: %d bytes stored, want %d (equal %v)",
							mode, baseLen, offset, upLen, len(got), len(want), bytes.Equal(got, want))
					}
					if st, _ := m.Stat("/f"); st.Size() != int64(len(want)) {
						t.Errorf("Stat size %d, want %d", st.Size(), len(want))
					}
					// A later upload that reuses the blocks must not change this version.
					next, _ := m.Create("/f", WriteAppend, 0)
					next.Write(random(memBlockMin))
					next.Commit()
					if b, _ := io.ReadAll(old); !bytes.Equal(b, base) {
						t.Fatalf("a reader of the previous version read %d bytes, not the %d it opened", len(b), len(base))
					}
					from := offset % int64(len(want)+1)
					r, _ := m.Open("/f", 0)
					var chunks []byte
					for p := r.(memSource).nextChunk(copyBuffer); len(p) > 0; p = r.(memSource).nextChunk(copyBuffer) {
						if len(p) > copyBuffer {
							t.Fatalf("nextChunk returned %d bytes, more than asked", len(p))
						}
						chunks = append(chunks, p...)
					}
					if !bytes.Equal(chunks[:len(want)], want) {
						t.Fatalf("nextChunk read differs from the committed version")
					}
					r2, _ := m.Open("/f", from)
					if b, _ := io.ReadAll(r2); !bytes.Equal(b, chunks[from:]) {
						t.Fatalf("Read from %d: %d bytes differ from the content", from, len(b))
					}
				}
			}
		}
	}
}
