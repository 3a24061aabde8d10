package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/internal/field"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// networkField is one key of the network vocabulary: its text form
// (YAML key, --fault KEY=VALUE, help line), what it adds to the network
// being built, and what a client meets because of it.
type networkField struct {
	field.Field[NetworkSpec]
	build   func(p *plan) error
	explain func(c *explainContext) string // called only when the field is set
}

// explainContext is what the explanations of a network's faults know.
type explainContext struct {
	spec       NetworkSpec
	reachable  bool       // a client that trusts the 227 address reaches the server's public side
	advertised netip.Addr // the virtual address in 227 replies
	passive    faults.PortRange
}

// refusal is what happens to a flow nothing lets in.
func (c *explainContext) refusal() string {
	if c.spec.Inbound == faults.Reject {
		return "rejected: your client gets connection refused at once"
	}
	return "dropped: your client's connect times out"
}

type fieldList []networkField

func (l fieldList) lookup(key string) (networkField, bool) {
	for _, f := range l {
		if f.Key == key {
			return f, true
		}
	}
	return networkField{}, false
}

func (l fieldList) keys() string {
	var keys []string
	for _, f := range l {
		keys = append(keys, f.Key)
	}
	return strings.Join(keys, ", ")
}

// channelField is an optional channel: unset, or any, control or data.
func channelField(key, help string, get func(*NetworkSpec) **faults.Channel) field.Field[NetworkSpec] {
	return field.Value(key, "CHANNEL", help, get,
		func(s string) (*faults.Channel, error) {
			c, err := faults.ParseChannel(s)
			return &c, err
		},
		func(c *faults.Channel) string { return c.String() })
}

// networkFields is the network vocabulary, in NetworkSpec's order, which
// is also the order in which the fields build the network.
var networkFields = fieldList{
	{
		Field: field.Bool("server_nat", fmt.Sprintf("server at %s behind NAT %s, which forwards 21 and the passive range; its 227 replies carry %[1]s unless the server is set to advertise %[2]s as its passive address", ServerPrivateAddr, ServerPublicAddr),
			func(s *NetworkSpec) *bool { return &s.ServerNAT }),
		build: func(p *plan) error {
			if !p.spec.ServerNAT {
				return nil
			}
			p.serverAddr, p.server.Public = p.spec.ServerAddr(), ServerPublicAddr
			p.forward(faults.Ports(ControlPort))
			if p.implicit {
				p.forward(faults.Ports(ImplicitPort))
			}
			return nil
		},
		explain: func(c *explainContext) string {
			if c.reachable {
				return "the server advertises the NAT's public address: every client works while the passive range is forwarded"
			}
			return fmt.Sprintf("227 carries the private %s: clients that trust it (curl --disable-epsv --no-ftp-skip-pasv-ip, FileZilla without its NAT workaround) fail at the data connection; curl's default, lftp and EPSV clients work", c.advertised)
		},
	},
	{
		Field: field.Text("passive_forward", "LOW-HIGH|none", "public ports the server's NAT forwards (default: the passive range); implies server_nat",
			func(s *NetworkSpec) *Forwarding { return &s.PassiveForward }, ParseForwarding),
		build: func(p *plan) error {
			fw := p.spec.PassiveForward
			switch {
			case !p.spec.ServerNAT && fw != Forwarding{}:
				return fmt.Errorf("network.passive_forward needs server_nat")
			case !p.spec.ServerNAT || fw.None:
			case fw.Ports.IsZero():
				p.forward(p.passive)
			default:
				p.forward(fw.Ports)
			}
			return nil
		},
		explain: func(c *explainContext) string {
			if c.spec.PassiveForward.None {
				return "no passive port is forwarded: logins work, every LIST/RETR/STOR fails at the data connection (" + c.refusal() + ")"
			}
			return fmt.Sprintf("the NAT forwards %s while the server uses %s: data connections to other ports are %s", c.spec.PassiveForward, c.passive, c.refusal())
		},
	},
	{
		Field: field.Func("open_ports", "LIST", "ports the firewall in front of the server lets in, e.g. 21,30000-30009 (default: all; under server_nat: none but forwards)",
			func(s *NetworkSpec, text string) (err error) { s.OpenPorts, err = ftp.ParsePortList(text); return err },
			func(s NetworkSpec) string { return portList(s.OpenPorts) }),
		build: func(p *plan) error {
			open := p.spec.OpenPorts
			if len(open) == 0 && !p.spec.ServerNAT {
				open = []faults.PortRange{faults.Ports(1, 65535)}
			}
			for _, r := range open {
				p.server.Rules = append(p.server.Rules, faults.Rule{Name: "allow " + r.String(), Action: faults.Accept, Ports: r})
			}
			return nil
		},
		explain: func(c *explainContext) string {
			control := false
			for _, r := range c.spec.OpenPorts {
				control = control || r.Contains(21) || r.Contains(990)
			}
			if !control && !c.spec.ServerNAT {
				return "only these ports pass the firewall, and the control port (21, 990) is not among them: connections to it are " + c.refusal()
			}
			return "only these ports pass the firewall; other data connections are " + c.refusal()
		},
	},
	{
		Field: field.Text("inbound", "drop|reject", "fate of inbound flows nothing allows: drop (default: the client hangs) or reject (it fails at once)",
			func(s *NetworkSpec) *faults.Action { return &s.Inbound }, faults.ParseAction),
		build: func(p *plan) error { p.server.Inbound = p.spec.Inbound; return nil },
		explain: func(c *explainContext) string {
			return "flows nothing allows are " + c.refusal() + "; where an FTP helper could open a port, the connection is accepted first, then reset or left silent"
		},
	},
	{
		Field: field.Text("alg", "MODE", "the server gateway's FTP helper, which reads cleartext only: off, correct, swap-port, keep-address, no-epsv",
			func(s *NetworkSpec) *faults.ALGMode { return &s.ALG }, faults.ParseALGMode),
		build:   func(p *plan) error { p.server.ALG = p.spec.ALG; return nil },
		explain: func(c *explainContext) string { return algExperience[c.spec.ALG] },
	},
	{
		Field: field.Bool("drop_epsv", "black-hole data connections to ports announced by 229 (EPSV) in cleartext",
			func(s *NetworkSpec) *bool { return &s.DropEPSV }),
		build: func(p *plan) error { p.server.DropEPSV = p.spec.DropEPSV; return nil },
		explain: func(*explainContext) string {
			return "data connections announced by a cleartext 229 are black-holed: plain-FTP clients that use EPSV (curl's default) hang; use --disable-epsv. Under TLS the 229 is hidden and nothing happens"
		},
	},
	{
		Field: field.Duration("idle_timeout", "the server gateway's conntrack forgets flows idle this long, e.g. 30s (a quiet control connection during a long transfer)",
			func(s *NetworkSpec) *time.Duration { return &s.IdleTimeout }),
		build: func(p *plan) error { p.server.IdleTimeout = p.spec.IdleTimeout; return nil },
		explain: func(*explainContext) string {
			return "flows idle this long are forgotten by the gateway: a control connection quiet during a long transfer loses the final 226, and its next command goes nowhere"
		},
	},
	{
		Field: field.Bool("client_nat", fmt.Sprintf("client at %s behind NAT %s (the server sees %[2]s)", ClientPrivateAddr, ClientNATAddr),
			func(s *NetworkSpec) *bool { return &s.ClientNAT }),
		build: func(p *plan) error {
			if p.spec.ClientNAT {
				p.client = &faults.Gateway{Name: "client-nat", Public: ClientNATAddr}
			}
			return nil
		},
		explain: func(*explainContext) string {
			return fmt.Sprintf("your client leaves through NAT %s; the server sees that address (its data-connection address check still matches)", ClientNATAddr)
		},
	},
	{
		Field: field.Value("client_inbound", "drop|reject", fmt.Sprintf("fate of inbound flows the client's gateway did not expect (active-mode data connections): drop or reject; without client_nat, a firewall without NAT in front of the client at %s", ClientPublicAddr),
			func(s *NetworkSpec) **faults.Action { return &s.ClientInbound },
			func(s string) (*faults.Action, error) {
				a, err := faults.ParseAction(s)
				return &a, err
			},
			func(a *faults.Action) string { return a.String() }),
		build: func(p *plan) error {
			if p.spec.ClientInbound == nil {
				return nil
			}
			if p.client == nil {
				p.client = &faults.Gateway{Name: "client-firewall"}
				p.clientFirewall = true
			}
			p.client.Inbound = *p.spec.ClientInbound
			return nil
		},
		explain: func(c *explainContext) string {
			fate := "dropped: the server's connect times out"
			if *c.spec.ClientInbound == faults.Reject {
				fate = "rejected: the server gets connection refused at once"
			}
			return "inbound connections to your client that its gateway did not expect (active-mode data connections) are " + fate
		},
	},
	{
		Field: field.Text("client_alg", "MODE", "the client gateway's FTP helper, as alg; implies client_nat unless client_inbound is given",
			func(s *NetworkSpec) *faults.ALGMode { return &s.ClientALG }, faults.ParseALGMode),
		build: func(p *plan) error {
			switch {
			case p.client != nil:
				p.client.ALG = p.spec.ClientALG
			case p.spec.ClientALG != faults.ALGOff:
				return fmt.Errorf("network.client_alg needs client_nat or client_inbound")
			}
			return nil
		},
		explain: func(c *explainContext) string {
			return fmt.Sprintf("the client gateway's FTP helper (%s): it reads cleartext PORT/EPRT and opens the active-mode data connection they announce; after AUTH TLS it is blind, so active FTPS data connections are not let in", c.spec.ClientALG)
		},
	},
	{
		Field: field.Int("auth_filter", "CODE", "a middlebox strips AUTH from FEAT and answers AUTH itself with CODE (500, 502, 504)",
			func(s *NetworkSpec) *int { return &s.AuthFilter }),
		build: func(p *plan) error {
			if p.spec.AuthFilter != 0 {
				p.server.Middleboxes = append(p.server.Middleboxes, faults.AUTHFilter{Code: p.spec.AuthFilter})
			}
			return nil
		},
		explain: func(c *explainContext) string {
			return fmt.Sprintf("FEAT shows no AUTH and AUTH is answered %d by a middlebox: a client that requires TLS (curl --ssl-reqd) gives up before USER; one that falls back to cleartext sends the password in clear", c.spec.AuthFilter)
		},
	},
	{
		Field: channelField("reset_on_client_hello", "reset connections at the TLS ClientHello: control, data or any",
			func(s *NetworkSpec) **faults.Channel { return &s.ResetOnClientHello }),
		build: func(p *plan) error {
			if ch := p.spec.ResetOnClientHello; ch != nil {
				p.server.Middleboxes = append(p.server.Middleboxes, faults.ResetOnClientHello{Channel: *ch})
			}
			return nil
		},
		explain: func(c *explainContext) string {
			return fmt.Sprintf("connections are reset at the TLS ClientHello on the %s channel: FTPS fails at AUTH TLS (control) or at the first protected data connection (data)", c.spec.ResetOnClientHello)
		},
	},
	{
		Field: channelField("corrupt_record", "flip a byte of the first TLS record with application data: control, data or any",
			func(s *NetworkSpec) **faults.Channel { return &s.CorruptRecord }),
		build: func(p *plan) error {
			if ch := p.spec.CorruptRecord; ch != nil {
				p.server.Middleboxes = append(p.server.Middleboxes, faults.CorruptRecord{Stream: faults.BothStreams, Channel: *ch})
			}
			return nil
		},
		explain: func(c *explainContext) string {
			return fmt.Sprintf("the first TLS application-data record on the %s channel is corrupted: TLS fails with a bad record MAC (decryption) error", c.spec.CorruptRecord)
		},
	},
	{
		Field: field.Text("unroutable", "drop|reject", fmt.Sprintf("dials to unroutable addresses, such as the server's private %s: drop (time out, default) or reject", ServerPrivateAddr),
			func(s *NetworkSpec) *faults.Action { return &s.Unroutable }, faults.ParseAction),
		build: func(p *plan) error { p.net.Unroutable = p.spec.Unroutable; return nil },
		explain: func(c *explainContext) string {
			fate := "black-holed: connect times out"
			if c.spec.Unroutable == faults.Reject {
				fate = "refused at once"
			}
			return "dials to unroutable addresses (the shown alias of a private 227 address) are " + fate
		},
	},
}

// algExperience is what a client meets behind each FTP helper.
var algExperience = map[faults.ALGMode]string{
	faults.ALGOff:         "no FTP helper",
	faults.ALGCorrect:     "an FTP helper rewrites cleartext 227 replies and opens the announced port: plain FTP works even unforwarded; after AUTH TLS it is blind, so FTPS data connections fail unless forwarded (CCC restores it)",
	faults.ALGSwapPort:    "a buggy FTP helper writes the 227 port bytes swapped: plain-FTP clients that trust the 227 reply dial the wrong port",
	faults.ALGKeepAddress: "the FTP helper opens the port but leaves the private address in 227: plain-FTP clients that trust it fail, curl's default works",
	faults.ALGNoEPSV:      "the FTP helper ignores 229: plain-FTP EPSV data connections are not opened (use --disable-epsv)",
}

// portList renders ranges as ftp.ParsePortList reads them.
func portList(rs []faults.PortRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// Experience is one fault of a network and what a client meets because
// of it.
type Experience struct {
	Fault  string // as given: "server_nat", "alg=correct", "toxic=latency"
	Effect string
}

// experiences explains each fault that c.spec sets, in vocabulary order.
func (c *explainContext) experiences() []Experience {
	var out []Experience
	for _, f := range networkFields {
		v := f.Format(c.spec)
		if v == "" {
			continue
		}
		label := f.Key
		if f.Arg != "" {
			label += "=" + v
		}
		out = append(out, Experience{label, f.explain(c)})
	}
	for _, t := range c.spec.Toxics {
		out = append(out, Experience{"toxic=" + t.Toxic.Kind(), t.Explain()})
	}
	return out
}
