// Package dockersuite runs ftpsim's scenarios against real FTPS products
// in containers (package docker): vsftpd, ProFTPD and pure-ftpd from
// Debian 12, and the ftpsim server itself on a FROM scratch image. Every
// run is compared with the same client run against the product's
// in-process persona (sim.Vsftpd, sim.ProFTPD, sim.PureFTPd, and ftpsim
// serve's own settings): same scenario, same client code path
// (scenarios.Target), two servers.
//
// The non-test files hold what the specs and other suites can reuse: the
// persona of each product ([Persona]), how a catalogue scenario's server
// side is realized on a container and on a persona ([Realize]), the
// product differences the suite expects ([Difference]), and the Docker
// host as a faults network ([DockerHost]) in front of which a container
// and a persona stand on equal terms.
//
// Running:
//
//	go test ./suites/docker/                                  # part of go test ./...
//	go test ./suites/docker/ -v -ginkgo.label-filter=vsftpd   # one product
//	ginkgo -p ./suites/docker/                                # parallel (passive windows per process)
//
// Without a Docker engine every spec is skipped with one line saying so;
// without a Debian base image (and no way to make one: not root, no
// debootstrap) the Debian products are skipped with one line saying why,
// and the ftpsim product still runs. The specs are labelled docker, and
// each product's with its name.
package dockersuite
