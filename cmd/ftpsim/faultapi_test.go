package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
)

// apiCurl calls the fault API with real curl and returns the HTTP status
// and the body.
func apiCurl(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (Debian package curl): the fault API test drives the API with it")
	}
	args := []string{"-sS", "--noproxy", "*", "--max-time", "10", "-X", method, "-w", "\n%{http_code}", url}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	out, err := exec.Command(curl, args...).Output()
	if err != nil {
		t.Fatalf("curl %s %s: %v", method, url, err)
	}
	s := string(out)
	i := strings.LastIndex(s, "\n")
	var code int
	fmt.Sscan(s[i+1:], &code)
	return code, s[:i]
}

var apiURLRE = regexp.MustCompile(`fault API\s+(http://127\.0\.0\.1:\d+/faults)`)

// TestServeFaultAPI: a running serve takes and drops toxics through its
// API, driven with curl, and the next transfer feels it: an upload cut by
// a limit_data toxic gets 426 and is not stored; once the toxic is
// removed the same upload arrives whole (SHA-256 of what the server
// sends back).
func TestServeFaultAPI(t *testing.T) {
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	apiPort, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	p := startFtpsim(t, bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--ca-out", ca,
		"--data-timeout", "5s", "--fault", "alg=correct", "--api", fmt.Sprintf("127.0.0.1:%d", apiPort))
	m := apiURLRE.FindStringSubmatch(p.output())
	if m == nil {
		t.Fatalf("the banner does not give the fault API's URL:\n%s", p.output())
	}
	url := m[1]
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Timeout: 10 * time.Second}

	code, body := apiCurl(t, "GET", url, "")
	var doc apiFaults
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil || len(doc.Fixed) != 1 || doc.Fixed[0] != "alg=correct" || len(doc.Toxics) != 0 {
		t.Fatalf("GET /faults: %d %s", code, body)
	}
	code, body = apiCurl(t, "POST", url, `{"fault":"toxic=limit_data,bytes=50000,channel=data,stream=upstream","name":"cut"}`)
	var added apiToxic
	if code != 201 || json.Unmarshal([]byte(body), &added) != nil || added.Name != "cut" || !strings.Contains(added.Explain, "50000 bytes") {
		t.Fatalf("POST a toxic: %d %s", code, body)
	}
	for _, c := range []struct {
		body string
		code int
		want string
	}{
		{`{"fault":"toxic=limit_data,bytes=1","name":"cut"}`, 409, "exists"},
		{`{"fault":"server_nat"}`, 400, "restart with --fault server_nat"},
		{`{"fault":"toxic=latency,latncy=5ms"}`, 400, "latncy"},
		{`{"fualt":"x"}`, 400, "unknown field"},
	} {
		if code, body := apiCurl(t, "POST", url, c.body); code != c.code || !strings.Contains(body, c.want) || !strings.Contains(body, `"error"`) {
			t.Errorf("POST %s: %d %s, want %d with %q", c.body, code, body, c.code, c.want)
		}
	}

	data := bytes.Repeat([]byte("ftpsim fault api "), 20000) // 340 kB
	local := filepath.Join(t.TempDir(), "up.bin")
	os.WriteFile(local, data, 0o644)
	ctx := context.Background()
	r, err := newClient(t, "curl", o).Upload(ctx, local, "up.bin")
	if err != nil || r.OK() {
		t.Fatalf("upload under the toxic added at run time: %v, want a failure\n%s", err, r)
	}

	// ftpsim fault is the same API's client.
	if code, out, errOut := runCmd("fault", "list", "--api", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/faults")); code != 0 ||
		!strings.Contains(out, "fixed:  alg=correct") || !strings.Contains(out, "toxic   cut") {
		t.Errorf("ftpsim fault list: %d\n%s%s", code, out, errOut)
	}
	if code, body := apiCurl(t, "DELETE", url+"/nope", ""); code != 404 || !strings.Contains(body, "cut") {
		t.Errorf("DELETE an unknown toxic: %d %s", code, body)
	}
	if code, body := apiCurl(t, "DELETE", url+"/cut", ""); code != 204 {
		t.Fatalf("DELETE /faults/cut: %d %s", code, body)
	}
	r, err = newClient(t, "curl", o).Upload(ctx, local, "up.bin")
	if err != nil || !r.OK() {
		t.Fatalf("upload after the toxic was removed: %v\n%s", err, r)
	}
	back := filepath.Join(t.TempDir(), "back.bin")
	if r, err := newClient(t, "curl", o).Download(ctx, "up.bin", back); err != nil || !r.OK() {
		t.Fatalf("download: %v\n%s", err, r)
	}
	got, _ := os.ReadFile(back)
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("the upload after the removal is not the file sent (%d of %d bytes)", len(got), len(data))
	}
	out := p.stop(t)
	for _, want := range []string{"api added toxic cut", "api removed toxic cut", "s1 < 426 ", "upstream reached 50000 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve's output lacks %q:\n%s", want, out)
		}
	}
}

// TestProxyFaultAPI: the proxy in front of a real server takes toxics at
// run time too: a download cut by a limit_data toxic arrives short, and
// after DELETE /faults whole.
func TestProxyFaultAPI(t *testing.T) {
	bin := buildFtpsim(t)
	prod := startProduct(t)
	ctl, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	apiPort, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	startFtpsim(t, bin, "proxy", "--target", prod.srv.Addr, "--pasv-ports", prod.pasv.String(), "--listen", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--api", fmt.Sprintf("127.0.0.1:%d", apiPort))
	url := fmt.Sprintf("http://127.0.0.1:%d/faults", apiPort)
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: prod.ca, Timeout: 10 * time.Second}
	ctx := context.Background()
	if code, body := apiCurl(t, "POST", url, `{"fault":"toxic=limit_data,bytes=10000,channel=data"}`); code != 201 {
		t.Fatalf("POST: %d %s", code, body)
	}
	local := filepath.Join(t.TempDir(), "a.bin")
	r, err := newClient(t, "curl", o).Download(ctx, "a.bin", local)
	if got, _ := os.ReadFile(local); err != nil || r.OK() && bytes.Equal(got, prod.data) {
		t.Fatalf("download under the toxic arrived whole: %v\n%s", err, r)
	}
	if code, body := apiCurl(t, "DELETE", url, ""); code != 200 || !strings.Contains(body, `"removed":1`) {
		t.Fatalf("DELETE /faults: %d %s", code, body)
	}
	r, err = newClient(t, "curl", o).Download(ctx, "a.bin", local)
	if got, _ := os.ReadFile(local); err != nil || !r.OK() || sha256.Sum256(got) != sha256.Sum256(prod.data) {
		t.Fatalf("download after the reset: %v, %d of %d bytes\n%s", err, len(got), len(prod.data), r)
	}
}

// The API listens on loopback only; ftpsim fault says what is wrong.
func TestFaultAPIFlags(t *testing.T) {
	if code, _, errOut := runCmd("serve", "--api", "0.0.0.0:8474"); code != exitUsage || !strings.Contains(errOut, "loopback only") {
		t.Errorf("serve --api 0.0.0.0: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd("proxy", "--api", "10.0.0.1:8474", "--target", "127.0.0.1:21", "--pasv-ports", "30000-30009"); code != exitUsage || !strings.Contains(errOut, "loopback only") {
		t.Errorf("proxy --api 10.0.0.1: %d %s", code, errOut)
	}
	port, _ := peers.FreePort()
	if code, _, errOut := runCmd("fault", "list", "--api", fmt.Sprintf("127.0.0.1:%d", port)); code != exitFailed || !strings.Contains(errOut, "is ftpsim serve or proxy running with --api") {
		t.Errorf("fault list with nothing listening: %d %s", code, errOut)
	}
	for _, args := range [][]string{{"fault"}, {"fault", "lst"}, {"fault", "add"}, {"fault", "remove"}, {"fault", "list", "--name", "x"}} {
		if code, _, errOut := runCmd(args...); code != exitUsage {
			t.Errorf("%v: %d %s", args, code, errOut)
		}
	}
}
