package dockersuite_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/suites"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// describeActive checks active mode both ways a container can be run: on
// the host's network, where the product dials the client for real, and
// on Docker's bridge, where every product refuses PORT to 127.0.0.1
// (dockersuite.BridgeDifferences). bridge returns the product's default
// container.
func describeActive(p *docker.Product, bridge func() *docker.Container, shared sharedContainer) {
	Describe("active mode", Label("active"), func() {
		hostNet := func(ctx context.Context) *docker.Container {
			return shared(ctx, "host-network", docker.WithHostNetwork(netip.Addr{}))
		}
		for _, mode := range []clientsim.ActiveMode{clientsim.PORT, clientsim.EPRT} {
			It(fmt.Sprintf("on the host's network: %s to 127.0.0.1 reaches the client, SHA-256 intact, every listener on loopback", mode),
				Label("host-network"), func(ctx SpecContext) {
					c := hostNet(ctx)
					Expect(c.Settings.HostNetwork.IsLoopback()).To(BeTrue())
					addr, err := c.ControlAddr(ctx)
					Expect(err).NotTo(HaveOccurred())
					conn, err := clientsim.Dial(ctx, addr, clientsim.WithRootCAs(set.CA.Pool()),
						clientsim.WithServerName("localhost"), clientsim.WithActive(mode),
						clientsim.WithActiveAddr("127.0.0.1:0"))
					Expect(err).NotTo(HaveOccurred())
					defer conn.Close()
					Expect(conn.Login(ctx, c.Settings.User, c.Settings.Password)).To(Succeed())
					payload := make([]byte, 1<<20)
					rand.Read(payload)
					sum := sha256.Sum256(payload)
					name := "active-" + strings.ToLower(mode.String()) + ".bin"
					_, err = conn.Store(ctx, name, bytes.NewReader(payload))
					Expect(err).NotTo(HaveOccurred())
					var back bytes.Buffer
					_, err = conn.Retrieve(ctx, name, &back)
					Expect(err).NotTo(HaveOccurred())
					Expect(back.Bytes()).To(suites.BeIntactTransfer(int64(len(payload)), sum))
					replies := activeReplies(conn.Transcript(), mode.String())
					Expect(replies).To(HaveLen(2), "one %s per transfer", mode)
					for _, r := range replies {
						Expect(r).To(MatchRegexp(`^< 200 `), "the product's reply to %s", mode)
					}
					AddReportEntry("active replies", fmt.Sprintf("%s %s: %s", p.Name, c.Settings.HostNetwork, strings.Join(replies, " | ")))
					Expect(conn.Delete(ctx, name)).To(Succeed())
					Expect(conn.Quit(ctx)).To(Succeed())
					lns, err := listenersOn(c.Settings)
					Expect(err).NotTo(HaveOccurred())
					Expect(lns).To(ContainElement(netip.AddrPortFrom(c.Settings.HostNetwork, uint16(c.Settings.ControlPort))))
					for _, ap := range lns {
						Expect(ap.Addr().IsLoopback()).To(BeTrue(), "%s listens off loopback (all listeners on the container's ports: %v)", ap, lns)
					}
				}, SpecTimeout(time.Minute))
		}

		for _, d := range dockersuite.BridgeDifferences() {
			if d.Product != p.Name {
				continue
			}
			It("on Docker's bridge: "+d.Scenario+" is refused, as behind Docker's proxy it must be", Label("bridge"), func(ctx SpecContext) {
				sc, ok := scenarios.Lookup(d.Scenario)
				Expect(ok).To(BeTrue())
				res := runTarget(ctx, sc, containerTarget(ctx, bridge()))
				suites.Record(res)
				AddReportEntry("bridge difference", d.Why)
				Expect(res).To(suites.HaveOutcome(d.Want))
			}, SpecTimeout(time.Minute))
		}
	})
}

// activeReplies returns the transcript's replies to cmd ("PORT", "EPRT"),
// each as "> CMD arg < reply".
func activeReplies(tr *ftp.Transcript, cmd string) []string {
	var out []string
	entries := tr.Entries()
	for i, e := range entries {
		if e.Kind != ftp.EntryCommand || !strings.HasPrefix(e.Text, cmd+" ") {
			continue
		}
		for _, r := range entries[i+1:] {
			if r.Kind == ftp.EntryReply {
				out = append(out, "< "+r.Text)
				break
			}
		}
	}
	return out
}

// listenersOn lists the TCP listening sockets of this network namespace
// on s's ports (control, implicit, passive), read from /proc/net/tcp,
// whoever owns them: on the host's network the product must be among
// them, on its loopback address, and none may be off loopback.
func listenersOn(s docker.Settings) ([]netip.AddrPort, error) {
	ports := map[int]bool{s.ControlPort: true, s.ImplicitPort: s.ImplicitPort != 0}
	for p := range s.Passive.All() {
		ports[int(p)] = true
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []netip.AddrPort
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != "0A" { // TCP_LISTEN
			continue
		}
		ap, err := parseProcAddr(fields[1])
		if err != nil {
			return nil, err
		}
		if ports[int(ap.Port())] {
			out = append(out, ap)
		}
	}
	return out, sc.Err()
}

// parseProcAddr parses /proc/net/tcp's "0100007F:0015": the IPv4
// address as a hex number in host byte order, then the port in hex.
func parseProcAddr(s string) (netip.AddrPort, error) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	v, err := strconv.ParseUint(ipHex, 16, 32)
	if !ok || err != nil {
		return netip.AddrPort{}, fmt.Errorf("/proc/net/tcp address %q", s)
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("/proc/net/tcp port %q: %w", s, err)
	}
	return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(port)), nil
}
