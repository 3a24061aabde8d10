package keylog

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnv(t *testing.T) {
	t.Setenv(EnvVar, "")
	if w, err := Env(); w != nil || err != nil {
		t.Fatalf("unset: got %v, %v; want nil, nil", w, err)
	}
	path := filepath.Join(t.TempDir(), "keys.log")
	t.Setenv(EnvVar, path)
	w, err := Env()
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := Open(path)
	if w != w2 {
		t.Error("a second open of the same path gave another writer")
	}
	w.Write([]byte("CLIENT_RANDOM aa bb\n"))
	w2.Write([]byte("CLIENT_RANDOM cc dd\n"))
	got, _ := os.ReadFile(path)
	if string(got) != "CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\n" {
		t.Errorf("file holds %q", got)
	}
	if _, err := Open(filepath.Join(path, "not-a-dir", "x")); err == nil {
		t.Error("opening below a file succeeded")
	}
}
