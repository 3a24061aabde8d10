// Package pki makes the certificates ftpsim needs, at run time, on an
// injectable clock: a root CA, intermediates, server and client leaves,
// and the standard set of good and bad certificates that FTPS scenarios
// serve.
//
// Nothing is committed to disk ahead of time, so no test breaks the day a
// checked-in certificate expires; tests pass a fixed clock instead and
// give their TLS peers the same clock through tls.Config.Time.
//
// # Building blocks
//
// [NewAuthority] makes a self-signed root, [Authority.Intermediate] a CA
// under it, [Authority.Server] and [Authority.Client] leaves, and
// [NewSelfSigned] a leaf signed by itself. Keys are ECDSA P-256 unless
// [KeyType] asks for RSA. A [Certificate] carries the leaf, the chain a
// peer sends and the key, and converts to tls.Certificate or PEM files.
//
// # The standard set
//
// [NewSet] builds one [Certificate] per [Kind] under one root and one
// intermediate: Good, GoodChain and Client succeed; SelfSigned, Expired,
// NotYetValid, WrongHost, IPMissing, UnknownCA, MissingIntermediate and
// WrongEKU each fail verification in a Go client in a specific way (see
// [Kind.Failure]); WeakKey passes in Go but not in OpenSSL at security
// level 2. [Set.WriteDir] writes everything as PEM files plus an INDEX.md
// that says, for each file, what Go, openssl verify and curl report, and
// how to load it into vsftpd, pure-ftpd or a Go server.
//
// [ClassifyVerifyError] maps a handshake or verification error back to
// the case it represents, so clients can report typed, readable errors.
//
// The package uses the standard library only.
package pki
