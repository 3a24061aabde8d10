// Package report renders the results of scenario runs for people: one
// self-contained HTML page ([WriteHTML]) with a summary table and, per
// scenario, a ladder (sequence) diagram of what happened between the
// client, each box of the virtual network and the server.
//
//	results := []*scenarios.Result{scenarios.Run(ctx, sc, scenarios.RunOptions{})}
//	err := report.WriteHTML(f, results, report.HTMLOptions{Title: "nightly"})
//
// ftpsim run --html FILE writes the same page for the scenarios it ran.
//
// # Reading a ladder
//
// Lanes are vertical lines, left to right in the order a packet from the
// client meets them: the client, its NAT or firewall and that box's FTP
// helper (ALG), the internet (routing and toxics), the server site's
// middlebox, its ALG and its NAT or firewall, and the server. A scenario
// on loopback has the client and the server only. Each row is one thing
// that happened, oldest at the top, with its time since the first:
//
//   - arrows: control commands (blue) and replies (grey; red when the
//     code is 4xx or 5xx), the TCP connect, data connections (dashed)
//     and bytes moved (thick); an arrow that ends in a cross did not
//     arrive, and a data connection the network blocked ends at the box
//     that blocked it;
//   - bands between client and server: TLS handshakes, orange for a full
//     handshake, green for a resumed session, red for a failed one, grey
//     for CCC;
//   - marks on a box's lane: the network's verdicts from the fault
//     timeline -- dropped (cross), refused (bar), rewritten (diamond),
//     cut (break), delayed or seen (ring) -- with the rule that decided;
//   - dots: remarks of one side, such as the server's policy decisions
//     ("data 1 rejected: reuse policy ... not met") or a truncation.
//
// The client's transcript is the backbone; the server's remarks are
// placed after the command they follow (the server's clock may have been
// moved by advance-clock steps), the network's verdicts by time.
package report
