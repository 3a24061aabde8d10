// Package conformance checks an FTPS server you run — your product, a
// container, a vsftpd you configured — against ftpsim's scenario
// catalogue, with no Go code of your own. Its Ginkgo suite (this
// package's tests) runs the client side of every scenario that applies to
// a server ftpsim does not control, and reports, scenario by scenario,
// whether the server behaves like a well-configured FTPS server or
// reproduces a known failure, and why.
//
// # Pointing it at a server
//
// Environment variables (or the equivalent flags, which win):
//
//	FTPSIM_TARGET=ftp://user:pass@host:port    -ftpsim.target            explicit FTPS (AUTH TLS); ftps://… for implicit FTPS
//	FTPSIM_TARGET_IMPLICIT=ftps://host:990     -ftpsim.target-implicit   the same server's implicit port, so implicit scenarios run too
//	FTPSIM_TARGET_CA=ca.pem                    -ftpsim.target-ca         CA that signed the server's certificate (default: system roots)
//	FTPSIM_TARGET_INSECURE=1                   -ftpsim.target-insecure   do not verify the certificate
//	FTPSIM_TARGET_SERVER_NAME=ftp.example.com  -ftpsim.target-server-name TLS name to verify (default: the URL's host)
//	FTPSIM_TARGET_TIMEOUT=45s                  -ftpsim.target-timeout    bound on each scenario (default 30s)
//
// Then:
//
//	FTPSIM_TARGET='ftp://alice:s3cret@ftp.example.com:21' FTPSIM_TARGET_CA=ca.pem \
//	    go test ./suites/conformance -v -ginkgo.label-filter=target
//	go test ./suites/conformance -v -ftpsim.target='ftps://alice:s3cret@10.0.0.5:990' -ftpsim.target-insecure
//	go test ./suites/conformance -ginkgo.junit-report=$PWD/conformance.xml    # verdicts as JUnit properties
//
// The password may be percent-encoded (s%40cret for s@cret); reports show
// the URL with the password redacted. The account must be allowed to
// upload, list and delete in its home directory: each scenario uploads a
// file named ftpsim-<random>-upload.bin, downloads it, compares SHA-256
// sums and deletes it. Without FTPSIM_TARGET the target specs skip with one
// line saying how to set it, and the self-tests (below) run instead.
//
// # What runs
//
// The scenarios of [scenarios.Catalogue] whose outcome depends only on
// what the client does ([scenarios.TargetScenarios]: [scenarios.Scenario.TargetApplicable]
// and no virtual network): explicit and implicit FTPS, TLS 1.2 only, a
// plain-FTP client, AUTH SSL fallback, CCC, active mode (PORT, EPRT),
// clients with and without TLS session reuse (including Go's
// shared-cache pitfalls), a client that asks for PROT C, and a wrong
// password. Scenarios that need server settings (certificates, users,
// files, deny lists) or network faults run only in-process, in the
// catalogue suite. An implicit scenario skips unless the target has an
// implicit address, and vice versa.
//
// # Well-configured, precisely
//
// A well-configured FTPS server, for this suite, is what [scenarios.ReferenceServer]
// builds ([sim.WellConfigured] with implicit FTPS), and the reference
// outcome of each scenario is what that server does with the scenario's
// client ([scenarios.References]):
//
//   - TLS is offered: AUTH TLS (and the legacy AUTH SSL) on the control
//     port, and implicit FTPS on its own port if the server has one; TLS
//     1.2 and 1.3.
//   - TLS is required before login: USER/PASS on a cleartext control
//     connection is refused (vsftpd force_local_logins_ssl=YES, ProFTPD
//     TLSRequired on, pure-ftpd --tls=2).
//   - TLS is required on data connections: a transfer after PROT C is
//     refused (force_local_data_ssl=YES, pure-ftpd --tls=3).
//   - TLS session reuse is required on data connections: a data
//     handshake that does not resume the control connection's session is
//     refused (vsftpd require_ssl_reuse=YES, ProFTPD's default). This
//     blocks data-connection stealing; a server without it reproduces
//     reuse-off-full-handshake (a "reproduces" verdict, not a failure).
//   - Passive mode (EPSV and PASV) and active mode work for a client on
//     the server's network; CCC is allowed after login.
//   - Wrong credentials are refused.
//
// Outcomes are compared by result and, for failures, by phase (connect,
// tls, login, data-connect, data-tls, transfer, reply): reply codes and
// texts vary between servers (vsftpd refuses PROT C data with 522,
// pure-ftpd with 521), the phase does not.
//
// # Verdicts
//
// [scenarios.Judge] gives each run one [Kind], the same verdicts as
// ftpsim run --target:
//
//   - well-configured: the same behaviour as the reference server (a
//     refusal of a misbehaving client counts: vsftpd refusing a client
//     without session reuse is well-configured).
//   - reproduces: a different behaviour that a catalogue scenario predicts
//     for another server setting or a known fault (Verdict.Known names
//     them, siblings first: scenarios with the same client and another
//     server); the report gives that scenario's cause and fix.
//   - unsupported: the server answered a command the scenario needs with
//     500, 501, 502 or 504 (vsftpd has no CCC).
//   - differs: anything else; the report shows both outcomes.
//   - insecure: see below.
//   - no-run: the run itself did not work (unreachable target, a scenario
//     that could not start).
//
// # What fails a spec
//
// The observation is the product: a spec passes whenever the run worked
// and the server did nothing insecure, whatever the verdict. A spec fails
// only for no-run, and for these insecure observations, checked in order
// on the client's transcript:
//
//  1. The server accepted a login (230) whose USER/PASS crossed the
//     network in cleartext (a plain client, or before AUTH TLS).
//  2. The server accepted a login the scenario expects refused (a wrong
//     password).
//  3. A transfer completed (226/250) over an unprotected data connection
//     (PROT C accepted, or no PROT P).
//  4. A client that asked for TLS was refused it: AUTH TLS was answered
//     with anything but 234 (no FTPS, or a middlebox stripping it).
//
// A self-signed or otherwise unverifiable certificate is not in the list:
// it shows up as "reproduces cert-self-signed" (or another cert-*
// scenario) on every scenario, usually because FTPSIM_TARGET_CA is
// missing.
//
// # Report
//
// Each spec records report entries (JUnit properties): the scenario,
// labels, cases, the catalogue expectation, the observed outcome, the
// target, the reference outcome, the verdict, its reason, the known
// scenarios and the fix; on failure also the transcripts. A
// ReportAfterSuite adds a table per target ([Table]), printed with
// go test -v and whenever the suite fails:
//
//	conformance of ftp://ftpsim:xxxxx@127.0.0.1:39121
//	SCENARIO                   VERDICT          OBSERVED                    WELL-CONFIGURED SERVER         NOTE
//	plain-ftp                  insecure         success                     failure at login, code 530     accepted a login whose USER/PASS crossed ...
//	reuse-off-full-handshake   reproduces       success                     failure at data-tls, code 522  like reuse-off-full-handshake
//	ccc                        unsupported      failure at tls, code 500    success                        the target does not implement ...
//
// # Self-tests
//
// Without FTPSIM_TARGET the same spec tree runs against two targets the
// suite starts itself, through the same settings path (URL, implicit URL
// and a CA file):
//
//   - the reference configuration as an in-process sim server (label
//     "sim"): every verdict must be well-configured;
//   - vsftpd with TLS required and require_ssl_reuse=YES, explicit and
//     implicit (label "vsftpd", started by internal/peers; skipped with
//     the reason when vsftpd cannot run on the machine).
//
// Classification specs (label "classify") run scenarios against lenient
// and TLS-less sim servers and prove each verdict is reachable.
package conformance
