// Package peers starts real FTPS servers as local processes and runs real
// FTPS clients, for interop tests in other packages.
//
// Servers: vsftpd, ProFTPD (mod_tls), pure-ftpd and pyftpdlib. Each is a small
// settings value ([Vsftpd], [ProFTPD], [PureFTPd], [Pyftpdlib]) embedding the
// common [Config]; its Start method renders the configuration into the
// caller's directory, starts the program in its own process group, waits until
// the control port accepts connections and returns a [*Server]. [Server.Close]
// kills the process group (and any session process that left it) and waits.
//
// Clients: curl, lftp and Python ftplib ([Curl], [Lftp], [Ftplib]), all built
// from [ClientOptions] and all implementing [Client]. Each operation returns a
// [*Result] with the exit status, the output and the FTP replies seen, so a
// test can assert a 522 or a 425 as easily as a success.
//
// Everything is loopback only: servers bind 127.0.0.1, clients dial a
// loopback address, and an advertised passive address must be loopback too.
// Every client run and every wait is bounded by a deadline.
//
// The programs come from .ci/install-peers.sh (Debian 12, root). When one is
// missing or cannot run, constructors and Start return a [*NotInstalledError]
// whose message says what is missing, so tests can skip with it:
//
//	srv, err := peers.Vsftpd{Config: cfg}.Start(ctx)
//	var nie *peers.NotInstalledError
//	if errors.As(err, &nie) {
//		t.Skip(nie)
//	}
package peers
