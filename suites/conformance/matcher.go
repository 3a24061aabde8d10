package conformance

import (
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
)

// BeAcceptable succeeds for a [Verdict] that does not fail a conformance
// spec: anything but [Insecure] and [NoRun]. Its failure message gives the
// verdict, the cause and the fix.
//
// Example:
//
//	v := scenarios.Judge(res, reference, scenarios.Catalogue())
//	Expect(v).To(conformance.BeAcceptable())
//
// fails with
//
//	Expected
//	    insecure: accepted a login whose USER/PASS crossed the network in cleartext
//	    cause: the server does not require TLS before login, ...
//	    fix:   require TLS for logins (vsftpd force_local_logins_ssl=YES, ...)
//	to be acceptable (neither insecure nor a run that did not work)
func BeAcceptable() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(v Verdict) (bool, error) { return !v.Failed(), nil }).WithTemplate(
		"Expected\n    {{.Actual}}" +
			"{{if .Actual.Cause}}\n    cause: {{.Actual.Cause}}{{end}}" +
			"{{if .Actual.Fix}}\n    fix:   {{.Actual.Fix}}{{end}}" +
			"\n{{.To}} be acceptable (neither insecure nor a run that did not work)")
}
