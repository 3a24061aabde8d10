package conformance

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// The environment variables [SettingsFromEnv] reads. Each has a flag of
// the same meaning (see [Settings.RegisterFlags]); a flag wins.
const (
	EnvTarget         = "FTPSIM_TARGET"             // ftp://user:pass@host:port (explicit FTPS) or ftps://… (implicit)
	EnvImplicitTarget = "FTPSIM_TARGET_IMPLICIT"    // ftps://host:port: the same server's implicit-FTPS port, if any
	EnvCA             = "FTPSIM_TARGET_CA"          // PEM file of the CA(s) that signed the server's certificate
	EnvInsecure       = "FTPSIM_TARGET_INSECURE"    // 1: do not verify the server's certificate
	EnvServerName     = "FTPSIM_TARGET_SERVER_NAME" // TLS name to verify (default: the URL's host)
	EnvTimeout        = "FTPSIM_TARGET_TIMEOUT"     // bound on each scenario, a Go duration (default 30s)
)

// Hint is the one line a conformance spec skips with when no target is set.
const Hint = "no target: set FTPSIM_TARGET=ftp://user:pass@host:port (ftps://… for implicit FTPS) and " +
	"FTPSIM_TARGET_CA=ca.pem (or FTPSIM_TARGET_INSECURE=1), or pass -ftpsim.target=URL -ftpsim.target-ca=FILE, " +
	"to run the catalogue against your server"

// DefaultTimeout bounds each scenario against a target.
const DefaultTimeout = 30 * time.Second

// Settings say which server the conformance suite checks and how to trust
// it. The zero value has no target.
type Settings struct {
	// URL is ftp://user:pass@host:port for explicit FTPS (port 21 by
	// default) or ftps://user:pass@host:port for implicit FTPS (990). The
	// password may be percent-encoded.
	URL string
	// ImplicitURL optionally adds the same server's implicit-FTPS address
	// to an ftp:// URL, ftps://host:port, so the implicit scenarios run
	// too.
	ImplicitURL string
	// CAFile is a PEM file with the CA certificate(s) that verify the
	// server; empty means the system roots.
	CAFile string
	// Insecure skips certificate verification.
	Insecure bool
	// ServerName is the TLS name to verify; empty means the URL's host.
	ServerName string
	// Timeout bounds each scenario; zero means DefaultTimeout.
	Timeout time.Duration
}

// SettingsFromEnv reads the FTPSIM_TARGET* environment variables.
func SettingsFromEnv() (Settings, error) {
	s := Settings{
		URL:         os.Getenv(EnvTarget),
		ImplicitURL: os.Getenv(EnvImplicitTarget),
		CAFile:      os.Getenv(EnvCA),
		ServerName:  os.Getenv(EnvServerName),
	}
	var errs []error
	if v := os.Getenv(EnvInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want 1, true, 0 or false", EnvInsecure, v))
		}
		s.Insecure = b
	}
	if v := os.Getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 45s", EnvTimeout, v))
		}
		s.Timeout = d
	}
	return s, errors.Join(errs...)
}

// RegisterFlags registers -ftpsim.target, -ftpsim.target-implicit,
// -ftpsim.target-ca, -ftpsim.target-insecure, -ftpsim.target-server-name
// and -ftpsim.target-timeout on fs, with s's current values as defaults,
// writing into s when fs is parsed.
func (s *Settings) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.URL, "ftpsim.target", s.URL, "conformance: the server to check, ftp://user:pass@host:port or ftps://… ($"+EnvTarget+")")
	fs.StringVar(&s.ImplicitURL, "ftpsim.target-implicit", s.ImplicitURL, "conformance: the same server's implicit-FTPS address, ftps://host:port ($"+EnvImplicitTarget+")")
	fs.StringVar(&s.CAFile, "ftpsim.target-ca", s.CAFile, "conformance: PEM file of the CA that signed the server's certificate ($"+EnvCA+")")
	fs.BoolVar(&s.Insecure, "ftpsim.target-insecure", s.Insecure, "conformance: do not verify the server's certificate ($"+EnvInsecure+")")
	fs.StringVar(&s.ServerName, "ftpsim.target-server-name", s.ServerName, "conformance: TLS name to verify ($"+EnvServerName+")")
	fs.DurationVar(&s.Timeout, "ftpsim.target-timeout", s.Timeout, "conformance: bound on each scenario ($"+EnvTimeout+")")
}

// Enabled reports whether a target is set.
func (s Settings) Enabled() bool { return s.URL != "" }

// Target builds the [scenarios.Target] the settings describe.
func (s Settings) Target() (*scenarios.Target, error) {
	if s.URL == "" {
		return nil, errors.New(Hint)
	}
	t, err := scenarios.ParseTarget(s.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvTarget, err)
	}
	if t.User == "" {
		return nil, fmt.Errorf("%s=%s: no user; write ftp://user:pass@host:port (ftp://anonymous:guest@… for anonymous servers)", EnvTarget, s.Name())
	}
	if s.ImplicitURL != "" {
		it, err := scenarios.ParseTarget(s.ImplicitURL)
		if err != nil || it.ImplicitAddr == "" {
			return nil, fmt.Errorf("%s=%q: want ftps://host:port", EnvImplicitTarget, s.ImplicitURL)
		}
		t.ImplicitAddr = it.ImplicitAddr
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s=%s: no PEM certificate in the file", EnvCA, s.CAFile)
		}
		t.RootCAs = pool
	}
	t.Insecure = s.Insecure
	t.ServerName = s.ServerName
	return t, nil
}

// Name is the target URL without its password, for reports.
func (s Settings) Name() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "(unparsable target)"
	}
	name := u.Redacted()
	if s.ImplicitURL != "" {
		if iu, err := url.Parse(s.ImplicitURL); err == nil {
			name += " + " + iu.Redacted()
		}
	}
	return name
}

// ScenarioTimeout returns the bound on each scenario: Timeout, or
// DefaultTimeout.
func (s Settings) ScenarioTimeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}
