// Package usermod is a user's module: it imports ftpsim the way a user
// does (a require and a replace), so every exported name it calls must
// be callable from outside. internal/archtest builds and runs it, with
// the README's 20-line example added as readme_example_test.go.
package usermod

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// A catalogue scenario with a virtual network, and a persona.
func TestScenarios(t *testing.T) {
	for _, name := range []string{"nat-private-pasv-trusted", "vsftpd-reuse-required"} {
		sc, ok := scenarios.Lookup(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
		if !res.Match {
			t.Errorf("%s: got %s, want %s\n%s", name, res.Got, sc.Expect, res.ClientTranscript)
		}
	}
	persona := sim.NewPersonaServer(sim.ProFTPD())
	defer persona.Close()
	if !strings.HasPrefix(persona.URL, "ftp://") {
		t.Errorf("persona URL %q", persona.URL)
	}
}

// Judging a server ftpsim does not control, as ftpsim run --target does.
func TestJudgeTarget(t *testing.T) {
	ref := scenarios.ReferenceServer(nil)
	ref.Start()
	defer ref.Close()
	target := &scenarios.Target{Addr: ref.Addr, ImplicitAddr: ref.ImplicitAddr, User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: ref.RootCAs()}
	list := scenarios.TargetScenarios(scenarios.Catalogue())[:3]
	refs, err := scenarios.References(context.Background(), list, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range list {
		res := scenarios.Run(context.Background(), target.Adapt(sc), scenarios.RunOptions{Target: target})
		if v := scenarios.Judge(res, refs[sc.Name], scenarios.Catalogue()); v.Kind != scenarios.VerdictWellConfigured {
			t.Errorf("%s: %s", sc.Name, v)
		}
	}
}

// The container tier's products are nameable without an engine.
func TestDockerProducts(t *testing.T) {
	for _, name := range []string{"vsftpd", "proftpd", "pure-ftpd", "ftpsim"} {
		if _, ok := docker.ProductByName(name); !ok {
			t.Errorf("no docker product %s", name)
		}
	}
}

// The protocol vocabulary and the certificate factory are public: a raw
// command's reply, a transcript and a bad certificate the server serves.
func TestVocabulary(t *testing.T) {
	srv := sim.NewUnstartedServer()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expired := set.Get(pki.Expired).TLSCertificate()
	srv.PKI, srv.Certificate = set, &expired
	srv.Start()
	defer srv.Close()
	ctx := context.Background()
	if c, err := clientsim.DialServer(ctx, srv); err == nil {
		c.Close()
		t.Fatal("an expired certificate was accepted")
	} else if !strings.Contains(err.Error(), "expired") {
		t.Errorf("dialing a server with an expired certificate: %v", err)
	}
	good := sim.NewServer()
	defer good.Close()
	tr := &ftp.Transcript{}
	c, err := clientsim.DialServer(ctx, good, clientsim.WithTranscript(tr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Quote(ctx, "SYST")
	if err != nil || r.Code != ftp.CodeSystemType {
		t.Errorf("SYST: %v %v", r, err)
	}
	if lines := tr.Lines(ftp.EntryCommand); len(lines) == 0 || lines[len(lines)-1] != "SYST" {
		t.Errorf("transcript commands %q", lines)
	}
}
