package sim

import (
	"os"
	"syscall"
	"time"
)

// atimeOf is a file's access time.
func atimeOf(st os.FileInfo) time.Time {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return time.Unix(s.Atim.Sec, s.Atim.Nsec)
	}
	return time.Time{}
}
