package usermod

import (
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/scenarios/diagnose"
	"github.com/ftpsim/ftpsim/scenarios/report"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// The Go names README.md gives its readers, each referenced from outside
// the module: one that is renamed, unexported or moved behind an internal
// type fails this module's build, and then the README needs its update.
func TestREADMENamesExist(t *testing.T) {
	names := []any{
		sim.NewServer, sim.NewUnstartedServer, sim.NewPersonaServer, sim.NewUnstartedPersonaServer,
		sim.Vsftpd, sim.FileZillaServer, sim.WellConfigured, sim.Limitations, sim.NewMemFS, sim.NewDirFS,
		sim.NotReproducibleMarker, sim.LimitSessionIDResumption, sim.CCCNotifyWithReply, sim.CCCNotifyAfterClient,
		sim.TLSRequired, sim.ReuseSame, sim.ReuseAny, sim.ReuseOff, sim.DefaultUser, sim.DefaultPassword,
		(*sim.Server).Sessions,
		clientsim.Dial, clientsim.DialServer, clientsim.WithKeyLog, clientsim.WithCCCShutdown, clientsim.CCCLikeLftp,
		clientsim.PhaseDataTLS,
		scenarios.Run, scenarios.Catalogue, scenarios.ClassNotReproducible, scenarios.ServeExternal, scenarios.ProxyExternal,
		scenarios.ReferenceServer, scenarios.Judge,
		(*faults.Host).Enter, (*faults.Host).Backend,
		(*capture.Capture).Tap, (*capture.Capture).TapListener,
		report.WriteHTML,
		diagnose.ParseLog, diagnose.Analyze, diagnose.Match, diagnose.Diagnose, (*diagnose.Report).Reproduction,
		pki.NewSet, pki.Good, pki.Expired, pki.WrongHost,
	}
	var s sim.Server
	var d sim.DataEvidence
	var o scenarios.RunOptions
	var n faults.Network
	fields := []any{s.KeyLogWriter, s.Replies, s.Reuse, s.LenientTLSEOF, s.PassiveAddr, s.PassivePorts, s.Listener, s.ListenPassive, s.DialActive,
		d.NotReproducible, o.Capture, n.Pcap}
	if len(names) == 0 || len(fields) == 0 {
		t.Fatal("no names")
	}
}
