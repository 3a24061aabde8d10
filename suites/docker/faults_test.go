package dockersuite_test

import (
	"context"
	"net/netip"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/suites"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// sharedContainer returns the product's container for key, starting it
// with opts the first time.
type sharedContainer func(ctx context.Context, key string, opts ...testcontainers.ContainerCustomizer) *docker.Container

// faultCase is one network in front of a product, and a client.
type faultCase struct {
	scenario  string // catalogue scenario for the client side
	advertise string // "bridge" (the container's own address) or "public" (the Docker host's)
	host      func(*dockersuite.DockerHost)
	want      scenarios.Outcome // catalogue matching rules
}

var (
	ok               = scenarios.Outcome{Result: scenarios.Success}
	dataConnRefused  = scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: "refused"}
	noPassiveForward = func(d *dockersuite.DockerHost) { d.NoPassiveForward = true }
	slowChoppedData  = func(d *dockersuite.DockerHost) { d.Toxics = dataToxics }
	dataToxics       = []faults.ToxicRule{{Toxic: faults.Latency{Latency: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}, Channel: faults.Data, Stream: faults.BothStreams}, {Toxic: faults.Slicer{AverageSize: 700, SizeVariation: 300}, Channel: faults.Data}}
	controlLatency   = func(d *dockersuite.DockerHost) {
		d.Toxics = []faults.ToxicRule{{Toxic: faults.Latency{Latency: 30 * time.Millisecond}, Channel: faults.Control, Stream: faults.BothStreams}}
	}
	noChange          = func(*dockersuite.DockerHost) {}
	faultEntryTimeout = SpecTimeout(time.Minute)
)

// describeFaults puts the Docker host (package dockersuite's DockerHost,
// faults values) between the client and the product: once in front of the
// container (docker.Front on the server host), once in front of the
// persona (on the server host's seams). The same values, the same client;
// both runs must end alike, and as the case says.
func describeFaults(p *docker.Product, shared sharedContainer) {
	DescribeTable("behind the Docker host's NAT (faults network in front)", Label("faults", "nat"),
		func(ctx SpecContext, fc faultCase) {
			sc, found := scenarios.Lookup(fc.scenario)
			Expect(found).To(BeTrue())
			sc.Server = scenarios.ServerSpec{} // the product and its persona are the server
			var c *docker.Container
			if fc.advertise == "bridge" {
				c = shared(ctx, "bridge", docker.WithBridgeAdvertised())
			} else {
				c = shared(ctx, "public", docker.WithAdvertisedAddr(scenarios.ServerPublicAddr))
			}
			bridge, err := c.BridgeAddr(ctx)
			Expect(err).NotTo(HaveOccurred())
			dh := dockersuite.DockerHost{Bridge: bridge, Passive: c.Settings.Passive}
			fc.host(&dh)
			AddReportEntry("docker host", describeHost(dh), types.ReportEntryVisibilityFailureOrVerbose)

			ctrRes := runOnNetwork(ctx, dh, sc, func(server *faults.Host) (func(), error) {
				f, err := c.Front(ctx, server.Listen, bridge.String())
				if err != nil {
					return nil, err
				}
				faults.MarkControl(f.Control)
				return func() { f.Close() }, nil
			})
			suites.Record(ctrRes)
			personaRes := runOnNetwork(ctx, dh, sc, func(server *faults.Host) (func(), error) {
				srv, err := dockersuite.Persona(p, set)
				if err != nil {
					return nil, err
				}
				if fc.advertise == "public" {
					srv.PassiveAddr = scenarios.ServerPublicAddr
				}
				if err := dh.AttachPersona(srv, server); err != nil {
					return nil, err
				}
				if err := srv.Listen(); err != nil {
					return nil, err
				}
				return func() { srv.Close() }, nil
			})
			AddReportEntry("persona outcome", outcome(personaRes.Got), types.ReportEntryVisibilityFailureOrVerbose)
			Expect(ctrRes).To(suites.HaveOutcome(fc.want))
			Expect(ctrRes).To(EndLikePersona(personaRes))
		},
		Entry("the container advertises its bridge address (the classic mistake): a client that trusts 227 cannot connect",
			faultEntryTimeout, faultCase{"nat-pasv-address-trusted", "bridge", noChange, dataConnRefused}),
		Entry("the same container and a client that ignores the 227 address, like curl, transfers",
			faultEntryTimeout, faultCase{"nat-pasv-address-skipped", "bridge", noChange, ok}),
		Entry("the same container and EPSV, whose reply carries no address, transfers",
			faultEntryTimeout, faultCase{"nat-pasv-address-epsv", "bridge", noChange, ok}),
		Entry("advertising the Docker host's public address, a client that trusts 227 transfers",
			faultEntryTimeout, faultCase{"nat-pasv-address-trusted", "public", noChange, ok}),
		Entry("the passive range is not published: the data connection is refused",
			faultEntryTimeout, faultCase{"explicit-tls", "public", noPassiveForward, dataConnRefused}),
		Entry("latency, jitter and 700-byte slices on data flows: transfers intact",
			faultEntryTimeout, faultCase{"explicit-tls", "public", slowChoppedData, ok}),
		Entry("30 ms each way on the control connection: transfers",
			faultEntryTimeout, faultCase{"explicit-tls", "public", controlLatency, ok}),
	)
}

// runOnNetwork builds dh, lets attach put a server on its server host,
// and runs sc's client from the client host.
func runOnNetwork(ctx context.Context, dh dockersuite.DockerHost, sc scenarios.Scenario,
	attach func(server *faults.Host) (func(), error)) *scenarios.Result {
	GinkgoHelper()
	n, client, server, err := dh.Build()
	Expect(err).NotTo(HaveOccurred())
	defer n.Close()
	detach, err := attach(server)
	Expect(err).NotTo(HaveOccurred())
	defer detach()
	DeferOnFailure(func() { AddReportEntry("fault timeline", n.Timeline().String()) })
	t := &scenarios.Target{Addr: dh.ControlAddr(), User: sim.DefaultUser, Password: sim.DefaultPassword,
		RootCAs: set.CA.Pool(), ServerName: "localhost", Dial: client.DialContext}
	return runTarget(ctx, sc, t)
}

func describeHost(dh dockersuite.DockerHost) string {
	s := "client " + scenarios.ClientPublicAddr.String() + " -> " + dh.ControlAddr() + " -> server " + netip.AddrPortFrom(dh.Bridge, 21).String() +
		", passive " + dh.Passive.String()
	if dh.NoPassiveForward {
		s += " (not forwarded)"
	}
	if len(dh.Toxics) > 0 {
		s += ", toxics"
	}
	return s
}
