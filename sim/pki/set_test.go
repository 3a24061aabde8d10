package pki

import (
	"bytes"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestSetShape(t *testing.T) {
	set := sharedSet(t)
	tests := []struct {
		kind      Kind
		chainLen  int
		dns       string // comma-joined DNS SANs
		ips       int
		issuer    string
		notBefore time.Time
		notAfter  time.Time
		eku       x509.ExtKeyUsage
	}{
		{Good, 1, "localhost", 2, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{GoodChain, 2, "localhost", 2, "ftpsim test intermediate CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{Client, 1, "", 0, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageClientAuth},
		{SelfSigned, 1, "localhost", 2, "localhost", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{Expired, 1, "localhost", 2, "ftpsim test root CA", testTime.Add(-91 * day), testTime.Add(-day), x509.ExtKeyUsageServerAuth},
		{NotYetValid, 1, "localhost", 2, "ftpsim test root CA", testTime.Add(day), testTime.Add(91 * day), x509.ExtKeyUsageServerAuth},
		{WrongHost, 1, "wrong.example.invalid", 0, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{IPMissing, 1, "localhost", 0, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{UnknownCA, 1, "localhost", 2, "ftpsim foreign root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{MissingIntermediate, 1, "localhost", 2, "ftpsim test intermediate CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
		{WrongEKU, 1, "localhost", 2, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageClientAuth},
		{WeakKey, 1, "localhost", 2, "ftpsim test root CA", testTime.Add(-time.Hour), testTime.Add(-time.Hour + 365*day), x509.ExtKeyUsageServerAuth},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			c := set.Get(tt.kind)
			l := c.Leaf
			if len(c.Chain) != tt.chainLen || c.Chain[0] != l {
				t.Errorf("chain: %d certs (first is leaf: %v), want %d", len(c.Chain), c.Chain[0] == l, tt.chainLen)
			}
			if got := strings.Join(l.DNSNames, ","); got != tt.dns || len(l.IPAddresses) != tt.ips {
				t.Errorf("SANs: DNS %q, %d IPs; want %q, %d", got, len(l.IPAddresses), tt.dns, tt.ips)
			}
			if l.Issuer.CommonName != tt.issuer {
				t.Errorf("issuer %q, want %q", l.Issuer.CommonName, tt.issuer)
			}
			if !l.NotBefore.Equal(tt.notBefore) || !l.NotAfter.Equal(tt.notAfter) {
				t.Errorf("validity %v to %v, want %v to %v", l.NotBefore, l.NotAfter, tt.notBefore, tt.notAfter)
			}
			if len(l.ExtKeyUsage) != 1 || l.ExtKeyUsage[0] != tt.eku || l.IsCA {
				t.Errorf("ExtKeyUsage %v IsCA %v, want [%v] false", l.ExtKeyUsage, l.IsCA, tt.eku)
			}
		})
	}
}

func TestSetKinds(t *testing.T) {
	set := sharedSet(t)
	kinds := set.Kinds()
	if len(kinds) != int(numKinds) || kinds[0] != Good || kinds[len(kinds)-1] != WeakKey {
		t.Fatalf("Kinds() = %v", kinds)
	}
	names := map[string]bool{}
	for _, k := range kinds {
		if names[k.String()] || k.Description() == "" || set.Get(k) == nil {
			t.Errorf("%v: duplicate name, empty description or missing certificate", k)
		}
		names[k.String()] = true
	}
	for _, bad := range []Kind{-1, numKinds} {
		if set.Get(bad) != nil || bad.Description() != "" || bad.ServerName() != "" || bad.Failure() != FailOther {
			t.Errorf("Kind(%d) is not rejected", int(bad))
		}
		if got, want := bad.String(), fmt.Sprintf("Kind(%d)", int(bad)); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

// TestSetClockHandover checks that NewSet reads the clock once and then
// leaves the caller's clock with the authorities.
func TestSetClockHandover(t *testing.T) {
	calls := 0
	clock := func() time.Time { calls++; return testTime }
	set, err := NewSet(SetOptions{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("NewSet read the clock %d times, want 1", calls)
	}
	later := testTime.Add(30 * day)
	set.CA.Now = func() time.Time { return later }
	c, err := set.CA.Server(LeafOptions{DNSNames: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := later.Add(-time.Hour); !c.Leaf.NotBefore.Equal(want) {
		t.Errorf("NotBefore = %v, want %v", c.Leaf.NotBefore, want)
	}
	if set.Intermediate.Now == nil || set.ForeignCA.Now == nil {
		t.Error("intermediate or foreign CA lost the caller's clock")
	}
}

// TestNewSetTime measures NewSet with the default ECDSA keys; see also
// BenchmarkNewSet.
func TestNewSetTime(t *testing.T) {
	start := time.Now()
	if _, err := NewSet(SetOptions{Now: testNow}); err != nil {
		t.Fatal(err)
	}
	t.Logf("NewSet (ECDSA-P256 + one RSA-1024) took %v", time.Since(start))
}

func BenchmarkNewSet(b *testing.B) {
	for b.Loop() {
		if _, err := NewSet(SetOptions{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNewSetRSA2048(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping RSA-2048 set generation in -short mode")
	}
	t.Parallel()
	start := time.Now()
	set, err := NewSet(SetOptions{Now: testNow, KeyType: RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NewSet with RSA-2048 took %v", time.Since(start))
	for _, k := range set.Kinds() {
		want := 2048
		if k == WeakKey {
			want = 1024
		}
		if pub, ok := set.Get(k).Leaf.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() != want {
			t.Errorf("%v: key %T, want %d-bit RSA", k, set.Get(k).Leaf.PublicKey, want)
		}
	}
	if _, ok := set.CA.Key.Public().(*rsa.PublicKey); !ok {
		t.Errorf("CA key %T, want RSA", set.CA.Key)
	}
}

func TestWriteDir(t *testing.T) {
	set := sharedSet(t)
	dir := filepath.Join(t.TempDir(), "certs")
	if err := set.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "INDEX.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Kinds() {
		checkKindFiles(t, dir, k, set.Get(k))
		if !bytes.Contains(index, []byte("## "+k.String()+"\n")) || !bytes.Contains(index, []byte(kindInfos[k].opensslErr)) {
			t.Errorf("INDEX.md lacks a section on %v", k)
		}
	}
	for name, a := range map[string]*Authority{"ca.crt": set.CA, "intermediate.crt": set.Intermediate, "foreign-ca.crt": set.ForeignCA} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(data, a.CertPEM()) {
			t.Errorf("%s: %v, or content differs from CertPEM", name, err)
		}
		if !bytes.Contains(index, []byte(name)) {
			t.Errorf("INDEX.md does not mention %s", name)
		}
	}
}

// checkKindFiles reloads a kind's files the way servers do.
func checkKindFiles(t *testing.T, dir string, k Kind, c *Certificate) {
	t.Helper()
	base := filepath.Join(dir, k.String())
	for _, pair := range [][2]string{{".crt", ".key"}, {".pem", ".pem"}} {
		tc, err := tls.LoadX509KeyPair(base+pair[0], base+pair[1])
		if err != nil {
			t.Errorf("%v: LoadX509KeyPair(%s, %s): %v", k, pair[0], pair[1], err)
			continue
		}
		if len(tc.Certificate) != len(c.Chain) || !bytes.Equal(tc.Certificate[0], c.Leaf.Raw) {
			t.Errorf("%v%s: reloaded chain has %d certs, want %d starting with the leaf", k, pair[0], len(tc.Certificate), len(c.Chain))
		}
	}
	key, err := os.ReadFile(base + ".key")
	if block, _ := pem.Decode(key); err != nil || block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("%v.key is not a PKCS#8 PRIVATE KEY block (err %v)", k, err)
	}
	if fi, err := os.Stat(base + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%v.key: mode %v, err %v; want 0600", k, fi.Mode().Perm(), err)
	}
}

// TestOpenSSLVerify runs exactly the "openssl verify" commands INDEX.md
// shows, at the set's clock (-attime), and checks the documented output.
func TestOpenSSLVerify(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skipf("openssl not on PATH (%v): skipping the openssl verify cross-check of INDEX.md", err)
	}
	set := sharedSet(t)
	dir := t.TempDir()
	if err := set.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	attime := fmt.Sprint(testTime.Unix())
	for _, k := range set.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			info := kindInfos[k]
			out := runVerify(t, openssl, dir, attime, info.verifyArgs, k.String()+".crt")
			want := info.opensslErr
			if want == "OK" {
				want = k.String() + ".crt: OK"
			}
			if !strings.Contains(out, want) {
				t.Errorf("openssl verify output:\n%s\nwant it to contain %q", out, want)
			}
		})
	}
	t.Run("missing-intermediate supplied", func(t *testing.T) {
		out := runVerify(t, openssl, dir, attime, "-untrusted intermediate.crt", "missing-intermediate.crt")
		if !strings.Contains(out, "missing-intermediate.crt: OK") {
			t.Errorf("openssl verify output:\n%s\nwant OK once the intermediate is supplied", out)
		}
	})
}

func runVerify(t *testing.T, openssl, dir, attime, args, file string) string {
	t.Helper()
	argv := append([]string{"verify", "-CAfile", "ca.crt", "-attime", attime}, strings.Fields(args)...)
	cmd := exec.Command(openssl, append(argv, file)...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput() // a failed verification exits non-zero
	t.Logf("openssl %s\n%s", strings.Join(cmd.Args[1:], " "), out)
	return string(out)
}
