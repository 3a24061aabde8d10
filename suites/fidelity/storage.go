package fidelity

import (
	"bytes"
	"strings"
)

// StorageCases are the scripts that hold a persona to what the real server
// does to stored files: REST past the end of a file before STOR and RETR,
// and uploads cut without close_notify over an existing file. Each one
// reads the file back with SIZE and RETR, so the stored bytes take part in
// the comparison (as a size and a SHA-256 prefix).
var StorageCases = []Case{
	{Name: "rest-past-eof-stor", Doc: "REST 10, then STOR of 2 bytes over a 3-byte file", Steps: with(binary,
		put("STOR rest1", "abc"), Cmd("REST 10"), put("STOR rest1", "XY"), Cmd("SIZE rest1"), readBack("rest1"))},
	{Name: "rest-past-eof-retr", Doc: "REST 10 and REST 3, then RETR of a 3-byte file", Steps: with(binary,
		put("STOR rest2", "abc"), Cmd("REST 10"), readBack("rest2"), Cmd("REST 3"), readBack("rest2"))},
	{Name: "rest-within-stor", Doc: "REST 2, then STOR over a 10,000-byte file", Steps: with(binary,
		put("STOR rest3", strings.Repeat("0123456789", 1000)), Cmd("REST 2"), put("STOR rest3", "XXX"),
		Cmd("SIZE rest3"), readBack("rest3"))},
	{Name: "cut-stor", Doc: "STOR over a file, cut without close_notify", Steps: with(binary,
		put("STOR cut1", "ORIG"), cut("STOR cut1", 50000), Cmd("SIZE cut1"), readBack("cut1"))},
	{Name: "cut-appe", Doc: "APPE to a file, cut without close_notify", Steps: with(binary,
		put("STOR cut2", "ORIG"), cut("APPE cut2", 50000), Cmd("SIZE cut2"), readBack("cut2"))},
	{Name: "cut-rest-stor", Doc: "REST 2, then STOR over a 10,000-byte file, cut without close_notify",
		Steps: with(binary, put("STOR cut3", strings.Repeat("0123456789", 1000)), Cmd("REST 2"),
			cut("STOR cut3", 3), Cmd("SIZE cut3"), readBack("cut3"))},
}

// put uploads content with a protected, resumed data connection ended
// with close_notify.
func put(cmd, content string) Step {
	return Transfer(Data{Verb: cmd, Protect: true, Resume: true, Send: []byte(content)})
}

// cut uploads n bytes and ends the data connection with a FIN but no
// close_notify.
func cut(cmd string, n int) Step {
	return Transfer(Data{Verb: cmd, Protect: true, Resume: true, Send: bytes.Repeat([]byte("X"), n), Truncate: true})
}

// readBack downloads a file and records its size and digest.
func readBack(name string) Step {
	return Transfer(Data{Verb: "RETR " + name, Protect: true, Resume: true, Digest: true})
}

// binary is a protected session in TYPE I: REST and SIZE in ASCII mode are
// refused or answered differently by every real server.
var binary = with(protected, Cmd("TYPE I"))

// CodesOnly returns records with each reply cut to its code, for
// comparisons where texts do not matter (events stay whole).
func CodesOnly(recs []Record) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = Record{Step: r.Step}
		for _, l := range r.Lines {
			if l.Kind == Reply && len(l.Text) >= 3 {
				l.Text = l.Text[:3]
			}
			out[i].Lines = append(out[i].Lines, l)
		}
	}
	return out
}
