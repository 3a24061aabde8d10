package docker_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/netip"
	"strconv"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Start a product (here vsftpd, built on first use), upload a file over
// explicit FTPS with PROT P, and terminate the container.
func ExampleRunVsftpd() {
	ctx := context.Background()
	set, _ := pki.NewSet(pki.SetOptions{})
	ctr, err := docker.RunVsftpd(ctx, "", docker.WithCertificate(set.Get(pki.Good), set.CA))
	defer ctr.Terminate(context.Background()) // also after a failed start
	if err != nil {
		log.Fatal(err)
	}
	addr, _ := ctr.ControlAddr(ctx)
	c, err := clientsim.Dial(ctx, addr, clientsim.WithRootCAs(set.CA.Pool()), clientsim.WithServerName("localhost"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, ctr.Settings.User, ctr.Settings.Password); err != nil {
		log.Fatal(err)
	}
	n, err := c.Store(ctx, "hello.txt", bytes.NewReader([]byte("hello\n")))
	fmt.Println(n, err)
}

// Any image: tell it the settings in its own terms. This one reads
// PASV_ADDRESS, PASV_MIN_PORT and PASV_MAX_PORT, and its certificate from
// /certs.
func ExampleRun() {
	ctx := context.Background()
	ctr, err := docker.Run(ctx, "acme/ftps:1.4",
		docker.WithCertDir("/certs"),
		docker.WithPassivePorts(30000, 30009),
		docker.WithEnvFunc(func(s docker.Settings) map[string]string {
			return map[string]string{
				"PASV_ADDRESS":  s.AdvertisedAddr.String(),
				"PASV_MIN_PORT": strconv.Itoa(int(s.Passive.Low)),
				"PASV_MAX_PORT": strconv.Itoa(int(s.Passive.High)),
			}
		}),
		testcontainers.WithEnv(map[string]string{"FTP_USER": "ftpsim", "FTP_PASS": "ftpsim"}))
	defer ctr.Terminate(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	addr, _ := ctr.ControlAddr(ctx)
	fmt.Println("explicit FTPS at", addr)
}

// Put the Docker host's NAT in front of a container: the client dials the
// host's public address, the gateway forwards 21 and the passive range to
// the container's bridge address, where the front relays to the container.
// The container advertises its bridge address (the classic mistake), so a
// client that trusts the 227 address cannot open the data connection.
func ExampleContainer_Front() {
	ctx := context.Background()
	ctr, err := docker.RunProFTPD(ctx, "", docker.WithBridgeAdvertised())
	defer ctr.Terminate(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	bridge, _ := ctr.BridgeAddr(ctx)
	pasv := ctr.Settings.Passive
	n := &faults.Network{Unroutable: faults.Reject}
	defer n.Close()
	n.AddZone("internet", nil)
	n.AddZone("docker", &faults.Gateway{
		Public: netip.MustParseAddr("203.0.113.7"),
		Forwards: []faults.Forward{
			{Ports: faults.Ports(21), To: netip.AddrPortFrom(bridge, 21)},
			{Ports: pasv, To: netip.AddrPortFrom(bridge, pasv.Low)},
		},
	})
	client := n.AddHost("client", "internet", "198.51.100.10")
	server := n.AddHost("docker-host", "docker", bridge.String())
	front, err := ctr.Front(ctx, server.Listen, bridge.String())
	if err != nil {
		log.Fatal(err)
	}
	defer front.Close()

	c, err := clientsim.Dial(ctx, "203.0.113.7:21", clientsim.WithDialer(client.DialContext),
		clientsim.WithRootCAs(ctr.Settings.RootCAs()), clientsim.WithServerName("localhost"),
		clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.Trust))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Login(ctx, ctr.Settings.User, ctr.Settings.Password)
	_, err = c.List(ctx, "/")
	fmt.Println(clientsim.PhaseOf(err)) // data-connect
}
