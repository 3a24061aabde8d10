package usermod

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// A product in a container, given a certificate from ftpsim's test CA: the
// docker package's first example, as a user writes it. The ftpsim image is
// built FROM scratch around a static build of cmd/ftpsim, so it needs an
// engine but no registry and no Debian base.
func TestDockerUploadRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := docker.Available(ctx); err != nil {
		t.Skipf("docker example needs a Docker engine: %v", err)
	}
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := docker.RunFTPSim(ctx, "", docker.WithCertificate(set.Get(pki.Good), set.CA))
	t.Cleanup(func() { ctr.Terminate(context.Background()) }) // also after a failed start
	if err != nil {
		t.Fatal(err)
	}
	addr, err := ctr.ControlAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := clientsim.Dial(ctx, addr, clientsim.WithRootCAs(set.CA.Pool()), clientsim.WithServerName("localhost"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, ctr.Settings.User, ctr.Settings.Password); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	if _, err := c.Store(ctx, "roundtrip.bin", bytes.NewReader(payload)); err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if _, err := c.Retrieve(ctx, "roundtrip.bin", &back); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(back.Bytes()) != sha256.Sum256(payload) {
		t.Fatalf("retrieved %d bytes that differ from the %d uploaded", back.Len(), len(payload))
	}
}
