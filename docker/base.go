package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Base images of the Debian products.
const (
	// BaseRef is the Debian 12 image this package makes with debootstrap
	// and docker import when no Debian image is available, and keeps.
	BaseRef = "ftpsim/debian-base:bookworm"
	// UpstreamBase is the registry's image the Dockerfiles name by
	// default; used as is when the engine already has it.
	UpstreamBase = "debian:bookworm-slim"
)

// ErrNoBase is returned (wrapped) when no Debian base image exists and
// none could be made; the message says why debootstrap failed.
var ErrNoBase = errors.New("no Debian base image")

// debootstrapTimeout bounds debootstrap (about 30 s on two cores).
const debootstrapTimeout = 5 * time.Minute

var base struct {
	mu sync.Mutex
	im *Image
}

// BaseImage returns the Debian 12 base of the Debian products: BaseRef or
// UpstreamBase if the engine has either, otherwise BaseRef made now:
// debootstrap --variant=minbase bookworm from the machine's Debian mirror
// (FTPSIM_DEBIAN_MIRROR overrides it), apt caches removed, imported with
// docker import. Making it needs root and the debootstrap program; the
// error then wraps [ErrNoBase] and says what is missing.
func BaseImage(ctx context.Context) (Image, error) {
	base.mu.Lock()
	defer base.mu.Unlock()
	if base.im != nil {
		return *base.im, nil
	}
	start := time.Now()
	im, err := baseImage(ctx)
	im.Duration = time.Since(start)
	if err == nil {
		base.im = &im
	}
	return im, err
}

func baseImage(ctx context.Context) (Image, error) {
	unlock, err := lockFile(ctx, "ftpsim-docker-base")
	if err != nil {
		return Image{}, err
	}
	defer unlock()
	cli, err := newClient(ctx)
	if err != nil {
		return Image{}, err
	}
	defer cli.Close()
	for _, ref := range []string{BaseRef, UpstreamBase} {
		r, err := cli.ImageInspect(ctx, ref)
		if err == nil {
			return Image{Ref: ref, Cached: true, id: r.ID}, nil
		}
		if !cerrdefs.IsNotFound(err) {
			return Image{}, fmt.Errorf("inspect %s: %w", ref, err)
		}
	}
	if err := makeBase(ctx, cli.Client); err != nil {
		return Image{}, err
	}
	r, err := cli.ImageInspect(ctx, BaseRef)
	if err != nil {
		return Image{}, fmt.Errorf("inspect %s after import: %w", BaseRef, err)
	}
	return Image{Ref: BaseRef, id: r.ID}, nil
}

// makeBase runs debootstrap into a temporary directory and imports it.
func makeBase(ctx context.Context, cli *client.Client) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: debootstrap failed: %s", ErrNoBase, fmt.Sprintf(format, args...))
	}
	if runtime.GOOS != "linux" {
		return fail("debootstrap needs Linux (load a Debian 12 image as %s instead)", UpstreamBase)
	}
	if os.Geteuid() != 0 {
		return fail("debootstrap needs root (run as root, or load a Debian 12 image as %s)", UpstreamBase)
	}
	prog, err := exec.LookPath("debootstrap")
	if err != nil {
		return fail("debootstrap is not installed (apt-get install debootstrap)")
	}
	dir, err := os.MkdirTemp("", "ftpsim-rootfs-")
	if err != nil {
		return fail("%v", err)
	}
	defer removeRootfs(dir)
	mirror := debianMirror()
	dctx, cancel := context.WithTimeout(ctx, debootstrapTimeout)
	defer cancel()
	cmd := exec.CommandContext(dctx, prog, "--variant=minbase", "bookworm", dir, mirror)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		why := tail(string(out), 3)
		if log, rerr := os.ReadFile(filepath.Join(dir, "debootstrap", "debootstrap.log")); rerr == nil {
			why += " | log: " + tail(string(log), 3)
		}
		if dctx.Err() != nil {
			why = fmt.Sprintf("timed out after %v: %s", debootstrapTimeout, why)
		}
		return fail("%s from %s: %v: %s", "bookworm", mirror, err, why)
	}
	for _, glob := range []string{"var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, glob))
		for _, m := range matches {
			os.Remove(m)
		}
	}
	if err := importRootfs(ctx, cli, dir); err != nil {
		return fmt.Errorf("%w: docker import: %v", ErrNoBase, err)
	}
	return nil
}

// importRootfs streams "tar -c" of dir into the engine as BaseRef.
func importRootfs(ctx context.Context, cli *client.Client, dir string) error {
	tarCmd := exec.CommandContext(ctx, "tar", "-C", dir, "--numeric-owner", "-c", ".")
	out, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	tarCmd.Stderr = &stderr
	tarCmd.WaitDelay = 5 * time.Second
	if err := tarCmd.Start(); err != nil {
		return err
	}
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, BaseRef, client.ImageImportOptions{
		Message: "ftpsim: debootstrap --variant=minbase bookworm",
		Changes: []string{`CMD ["bash"]`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	})
	if err == nil {
		err = readJSONStream(res)
		res.Close()
	}
	if werr := tarCmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("tar: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return err
}

// removeRootfs deletes a debootstrap target, unmounting anything still
// mounted under it first (debootstrap mounts /proc and /sys inside while
// it works). If a mount remains, the directory is left alone: removing it
// would delete through the mount.
func removeRootfs(dir string) {
	for _, m := range mountsUnder(dir) {
		_ = exec.Command("umount", "-l", m).Run()
	}
	if len(mountsUnder(dir)) > 0 {
		fmt.Fprintf(os.Stderr, "docker: left %s in place: still mounted\n", dir)
		return
	}
	os.RemoveAll(dir)
}

// mountsUnder lists mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var ms []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && (fields[4] == dir || strings.HasPrefix(fields[4], dir+"/")) {
			ms = append(ms, fields[4])
		}
	}
	sort.Slice(ms, func(i, j int) bool { return len(ms[i]) > len(ms[j]) })
	return ms
}

// debianMirror returns FTPSIM_DEBIAN_MIRROR, else the first URI of the
// machine's APT sources that serves bookworm, else deb.debian.org.
func debianMirror() string {
	if m := os.Getenv("FTPSIM_DEBIAN_MIRROR"); m != "" {
		return m
	}
	if b, err := os.ReadFile("/etc/apt/sources.list.d/debian.sources"); err == nil {
		if m := mirrorFromDeb822(string(b)); m != "" {
			return m
		}
	}
	if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
		if m := mirrorFromList(string(b)); m != "" {
			return m
		}
	}
	return "http://deb.debian.org/debian"
}

// mirrorFromDeb822 returns the first URI of a stanza whose Suites include
// bookworm.
func mirrorFromDeb822(s string) string {
	for _, stanza := range strings.Split(s, "\n\n") {
		var uris, suites []string
		for _, line := range strings.Split(stanza, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "uris":
				uris = strings.Fields(v)
			case "suites":
				suites = strings.Fields(v)
			}
		}
		for _, su := range suites {
			if su == "bookworm" && len(uris) > 0 {
				return uris[0]
			}
		}
	}
	return ""
}

// mirrorFromList returns the URI of the first "deb URI bookworm ..." line.
func mirrorFromList(s string) string {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "deb" {
			i := 1
			if strings.HasPrefix(f[1], "[") { // options
				for i < len(f) && !strings.HasSuffix(f[i], "]") {
					i++
				}
				i++
			}
			if i+1 < len(f) && f[i+1] == "bookworm" {
				return f[i]
			}
		}
	}
	return ""
}
