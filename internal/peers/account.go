package peers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// account is a system account that owns data directories and, for
// pyftpdlib, runs the server.
type account struct {
	name     string
	home     string
	uid, gid int
}

// ftpAccount looks up the system account of [User].
func ftpAccount() (*account, error) {
	u, err := user.Lookup(User)
	if err != nil {
		return nil, &NotInstalledError{Program: User + " account", Reason: "missing", Hint: InstallHint}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("account %s: bad uid/gid %s/%s", User, u.Uid, u.Gid)
	}
	return &account{name: User, home: u.HomeDir, uid: uid, gid: gid}, nil
}

// credential returns the uid/gid to run a process as; nil keeps ours.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	return &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid), Groups: []uint32{}}
}

// own sets the owner (when a is not nil) and the mode of path.
func (a *account) own(path string, mode os.FileMode) error {
	if a != nil {
		if err := os.Chown(path, a.uid, a.gid); err != nil {
			return err
		}
	}
	return os.Chmod(path, mode)
}

// cryptSHA512 returns the SHA512-crypt ("$6$") hash of password, made with
// "openssl passwd -6": fast to check, unlike pure-pw's default argon2id
// (about 4 s of CPU per login on a 2-core machine).
func cryptSHA512(ctx context.Context, password string) (string, error) {
	openssl, err := findProgram("openssl", "/usr/bin/openssl")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "passwd", "-6", "-stdin")
	cmd.Stdin = strings.NewReader(password + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("openssl passwd: %w: %s", err, stderr.String())
	}
	h := strings.TrimSpace(string(out))
	if !strings.HasPrefix(h, "$6$") {
		return "", fmt.Errorf("openssl passwd: unexpected output %q", h)
	}
	return h, nil
}

// copyFile copies src to dst with mode, owned by a when a is not nil.
func copyFile(src, dst string, mode os.FileMode, a *account) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, b, mode, a)
}

// writeFile writes b to path with mode, owned by a when a is not nil.
func writeFile(path string, b []byte, mode os.FileMode, a *account) error {
	if err := os.WriteFile(path, b, mode); err != nil {
		return err
	}
	return a.own(path, mode)
}
