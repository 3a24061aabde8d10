package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// lateTickets reports whether the named persona sends TLS 1.3 tickets
// after the data connection's handshake (sim.Server.LateTickets).
func lateTickets(persona string) bool {
	for _, p := range sim.Personas() {
		if p.Name == persona {
			var s sim.Server
			p.Apply(&s)
			return s.LateTickets
		}
	}
	return false
}

// curlCommand is the curl command line (note says what its FILE must be) that does what a scenario's client
// does against a server at ctl (explicit FTPS / plain FTP) and implicit
// (implicit FTPS, "" if none), with the CA file ca. ok is false when curl
// cannot behave like that client (Go-specific session caches, lftp's
// passive-address rule, AUTH SSL only, a step curl has no option for);
// why then says what curl would do differently. The serve banner prints
// it, and TestBannerCommands runs every one of them.
func curlCommand(sc *scenarios.Scenario, ctl, implicit, ca string) (cmd, note string, ok bool, why string) {
	c := sc.Client
	args := []string{"curl", "-v"}
	var inexact []string
	tlsMode := strings.ToLower(c.TLS)
	host := ctl
	scheme := "ftp"
	if c.DialsImplicit() {
		if implicit == "" {
			return "", "", false, "the scenario's client dials the implicit-FTPS port, and this server has none (add --implicit-addr)"
		}
		host = implicit
	}
	switch {
	case tlsMode == "implicit":
		scheme = "ftps"
	case tlsMode == "plain":
	case strings.EqualFold(c.Prot, "C"):
		args = append(args, "--ftp-ssl-control") // TLS for the login only; --ssl-reqd would send PROT P
	default:
		args = append(args, "--ssl-reqd")
	}
	switch strings.ToUpper(c.Auth) {
	case "SSL":
		inexact = append(inexact, "curl falls back to AUTH TLS when AUTH SSL is refused")
	}
	switch {
	case c.TLSMax == "1.2" && c.NoTickets:
		args = append(args, "--tls-max", "1.2")
	case c.TLSMax == "1.2":
		inexact = append(inexact, "curl resumes TLS 1.2 by session ID, not with the ticket this client uses")
	case c.NoTickets:
		inexact = append(inexact, "curl sends the ticket extension in TLS 1.3")
	}
	switch strings.ToLower(c.Reuse) {
	case "none":
		args = append(args, "--no-sessionid")
	case "shared":
		inexact = append(inexact, "the shared session cache is a Go client's")
	case "openssl":
		if len(sc.Steps) > 0 {
			inexact = append(inexact, "this client's session cache is curl's own, but the failure comes on the data connection after an upload, which one curl transfer does not make: join an upload and a download of the same file with --next in one curl run")
		}
	}
	if c.ServerName != "" {
		// curl verifies the URL's host: the TLS name itself when it is
		// the entry's IP, or localhost, which names the entry 127.0.0.1.
		h, port, _ := net.SplitHostPort(host)
		switch {
		case c.ServerName == h:
		case strings.EqualFold(c.ServerName, "localhost") && h == "127.0.0.1":
			host = net.JoinHostPort("localhost", port)
		default:
			inexact = append(inexact, "curl verifies the URL's host, not the separate TLS name "+c.ServerName)
		}
	}
	if strings.EqualFold(c.Verify, "insecure") {
		args = append(args, "-k")
	} else if tlsMode != "plain" {
		args = append(args, "--cacert", ca)
	}
	switch strings.ToLower(c.PASV) {
	case "trust":
		args = append(args, "--no-ftp-skip-pasv-ip")
	case "lftp":
		inexact = append(inexact, "lftp's rule for the 227 address (lftp -e 'set ftp:ignore-pasv-address ...') is lftp's: the lftp command below is that client")
	}
	if strings.EqualFold(c.Passive, "pasv") {
		args = append(args, "--disable-epsv")
	}
	switch strings.ToLower(c.Active) {
	case "port":
		args = append(args, "-P", "127.0.0.1", "--disable-eprt")
	case "eprt":
		args = append(args, "-P", "127.0.0.1")
	}
	if c.Active != "" && tlsMode != "plain" {
		inexact = append(inexact, "curl 7.88 sends active-mode data without a TLS handshake (curl issue 10666)")
	}
	if c.CCC {
		args = append(args, "--ftp-ssl-ccc")
		inexact = append(inexact, cccNote(sc))
	}
	if sc.Server.Tickets != nil {
		inexact = append(inexact, "the ticket policy shows on later data connections, and curl makes one")
	}
	// A deny list needs no note: serve checks it against the address of
	// the scenario's client (scenarios.ExternalOptions.ClientAddr).
	user, pass := c.User, c.Password
	if user == "" {
		user = "ftpsim"
	}
	if pass == "" {
		pass = "ftpsim"
	}
	args = append(args, "-u", user+":"+pass)
	url := scheme + "://" + host + "/"
	steps := sc.Steps
	if len(steps) == 0 {
		steps = scenarios.DefaultSteps()
	}
	if e := sc.Expect; e.Result == scenarios.Failure && (e.Phase == "data-connect" || e.Phase == "data-tls") {
		// The first data connection decides; curl reads the reply after
		// a listing's data connection fails, not after an upload's.
		steps = []scenarios.Step{{Op: "list"}}
	}
	transfers := 0
	for _, st := range steps {
		switch st.Op {
		case "login", "quit", "noop", "type-binary":
			continue
		case "list", "upload", "download":
		default:
			if transfers == 0 {
				inexact = append(inexact, "curl has no single option for the step "+st.Op)
			}
		}
		if transfers++; transfers > 1 {
			continue // curl makes the first transfer; the later ones go the same way
		}
		switch st.Op {
		case "upload":
			size := st.Size
			if st.Text != "" {
				size = int64(len(st.Text))
			}
			args = append(args, "-T", "FILE")
			url += strings.TrimPrefix(st.Path, "/")
			note = fmt.Sprintf("FILE: any file of %d bytes", size)
			if e := sc.Expect; e.Result == scenarios.Failure && e.Phase == "transfer" {
				note += "; curl reports a cut upload as (55) Send failure, and serve's output shows the server's reply"
			}
			switch late := tlsMode != "plain" && c.TLSMax != "1.2" && lateTickets(sc.Server.Persona); {
			case late && !c.NoDrain:
				inexact = append(inexact, "curl closes an upload without reading the data connection, which against this server's late TLS 1.3 ticket can lose the upload's end (vsftpd-tls13-upload-reset); this scenario's client reads it first")
			case late:
				inexact = append(inexact, "curl hands the upload to its kernel and may close before the server's ticket arrives, leaving nothing unread: through serve it gets the 426 in most runs (7 of 8 measured), not all")
			}
		case "download":
			url += strings.TrimPrefix(st.Path, "/")
			args = append(args, "-o", "/dev/null")
		}
	}
	if transfers == 0 {
		// curl always transfers: a listing is the nearest to a bare
		// login, and the same when the login is where it ends.
		if e := sc.Expect; e.Result != scenarios.Failure || (e.Phase != "connect" && e.Phase != "tls" && e.Phase != "login") {
			inexact = append(inexact, "curl lists the directory after the login, which this scenario does not")
		}
	}
	args = append(args, url)
	if e := sc.Expect; e.Result == scenarios.Failure && e.Phase == "connect" && e.Code == 421 {
		if note != "" {
			note += "; "
		}
		note += "curl takes a 421 greeting for a timeout: '< 421' in its trace, then (28) Timeout was reached"
	}
	if len(inexact) > 0 {
		return strings.Join(args, " "), note, false, strings.Join(inexact, "; ")
	}
	return strings.Join(args, " "), note, true, ""
}

// cccNote says how curl 7.88's CCC differs from the scenario's client:
// curl sends its next command in cleartext without a close_notify and
// fails after CCC whatever the server does, so it neither succeeds where
// the scenario's client does nor fails for the scenario's reason.
func cccNote(sc *scenarios.Scenario) string {
	const curlCCC = "curl 7.88 with --ftp-ssl-ccc sends its next command in cleartext without a close_notify and fails after CCC (exit 56, or against pure-ftpd a hang until its timeout, exit 28)"
	switch {
	case strings.EqualFold(sc.Client.CCCShutdown, "lftp") && sc.Expect.Result == scenarios.Failure:
		return curlCCC + ", for its own reason: this scenario's failure (" + sc.Expect.String() + ") is lftp's order of close_notify after CCC, which curl does not have; the lftp command below reproduces it"
	case strings.EqualFold(sc.Client.CCCShutdown, "lftp"):
		return curlCCC + ", where this scenario's client, lftp-style, succeeds; the lftp command below is that client"
	case sc.Expect.Result == scenarios.Failure:
		return curlCCC + ", for its own reason, not this scenario's (" + sc.Expect.String() + ")"
	}
	return curlCCC + ", where this scenario's client succeeds"
}

// lftpCommand is the lftp command line that does what a scenario's
// lftp-style client does (ccc_shutdown: lftp, lftp 4.9 with
// ftp:ssl-use-ccc; or pasv: lftp, lftp's rule for the 227 address)
// against a server at ctl, with the CA file ca; ok is false for other
// scenarios. file is what put uploads (FILE in the banner).
func lftpCommand(sc *scenarios.Scenario, ctl, ca, file string) (cmd string, ok bool) {
	c := sc.Client
	cccLftp := c.CCC && strings.EqualFold(c.CCCShutdown, "lftp")
	if !cccLftp && !strings.EqualFold(c.PASV, "lftp") || c.DialsImplicit() || strings.EqualFold(c.TLS, "plain") || c.Active != "" {
		return "", false
	}
	user, pass := c.User, c.Password
	if user == "" {
		user = "ftpsim"
	}
	if pass == "" {
		pass = "ftpsim"
	}
	set := []string{"set ssl:ca-file " + ca, "set ftp:ssl-force yes", "set net:max-retries 2", "set net:reconnect-interval-base 1"}
	if cccLftp {
		set = append(set, "set ftp:ssl-use-ccc yes")
	}
	if strings.EqualFold(c.Passive, "pasv") {
		set = append(set, "set ftp:prefer-epsv no")
	}
	if strings.EqualFold(c.Verify, "insecure") {
		set[0] = "set ssl:verify-certificate no"
	}
	script := strings.Join(set, "; ") + "; put " + file + " -o upload.bin; bye"
	return fmt.Sprintf("lftp -d -e '%s' -u %s,%s ftp://%s", script, user, pass, ctl), true
}
