package ftp

import (
	"errors"
	"net/netip"
	"testing"
)

var ap = netip.MustParseAddrPort

var formatHostPortTests = []struct {
	in   netip.AddrPort
	want string // "" means ErrBadAddress
}{
	{ap("192.168.1.2:1025"), "192,168,1,2,4,1"},
	{ap("0.0.0.0:0"), "0,0,0,0,0,0"},
	{ap("255.255.255.255:65535"), "255,255,255,255,255,255"},
	{ap("[::ffff:10.0.0.1]:21"), "10,0,0,1,0,21"},
	{ap("[::1]:21"), ""},
	{ap("[2001:db8::1]:2121"), ""},
	{ap("[fe80::1%eth0]:2121"), ""},
	{netip.AddrPort{}, ""},
}

func TestFormatHostPort(t *testing.T) {
	for _, tt := range formatHostPortTests {
		got, err := FormatHostPort(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("FormatHostPort(%v) = %q, %v; want ErrBadAddress", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatHostPort(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		// PORT's argument is the same encoding.
		if port, err := FormatPORT(tt.in); err != nil || port != tt.want {
			t.Errorf("FormatPORT(%v) = %q, %v; want %q", tt.in, port, err, tt.want)
		}
	}
}

var parseHostPortTests = []struct {
	in   string
	want string // "" means ErrBadAddress
}{
	{"192,168,1,2,4,1", "192.168.1.2:1025"},
	{"0,0,0,0,0,0", "0.0.0.0:0"},
	{"255,255,255,255,255,255", "255.255.255.255:65535"},
	{" 192, 168 ,1,2,4, 1 ", "192.168.1.2:1025"},
	{"007,0,0,1,0,21", "7.0.0.1:21"},
	{"", ""},
	{"1,2,3,4,5", ""},
	{"1,2,3,4,5,6,7", ""},
	{"256,0,0,1,0,1", ""},
	{"1,2,3,4,5,300", ""},
	{"1,2,3,4,5,-1", ""},
	{"+1,2,3,4,5,6", ""},
	{"1,2,3,4,,6", ""},
	{"a,b,c,d,e,f", ""},
	{"1.2.3.4,5,6", ""},
	{"1,2,3,4,0x1,6", ""},
}

func TestParseHostPort(t *testing.T) {
	for _, tt := range parseHostPortTests {
		for name, parse := range map[string]func(string) (netip.AddrPort, error){
			"ParseHostPort": ParseHostPort, "ParsePORT": ParsePORT,
		} {
			got, err := parse(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrBadAddress) {
					t.Errorf("%s(%q) = %v, %v; want ErrBadAddress", name, tt.in, got, err)
				}
				continue
			}
			if err != nil || got != ap(tt.want) {
				t.Errorf("%s(%q) = %v, %v; want %s", name, tt.in, got, err, tt.want)
			}
		}
	}
}

func TestFormatPASV(t *testing.T) {
	for _, tt := range formatHostPortTests {
		got, err := FormatPASV(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("FormatPASV(%v) = %q, %v; want ErrBadAddress", tt.in, got, err)
			}
			continue
		}
		if want := "Entering Passive Mode (" + tt.want + ")."; err != nil || got != want {
			t.Errorf("FormatPASV(%v) = %q, %v; want %q", tt.in, got, err, want)
		}
		back, err := ParsePASV(got)
		if want := netip.AddrPortFrom(tt.in.Addr().Unmap(), tt.in.Port()); err != nil || back != want {
			t.Errorf("ParsePASV(FormatPASV(%v)) = %v, %v; want %v", tt.in, back, err, want)
		}
	}
}

var parsePASVTests = []struct {
	name, text string
	want       string // "" means ErrBadAddress
}{
	{"parentheses", "Entering Passive Mode (127,0,0,1,4,1).", "127.0.0.1:1025"},
	{"no parentheses", "Entering Passive Mode 127,0,0,1,4,1", "127.0.0.1:1025"},
	{"equals sign", "=127,0,0,1,4,1", "127.0.0.1:1025"},
	{"bare numbers", "127,0,0,1,4,1", "127.0.0.1:1025"},
	{"spaces after commas", "Entering Passive Mode (127, 0, 0, 1, 4, 1)", "127.0.0.1:1025"},
	{"spaces inside parentheses", "Entering Passive Mode ( 127,0,0,1,4,1 )", "127.0.0.1:1025"},
	{"code included", "227 Entering Passive Mode (10,0,0,1,255,255).", "10.0.0.1:65535"},
	{"digits in text before", "Mode 2 ok (192,0,2,7,195,101)", "192.0.2.7:50021"},
	{"trailing text", "Entering Passive Mode (192,0,2,7,0,21). Timeout 300s", "192.0.2.7:21"},
	{"zero address", "(0,0,0,0,0,0)", "0.0.0.0:0"},
	{"number over 255 in host", "Entering Passive Mode (256,0,0,1,4,1)", ""},
	{"number over 255 in port", "Entering Passive Mode (127,0,0,1,4,300)", ""},
	{"too few numbers", "Entering Passive Mode (127,0,0,1,4)", ""},
	{"too many numbers", "Entering Passive Mode (127,0,0,1,4,1,2)", ""},
	{"negative number", "Entering Passive Mode (127,0,0,1,4,-1)", ""},
	{"dotted host", "Entering Passive Mode (127.0.0.1,4,1)", ""},
	{"IPv6 text", "Entering Passive Mode (::1,4,1)", ""},
	{"EPSV text", "Entering Extended Passive Mode (|||1025|)", ""},
	{"no numbers", "Entering Passive Mode", ""},
	{"empty", "", ""},
}

func TestParsePASV(t *testing.T) {
	for _, tt := range parsePASVTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePASV(tt.text)
			if tt.want == "" {
				if !errors.Is(err, ErrBadAddress) {
					t.Errorf("ParsePASV(%q) = %v, %v; want ErrBadAddress", tt.text, got, err)
				}
				return
			}
			if err != nil || got != ap(tt.want) {
				t.Errorf("ParsePASV(%q) = %v, %v; want %s", tt.text, got, err, tt.want)
			}
		})
	}
}

var parseEPSVTests = []struct {
	name, text string
	want       uint16 // 0 means ErrBadAddress
}{
	{"RFC 2428 form", "Entering Extended Passive Mode (|||6446|)", 6446},
	{"bang delimiter", "(!!!1234!)", 1234},
	{"hash delimiter", "EPSV ok (###65535#)", 65535},
	{"digit delimiter", "(111231)", 23},
	{"paren delimiter", "()))1234))", 1234},
	{"port 1", "(|||1|)", 1},
	{"trailing text with parenthesis", "Entering Extended Passive Mode (|||6446|) (IPv6)", 6446},
	{"parenthesis before", "Entering (extended) passive mode (|||6446|)", 6446},
	{"code included", "229 Entering Extended Passive Mode (|||6446|).", 6446},
	{"missing field", "(||1234|)", 0},
	{"missing closing delimiter", "(|||1234)", 0},
	{"mixed delimiters", "(|||1234!)", 0},
	{"empty port", "(||||)", 0},
	{"network field set", "(|1||1234|)", 0},
	{"address field set", "(||::1|1234|)", 0},
	{"too many fields", "(||||1234|)", 0},
	{"port 0", "(|||0|)", 0},
	{"port 65536", "(|||65536|)", 0},
	{"negative port", "(|||-1|)", 0},
	{"plus sign", "(|||+80|)", 0},
	{"letters in port", "(|||12a|)", 0},
	{"space delimiter", "(   1234 )", 0},
	{"DEL delimiter", "(\x7f\x7f\x7f1234\x7f)", 0},
	{"no parentheses", "|||1234|", 0},
	{"no closing parenthesis", "(|||1234|", 0},
	{"PASV text", "Entering Passive Mode (127,0,0,1,4,1)", 0},
	{"open only", "(", 0},
	{"empty parentheses", "()", 0},
	{"empty", "", 0},
}

func TestParseEPSV(t *testing.T) {
	for _, tt := range parseEPSVTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEPSV(tt.text)
			if tt.want == 0 {
				if !errors.Is(err, ErrBadAddress) {
					t.Errorf("ParseEPSV(%q) = %d, %v; want ErrBadAddress", tt.text, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseEPSV(%q) = %d, %v; want %d", tt.text, got, err, tt.want)
			}
		})
	}
}

func TestFormatEPSV(t *testing.T) {
	for _, port := range []uint16{1, 21, 1025, 6446, 65535} {
		text := FormatEPSV(port)
		if port == 6446 && text != "Entering Extended Passive Mode (|||6446|)" {
			t.Errorf("FormatEPSV(6446) = %q", text)
		}
		if got, err := ParseEPSV(text); err != nil || got != port {
			t.Errorf("ParseEPSV(FormatEPSV(%d)) = %d, %v", port, got, err)
		}
	}
}

func TestFormatEPRT(t *testing.T) {
	tests := []struct {
		in   netip.AddrPort
		want string
	}{
		{ap("132.235.1.2:6275"), "|1|132.235.1.2|6275|"},
		{ap("[1080::8:800:200c:417a]:5282"), "|2|1080::8:800:200c:417a|5282|"},
		{ap("[::1]:21"), "|2|::1|21|"},
		{ap("[::ffff:1.2.3.4]:21"), "|1|1.2.3.4|21|"},
		{ap("[fe80::1%eth0]:21"), "|2|fe80::1|21|"},
	}
	for _, tt := range tests {
		got := FormatEPRT(tt.in)
		if got != tt.want {
			t.Errorf("FormatEPRT(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseEPRT(got)
		if want := netip.AddrPortFrom(tt.in.Addr().Unmap().WithZone(""), tt.in.Port()); err != nil || back != want {
			t.Errorf("ParseEPRT(%q) = %v, %v; want %v", got, back, err, want)
		}
	}
}

var parseEPRTTests = []struct {
	name, arg string
	want      string // "" means an error
	err       error  // the sentinel the error must match besides ErrBadAddress
}{
	{"IPv4", "|1|132.235.1.2|6275|", "132.235.1.2:6275", nil},
	{"IPv6", "|2|1080::8:800:200C:417A|5282|", "[1080::8:800:200c:417a]:5282", nil},
	{"IPv6 loopback", "|2|::1|21|", "[::1]:21", nil},
	{"surrounding spaces", "  |1|1.2.3.4|21|  ", "1.2.3.4:21", nil},
	{"alternate delimiter", "!1!1.2.3.4!21!", "1.2.3.4:21", nil},
	{"max port", "|1|1.2.3.4|65535|", "1.2.3.4:65535", nil},
	{"IPv4-mapped as protocol 2", "|2|::ffff:1.2.3.4|21|", "", nil},
	{"IPv4-mapped as protocol 1", "|1|::ffff:1.2.3.4|21|", "", nil},
	{"IPv6 address as protocol 1", "|1|::1|21|", "", nil},
	{"IPv4 address as protocol 2", "|2|1.2.3.4|21|", "", nil},
	{"protocol 3", "|3|1.2.3.4|21|", "", ErrUnknownNetwork},
	{"protocol 3 with its own address form", "|3|AA:BB:CC|21|", "", ErrUnknownNetwork},
	{"protocol 10", "|10|1.2.3.4|21|", "", ErrUnknownNetwork},
	{"empty protocol", "||1.2.3.4|21|", "", nil},
	{"non-numeric protocol", "|x|1.2.3.4|21|", "", nil},
	{"zone", "|2|fe80::1%eth0|21|", "", nil},
	{"zone with delimiter-free name", "|2|fe80::1%25|21|", "", nil},
	{"leading zeros", "|1|01.2.3.4|21|", "", nil},
	{"hostname", "|1|localhost|21|", "", nil},
	{"port 0", "|1|1.2.3.4|0|", "", nil},
	{"port 65536", "|1|1.2.3.4|65536|", "", nil},
	{"empty port", "|1|1.2.3.4||", "", nil},
	{"missing closing delimiter", "|1|1.2.3.4|21", "", nil},
	{"missing port", "|1|1.2.3.4|", "", nil},
	{"trailing junk", "|1|1.2.3.4|21|x", "", nil},
	{"extra field", "|1|1.2.3.4|21||", "", nil},
	{"space delimiter inside", "|1| 1.2.3.4|21|", "", nil},
	{"one delimiter", "|", "", nil},
	{"empty", "", "", nil},
}

func TestParseEPRT(t *testing.T) {
	for _, tt := range parseEPRTTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEPRT(tt.arg)
			if tt.want != "" {
				if err != nil || got != ap(tt.want) {
					t.Errorf("ParseEPRT(%q) = %v, %v; want %s", tt.arg, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("ParseEPRT(%q) = %v, %v; want ErrBadAddress", tt.arg, got, err)
			}
			if isUnknown := errors.Is(err, ErrUnknownNetwork); isUnknown != (tt.err == ErrUnknownNetwork) {
				t.Errorf("ParseEPRT(%q): errors.Is(%v, ErrUnknownNetwork) = %v", tt.arg, err, isUnknown)
			}
		})
	}
}
