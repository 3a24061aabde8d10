package conformance

import "github.com/ftpsim/ftpsim/scenarios"

// The verdict vocabulary is scenarios' ([scenarios.Judge]), shared with
// ftpsim run --target; these names are this package's spelling of it.

// Kind is the verdict on one scenario run against a target
// ([scenarios.VerdictKind]).
type Kind = scenarios.VerdictKind

// The verdicts, from best to worst. Only Insecure and NoRun fail a spec.
const (
	WellConfiguredKind = scenarios.VerdictWellConfigured // did what the well-configured reference does
	Reproduces         = scenarios.VerdictReproduces     // behaves as a catalogue scenario predicts for another setting
	Unsupported        = scenarios.VerdictUnsupported    // refused a needed command as not implemented
	Differs            = scenarios.VerdictDiffers        // none of the above
	Insecure           = scenarios.VerdictInsecure       // accepted what a well-configured server refuses
	NoRun              = scenarios.VerdictNoRun          // nothing was observed
)

// Verdict is what one scenario run says about a target
// ([scenarios.Verdict]).
type Verdict = scenarios.Verdict
