package scenarios

import "github.com/ftpsim/ftpsim/faults"

// The network families run on a virtual network (see NetworkSpec): the
// server at 10.0.0.5 behind NAT 203.0.113.7, or at 203.0.113.7 behind a
// firewall; the client at 198.51.100.10, or 192.168.1.10 behind NAT.

var natFix = "advertise the public address (vsftpd pasv_address, ProFTPD MasqueradeAddress, pure-ftpd -P, FileZilla Server's public IP), or use EPSV / a client that ignores the 227 address"

func natScenarios() []Scenario {
	nat := func() *NetworkSpec { return &NetworkSpec{ServerNAT: true} }
	publicPASV := ServerPublicAddr.String() // a server that advertises its NAT's address
	return []Scenario{
		{
			Name: "nat-private-pasv-trusted", Cases: []string{"S10"}, Labels: []string{"nat", "pasv"},
			Summary: "server behind NAT advertises its private address 10.0.0.5; a client that trusts the 227 address times out",
			Network: nat(), Client: ClientSpec{Passive: "pasv", PASV: "trust"},
			Expect:    fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the 227 reply carries the server's private address, which is not routable from the client", Fix: natFix},
		},
		{
			Name: "nat-private-pasv-curl", Cases: []string{"S10"}, Labels: []string{"nat", "pasv"},
			Summary: "the same NAT'd server with a curl-style client that dials the control address instead",
			Network: nat(), Client: ClientSpec{Passive: "pasv", PASV: "skip"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "curl (since 7.74) ignores the 227 address and uses the control connection's", Fix: "fix the server anyway: clients that trust the 227 address still fail"},
		},
		{
			Name: "nat-private-pasv-lftp", Cases: []string{"S10"}, Labels: []string{"nat", "pasv"},
			Summary: "the same NAT'd server with lftp's heuristic: a private 227 address from a public server is replaced",
			Network: nat(), Client: ClientSpec{Passive: "pasv", PASV: "lftp"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "lftp (and jlaffaye/ftp) treat a private 227 address from a public control address as bogus", Fix: "fix the server anyway"},
		},
		{
			Name: "nat-private-pasv-epsv", Cases: []string{"S10", "S17"}, Labels: []string{"nat", "epsv"},
			Summary: "the same NAT'd server with a client that uses EPSV: no address in the reply, nothing to get wrong",
			Network: nat(), Client: ClientSpec{PASV: "trust"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "EPSV replies carry only the port", Fix: "nothing to fix for EPSV clients"},
		},
		{
			Name: "nat-public-pasv-address", Cases: []string{"S10"}, Labels: []string{"nat", "pasv"},
			Summary: "the NAT'd server advertises its public address: every client works",
			Network: nat(), Server: ServerSpec{PassiveAddr: publicPASV}, Client: ClientSpec{Passive: "pasv", PASV: "trust"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "the 227 reply carries the NAT's public address and the passive range is forwarded", Fix: "nothing to fix"},
		},
		{
			Name: "nat-passive-range-not-forwarded", Cases: []string{"S12"}, Labels: []string{"nat", "firewall"},
			Summary: "only port 21 is forwarded; the firewall drops data connections silently",
			Network: &NetworkSpec{ServerNAT: true, PassiveForward: Forwarding{None: true}}, Server: ServerSpec{PassiveAddr: publicPASV},
			Expect:    fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the NAT forwards the control port but not the passive range: login works, every LIST/RETR/STOR hangs", Fix: "forward the server's passive port range (and only it) to the server; keep the range small and fixed"},
		},
		{
			Name: "nat-passive-range-rejected", Cases: []string{"S12"}, Labels: []string{"nat", "firewall"},
			Summary: "only port 21 is forwarded; the firewall rejects data connections (REJECT instead of DROP)",
			Network: &NetworkSpec{ServerNAT: true, PassiveForward: Forwarding{None: true}, Inbound: faults.Reject}, Server: ServerSpec{PassiveAddr: publicPASV},
			Expect:    fail("data-connect", 0, "refused"),
			Diagnosis: Diagnosis{Cause: "the passive range is not forwarded and the firewall answers with a reset: the client fails at once with connection refused", Fix: "forward the server's passive port range to the server"},
		},
		{
			Name: "nat-passive-range-mismatch", Cases: []string{"S12"}, Labels: []string{"nat", "firewall"},
			Summary: "the NAT forwards 31000-31009 but the server uses 30000-30009",
			Network: &NetworkSpec{ServerNAT: true, PassiveForward: Forwarding{Ports: faults.Ports(31000, 31009)}}, Server: ServerSpec{PassiveAddr: publicPASV},
			Expect:    fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the forwarded range and the server's passive range differ", Fix: "make the server's passive range (vsftpd pasv_min_port/pasv_max_port) equal the forwarded range"},
		},
		{
			Name: "firewall-only-control-open", Cases: []string{"S12"}, Labels: []string{"firewall"},
			Summary: "a firewall in front of a public server opens port 21 only",
			Network: &NetworkSpec{OpenPorts: []faults.PortRange{faults.Ports(21)}}, Expect: fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the firewall drops connections to the passive ports", Fix: "open the server's passive port range in the firewall"},
		},
		{
			Name: "firewall-drops-control", Labels: []string{"firewall"},
			Summary: "a firewall in front of a public server opens the passive range but not port 21, and drops the rest",
			Network: &NetworkSpec{OpenPorts: []faults.PortRange{faults.Ports(30000, 30009)}}, Expect: fail("connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "nothing answers the client's SYNs to the control port: a firewall on the way drops them (a wrong address or a host that is down looks the same)",
				Fix: "open the control port (21, or 990 for implicit FTPS) in the server's firewall, and check the address and port the client uses"},
		},
		{
			Name: "firewall-rejects-control", Labels: []string{"firewall"},
			Summary: "the same firewall rejects instead of dropping: the client fails at once with connection refused",
			Network: &NetworkSpec{OpenPorts: []faults.PortRange{faults.Ports(30000, 30009)}, Inbound: faults.Reject}, Expect: fail("connect", 0, "refused"),
			Diagnosis: Diagnosis{Cause: "the SYN to the control port is answered with a reset, by a firewall that rejects or by a host where nothing listens on that port",
				Fix: "check that the server runs and listens on that address and port (ss -ltn), then open the control port (21, or 990 for implicit FTPS) in the firewall"},
		},
	}
}

func algScenarios() []Scenario {
	algNet := func(mode faults.ALGMode) *NetworkSpec {
		return &NetworkSpec{ServerNAT: true, PassiveForward: Forwarding{None: true}, ALG: mode}
	}
	plain := ClientSpec{TLS: "plain", Passive: "pasv", PASV: "trust"}
	return []Scenario{
		{
			Name: "alg-plain-ftp", Cases: []string{"S14"}, Labels: []string{"alg", "nat", "plain"},
			Summary: "an FTP-aware NAT (conntrack helper) rewrites 227 and opens the data port for plain FTP",
			Network: algNet(faults.ALGCorrect), Client: plain, Expect: ok,
			Diagnosis: Diagnosis{Cause: "in cleartext the ALG reads the 227 reply, rewrites the private address and opens the announced port", Fix: "nothing to fix, but the credentials travel in clear"},
		},
		{
			Name: "alg-ftps-blind", Cases: []string{"S14"}, Labels: []string{"alg", "nat", "tls"},
			Summary: "the same ALG cannot read an encrypted control channel: FTPS logs in, then every transfer hangs",
			Network: algNet(faults.ALGCorrect), Client: ClientSpec{Passive: "pasv", PASV: "trust"},
			Expect: fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{
				Cause: "after AUTH TLS the ALG sees only ciphertext: it cannot rewrite the 227 address or open the data port",
				Fix:   "forward the passive range and set the server's public passive address (the ALG is then not needed); or use CCC after login if both ends support it",
			},
		},
		{
			Name: "alg-ftps-ccc", Cases: []string{"S14", "S15"}, Labels: []string{"alg", "nat", "tls", "ccc"},
			Summary: "with CCC after login the ALG sees the 227 reply again and FTPS transfers work",
			Network: algNet(faults.ALGCorrect), Client: ClientSpec{Passive: "pasv", PASV: "trust", CCC: true}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "CCC returns the control channel to cleartext after the credentials were sent under TLS", Fix: "nothing to fix; data stays protected, commands do not"},
		},
		{
			Name: "alg-swap-port", Cases: []string{"S16"}, Labels: []string{"alg", "nat", "plain"},
			Summary: "a buggy ALG writes the 227 port bytes in the wrong order",
			Network: algNet(faults.ALGSwapPort), Client: plain, Expect: fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the ALG's rewrite of the 227 reply corrupts the port", Fix: "disable the router's FTP ALG and forward the passive range instead"},
		},
		{
			Name: "alg-keeps-private-address", Cases: []string{"S16", "S10"}, Labels: []string{"alg", "nat", "plain"},
			Summary: "a half-working ALG opens the port but leaves the private address in 227",
			Network: algNet(faults.ALGKeepAddress), Client: plain, Expect: fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "the 227 reply still carries 10.0.0.5", Fix: "set the server's public passive address, or use a client that ignores the 227 address"},
		},
		{
			Name: "epsv-blackholed", Cases: []string{"S17"}, Labels: []string{"firewall", "epsv", "plain"},
			Summary: "a firewall drops data connections announced by 229 (EPSV) but not by 227",
			Network: &NetworkSpec{DropEPSV: true}, Client: ClientSpec{TLS: "plain"},
			Expect:    fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{Cause: "a middlebox that only understands PASV black-holes EPSV data connections", Fix: "disable EPSV on the client (curl --disable-epsv, lftp set ftp:prefer-epsv no) or fix the firewall"},
		},
		{
			Name: "epsv-blackholed-pasv-client", Cases: []string{"S17"}, Labels: []string{"firewall", "epsv", "plain"},
			Summary: "the same firewall with a client that uses PASV",
			Network: &NetworkSpec{DropEPSV: true}, Client: ClientSpec{TLS: "plain", Passive: "pasv"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "PASV data connections pass", Fix: "nothing more to fix on the client"},
		},
		{
			Name: "active-behind-client-nat", Cases: []string{"S18"}, Labels: []string{"active", "nat"},
			Summary: "a client behind NAT sends PORT with its private address; the server refuses it",
			Network: &NetworkSpec{ClientNAT: true}, Client: ClientSpec{Active: "port"},
			Expect:    fail("data-connect", 500, "reply"),
			Diagnosis: Diagnosis{Cause: "PORT names 192.168.1.10 but the server sees the connection from 198.51.100.2; servers refuse such PORTs (bounce protection: vsftpd 500 Illegal PORT command)", Fix: "use passive mode from behind NAT"},
		},
		{
			Name: "active-behind-client-nat-alg", Cases: []string{"S18"}, Labels: []string{"active", "nat", "alg", "plain"},
			Summary: "the client's router has an FTP ALG that rewrites PORT and opens the way back, for plain FTP",
			Network: &NetworkSpec{ClientNAT: true, ClientALG: faults.ALGCorrect}, Client: ClientSpec{TLS: "plain", Active: "port"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "the ALG rewrites PORT to the public address and opens the announced port", Fix: "nothing to fix in cleartext; with FTPS the ALG is blind, so use passive mode"},
		},
	}
}
