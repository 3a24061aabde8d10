package diagnose

import (
	"strings"
	"testing"
)

// writeText diagnoses one log and returns the text report.
func writeText(t *testing.T, name, log string) (*Report, string) {
	t.Helper()
	l, err := ParseLog(name, strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	rep := Diagnose(l)
	var b strings.Builder
	rep.WriteText(&b, false)
	return rep, b.String()
}

// curl -v without -s writes its progress meter to stderr too: updates
// joined by carriage returns, with the next trace line glued to the last
// one. The quoted evidence is the trace line alone. The log is real
// curl 7.88.1 output (a server that greets and then ignores AUTH SSL).
func TestTextEvidenceWithoutProgressMeter(t *testing.T) {
	const meter = "  0     0    0     0    0     0      0      0 --:--:--  0:00:0"
	log := "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
		"                                 Dload  Upload   Total   Spent    Left  Speed\n" +
		"\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0*   Trying 127.0.0.1:27934...\n" +
		"* Connected to 127.0.0.1 (127.0.0.1) port 27934 (#0)\n" +
		"< 220 hi\r\n> AUTH SSL\r\n" +
		"\r" + meter + "1 --:--:--     0\r" + meter + "2 --:--:--     0* Operation timed out after 3001 milliseconds with 0 bytes received\n" +
		"\r" + meter + "3 --:--:--     0\n" +
		"* Closing connection 0\n" +
		"curl: (28) Operation timed out after 3001 milliseconds with 0 bytes received\n"
	rep, text := writeText(t, "curl.log", log)
	if rep.Incident.FailedAt == nil {
		t.Fatalf("no failure found:\n%s", text)
	}
	if strings.Contains(text, "--:--") || strings.Contains(text, "\r") {
		t.Errorf("the report quotes the progress meter:\n%s", text)
	}
	if want := "curl.log:7: * Operation timed out after 3001 milliseconds"; !strings.Contains(text, want) {
		t.Errorf("the report lacks %q:\n%s", want, text)
	}
}

// A refused connection fails before any FTP reply: the advice is about
// reaching the server (is it listening on that port, a firewall), not
// about the server's protocol logging, which cannot show a connection
// that never opened. The lftp log is real lftp 4.9.2 -d output.
func TestTextConnectRefusedAdvice(t *testing.T) {
	log := "---- Resolving host address...\n---- 1 address found: 127.0.0.1\n" +
		"---- Connecting to 127.0.0.1 (127.0.0.1) port 2121\n" +
		"**** Socket error (Connection refused) - reconnecting\n---- Closing control socket\n" +
		"ls: Fatal error: max-retries exceeded (Connection refused)\n"
	rep, text := writeText(t, "lftp.log", log)
	if o := rep.Incident.Outcome; o.Phase != "connect" || o.Class != "refused" {
		t.Fatalf("outcome %s, want failure at connect, refused:\n%s", o, text)
	}
	for _, bad := range []string{"protocol logging", "log_ftp_protocol", "say which server"} {
		if strings.Contains(text, bad) {
			t.Errorf("connect failure, yet the report asks for %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{"127.0.0.1 port 2121", "listen", "firewall", "port"} {
		if !strings.Contains(strings.Join(rep.Incident.Missing, "\n"), want) {
			t.Errorf("connect advice lacks %q: %q", want, rep.Incident.Missing)
		}
	}
}
