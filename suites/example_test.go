package suites_test

import (
	"crypto/sha256"
	"fmt"
	"net/textproto"

	"github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
)

// printing returns a Gomega that prints failure messages instead of
// failing a test, so the examples can show them.
func printing() gomega.Gomega {
	return gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })
}

func ExampleHaveReplyCode() {
	g := printing()
	// What clientsim returns when the server refuses a data connection.
	err := &clientsim.Error{Phase: clientsim.PhaseDataTLS, Op: "STOR a.bin",
		Err: &textproto.Error{Code: 522, Msg: "SSL connection failed: session reuse required"}}
	g.Expect(err).To(suites.HaveReplyCode(522))
	g.Expect(err).To(suites.FailInPhase(clientsim.PhaseDataTLS))
	g.Expect(err).To(suites.HaveReplyCode(425))
	// Output:
	// Expected
	//     error: clientsim: data-tls: STOR a.bin: 522 "SSL connection failed: session reuse required" [reply code 522, phase data-tls]
	// to carry FTP reply code 425
}

func ExampleHaveOutcome() {
	g := printing()
	got := scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522, Class: "reply"}
	g.Expect(got).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure, Code: 522}))
	g.Expect(got).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Success}))
	// Output:
	// Expected
	//     outcome failure at data-tls, code 522
	// to have outcome success
}

func ExampleBeIntactTransfer() {
	g := printing()
	sent := []byte("line one\nline two\n")
	got := []byte("line one\r\nline two\r\n") // downloaded in TYPE A
	g.Expect(got).To(suites.BeIntactTransfer(int64(len(sent)), sha256.Sum256(sent)))
	// Output:
	// Expected
	//     20 bytes, SHA-256 6612d9c9...04a41ffc (2 bytes too many: extended, e.g. LF to CRLF in TYPE A)
	// to be an intact transfer of 18 bytes, SHA-256 e9024f1a...99071e13
}

func ExampleHaveNoCleartextCredentials() {
	g := printing()
	// Bytes captured on the wire of a plain FTP login.
	capture := []byte("220 ready\r\nUSER alice\r\n331 password?\r\nPASS s3cret\r\n230 ok\r\n")
	g.Expect(capture).To(suites.HaveNoCleartextCredentials())
	// Output:
	// Expected
	//     credentials in clear: USER alice, PASS ****
	// to have sent no USER/PASS in cleartext
}

func ExampleHaveExchanged() {
	g := printing()
	transcript := "< 220 ready\n> AUTH TLS\n< 502 Command not implemented.\n> QUIT\n< 221 bye\n"
	g.Expect(transcript).To(suites.HaveExchanged("QUIT", 221))
	g.Expect(transcript).To(suites.HaveExchanged("AUTH TLS", 234))
	// Output:
	// Expected
	//     AUTH TLS -> 502 Command not implemented.
	// to have exchanged AUTH TLS -> 234
}

func ExampleFamily() {
	for _, name := range []string{"explicit-tls", "reuse-required-client-no-reuse", "cert-expired", "nat-pasv-address-trusted"} {
		sc, _ := scenarios.Lookup(name)
		fmt.Println(name, "->", suites.Family(sc))
	}
	// Output:
	// explicit-tls -> basics
	// reuse-required-client-no-reuse -> reuse
	// cert-expired -> cert
	// nat-pasv-address-trusted -> nat
}
