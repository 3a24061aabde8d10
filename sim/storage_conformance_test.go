package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// storageCase is one row of the storage conformance table: files set up
// directly, a script of commands, and the files expected afterwards. The
// script runs against MemFS and DirFS alike; what each observes (reply
// codes, downloaded digests, the files left in the root) must be equal,
// and the files must be as want says.
type storageCase struct {
	name      string
	configure func(*Server)
	files     map[string][]byte
	script    func(s *storageScript)
	want      map[string][]byte // nil value: the file must not exist
}

// storageScript runs commands for a case and records what it observes.
type storageScript struct {
	c    *rawClient
	data *tls.Config
	obs  []string
}

func (s *storageScript) cmd(line string) {
	s.obs = append(s.obs, fmt.Sprintf("%s -> %d", line, s.c.cmd(line).Code))
}

// put uploads; cut ends the upload without close_notify.
func (s *storageScript) put(cmd string, data []byte, cut bool) {
	finish := cleanFinish
	if cut {
		finish = truncFinish
	}
	res := s.c.transfer(xfer{cmd: cmd, data: data, tls: s.data, finish: finish})
	s.obs = append(s.obs, fmt.Sprintf("%s (%d bytes, cut %t) -> %d %d", cmd, len(data), cut, res.prelim.Code, res.final.Code))
}

func (s *storageScript) get(cmd string) {
	res := s.c.transfer(xfer{cmd: cmd, tls: s.data})
	s.obs = append(s.obs, fmt.Sprintf("%s -> %d %d, %d bytes sha256 %x", cmd, res.prelim.Code, res.final.Code,
		len(res.data), sha256.Sum256(res.data)))
}

var big = func() []byte {
	b := make([]byte, 3<<20+17)
	rand.Read(b)
	return b
}()

var storageTable = []storageCase{
	{name: "STOR new", script: func(s *storageScript) { s.put("STOR new", []byte("fresh"), false) },
		want: map[string][]byte{"/new": []byte("fresh")}},
	{name: "STOR overwrite", files: map[string][]byte{"/f": []byte("old content")},
		script: func(s *storageScript) { s.put("STOR f", []byte("new"), false) },
		want:   map[string][]byte{"/f": []byte("new")}},
	{name: "STOR zero bytes over file", files: map[string][]byte{"/f": []byte("old")},
		script: func(s *storageScript) { s.put("STOR f", []byte{}, false); s.cmd("SIZE f"); s.get("RETR f") },
		want:   map[string][]byte{"/f": {}}},
	{name: "APPE existing", files: map[string][]byte{"/f": []byte("ORIG")},
		script: func(s *storageScript) { s.put("APPE f", []byte("+more"), false) },
		want:   map[string][]byte{"/f": []byte("ORIG+more")}},
	{name: "APPE new", script: func(s *storageScript) { s.put("APPE f", []byte("first"), false) },
		want: map[string][]byte{"/f": []byte("first")}},
	{name: "REST+STOR within", files: map[string][]byte{"/f": []byte("0123456789")},
		script: func(s *storageScript) { s.cmd("REST 4"); s.put("STOR f", []byte("ab"), false) },
		want:   map[string][]byte{"/f": []byte("0123ab")}},
	{name: "REST+STOR within, overwrite", configure: func(s *Server) { s.RestStore = RestOverwrite },
		files:  map[string][]byte{"/f": []byte("0123456789")},
		script: func(s *storageScript) { s.cmd("REST 4"); s.put("STOR f", []byte("ab"), false) },
		want:   map[string][]byte{"/f": []byte("0123ab6789")}},
	{name: "REST+STOR past EOF, clamp", files: map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) { s.cmd("REST 10"); s.put("STOR f", []byte("XY"), false) },
		want:   map[string][]byte{"/f": []byte("abcXY")}},
	{name: "REST+STOR past EOF, zero-fill", configure: func(s *Server) { s.StorPastEOF = PastEOFZeroFill },
		files:  map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) { s.cmd("REST 10"); s.put("STOR f", []byte("XY"), false) },
		want:   map[string][]byte{"/f": []byte("abc\x00\x00\x00\x00\x00\x00\x00XY")}},
	{name: "REST+STOR past EOF, overwrite and zero-fill",
		configure: func(s *Server) { s.RestStore, s.StorPastEOF = RestOverwrite, PastEOFZeroFill },
		files:     map[string][]byte{"/f": []byte("abc")},
		script:    func(s *storageScript) { s.cmd("REST 5"); s.put("STOR f", []byte("XY"), false) },
		want:      map[string][]byte{"/f": []byte("abc\x00\x00XY")}},
	{name: "REST+STOR past EOF, refused", configure: func(s *Server) { s.StorPastEOF = PastEOFRefused },
		files:  map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) { s.cmd("REST 10"); s.put("STOR f", []byte("XY"), false) },
		want:   map[string][]byte{"/f": []byte("abc")}},
	{name: "REST+STOR and APPE denied", configure: func(s *Server) { s.RestStore = RestStoreDenied },
		files: map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) {
			s.cmd("REST 1")
			s.put("STOR f", []byte("XY"), false)
			s.put("APPE f", []byte("XY"), false)
			s.put("STOR f", []byte("whole"), false) // REST was used up
		},
		want: map[string][]byte{"/f": []byte("whole")}},
	{name: "REST+RETR past EOF", files: map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) { s.cmd("REST 10"); s.get("RETR f"); s.cmd("REST 3"); s.get("RETR f") },
		want:   map[string][]byte{"/f": []byte("abc")}},
	{name: "REST+RETR past EOF, refused", configure: func(s *Server) { s.RetrPastEOF = PastEOFRefused },
		files:  map[string][]byte{"/f": []byte("abc")},
		script: func(s *storageScript) { s.cmd("REST 10"); s.get("RETR f"); s.get("RETR f") },
		want:   map[string][]byte{"/f": []byte("abc")}},
	{name: "STOU", script: func(s *storageScript) { s.put("STOU", []byte("unique"), false); s.cmd("NOOP") }},
	{name: "RNFR/RNTO over file", files: map[string][]byte{"/a": []byte("A"), "/b": []byte("B")},
		script: func(s *storageScript) { s.cmd("RNFR a"); s.cmd("RNTO b"); s.cmd("SIZE a") },
		want:   map[string][]byte{"/a": nil, "/b": []byte("A")}},
	{name: "DELE", files: map[string][]byte{"/a": []byte("A")},
		script: func(s *storageScript) { s.cmd("DELE a"); s.cmd("DELE a"); s.cmd("SIZE a") },
		want:   map[string][]byte{"/a": nil}},
	{name: "SIZE and MDTM", files: map[string][]byte{"/a": []byte("12345"), "/z": {}},
		script: func(s *storageScript) {
			s.cmd("SIZE a")
			s.cmd("SIZE z")
			s.cmd("SIZE nope")
			s.cmd("MDTM a")
			s.cmd("MDTM nope")
			size := s.c.must("SIZE a", 213).Message()
			s.obs = append(s.obs, "size "+size)
		}},
	{name: "large file", files: map[string][]byte{"/big": big},
		script: func(s *storageScript) {
			s.put("STOR copy", big, false)
			s.get("RETR copy")
			s.put("APPE big", big[:1000], false)
		},
		want: map[string][]byte{"/copy": big, "/big": append(bytes.Clone(big), big[:1000]...)}},
	{name: "cut STOR", files: map[string][]byte{"/f": []byte("ORIG")},
		script: func(s *storageScript) { s.put("STOR f", big[:50000], true); s.put("STOR g", big[:50000], true) },
		want:   map[string][]byte{"/f": []byte("ORIG"), "/g": nil}},
	{name: "cut APPE", files: map[string][]byte{"/f": []byte("ORIG")},
		script: func(s *storageScript) { s.put("APPE f", big[:50000], true); s.cmd("SIZE f") },
		want:   map[string][]byte{"/f": []byte("ORIG")}},
	{name: "cut REST+STOR", files: map[string][]byte{"/f": bytes.Repeat([]byte("0123456789"), 1000)},
		script: func(s *storageScript) { s.cmd("REST 2"); s.put("STOR f", []byte("XXX"), true) },
		want:   map[string][]byte{"/f": bytes.Repeat([]byte("0123456789"), 1000)}},
	{name: "cut STOU", script: func(s *storageScript) { s.put("STOU", big[:50000], true) }},
	{name: "cut large upload over large file", files: map[string][]byte{"/big": big},
		script: func(s *storageScript) { s.put("STOR big", big[1:], true); s.put("APPE big", big, true) },
		want:   map[string][]byte{"/big": big}},
	{name: "cut, lenient", configure: func(s *Server) { s.LenientTLSEOF = true },
		files:  map[string][]byte{"/f": []byte("ORIG")},
		script: func(s *storageScript) { s.put("APPE f", []byte("+cut"), true) },
		want:   map[string][]byte{"/f": []byte("ORIG+cut")}},
	// The command reader drops every control byte but TAB (CR and LF
	// cannot reach a name from the wire), so TAB is what gets here.
	{name: "names with control characters", files: map[string][]byte{"/f": []byte("x")},
		script: func(s *storageScript) {
			s.put("STOR tab\there", []byte("x"), false)
			s.put("APPE tab\there", []byte("x"), false)
			s.cmd("MKD d\td")
			s.cmd("RNFR f")
			s.cmd("RNTO g\th")
		},
		want: map[string][]byte{"/f": []byte("x")}},
}

// stouName matches the names STOU makes, which differ between runs.
var stouName = regexp.MustCompile(`ftpsim-[0-9a-f]{8}`)

// TestStorageConformance runs the storage table against MemFS and DirFS
// and fails on any difference between them or from the expected files.
func TestStorageConformance(t *testing.T) {
	t.Parallel()
	for _, tc := range storageTable {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var runs [][]string
			for _, b := range storageBackends(t, tc.configure) {
				for name, data := range tc.files {
					b.write(name, data)
				}
				c, data := protectedClient(t, b.srv)
				c.must("TYPE I", 200)
				s := &storageScript{c: c, data: data}
				tc.script(s)
				for name, want := range tc.want {
					if want == nil {
						if _, ok := b.read(name); ok {
							t.Errorf("%s: %s exists, want it gone", b.name, name)
						}
						continue
					}
					b.mustDigest(t, "after the script", name, want)
				}
				b.mustNoTemporaries(t, "after the script")
				runs = append(runs, append(s.obs, b.state()...))
			}
			t.Logf("observed:\n  %s", strings.Join(runs[0], "\n  "))
			if !slices.Equal(runs[0], runs[1]) {
				t.Fatalf("MemFS and DirFS differ:\nMemFS:\n  %s\nDirFS:\n  %s",
					strings.Join(runs[0], "\n  "), strings.Join(runs[1], "\n  "))
			}
		})
	}
}

// state describes every file left in the root: name, size and digest.
func (b backend) state() []string {
	var out []string
	for _, n := range b.names() {
		data, _ := b.read("/" + n)
		out = append(out, fmt.Sprintf("file %s: %d bytes sha256 %x", stouName.ReplaceAllString(n, "ftpsim-*"), len(data), sha256.Sum256(data)))
	}
	return out
}
