// Package scenarios is ftpsim's catalogue of FTPS situations as data, and
// the runner that reproduces them.
//
// A [Scenario] says who serves (a [ServerSpec] for the in-process server),
// who connects (a [ClientSpec]), what the client does ([Step]s), what must
// happen ([Outcome]: success, or failure at a phase with a reply code and an
// error class) and why ([Diagnosis]: cause and fix, as a support engineer
// would say it). Scenarios are Go literals ([Catalogue]) or YAML files
// ([Load]), so a customer's environment can be written down and kept as a
// regression case.
//
// [Run] runs one scenario in-process and returns a [Result] with the actual
// outcome, whether it matched, both sides' transcripts and the TLS evidence
// of every connection.
package scenarios
