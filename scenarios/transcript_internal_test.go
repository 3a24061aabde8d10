package scenarios

import (
	"testing"

	"github.com/ftpsim/ftpsim/internal/ftp"
)

// TestEntryKindsMatchFTP: the public kinds convert to and from the
// recorders' kinds by value; a reordering on either side fails here.
func TestEntryKindsMatchFTP(t *testing.T) {
	pairs := map[EntryKind]ftp.EntryKind{EntryCommand: ftp.EntryCommand, EntryReply: ftp.EntryReply,
		EntryTLS: ftp.EntryTLS, EntryData: ftp.EntryData, EntryNote: ftp.EntryNote}
	for k, f := range pairs {
		if int(k) != int(f) || entryKind(f) != k || k.String() != f.String() {
			t.Errorf("%v (%d) and ftp %v (%d) differ", k, int(k), f, int(f))
		}
	}
}
