package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// contexts are the build contexts under docker/images. The ftpsim
// directory contributes only its Dockerfile: the binary is built at run
// time and added to the context (see [Product.Image]).
//
//go:embed images/vsftpd images/proftpd images/pure-ftpd images/ftpsim/Dockerfile
var contexts embed.FS

// buildTimeout bounds one image build (apt-get inside included).
const buildTimeout = 8 * time.Minute

// Image is a product image, found in the engine or built.
type Image struct {
	// Ref is the tag to run: ftpsim/<product>:<context hash>.
	Ref string
	// Cached says the image was already there.
	Cached bool
	// Duration is the time spent finding or building it, including the
	// base image and the ftpsim binary.
	Duration time.Duration
	// Base is the base image it builds on (Debian products only).
	Base *Image

	id string // the engine's image ID
}

// images memoizes Product.Image per process; failures are not memoized.
var images struct {
	mu   sync.Mutex
	byID map[string]*imageResult
}

type imageResult struct {
	mu sync.Mutex
	im *Image
}

// Image returns the product's image, building it if the engine does not
// have it. The tag is ftpsim/<product>:<hash>, where the hash covers the
// build context (and, for the Debian products, the base image's ID), so
// an edited Dockerfile or entrypoint gets a new image and the old one is
// removed. Images are kept between runs. Builds are serialized across
// processes with a lock file, and each product is built once per process.
func (p *Product) Image(ctx context.Context) (Image, error) {
	images.mu.Lock()
	if images.byID == nil {
		images.byID = map[string]*imageResult{}
	}
	r := images.byID[p.Name]
	if r == nil {
		r = &imageResult{}
		images.byID[p.Name] = r
	}
	images.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.im != nil {
		return *r.im, nil
	}
	start := time.Now()
	im, err := p.image(ctx)
	im.Duration = time.Since(start)
	if err == nil {
		r.im = &im
	}
	return im, err
}

func (p *Product) image(ctx context.Context) (Image, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	var im Image
	buildArgs := map[string]*string{}
	var baseID string
	if p.debian {
		base, err := BaseImage(ctx)
		if err != nil {
			return im, fmt.Errorf("%s image: %w", p.Name, err)
		}
		im.Base = &base
		buildArgs["BASE"] = &base.Ref
		baseID = base.id
		if baseID == "" {
			return im, fmt.Errorf("%s image: base %s has no ID", p.Name, base.Ref)
		}
	}
	files, err := p.contextFiles(ctx)
	if err != nil {
		return im, fmt.Errorf("%s image: %w", p.Name, err)
	}
	hash := contextHash(p.Name, baseID, files)
	im.Ref = "ftpsim/" + p.Name + ":" + hash[:16]

	unlock, err := lockFile(ctx, "ftpsim-docker-image-"+p.Name)
	if err != nil {
		return im, fmt.Errorf("%s image: %w", p.Name, err)
	}
	defer unlock()
	cli, err := newClient(ctx)
	if err != nil {
		return im, err
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, im.Ref); err == nil {
		im.Cached = true
		return im, nil
	} else if !cerrdefs.IsNotFound(err) {
		return im, fmt.Errorf("%s image: inspect: %w", p.Name, err)
	}
	tarball, err := tarFiles(files)
	if err != nil {
		return im, fmt.Errorf("%s image: %w", p.Name, err)
	}
	res, err := cli.ImageBuild(ctx, bytes.NewReader(tarball), client.ImageBuildOptions{
		Tags:        []string{im.Ref},
		BuildArgs:   buildArgs,
		Labels:      map[string]string{LabelManaged: "true", LabelImage: p.Name, LabelContextHash: hash},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1, // the classic builder: no frontend image to pull
	})
	if err != nil {
		return im, fmt.Errorf("%s image: build: %w", p.Name, err)
	}
	err = readJSONStream(res.Body)
	res.Body.Close()
	if err != nil {
		return im, fmt.Errorf("%s image: build: %w", p.Name, err)
	}
	pruneSuperseded(ctx, cli.Client, p.Name, im.Ref)
	return im, nil
}

// contextFiles returns the build context: the product's directory and,
// for ftpsim, the static binary.
func (p *Product) contextFiles(ctx context.Context) (map[string]ctxFile, error) {
	dir := "images/" + p.Name
	files := map[string]ctxFile{}
	err := fs.WalkDir(contexts, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := contexts.ReadFile(name)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		files[strings.TrimPrefix(name, dir+"/")] = ctxFile{data: b, mode: mode}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", dir, err)
	}
	if p.binary {
		b, err := ftpsimBinary(ctx)
		if err != nil {
			return nil, err
		}
		files["ftpsim"] = ctxFile{data: b, mode: 0o755}
	}
	return files, nil
}

type ctxFile struct {
	data []byte
	mode int64
}

// contextHash covers the product name, the base image ID and every file's
// name, mode and content.
func contextHash(product, baseID string, files map[string]ctxFile) string {
	h := sha256.New()
	fmt.Fprintf(h, "ftpsim docker context v1\x00%s\x00%s\x00", product, baseID)
	for _, name := range sortedKeys(files) {
		f := files[name]
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", name, f.mode, len(f.data))
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tarFiles builds the context archive, in a fixed order and with fixed
// times so that identical contexts give identical archives.
func tarFiles(files map[string]ctxFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		f := files[name]
		hdr := &tar.Header{Name: path.Clean(name), Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonMessage is one line of the engine's build or import progress.
type jsonMessage struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// readJSONStream consumes a progress stream and returns its error, with
// the last output lines for context.
func readJSONStream(r io.Reader) error {
	dec := json.NewDecoder(r)
	var last []string
	for {
		var m jsonMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read progress: %w", err)
		}
		if m.Error != "" || m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			msg := m.Error
			if msg == "" {
				msg = m.ErrorDetail.Message
			}
			return fmt.Errorf("%s (last output: %s)", strings.TrimSpace(msg), strings.Join(last, " | "))
		}
		if s := strings.TrimSpace(m.Stream); s != "" {
			last = append(last, s)
			if len(last) > 6 {
				last = last[1:]
			}
		}
	}
}

// pruneSuperseded removes the product's other cached images (older
// contexts); images still used by a container stay.
func pruneSuperseded(ctx context.Context, cli *client.Client, product, keep string) {
	list, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", LabelImage+"="+product)})
	if err != nil {
		return
	}
	for _, s := range list.Items {
		current := false
		for _, t := range s.RepoTags {
			current = current || t == keep
		}
		if !current {
			_, _ = cli.ImageRemove(ctx, s.ID, client.ImageRemoveOptions{PruneChildren: true})
		}
	}
}
