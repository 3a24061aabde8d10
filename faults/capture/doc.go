// Package capture writes what ftpsim knows about its connections as a
// packet capture that Wireshark and tshark open with no setup: a pcapng
// file with one interface per network segment, synthesized IPv4 and
// IPv6 TCP packets (handshake, data with consistent sequence and
// acknowledgement numbers, FIN and RST as they happened, unanswered SYNs
// retransmitted for dials the network dropped) and, in a Decryption
// Secrets Block, the TLS secrets of every connection in the NSS key log
// format, so that FTPS control and data decrypt in place.
//
// No packet is ever sent or sniffed: a [Capture] is fed by the code that
// moves the bytes. Package faults records every flow of a
// [faults.Network] whose Pcap field is set, once per segment it crosses
// (the client's LAN, the internet, the server's DMZ), with the addresses
// and the bytes as that segment sees them: a 227 reply shows the private
// address before the NAT's FTP helper and the public one after. [Tap]
// records a real connection on loopback, for runs without a virtual
// network.
//
//	c := &capture.Capture{}
//	srv.KeyLogWriter = c.KeyLog()   // sim.Server: the TLS secrets
//	n := &faults.Network{Pcap: c}   // every flow, per segment
//	...
//	f, _ := os.Create("run.pcapng")
//	c.WriteTo(f)
//
// Packets are kept (in memory, then in a temporary file past
// [Capture.MemoryLimit]) until [Capture.WriteTo], which writes the
// secrets before the first packet, as single-pass readers need.
package capture
