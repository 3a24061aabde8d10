package peers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ftpsim/ftpsim/internal/peers"
)

// Start vsftpd with require_ssl_reuse=YES, then show that stock ftplib is
// refused with 522 while the session-reusing ftplib subclass works. In a
// test, dir comes from t.TempDir() and a NotInstalledError becomes t.Skip.
func ExampleVsftpd() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "peers-example-")
	defer os.RemoveAll(dir)
	ca := filepath.Join(dir, "ca.crt") // our CA; signed server.crt for 127.0.0.1

	srv, err := peers.Vsftpd{
		Config: peers.Config{
			Dir:      dir,
			CertFile: filepath.Join(dir, "server.crt"),
			KeyFile:  filepath.Join(dir, "server.key"),
		},
	}.Start(ctx)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		fmt.Println("skip:", nie)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	opts := srv.ClientOptions(ca, filepath.Join(dir, "client"))
	stock, err := peers.NewFtplib(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := stock.List(ctx)
	fmt.Println("stock ftplib refused with 522:", !r.OK() && r.HasReply(522))

	opts.Reuse = true
	reusing, _ := peers.NewFtplib(opts)
	r, _ = reusing.List(ctx)
	if !r.OK() {
		fmt.Println(r, srv.Logs())
	}
}

// Run one curl session (login, LIST, STOR, RETR) with TLS 1.2 and PASV only,
// and look at the replies curl's -v trace shows.
func ExampleCurl() {
	ctx := context.Background()
	c, err := peers.NewCurl(peers.ClientOptions{
		Addr:        "127.0.0.1:2121",
		CAFile:      "ca.crt",
		Dir:         os.TempDir(),
		TLS12:       true,
		DisableEPSV: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := c.Session(ctx, "local.bin", "remote.bin", "back.bin")
	fmt.Println(r.OK(), r.Replies())
}
