package clientsim_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// TestUploadResumesTLSSession is the README's "test in 20 lines", kept
// here so the README cannot drift from the API.
func TestUploadResumesTLSSession(t *testing.T) {
	srv := sim.NewUnstartedServer()
	srv.ControlTLS = sim.TLSRequired
	srv.Reuse = sim.ReuseSame // like ProFTPD and FileZilla Server
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	c, err := clientsim.DialServer(ctx, srv) // trusts srv's test CA, like httptest's srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(ctx, "report.csv", strings.NewReader("a,b\n")); err != nil {
		t.Fatal(err) // a *clientsim.Error with phase, command and reply code
	}
	data := srv.Sessions()[0].Data()[0]
	if !data.TLS.Resumed {
		t.Fatalf("data connection did a full handshake: %s", data.TLS)
	}
}

// TestReadmeExampleIsThisTest fails when the README's example and
// TestUploadResumesTLSSession drift apart.
func TestReadmeExampleIsThisTest(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	const start = "func TestUploadResumesTLSSession(t *testing.T) {\n"
	body := func(s string) string {
		i := strings.Index(s, start)
		if i < 0 {
			return ""
		}
		j := strings.Index(s[i:], "\n}\n")
		if j < 0 {
			return ""
		}
		return s[i : i+j+3]
	}
	want, got := body(string(self)), body(string(readme))
	if want == "" || got != want {
		t.Errorf("README.md's example differs from TestUploadResumesTLSSession in readme_test.go; copy one to the other.\nREADME:\n%s\ntest:\n%s", got, want)
	}
}
