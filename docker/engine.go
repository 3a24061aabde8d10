package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Label keys on everything this package creates.
const (
	// LabelManaged marks containers and images of this package ("true").
	LabelManaged = "ftpsim.docker"
	// LabelSession is the session (one per process) that created it.
	LabelSession = "ftpsim.docker.session"
	// LabelProduct is the product module ("vsftpd", ..., "custom").
	LabelProduct = "ftpsim.docker.product"
	// LabelImage names the product of a cached image; cached images carry
	// no session label and survive [Sweep].
	LabelImage = "ftpsim.image"
	// LabelContextHash is the content hash of a cached image's context.
	LabelContextHash = "ftpsim.image.context"
)

// sessionID identifies this process's containers.
var sessionID = func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// SessionID returns the session label value of this process.
func SessionID() string { return sessionID }

// Labels returns the labels Run puts on a container of product.
func Labels(product string) map[string]string {
	return map[string]string{LabelManaged: "true", LabelSession: sessionID, LabelProduct: product}
}

// ErrNoEngine is returned (wrapped) by [Available] when no Docker engine
// answers.
var ErrNoEngine = errors.New("no Docker engine")

// availableTimeout bounds Available.
const availableTimeout = 10 * time.Second

// Available reports whether a Docker engine answers, within ten seconds
// at most. The error wraps [ErrNoEngine] and says why ("... rootless
// Docker not found", "... context deadline exceeded").
func Available(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, availableTimeout)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("%w: ping: %v", ErrNoEngine, err)
	}
	return nil
}

// newClient returns a Docker client, or an error wrapping ErrNoEngine,
// within ctx. testcontainers-go panics in a few discovery paths; that is
// an error here.
func newClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	type result struct {
		cli *testcontainers.DockerClient
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{err: fmt.Errorf("%w: %v", ErrNoEngine, r)}
			}
		}()
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err != nil {
			err = fmt.Errorf("%w: %v", ErrNoEngine, err)
		}
		ch <- result{cli, err}
	}()
	select {
	case r := <-ch:
		return r.cli, r.err
	case <-ctx.Done():
		go func() { // the discovery ends with ctx; close what it made
			if r := <-ch; r.cli != nil {
				r.cli.Close()
			}
		}()
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, ctx.Err())
	}
}
