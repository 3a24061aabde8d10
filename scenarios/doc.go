// Package scenarios is ftpsim's catalogue of FTPS situations as data, the
// runner that reproduces them, and the probe that diagnoses a real server.
//
// A [Scenario] says who serves (a [ServerSpec] for the in-process server,
// optionally starting from a real server's persona), who connects (a
// [ClientSpec]), what lies between them (a [NetworkSpec]: NAT, firewalls,
// FTP ALGs, middleboxes and Toxiproxy-style toxics on a virtual network),
// what the client does ([Step]s), what must happen ([Outcome]: success, or
// failure at a phase with a reply code and an error class) and why
// ([Diagnosis]: cause and fix, as a support engineer would say it).
// Scenarios are Go literals ([Catalogue], [Lookup]) or YAML files ([Load],
// [Parse], [Marshal]), so a customer's environment can be written down and
// kept as a regression case.
//
// [Run] reproduces one scenario in-process and returns a [Result] with the
// actual outcome, whether it matched, both sides' transcripts, the TLS
// evidence of every connection and the network's fault timeline. With
// [RunOptions.Target] the client side runs against a server ftpsim did not
// start ([ParseTarget], [Scenario.TargetApplicable]).
//
// A [NetworkSpec] also stands on its own: [NetworkSpec.Build] makes its
// virtual network on the fixed topology ([ServerPublicAddr] and the other
// addresses) with no server, so that a caller can put an in-process
// server on it ([Network.Attach]) or a real one, such as a container's
// published ports ([Network.Backend]). Its fields have one text form,
// read by YAML, by ftpsim's --fault ([NetworkSpec.Apply]) and by the help
// ([NetworkHelp]); toxics use the registry of [faults.ToxicKinds].
//
// Package github.com/ftpsim/ftpsim/scenarios/probe examines a real server
// the way a support engineer would and reports findings with the fix for
// each (ftpsim probe).
package scenarios
