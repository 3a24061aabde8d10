package ftp_test

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func ExampleReadReply() {
	conn := strings.NewReader("211-Features:\r\n EPSV\r\n MDTM\r\n UTF8\r\n211 End\r\n" +
		"550 No such file.\r\n")
	r := bufio.NewReader(conn)

	rep, err := ftp.ReadReply(r, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Code, rep.Lines)

	// A negative reply is not a read error; Err turns it into one.
	rep, _ = ftp.ReadReply(r, 0)
	var te *textproto.Error
	if errors.As(rep.Err(), &te) {
		fmt.Println(te.Code, te.Msg)
	}
	// Output:
	// 211 [Features: EPSV MDTM UTF8 End]
	// 550 No such file.
}

func ExampleFormatPASV() {
	text, err := ftp.FormatPASV(netip.MustParseAddrPort("192.0.2.7:50021"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("227 " + text)

	// PASV cannot carry IPv6; use EPSV.
	_, err = ftp.FormatPASV(netip.MustParseAddrPort("[2001:db8::7]:50021"))
	fmt.Println(errors.Is(err, ftp.ErrBadAddress))
	// Output:
	// 227 Entering Passive Mode (192,0,2,7,195,101).
	// true
}

func ExampleParsePASV() {
	for _, text := range []string{
		"Entering Passive Mode (192,0,2,7,195,101).",
		"=192,0,2,7,195,101", // RFC 1123 4.1.2.6: parentheses are optional
	} {
		ap, err := ftp.ParsePASV(text)
		fmt.Println(ap, err)
	}
	// Output:
	// 192.0.2.7:50021 <nil>
	// 192.0.2.7:50021 <nil>
}
