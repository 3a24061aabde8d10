package clientsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Entry is one line of MLSD or the answer of MLST (RFC 3659 7): a name and
// its facts.
type Entry struct {
	Name    string            // everything after the facts and one space; may contain spaces
	Type    string            // the type fact, lower case: "file", "dir", "cdir", "pdir", or an OS type
	Size    int64             // the size fact; -1 when absent
	ModTime time.Time         // the modify fact, UTC; zero when absent
	Perm    string            // the perm fact, e.g. "adfrw"
	Unique  string            // the unique fact
	Facts   map[string]string // every fact, names lower case, values as sent
}

// parseEntry parses "fact=value;fact=value; name". Fact names are case
// insensitive; a missing final ';' is tolerated.
func parseEntry(line string) (Entry, error) {
	facts, name, ok := strings.Cut(line, " ")
	if !ok || name == "" {
		return Entry{}, fmt.Errorf("mlsx: no name in %q", line)
	}
	e := Entry{Name: name, Size: -1, Facts: make(map[string]string)}
	for _, f := range strings.Split(facts, ";") {
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return Entry{}, fmt.Errorf("mlsx: bad fact %q in %q", f, line)
		}
		k = strings.ToLower(k)
		e.Facts[k] = v
		if err := e.setFact(k, v); err != nil {
			return Entry{}, fmt.Errorf("mlsx: %w in %q", err, line)
		}
	}
	return e, nil
}

func (e *Entry) setFact(name, value string) error {
	switch name {
	case "type":
		e.Type = strings.ToLower(value)
	case "size":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad size %q", value)
		}
		e.Size = n
	case "modify":
		t, err := parseTimeVal(value)
		if err != nil {
			return err
		}
		e.ModTime = t
	case "perm":
		e.Perm = value
	case "unique":
		e.Unique = value
	}
	return nil
}
