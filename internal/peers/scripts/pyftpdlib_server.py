"""pyftpdlib FTPS server (TLS_FTPHandler) for internal/peers.

Run with /usr/bin/python3 (Debian's python3-pyftpdlib and python3-openssl).
The password comes from the FTPSIM_PASSWORD environment variable.
"""
import argparse
import logging
import os

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--pasv", required=True, help="first-last")
    ap.add_argument("--log", required=True)
    ap.add_argument("--masquerade", help="address advertised in 227 replies")
    ap.add_argument("--allow-clear-control", action="store_true")
    ap.add_argument("--allow-clear-data", action="store_true")
    ap.add_argument("--debug", action="store_true", help="log every command")
    a = ap.parse_args()

    logging.basicConfig(filename=a.log, level=logging.DEBUG if a.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")

    authorizer = DummyAuthorizer()
    authorizer.add_user(a.user, os.environ["FTPSIM_PASSWORD"], a.root, perm="elradfmwMT")

    class Handler(TLS_FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.banner = "ftpsim pyftpdlib"
    Handler.certfile = a.cert
    Handler.keyfile = a.key
    Handler.tls_control_required = not a.allow_clear_control
    Handler.tls_data_required = not a.allow_clear_data
    first, last = (int(p) for p in a.pasv.split("-"))
    Handler.passive_ports = range(first, last + 1)
    if a.masquerade:
        Handler.masquerade_address = a.masquerade

    server = FTPServer(("127.0.0.1", a.port), Handler)
    server.max_cons = 50
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
