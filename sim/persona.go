package sim

import (
	"maps"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Persona is a preset that makes a [Server] answer like a real FTPS server
// on the TLS paths: which AUTH mechanisms it takes, its PBSZ and PROT
// replies and refusals, its TLS-required policy and how it refuses a
// cleartext login, its session-reuse requirement and the code, text and
// order of its refusal, CCC, foreign data connections and bounce attempts,
// passive replies and FEAT. A persona is settings only: apply it before
// Start, then change any setting to override it, as with any other
// setting.
//
//	srv := sim.NewUnstartedPersonaServer(sim.Vsftpd())
//	srv.Reuse = sim.ReuseOff // require_ssl_reuse=NO
//	srv.Start()
//
// The differential tests in suites/fidelity run the same scripts against
// the real vsftpd, ProFTPD, pure-ftpd and pyftpdlib and against these
// personas and compare the transcripts reply by reply.
type Persona struct {
	// Name is the short name: "vsftpd", "proftpd", "pure-ftpd",
	// "filezilla-server" or "pyftpdlib".
	Name string
	// Version is the version the behaviour was taken from.
	Version string
	// Setup says which configuration of the real server the persona
	// reproduces, and how the usual variants map to Server settings.
	Setup string
	// Verified is true when the persona is checked against the real
	// program by the differential tests; false when it was written from
	// the program's source only (FileZilla Server).
	Verified bool

	settings func(*Server)
	restart  restartPolicy // REST before STOR and RETR, measured (restart.go)
	replies  map[ReplyKey]ftp.Reply
}

// Apply sets the persona's settings on s and writes its replies into
// s.Replies (created if nil), over entries with the same keys, and sets
// s.Emulates to the persona's name and version. Settings the
// persona does not mention are left alone. Call it before Start.
func (p Persona) Apply(s *Server) {
	s.Emulates = p.String()
	if p.settings != nil {
		p.settings(s)
	}
	p.restart.apply(s)
	if len(p.replies) == 0 {
		return
	}
	if s.Replies == nil {
		s.Replies = make(map[ReplyKey]ftp.Reply, len(p.replies))
	}
	for k, v := range p.replies {
		s.Replies[k] = ftp.Reply{Code: v.Code, Lines: append([]string(nil), v.Lines...)}
	}
}

// Replies returns a copy of the persona's reply overrides.
func (p Persona) Replies() map[ReplyKey]ftp.Reply { return maps.Clone(p.replies) }

// String returns "vsftpd 3.0.3".
func (p Persona) String() string { return strings.TrimSpace(p.Name + " " + p.Version) }

// NewPersonaServer starts and returns a server with the persona applied,
// like [NewServer]; the caller must Close it. It panics if it cannot
// listen. To change settings first, use [NewUnstartedPersonaServer].
func NewPersonaServer(p Persona) *Server {
	s := NewUnstartedPersonaServer(p)
	s.Start()
	return s
}

// NewUnstartedPersonaServer returns a server with the persona applied that
// is not yet listening, like [NewUnstartedServer]: change settings, then
// call [Server.Start].
func NewUnstartedPersonaServer(p Persona) *Server {
	s := NewUnstartedServer()
	p.Apply(s)
	return s
}

// Personas returns every server persona, in a fixed order.
func Personas() []Persona {
	return []Persona{Vsftpd(), ProFTPD(), PureFTPd(), FileZillaServer(), Pyftpdlib()}
}

// PersonaByName returns the persona with that name (as in [Persona.Name],
// case-insensitive).
func PersonaByName(name string) (Persona, bool) {
	for _, p := range Personas() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Persona{}, false
}

// lines is a multi-line reply.
func lines(code int, l ...string) ftp.Reply { return ftp.Reply{Code: code, Lines: l} }
