package faults_test

import (
	"bytes"
	"crypto/tls"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// S30: an attacker on the internet races the client to the announced
// passive port. It wins every race here: it connects while the 229 is
// still on its way to the client. What it gets depends on the server: a
// server that accepts data connections from anyone hands it the file
// (TLS does not help without session reuse), while the source-address
// check or a reuse requirement (sim.ReuseSame) leaves it empty-handed.
func TestConnectionStealing(t *testing.T) {
	attackerTLS := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
	foreign := func(s *sim.Server) { s.AllowForeignData = true }
	cases := []struct {
		name   string
		setup  func(*sim.Server)
		client []clientsim.Option
		scan   faults.PortRange // the attacker's scan range
		stolen bool
	}{
		{"plain/foreign allowed", foreign, []clientsim.Option{clientsim.WithPlain()}, faults.PortRange{}, true},
		{"plain/source check", nil, []clientsim.Option{clientsim.WithPlain()}, faults.PortRange{}, false},
		{"FTPS/passive attacker is blind", foreign, nil, faults.PortRange{}, false},
		{"FTPS/scan/no reuse", foreign, nil, faults.Ports(30000, 30009), true},
		{"FTPS/scan/source check", nil, nil, faults.Ports(30000, 30009), false},
		{"FTPS/scan/ReuseSame", func(s *sim.Server) { s.AllowForeignData, s.Reuse = true, sim.ReuseSame },
			nil, faults.Ports(30000, 30009), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, natDMZ(), tc.setup)
			a := &faults.Attacker{Host: e.attacker, Ports: tc.scan, ReadTimeout: 3 * time.Second}
			if len(tc.client) == 0 { // FTPS: PROT P data
				a.TLS = attackerTLS
			}
			e.n.AddAttacker(a)
			_, err := e.fetch(testCtx(t, 10*time.Second), tc.client...)
			a.Wait() // for the attacker's reads to end
			got := a.Stolen()
			switch {
			case tc.stolen && !bytes.Equal(got, payload):
				t.Fatalf("attacker got %d bytes, want the file (thefts %+v)", len(got), a.Thefts())
			case !tc.stolen && len(got) != 0:
				t.Fatalf("attacker got %d bytes", len(got))
			}
			attempted := len(a.Thefts()) > 0
			if attempted && err == nil {
				t.Fatal("the client's transfer worked although the attacker took its data connection")
			}
			if !attempted && err != nil {
				t.Fatalf("no attack, yet the download failed: %v", err)
			}
		})
	}
}
