package diagnose

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Log is one file of an incident, parsed.
type Log struct {
	// Name is the file name as given ("-" for standard input).
	Name string `json:"name"`
	// Format is the format recognised.
	Format Format `json:"format"`
	// Program is the program that wrote it ("curl", "vsftpd").
	Program string `json:"program"`
	// Side is "client" or "server".
	Side string `json:"side"`
	// Lines is the number of lines read; Events the ones that carried
	// something.
	Lines  int     `json:"lines"`
	Events []Event `json:"events"`
}

// ErrUnrecognised is returned (wrapped) by ParseLog for a file that is in
// none of the formats.
var ErrUnrecognised = errors.New("unrecognised log format")

// maxLine bounds one line; a log with longer lines is cut there.
const maxLine = 1 << 20

// ParseLog reads one log file, recognises its format by its lines and
// returns its events. The text is read once and kept only in masked form.
func ParseLog(name string, r io.Reader) (*Log, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var lines []string
	for sc.Scan() {
		lines = append(lines, mask(strings.TrimRight(sc.Text(), "\r")))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	f := detect(lines)
	if f == nil {
		return nil, fmt.Errorf("%s: %w: want one of %s (see ftpsim diagnose --help for how to make each)", name, ErrUnrecognised, formatNames())
	}
	log := &Log{Name: name, Format: f.name, Program: f.program, Side: f.side, Lines: len(lines)}
	for i, l := range lines {
		ev, ok := f.parse(l)
		if !ok {
			continue
		}
		ev.Pos = Pos{File: name, Line: i + 1}
		if ev.Raw == "" {
			ev.Raw = lastSegment(l)
		}
		if ev.Kind == Note || ev.Kind == Reply {
			ev.Facts = factsOf(ev.Text)
		}
		log.Events = append(log.Events, ev)
	}
	return log, nil
}

// format is one log format: the lines that identify it and how one line
// becomes an event.
type format struct {
	name    Format
	program string
	side    string
	sig     *regexp.Regexp
	parse   func(line string) (Event, bool)
}

func formatNames() string {
	var names []string
	for _, f := range formats {
		names = append(names, string(f.name))
	}
	return strings.Join(names, ", ")
}

// detect picks the format with the most identifying lines.
func detect(lines []string) *format {
	var best *format
	bestN := 0
	for i := range formats {
		n := 0
		for _, l := range lines {
			if formats[i].sig.MatchString(l) {
				n++
			}
		}
		if n > bestN {
			best, bestN = &formats[i], n
		}
	}
	return best
}

var formats = []format{
	{FormatCurl, "curl", "client", regexp.MustCompile(`^(\* (Connected to|Trying|  Trying|SSL connection using|Closing connection)|curl: \(\d+\)|> (USER|AUTH|PASV|EPSV)\b)|\*   Trying `), parseCurl},
	{FormatLftp, "lftp", "client", regexp.MustCompile(`^(---> |<--- [1-5]\d\d|---- (Connecting|Connected|Resolving))`), parseLftp},
	{FormatFtplib, "ftplib", "client", regexp.MustCompile(`^\*(cmd|resp)\* `), parseFtplib},
	{FormatFileZilla, "FileZilla", "client", fileZillaLine, parseFileZilla},
	{FormatWinSCP, "WinSCP", "client", regexp.MustCompile(`^[.<>!*] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} `), parseWinSCP},
	{FormatVsftpd, "vsftpd", "server", vsftpdLine, parseVsftpd},
	{FormatProFTPD, "proftpd", "server", proftpdLine, parseProFTPD},
	{FormatProFTPDTLS, "proftpd", "server", modTLSLine, parseModTLS},
	{FormatPureFTPd, "pure-ftpd", "server", pureLine, parsePureFTPd},
	{FormatFileZillaServer, "filezilla-server", "server", fzsLine, parseFileZillaServer},
}

// replyText splits "227 Entering ..." into code and text; a line of a
// multi-line reply ("211-Features") counts, its continuation lines not.
func replyText(s string) (int, string, bool) {
	if len(s) < 3 || s[0] < '1' || s[0] > '5' {
		return 0, "", false
	}
	code, err := strconv.Atoi(s[:3])
	if err != nil || len(s) > 3 && s[3] != ' ' && s[3] != '-' {
		return 0, "", false
	}
	if len(s) > 3 {
		return code, s[4:], true
	}
	return code, "", true
}

func commandOrReply(kind Kind, s string) (Event, bool) {
	s = strings.TrimSpace(s)
	if kind == Reply {
		code, text, ok := replyText(s)
		if !ok {
			return Event{Kind: Note, Text: s}, s != ""
		}
		return Event{Kind: Reply, Code: code, Text: text}, true
	}
	return Event{Kind: Command, Text: s}, s != ""
}

// curlEmbedded finds a trace line that curl's progress meter pushed to
// the middle of a line.
var curlEmbedded = regexp.MustCompile(`(?:^|[\d\s-])(\* .*|< [1-5]\d\d[ -].*|curl: \(\d+\).*)$`)

// lastSegment returns what a terminal shows of a line that carriage
// returns overwrote: the text after the last one.
func lastSegment(l string) string {
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		return l[i+1:]
	}
	return l
}

func parseCurl(l string) (Event, bool) {
	if !strings.HasPrefix(l, "* ") && !strings.HasPrefix(l, "> ") && !strings.HasPrefix(l, "< ") && !strings.HasPrefix(l, "curl: ") {
		m := curlEmbedded.FindStringSubmatch(l)
		if m == nil {
			return Event{}, false
		}
		ev, ok := parseCurl(m[1])
		ev.Raw = m[1] // without the progress meter in front
		return ev, ok
	}
	switch {
	case strings.HasPrefix(l, "> "):
		return commandOrReply(Command, l[2:])
	case strings.HasPrefix(l, "< "):
		return commandOrReply(Reply, l[2:])
	case strings.HasPrefix(l, "* "):
		return Event{Kind: Note, Text: strings.TrimSpace(l[2:])}, true
	}
	return Event{Kind: Note, Text: l}, true
}

func parseLftp(l string) (Event, bool) {
	switch {
	case strings.HasPrefix(l, "---> "):
		return commandOrReply(Command, l[5:])
	case strings.HasPrefix(l, "<--- "):
		return commandOrReply(Reply, l[5:])
	case strings.HasPrefix(l, "---- "), strings.HasPrefix(l, "**** "):
		return Event{Kind: Note, Text: strings.TrimSpace(l[5:])}, true
	}
	t := strings.TrimSpace(l)
	return Event{Kind: Note, Text: t}, t != ""
}

// pyString undoes the quoting of a Python repr ('...' or "...").
func pyString(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	s = strings.NewReplacer(`\r`, "", `\n`, "\n", `\'`, "'", `\"`, `"`, `\\`, `\`).Replace(s)
	return s
}

func parseFtplib(l string) (Event, bool) {
	switch {
	case strings.HasPrefix(l, "*cmd* "):
		return commandOrReply(Command, pyString(l[6:]))
	case strings.HasPrefix(l, "*resp* "):
		// a multi-line reply comes as one string; its last line has the code
		text := pyString(l[7:])
		first, _, _ := strings.Cut(text, "\n")
		return commandOrReply(Reply, first)
	case strings.HasPrefix(l, "*put* "), strings.HasPrefix(l, "*get* "), strings.HasPrefix(l, "*welcome* "):
		return Event{}, false
	}
	if strings.HasPrefix(l, "  ") {
		return Event{}, false // a traceback's source lines and frames
	}
	t := strings.TrimSpace(l)
	return Event{Kind: Note, Text: t}, t != ""
}

var fileZillaLine = regexp.MustCompile(`^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \d+ \d+ )?(Status|Command|Response|Error|Trace|Listing):\s+(.*)$`)

func parseFileZilla(l string) (Event, bool) {
	m := fileZillaLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	var ev Event
	var ok bool
	switch m[2] {
	case "Command":
		ev, ok = commandOrReply(Command, m[3])
	case "Response":
		ev, ok = commandOrReply(Reply, m[3])
	case "Listing":
		return Event{}, false
	default:
		ev, ok = Event{Kind: Note, Text: m[2] + ": " + m[3]}, true
	}
	ev.Time = parseTime("2006-01-02 15:04:05", m[1])
	return ev, ok
}

var winscpLine = regexp.MustCompile(`^([.<>!*]) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (.*)$`)

func parseWinSCP(l string) (Event, bool) {
	m := winscpLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	var ev Event
	var ok bool
	switch m[1] {
	case ">":
		ev, ok = commandOrReply(Command, m[3])
	case "<":
		ev, ok = commandOrReply(Reply, m[3])
	default:
		ev, ok = Event{Kind: Note, Text: strings.TrimSpace(m[3])}, true
	}
	ev.Time = parseTime("2006-01-02 15:04:05.000", m[2])
	return ev, ok
}

var vsftpdLine = regexp.MustCompile(`^(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) \[pid \d+\] (?:\[[^\]]*\] )?(.*)$`)

// vsftpdProto is the body of a log_ftp_protocol line.
var vsftpdProto = regexp.MustCompile(`^FTP (command|response): Client "([^"]*)", "(.*)"$`)

func parseVsftpd(l string) (Event, bool) {
	m := vsftpdLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	var ev Event
	ok := true
	if p := vsftpdProto.FindStringSubmatch(m[2]); p != nil {
		kind := Command
		if p[1] == "response" {
			kind = Reply
		}
		ev, ok = commandOrReply(kind, p[3])
	} else {
		ev = Event{Kind: Note, Text: m[2]}
	}
	ev.Time = parseTime("Mon Jan _2 15:04:05 2006", m[1])
	return ev, ok
}

var (
	proftpdLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ proftpd\[\d+\] \S+(?: \([^)]*\))?: (.*)$`)
	// proftpdCommand is mod_core's debug line for a dispatched command.
	proftpdCommand = regexp.MustCompile(`dispatching (?:PRE_|POST_|LOG_)?CMD command '([^']*)'`)
	modTLSLine     = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) mod_tls/[\d.]+\[\d+\]: (.*)$`)
)

func parseProFTPD(l string) (Event, bool) {
	m := proftpdLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	ev := Event{Kind: Note, Text: m[2]}
	if c := proftpdCommand.FindStringSubmatch(m[2]); c != nil {
		if !strings.Contains(m[2], "dispatching CMD") {
			return Event{}, false
		}
		ev = Event{Kind: Command, Text: c[1]}
	}
	ev.Time = parseTime("2006-01-02 15:04:05,000", m[1])
	return ev, true
}

func parseModTLS(l string) (Event, bool) {
	m := modTLSLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	return Event{Kind: Note, Text: m[2], Time: parseTime("2006-01-02 15:04:05,000", m[1])}, true
}

var (
	pureLine    = regexp.MustCompile(`^(\w{3} [ \d]\d \d\d:\d\d:\d\d) \S+ pure-ftpd(?:\[\d+\])?: \(([^)]*)\) \[(\w+)\] (.*)$`)
	pureCommand = regexp.MustCompile(`^Command \[(\w+)\] \[(.*)\]$`)
)

func parsePureFTPd(l string) (Event, bool) {
	m := pureLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	ev := Event{Kind: Note, Text: "[" + m[3] + "] " + m[4]}
	if m[3] == "DEBUG" {
		if c := pureCommand.FindStringSubmatch(m[4]); c != nil {
			ev = Event{Kind: Command, Text: strings.TrimSpace(strings.ToUpper(c[1]) + " " + c[2])}
		} else if code, text, ok := replyText(m[4]); ok {
			ev = Event{Kind: Reply, Code: code, Text: text}
		}
	}
	ev.Time = parseTime("Jan _2 15:04:05", m[1])
	return ev, true
}

var fzsLine = regexp.MustCompile(`^<(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)> (?:FTP Session \d+ \S+ )?\[(\w+)\] (.*)$`)

func parseFileZillaServer(l string) (Event, bool) {
	m := fzsLine.FindStringSubmatch(l)
	if m == nil {
		return Event{}, false
	}
	var ev Event
	ok := true
	switch m[2] {
	case "Command":
		ev, ok = commandOrReply(Command, m[3])
	case "Response":
		ev, ok = commandOrReply(Reply, m[3])
	default:
		ev = Event{Kind: Note, Text: m[2] + ": " + m[3]}
	}
	ev.Time = parseTime(time.RFC3339Nano, m[1])
	return ev, ok
}

func parseTime(layout, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
