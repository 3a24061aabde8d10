"""Python ftplib FTPS client for internal/peers.

Usage: ftplib_client.py [options] list
       ftplib_client.py [options] upload LOCAL REMOTE
       ftplib_client.py [options] download REMOTE LOCAL
       ftplib_client.py [options] session LOCAL REMOTE BACK   (login, LIST, STOR, RETR)

Run with /usr/bin/python3 -I -u. The password comes from FTPSIM_PASSWORD.
Prints ftplib's debug trace (*cmd*, *resp*) and a last line
"RESULT: OK" or "RESULT: FAIL <step>: <module>.<error type>: <message>".
"""
import argparse
import ftplib
import os
import socket
import ssl
import sys


class LoopbackActive:
    """Active mode that listens on the control connection's local address
    (stock ftplib listens on all interfaces)."""

    def makeport(self):
        host = self.sock.getsockname()[0]
        sock = socket.create_server((host, 0), family=self.af, backlog=1)
        port = sock.getsockname()[1]
        if self.af == socket.AF_INET:
            self.sendport(host, port)
        else:
            self.sendeprt(host, port)
        if self.timeout is not None:
            sock.settimeout(self.timeout)
        return sock


class Implicit:
    """Implicit FTPS: wrap the control socket in TLS as soon as it is set.
    FTP_TLS.login then skips AUTH TLS, since the socket is already TLS."""

    _sock = None

    @property
    def sock(self):
        return self._sock

    @sock.setter
    def sock(self, value):
        if value is not None and not isinstance(value, ssl.SSLSocket):
            value = self.context.wrap_socket(value, server_hostname=self.host)
        self._sock = value


class Reusing:
    """Resume the control connection's TLS session on every data connection,
    as vsftpd require_ssl_reuse=YES and ProFTPD's default demand. Stock
    FTP_TLS.ntransfercmd wraps the data socket without session=."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def client_class(implicit, reuse, plain):
    if plain:
        return type("Client", (LoopbackActive, ftplib.FTP), {})
    bases = [LoopbackActive]
    if implicit:
        bases.append(Implicit)
    if reuse:
        bases.append(Reusing)
    bases.append(ftplib.FTP_TLS)
    return type("Client", tuple(bases), {})


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--implicit", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("--active", action="store_true")
    ap.add_argument("--trust-pasv-ip", action="store_true")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--ccc", action="store_true")
    ap.add_argument("--prot-c", action="store_true")
    ap.add_argument("op", choices=["list", "upload", "download", "session"])
    ap.add_argument("files", nargs="*")
    return ap.parse_args()


def main():
    a = parse_args()
    want = {"list": 0, "upload": 2, "download": 2, "session": 3}[a.op]
    if len(a.files) != want:
        print("RESULT: FAIL args: %s takes %d file arguments" % (a.op, want))
        return 2
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if a.plain:
        ftp = client_class(False, False, True)(timeout=a.timeout)
    else:
        ftp = client_class(a.implicit, a.reuse, False)(context=ctx, timeout=a.timeout)
    ftp.set_debuglevel(1)
    ftp.trust_server_pasv_ipv4_address = a.trust_pasv_ip
    step = "connect"
    try:
        ftp.connect(a.host, a.port)
        step = "login"
        ftp.login(a.user, os.environ["FTPSIM_PASSWORD"])
        if not a.plain and not a.prot_c:
            step = "prot_p"
            ftp.prot_p()
        if not a.plain and a.ccc:
            step = "ccc"
            ftp.ccc()
        ftp.set_pasv(not a.active)
        if a.op in ("list", "session"):
            step = "list"
            ftp.retrlines("LIST", print)
        if a.op == "upload":
            step = "stor"
            with open(a.files[0], "rb") as f:
                ftp.storbinary("STOR " + a.files[1], f)
        if a.op == "session":
            step = "stor"
            with open(a.files[0], "rb") as f:
                ftp.storbinary("STOR " + a.files[1], f)
            step = "retr"
            with open(a.files[2], "wb") as f:
                ftp.retrbinary("RETR " + a.files[1], f.write)
        if a.op == "download":
            step = "retr"
            with open(a.files[1], "wb") as f:
                ftp.retrbinary("RETR " + a.files[0], f.write)
        step = "quit"
        ftp.quit()
    except Exception as e:  # report every failure the same way
        print("RESULT: FAIL %s: %s.%s: %s" % (step, type(e).__module__, type(e).__name__, e))
        ftp.close()
        return 1
    print("RESULT: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
