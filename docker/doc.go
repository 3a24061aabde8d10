// Package docker runs real FTPS products in containers from go test, on
// testcontainers-go, so that the scenarios and faults used against the
// in-process simulator apply unchanged to a vsftpd, a ProFTPD, a pure-ftpd,
// the ftpsim server itself, or any image a user names.
//
// # Containers
//
// [Run] starts any image as an FTPS product, in testcontainers-go's style:
// it takes testcontainers options and this package's [Option] values, and
// returns the container even on error so that it can be terminated.
//
//	set, _ := pki.NewSet(pki.SetOptions{})
//	ctr, err := docker.Run(ctx, "acme/ftps:1.4",
//		docker.WithCertificate(set.Get(pki.Good), set.CA),
//		docker.WithPassivePorts(30000, 30009),
//		testcontainers.WithEnv(map[string]string{"PASV_ADDRESS": "127.0.0.1"}))
//	defer ctr.Terminate(context.Background())
//	addr, _ := ctr.ControlAddr(ctx) // 127.0.0.1:<mapped port>
//
// The container is told its settings ([Settings]) through FTPS_* environment
// variables and, if the image has other conventions, through [WithEnvFunc]
// and [WithCmdFunc]. Certificates of the test PKI are copied into CertDir
// before it starts. It is ready when its control port greets with 220.
//
// [RunVsftpd], [RunProFTPD], [RunPureFTPd] and [RunFTPSim] are ready modules
// for the images under docker/images: three Debian 12 packages and a
// FROM scratch image of the ftpsim binary. An empty image name builds the
// image (once; it is cached by a hash of its build context, see
// [Product.Image]).
//
// # Passive mode under Docker's port mapping
//
// An FTP server announces passive ports in 227/229 replies; Docker maps
// container ports to random host ports, so the announced port is not the
// one the client can reach. Run binds every port of the passive range to
// the same port on 127.0.0.1 (identity bindings; the ports are exposed
// too, as testcontainers-go requires) and tells the server to advertise
// 127.0.0.1. The control and implicit ports get random host ports, also on
// 127.0.0.1 only. [WithBridgeAdvertised] is the classic mistake: the server
// advertises its own bridge address, which no client off the Docker host
// can reach (see the docker suite's NAT scenario).
//
// # Active mode on the host's network
//
// Behind Docker's port mapping a product sees its clients as the bridge
// gateway, so it refuses PORT and EPRT to 127.0.0.1 (a foreign address),
// and 127.0.0.1 inside the container is the container itself.
// [WithHostNetwork] runs the container in the host's network namespace
// with the product bound to one loopback address only: nothing is
// published, nothing listens off loopback, and active mode reaches the
// client for real.
//
// # Faults in front of a container
//
// [Container.Front] serves the container's ports on listeners of the
// caller's choosing and relays every connection to the container. Given a
// faults.Host's Listen, the container sits on that virtual network: its
// NAT, firewalls, FTP helpers and toxics apply between the client and the
// container exactly as they do in front of an in-process sim.Server. This
// package does not import faults; any listen function will do.
//
// # Images without a registry
//
// The Debian products build FROM ${BASE}, default debian:bookworm-slim, so
// the Dockerfiles build unchanged where a registry is reachable. Where none
// is, [BaseImage] makes ftpsim/debian-base:bookworm with debootstrap and
// docker import (as root; about 30 s) and keeps it. Product images are
// tagged ftpsim/<product>:<hash> and kept between runs; a changed context
// or base makes a new tag and removes the old one.
//
// # Engine, environment and cleanup
//
// [Available] says, within a bounded time, whether an engine answers. On
// machines where no registry is reachable, testcontainers-go needs
// TESTCONTAINERS_RYUK_DISABLED=true (the reaper image cannot be pulled);
// where /.dockerenv exists it also needs TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1.
// This package itself only ever dials 127.0.0.1, and binds only there, so
// it needs a local engine. Every container carries the labels of
// [Labels]; [Sweep] removes this process's containers and images built
// for it, [SweepStale] what killed runs left behind. Cached images stay.
package docker
