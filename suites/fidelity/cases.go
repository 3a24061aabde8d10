package fidelity

import "context"

// Case is one script: a control connection from greeting to the last step.
type Case struct {
	// Name is the column of the fidelity table, e.g. "prot-levels".
	Name string
	// Doc says what the case exercises.
	Doc string
	// Steps run in order after the greeting.
	Steps []Step
}

// Foreign is the loopback address that plays a foreign host: Linux answers
// on all of 127.0.0.0/8 without configuration.
const Foreign = "127.0.0.2"

// tlsLogin is AUTH TLS and a login: the start of most cases.
var tlsLogin = []Step{Auth("TLS"), Login()}

// protected is tlsLogin, PBSZ 0 and PROT P.
var protected = append(append([]Step{}, tlsLogin...), Cmd("PBSZ 0"), Cmd("PROT P"))

func with(base []Step, more ...Step) []Step {
	return append(append([]Step{}, base...), more...)
}

// ServerCases are the TLS-relevant scripts every server persona is held to.
var ServerCases = []Case{
	{Name: "feat", Doc: "FEAT before and after AUTH TLS", Steps: []Step{
		Cmd("FEAT"), Auth("TLS"), Cmd("FEAT")}},
	{Name: "auth-ssl", Doc: "AUTH SSL (curl's first try), then FEAT",
		Steps: []Step{Auth("SSL"), Cmd("FEAT")}},
	{Name: "auth-tls-c", Doc: "AUTH TLS-C (a legacy synonym)", Steps: []Step{Auth("TLS-C")}},
	{Name: "auth-tls-p", Doc: "AUTH TLS-P (a legacy synonym implying PROT P)", Steps: []Step{Auth("TLS-P")}},
	{Name: "auth-unknown", Doc: "an unknown AUTH mechanism, then AUTH TLS", Steps: []Step{
		Auth("XYZ"), Auth("TLS")}},
	{Name: "auth-lowercase", Doc: "AUTH tls in lower case", Steps: []Step{Auth("tls")}},
	{Name: "auth-twice", Doc: "AUTH TLS on a protected connection", Steps: []Step{
		Auth("TLS"), Cmd("AUTH TLS")}},
	{Name: "pre-auth", Doc: "PBSZ, PROT and CCC before AUTH", Steps: []Step{
		Cmd("PBSZ 0"), Cmd("PROT P"), Cmd("CCC")}},
	{Name: "user-before-auth", Doc: "USER and PASS in clear", Steps: []Step{ClearUser()}},
	{Name: "prot-before-pbsz", Doc: "PROT P before PBSZ, after AUTH", Steps: []Step{
		Auth("TLS"), Cmd("PROT P")}},
	{Name: "pbsz-prot-before-login", Doc: "PBSZ and PROT after AUTH but before USER", Steps: with(
		[]Step{Auth("TLS"), Cmd("PBSZ 0"), Cmd("PROT P")}, Login())},
	{Name: "pbsz-nonzero", Doc: "PBSZ with a size other than 0", Steps: with(tlsLogin, Cmd("PBSZ 1024"))},
	{Name: "prot-levels", Doc: "PROT S, E, X, C and P after PBSZ 0", Steps: with(tlsLogin,
		Cmd("PBSZ 0"), Cmd("PROT S"), Cmd("PROT E"), Cmd("PROT X"), Cmd("PROT C"), Cmd("PROT P"))},
	{Name: "clear-data", Doc: "PROT C, then a listing", Steps: with(tlsLogin,
		Cmd("PBSZ 0"), Cmd("PROT C"), Transfer(Data{Verb: "LIST"}))},
	{Name: "no-prot", Doc: "no PBSZ/PROT after AUTH TLS, then a protected listing", Steps: with(tlsLogin,
		Transfer(Data{Verb: "LIST", Protect: true, Resume: true}))},
	{Name: "auth-ssl-data", Doc: "AUTH SSL, no PROT, then a protected listing: does SSL imply PROT P?",
		Steps: []Step{Auth("SSL"), Login(), Transfer(Data{Verb: "LIST", Protect: true, Resume: true})}},
	{Name: "data-resumed", Doc: "a protected listing that resumes the control session (EPSV)",
		Steps: with(protected, Transfer(Data{Verb: "LIST", Protect: true, Resume: true}))},
	{Name: "data-pasv", Doc: "a protected listing over PASV: the 227 text",
		Steps: with(protected, Transfer(Data{Verb: "LIST", PASV: true, Protect: true, Resume: true}))},
	{Name: "reuse-missing", Doc: "a protected listing without session resumption: code, text and order",
		Steps: with(protected, Transfer(Data{Verb: "LIST", Protect: true}))},
	{Name: "reuse-other-control", Doc: "a protected listing offering a session from another control connection: is reuse tied to the control connection?",
		Steps: with(protected, OtherSession(), Transfer(Data{Verb: "LIST", Other: true}))},
	{Name: "foreign-data", Doc: "the passive data connection comes from 127.0.0.2",
		Steps: with(protected, Transfer(Data{Verb: "LIST", Protect: true, Resume: true, From: Foreign}))},
	{Name: "bounce", Doc: "PORT and EPRT to 127.0.0.2", Steps: with(protected,
		Active(Foreign, false), Active(Foreign, true))},
	{Name: "ccc", Doc: "CCC after login", Steps: with(protected, Cmd("CCC"))},
}

// CaseByName returns the case with that name from cases.
func CaseByName(cases []Case, name string) (Case, bool) {
	for _, c := range cases {
		if c.Name == name {
			return c, true
		}
	}
	return Case{}, false
}

// RunCase runs a case against the target: the greeting, then its steps.
func RunCase(ctx context.Context, tgt Target, c Case) ([]Record, error) {
	return Run(ctx, tgt, append([]Step{Greeting()}, c.Steps...))
}
