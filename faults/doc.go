// Package faults is an FTP-aware virtual network for tests: the networks
// in which FTPS fails (NAT, stateful firewalls, FTP helpers that go blind
// after AUTH TLS, middleboxes that strip AUTH, idle conntrack entries,
// data-port thieves), built from small values and attached to an
// in-process server and client in a few lines.
//
// # The model
//
// A [Network] holds zones; a [Zone] holds hosts; a [Host] has one or more
// virtual IPv4 or IPv6 addresses. Hosts of a zone reach each other
// directly. A zone without a [Gateway] is on the internet and its
// addresses are public; a zone with one is behind it. A gateway with a
// Public address masquerades (the far end sees the gateway's address) and
// reaches its zone from outside only through [Forward] port forwards and
// FTP helper expectations; a gateway without one routes public addresses
// through its firewall. Every value is a plain struct whose zero fields
// are documented defaults:
//
//	n := &faults.Network{}
//	n.AddZone("internet", nil)
//	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
//	n.AddZone("dmz", &faults.Gateway{
//		Public:   netip.MustParseAddr("203.0.113.7"),
//		Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort("10.0.0.5:21")}},
//		ALG:      faults.ALGCorrect,
//	})
//	cli := n.AddHost("client", "lan", "192.168.1.10")
//	srv := n.AddHost("server", "dmz", "10.0.0.5")
//
// [Host.Listen] and [Host.DialContext] hand out net.Listener and net.Conn
// values whose addresses are *net.TCPAddr with the virtual addresses as
// each end sees them: the client above sees 203.0.113.7:21, the server
// sees 198.51.100.2 as its peer and 10.0.0.5:21 as itself. Virtual
// addresses never reach the operating system.
//
// # Routing
//
// A new flow from a host goes to the same zone directly, else out through
// its zone's gateway (outbound rules, then masquerade), across the
// internet, and in through the destination's gateway: FTP helper
// expectations first (related flows), then [Rule] values in order, then
// forwards, then the gateway's Inbound policy. A private address of
// another zone is routable from nowhere: [Network.Unroutable] decides
// whether such dials are dropped (the dialer times out, with its context
// or [Network.SYNTimeout]) or rejected (ECONNREFUSED at once). A dial that
// reaches a host where nothing listens is refused, like a TCP RST.
// Firewalls are stateful: rules see new flows only.
//
// # Flows and their FTP context
//
// Every connection is a [Flow]. A flow to a port in
// [Network.ControlPorts] (21 by default) or to a listener passed to
// [MarkControl] is a control flow; any other is a data flow, tied to the
// most recent live control flow between the same two hosts (its session),
// numbered within it, and labelled with the command (PASV, EPSV, PORT,
// EPRT) whose announcement was seen in cleartext for its port. The
// network records every verdict (allowed, dropped, refused, rewritten,
// cut, delayed, seen) with the rule that decided it in its [Timeline],
// which renders as text for transcripts and failure reports.
//
// # Segments and what sees them
//
// Each Write on a connection is cut into segments of at most 64 KiB; a
// segment is what a middlebox sees as one packet. The segments of each
// direction pass, in order: the gateways' conntrack (idle expiry), their
// [Middlebox] values and FTP helpers ([ALGMode]) in path order, the
// toxics of the [ToxicRule] values that selected the flow, and finally a
// queue stamped with delivery times, from which the other end reads. The
// FTP helper and [AUTHFilter] read printable text lines only, one segment
// at a time, as Linux's nf_conntrack_ftp does: TLS records are binary, so
// after AUTH TLS they see nothing, and after CCC they see again.
// [Flow.Captured] keeps the bytes each end of a control flow put on the
// network, so a test can assert that no credential crossed in cleartext.
//
// # Toxics
//
// [Latency], [Bandwidth], [Slicer], [ResetPeer], [Timeout], [LimitData]
// and [SlowClose] use Toxiproxy's names and units. A toxic holds settings
// only; a [ToxicRule] attaches it per stream (upstream is from the end
// that dialed), per channel, to the nth flow, with a toxicity rolled from
// [Network.Seed]. The toxic registry ([ToxicKinds]) keys every kind by its
// Kind name and holds its text attributes: [ParseToxicRule] reads a rule
// from Toxiproxy-style settings ("type=latency", "latency=50ms"),
// [ToxicRule.Settings] writes it back and [ToxicRule.Explain] says what a
// client meets. The enums ([Stream], [Channel], [Action], [ALGMode], ...)
// read and write their names with ParseX and encoding.TextUnmarshaler.
//
// # Transports and time
//
// The default [Memory] transport needs no sockets and no goroutine per
// flow: each direction is a bounded chunk queue with a condition
// variable, deadlines and half-close, and passes nettest.TestConn. Its
// delays run on the time package's timers, so under testing/synctest
// latency, bandwidth and timeouts cost no wall time. [Network.Now] stamps
// the timeline and decides conntrack idle expiry, so a test can move it by
// hand. The [Loopback] transport backs every listener with a real socket
// on a loopback address, so a real program (curl, Python's ftplib, a
// container's port mapping) can be one end.
//
// # Wiring a server and a client
//
// [Host.ServerSeams] returns a control listener and the funcs that
// sim.Server takes as Listener, ListenPassive and DialActive;
// [Host.DialContext] and [Host.ListenContext] fit clientsim.WithDialer and
// clientsim.WithActiveListener. This package imports neither: it depends
// on the standard library and sim/ftp only.
//
// # Real programs: entries and backends
//
// An [Entry] lets real programs on this machine (curl, lftp, FileZilla,
// Python's ftplib) act from a host: a loopback address stands for a
// virtual one, typically the server's public address, and every
// connection to it on the entry's ports (the control port and the
// passive range) becomes a flow from the host through the gateways.
// Real programs only ever learn loopback addresses: 227 replies seen in
// cleartext are rewritten after the last gateway, each virtual address
// to its own loopback alias, which behaves as the address does (an
// unroutable private address becomes a black hole or a closed address,
// per [Network.Unroutable]); a server that must be trusted under TLS
// advertises the alias itself ([Entry.Advertise]), which
// [Host.Translate] turns back into the virtual address in cleartext so
// that NAT and FTP helpers act as they would.
//
// Active mode: the loopback address a real program announces in PORT or
// EPRT stands for its host. In cleartext the entry rewrites it as it
// leaves the host, so NAT and FTP helpers act on the host's address;
// under TLS the server resolves it after decrypting ([ResolveActive],
// sim.Server's ResolveActive seam). The entry listens on the host at the
// announced port and bridges the server's data connection, once the
// network has let it through, to the program's real listener; a flow the
// client's NAT or firewall refuses never reaches it.
//
// A [Backend] does the converse for servers: it backs a host's virtual
// ports with a real server on a loopback address (your product, a
// container's published ports), so that flows run client, gateways,
// faults, host, real server. With an entry in front it is a fault proxy
// for real programs on both ends (ftpsim proxy); see the "Proxy" example.
//
// # Attacks
//
// An [Attacker] races clients to announced passive ports from its own
// host (connection stealing), reading whatever the stolen connection
// delivers, with or without TLS.
package faults
