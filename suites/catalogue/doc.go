// Package catalogue is the Ginkgo suite that runs ftpsim's scenario
// catalogue ([scenarios.Catalogue]) in-process, one DescribeTable per
// failure family and one Entry per scenario.
//
// Families come from the scenarios' labels ([suites.Family]): basics,
// reuse, policy, cert, nat, firewall, alg, and any new family the
// catalogue grows. Every table carries its family as a label and every
// entry its scenario's labels, so label filters select by family or by
// any label:
//
//	go test ./suites/catalogue -ginkgo.label-filter='reuse && !docker'
//	go test ./suites/catalogue -ginkgo.label-filter='nat || firewall || alg' -ginkgo.v
//
// Each spec runs its scenario with [scenarios.Run] and expects the outcome
// the catalogue predicts ([suites.MatchExpectation]), plus two invariants
// of every run: a client that asked for TLS sent no credentials in clear,
// and a successful protected session moved no data in clear. It records
// the scenario, labels, cases and both outcomes as report entries (JUnit
// properties) and, on failure, the transcripts, the server's data
// evidence and the fault timeline ([suites.Record]). After each spec a
// gleak check fails it if goroutines leaked. After the suite an
// expected-vs-actual matrix is printed (shown by go test -v) and added to
// the report.
//
// JUnit:
//
//	go test ./suites/catalogue -ginkgo.junit-report=catalogue.xml
//
// The package holds only this documentation and its tests.
package catalogue
