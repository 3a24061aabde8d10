package clientsim

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Example_session uploads and downloads a file over explicit FTPS against
// a scripted server that requires TLS session reuse, then prints what the
// server saw, whether each data connection resumed, and the digest.
func Example_session() {
	et := &exampleT{}
	defer et.done()
	srv := newFakeServer(et, fakeOpts{requireReuse: true})
	ctx := context.Background()

	c, err := Dial(ctx, srv.addr, WithRootCAs(srv.cert.pool))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Login(ctx, "ftpsim", "ftpsim"); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Store(ctx, "a.txt", strings.NewReader("hello, FTPS")); err != nil {
		fmt.Println(err)
		return
	}
	h := sha256.New()
	n, err := c.Retrieve(ctx, "a.txt", h)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Quit(ctx)

	fmt.Println(strings.Join(c.Transcript().Lines(ftp.EntryCommand), ", "))
	for _, ev := range c.Evidence() {
		fmt.Println(ev.Channel, "resumed:", ev.Resumed)
	}
	fmt.Printf("%d bytes, sha256 %x...\n", n, h.Sum(nil)[:4])
	// Output:
	// AUTH TLS, USER ftpsim, PASS ****, PBSZ 0, PROT P, TYPE I, EPSV, STOR a.txt, EPSV, RETR a.txt, QUIT
	// control resumed: false
	// data resumed: true
	// data resumed: true
	// 11 bytes, sha256 04a6160f...
}
