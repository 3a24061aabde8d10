// Package keylog opens the TLS key log file named by the SSLKEYLOGFILE
// environment variable, the convention of NSS, OpenSSL, curl and
// browsers: every TLS secret is appended as one line of the NSS key log
// format ("CLIENT_RANDOM ...", "CLIENT_TRAFFIC_SECRET_0 ..."), which
// Wireshark and tshark read to decrypt a capture. sim and clientsim use
// it when no key log writer is given.
package keylog
