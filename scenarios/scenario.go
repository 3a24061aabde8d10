package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// Scenario is one reproducible FTPS situation: who serves, who connects,
// what the client does, what must happen, and what a support engineer
// would tell the customer about it. It is plain data: write it as a Go
// literal or load it from YAML ([Load], [Parse]).
type Scenario struct {
	// Name identifies the scenario ("reuse-required-client-no-reuse").
	Name string `yaml:"name"`
	// Summary is one line saying what the scenario shows.
	Summary string `yaml:"summary"`
	// Labels group scenarios into families ("tls", "reuse", "cert", "nat").
	Labels []string `yaml:"labels"`
	// Cases lists the field-notes cases it reproduces ("S01").
	Cases []string `yaml:"cases,omitempty"`

	Server ServerSpec `yaml:"server,omitempty"`
	Client ClientSpec `yaml:"client,omitempty"`
	// Network, if set, puts client and server on a virtual network with
	// NAT, firewalls, ALGs, middleboxes and toxics; nil means loopback.
	Network *NetworkSpec `yaml:"network,omitempty"`
	// Steps are run in order after connecting; the first failure ends the
	// run. An empty list means login, upload, download.
	Steps []Step `yaml:"steps,omitempty"`

	// Expect is the outcome that counts as reproducing the scenario.
	Expect Outcome `yaml:"expect"`
	// Diagnosis explains the outcome.
	Diagnosis Diagnosis `yaml:"diagnosis"`
}

// ServerSpec configures the in-process server. Zero values are the
// defaults of [github.com/ftpsim/ftpsim/sim.Server].
type ServerSpec struct {
	// Persona starts from a real server's behaviour: vsftpd, proftpd,
	// pure-ftpd, filezilla-server, pyftpdlib (see sim.Personas); the other
	// fields override it where set.
	Persona         string      `yaml:"persona,omitempty"`
	Tickets         *TicketSpec `yaml:"tickets,omitempty"`          // TLS session ticket policy
	TLS             string      `yaml:"tls,omitempty"`              // control TLS: optional (default), required, off
	DataTLS         string      `yaml:"data_tls,omitempty"`         // data TLS: optional (default), required, off
	Reuse           string      `yaml:"reuse,omitempty"`            // TLS session reuse on data: off (default), any, same
	Implicit        bool        `yaml:"implicit,omitempty"`         // also listen for implicit FTPS
	Certificate     string      `yaml:"certificate,omitempty"`      // a pki kind served on control ("expired", ...); default good
	DataCertificate string      `yaml:"data_certificate,omitempty"` // a pki kind served on data connections only
	PassiveAddr     string      `yaml:"passive_addr,omitempty"`     // address advertised in 227 replies
	PassivePorts    string      `yaml:"passive_ports,omitempty"`    // LOW-HIGH
	Users           []string    `yaml:"users,omitempty"`            // NAME:PASSWORD[:ro]; default ftpsim:ftpsim
	Anonymous       bool        `yaml:"anonymous,omitempty"`        // allow anonymous read-only logins
	DenyIPs         []string    `yaml:"deny_ips,omitempty"`         // CIDR prefixes refused at connect
	LenientTLSEOF   bool        `yaml:"lenient_tls_eof,omitempty"`  // accept uploads without close_notify
	DisableCCC      bool        `yaml:"disable_ccc,omitempty"`      // answer CCC with 502
	Files           []File      `yaml:"files,omitempty"`            // files present before the client connects
	// Replies overrides reply codes and texts by sim.ReplyKey name
	// ("auth-ok", "reuse-required", ...): a server that answers wrongly.
	Replies map[string]ReplySpec `yaml:"replies,omitempty"`

	// CCCCloseNotify says when the server's close_notify follows its 200
	// to CCC (sim.CCCNotify): at-once (the default, pure-ftpd's timing,
	// which races an lftp-style client's own), with-reply (in the same
	// write as the 200: such a client always loses) or after-client
	// (only after the client's: it always wins).
	CCCCloseNotify string `yaml:"ccc_close_notify,omitempty"`
}

// ReplySpec is one reply: a code and its text.
type ReplySpec struct {
	Code int    `yaml:"code"`
	Text string `yaml:"text"`
}

// TicketSpec is the server's TLS session ticket policy (sim.TicketPolicy).
type TicketSpec struct {
	Withhold  bool   `yaml:"withhold,omitempty"`   // issue no tickets on control connections (S06)
	MaxAge    string `yaml:"max_age,omitempty"`    // refuse tickets older than this on the server clock (S05)
	SingleUse bool   `yaml:"single_use,omitempty"` // refuse a ticket presented twice (S04)
}

// File is a file the server holds before the scenario starts. Its content
// is Text, or Size deterministic pseudo-random bytes.
type File struct {
	Path string `yaml:"path,omitempty"`
	Text string `yaml:"text,omitempty"`
	Size int64  `yaml:"size,omitempty"`
}

// ClientSpec configures the client (see [github.com/ftpsim/ftpsim/clientsim]).
type ClientSpec struct {
	TLS        string `yaml:"tls,omitempty"`         // explicit (default), implicit, plain
	Auth       string `yaml:"auth,omitempty"`        // TLS (default), SSL, fallback (SSL then TLS, like curl)
	Prot       string `yaml:"prot,omitempty"`        // P (default), C
	TLSMax     string `yaml:"tls_max,omitempty"`     // "1.2" or "1.3" (default: 1.3)
	Reuse      string `yaml:"reuse,omitempty"`       // per-connection (default), openssl (curl: newest ticket, TLS 1.3 offered once), none, shared
	ServerName string `yaml:"server_name,omitempty"` // TLS name (default: the dialed host)
	Verify     string `yaml:"verify,omitempty"`      // ca (default: the scenario's CA), insecure
	PASV       string `yaml:"pasv,omitempty"`        // skip (default, like curl), trust, lftp
	Passive    string `yaml:"passive,omitempty"`     // epsv (default: EPSV then PASV), pasv
	Active     string `yaml:"active,omitempty"`      // "" (passive), port, eprt
	CCC        bool   `yaml:"ccc,omitempty"`         // clear the control channel after login
	NoTickets  bool   `yaml:"no_tickets,omitempty"`  // no session_ticket extension: resumes TLS 1.2 by session ID only, like curl with OpenSSL
	NoDrain    bool   `yaml:"no_drain,omitempty"`    // close an upload without reading the server's data, like curl and jlaffaye/ftp (an unread TLS 1.3 ticket turns the close into a reset)
	Port       string `yaml:"port,omitempty"`        // which server port to dial: explicit or implicit (default: as TLS says)
	Timeout    string `yaml:"timeout,omitempty"`     // bound on each wait (default 5s; 1s-2s on a network)
	User       string `yaml:"user,omitempty"`        // default ftpsim
	Password   string `yaml:"password,omitempty"`    // default ftpsim

	// CCCShutdown is how the client ends TLS after the 200 to CCC (needs
	// ccc: true): any-order (default: sends its close_notify and takes the
	// server's before or after it) or lftp (lftp 4.9 with
	// ftp:ssl-use-ccc: a server's close_notify that comes before the
	// client's own is a hang-up, "Peer closed connection").
	CCCShutdown string `yaml:"ccc_shutdown,omitempty"`
}

// DialsImplicit reports whether the client dials the server's
// implicit-FTPS port: Port says so, or without Port, TLS is implicit.
func (c ClientSpec) DialsImplicit() bool {
	port := c.Port
	if port == "" {
		port = c.TLS
	}
	return strings.EqualFold(port, "implicit")
}

// Step is one client action.
type Step struct {
	// Op is one of: login, list, nlst, mlsd, upload, download, append,
	// resume-upload, resume-download, delete, mkdir, rename, size, noop,
	// type-ascii, type-binary, check-server-file, advance-clock, quit.
	Op string `yaml:"op"`
	// Duration is how far advance-clock moves the server's clock ("2h").
	Duration string `yaml:"duration,omitempty"`
	// Path is the remote file or directory.
	Path string `yaml:"path,omitempty"`
	// To is the new name for rename.
	To string `yaml:"to,omitempty"`
	// Size is the number of pseudo-random bytes to upload.
	Size int64 `yaml:"size,omitempty"`
	// Text is uploaded instead of random bytes when set; for
	// check-server-file it is the content the server must hold.
	Text string `yaml:"text,omitempty"`
}

// Outcome is what a run produced, or what it should produce. In an
// expectation, empty fields match anything.
type Outcome struct {
	// Result is "success" or "failure".
	Result string `yaml:"result" json:"result"`
	// Phase is where the failure happened: connect, tls, login,
	// data-connect, data-tls, transfer, reply (clientsim's phases).
	Phase string `yaml:"phase,omitempty" json:"phase,omitempty"`
	// Code is the FTP reply code that carried the failure, if any.
	Code int `yaml:"code,omitempty" json:"code,omitempty"`
	// Class names the kind of error (see [Class]); not-reproducible
	// marks a refusal the emulated real program might not give.
	Class Class `yaml:"class,omitempty" json:"class,omitempty"`
	// Step is the step at which the failure happened (0-based); -1 for
	// connecting. Ignored in expectations.
	Step int `yaml:"-" json:"-"`
	// Message is the error text. Ignored in expectations.
	Message string `yaml:"-" json:"-"`
}

// Outcome results.
const (
	Success = "success"
	Failure = "failure"
)

// String renders "success" or "failure at data-tls: 522 (reply)".
func (o Outcome) String() string {
	if o.Result != Failure {
		return o.Result
	}
	var parts []string
	if o.Phase != "" {
		parts = append(parts, "at "+o.Phase)
	}
	if o.Code != 0 {
		parts = append(parts, fmt.Sprintf("code %d", o.Code))
	}
	if o.Class != "" && o.Class != ClassReply {
		parts = append(parts, string(o.Class))
	}
	if len(parts) == 0 {
		return Failure
	}
	return Failure + " " + strings.Join(parts, ", ")
}

// Matches reports whether got satisfies the expectation o.
func (o Outcome) Matches(got Outcome) bool {
	if o.Result != got.Result {
		return false
	}
	return (o.Phase == "" || o.Phase == got.Phase) &&
		(o.Code == 0 || o.Code == got.Code) &&
		(o.Class == "" || o.Class == got.Class)
}

// Diagnosis is what a support engineer would say.
type Diagnosis struct {
	Cause string `yaml:"cause"`
	Fix   string `yaml:"fix"`
}

// Validate checks that the scenario is complete and its names are known.
func (s *Scenario) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if s.Expect.Result != Success && s.Expect.Result != Failure {
		errs = append(errs, fmt.Errorf("expect.result %q: want success or failure", s.Expect.Result))
	}
	for i, st := range s.Steps {
		if _, ok := stepOps[st.Op]; !ok {
			errs = append(errs, fmt.Errorf("steps[%d]: unknown op %q", i, st.Op))
		}
	}
	if _, err := buildServer(s.Server); err != nil {
		errs = append(errs, err)
	}
	if _, err := clientOptions(s.Client); err != nil {
		errs = append(errs, err)
	}
	if s.Network != nil {
		if n, err := s.Network.Build(DefaultPassive, s.Server.Implicit); err != nil {
			errs = append(errs, err)
		} else {
			n.Net.Close()
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scenario %q: %w", s.Name, err)
	}
	return nil
}

// HasLabel reports whether the scenario carries label (case-insensitive).
func (s *Scenario) HasLabel(label string) bool {
	for _, l := range s.Labels {
		if strings.EqualFold(l, label) {
			return true
		}
	}
	return false
}
