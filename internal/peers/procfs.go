package peers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procStat is what we need from /proc/<pid>/stat.
type procStat struct {
	pid, ppid, pgrp int
	state           byte
	start           uint64 // start time in clock ticks after boot; 0 if absent
}

// sameProcess reports whether a and b are the same process, not just the
// same (possibly reused) pid.
func (a procStat) sameProcess(b procStat) bool {
	return a.pid == b.pid && a.start == b.start
}

// live reports whether the process is neither a zombie nor dead.
func (a procStat) live() bool { return a.state != 'Z' && a.state != 'X' }

// readStat parses /proc/<pid>/stat. The command name is in parentheses and
// may itself contain spaces and parentheses, so parsing starts after the last
// ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

func parseStat(b []byte) (procStat, error) {
	open, i := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || i < open {
		return procStat{}, fmt.Errorf("proc stat: no command name in %q", b)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("proc stat: pid: %w", err)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("proc stat: short line %q", b)
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return procStat{}, fmt.Errorf("proc stat: bad ppid/pgrp in %q", b)
	}
	st := procStat{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0]}
	if len(f) > 19 { // field 22 of the line: starttime
		st.start, _ = strconv.ParseUint(f[19], 10, 64)
	}
	return st, nil
}

// allStats reads the stat line of every process.
func allStats() []procStat {
	ents, _ := os.ReadDir("/proc")
	out := make([]procStat, 0, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// family returns the live processes that belong to a server: those in
// process group pgrp, plus, when root is not 0, root and all its
// descendants, including session processes that moved to a session of
// their own (vsftpd calls setsid for each session).
func family(root, pgrp int) []procStat {
	stats := allStats()
	children := map[int][]int{}
	for _, st := range stats {
		children[st.ppid] = append(children[st.ppid], st.pid)
	}
	in := map[int]bool{}
	if root != 0 {
		queue := []int{root}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if !in[p] {
				in[p] = true
				queue = append(queue, children[p]...)
			}
		}
	}
	var out []procStat
	for _, st := range stats {
		if (in[st.pid] || st.pgrp == pgrp) && st.live() {
			out = append(out, st)
		}
	}
	return out
}

// stillRunning reports whether the process st describes is still running
// (same pid and start time, not a zombie).
func stillRunning(st procStat) bool {
	now, err := readStat(st.pid)
	return err == nil && now.sameProcess(st) && now.live()
}

// listenInode returns the socket inode of the TCP listener on 127.0.0.1:port
// (or 0.0.0.0:port), or 0 if there is none.
func listenInode(port int) uint64 {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	want := []string{
		fmt.Sprintf("0100007F:%04X", port),
		fmt.Sprintf("00000000:%04X", port),
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" { // 0A = TCP_LISTEN
			continue
		}
		if f[1] == want[0] || f[1] == want[1] {
			ino, _ := strconv.ParseUint(f[9], 10, 64)
			return ino
		}
	}
	return 0
}

// holdsSocket reports whether one of procs has socket inode ino open.
func holdsSocket(procs []procStat, ino uint64) bool {
	target := fmt.Sprintf("socket:[%d]", ino)
	for _, st := range procs {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", st.pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && l == target {
				return true
			}
		}
	}
	return false
}
