#!/bin/sh
# Runs pure-ftpd in the foreground with flags taken from FTPS_* variables
# (docker/README.md). Debian's build has no implicit FTPS, and pure-ftpd
# never requires TLS session reuse: FTPS_IMPLICIT_PORT and
# FTPS_REQUIRE_REUSE=yes are refused.
set -eu
: "${FTPS_USER:=ftpsim}" "${FTPS_PASSWORD:=ftpsim}"
: "${FTPS_CONTROL_PORT:=21}" "${FTPS_IMPLICIT_PORT:=}"
: "${FTPS_PASV_MIN_PORT:=30000}" "${FTPS_PASV_MAX_PORT:=30009}" "${FTPS_PASV_ADDRESS:=}" "${FTPS_LISTEN_ADDRESS:=}"
: "${FTPS_CERT_FILE:=/etc/ftps/server.crt}" "${FTPS_KEY_FILE:=/etc/ftps/server.key}"
: "${FTPS_REQUIRE_REUSE:=no}" "${FTPS_TLS_LEVEL:=3}"

if [ -n "$FTPS_IMPLICIT_PORT" ]; then
	echo "ftps-entrypoint: pure-ftpd: implicit FTPS is not built into Debian's pure-ftpd" >&2
	exit 2
fi
case "$FTPS_REQUIRE_REUSE" in yes|YES|true|1)
	echo "ftps-entrypoint: pure-ftpd cannot require TLS session reuse" >&2
	exit 2
esac

home=/home/$FTPS_USER
id "$FTPS_USER" >/dev/null 2>&1 || useradd -m -d "$home" -s /bin/sh "$FTPS_USER"
echo "$FTPS_USER:$FTPS_PASSWORD" | chpasswd

# pure-ftpd reads the key and the certificate chain from one file.
pem=/run/pure-ftpd.pem
cat "$FTPS_KEY_FILE" "$FTPS_CERT_FILE" > "$pem"
chmod 600 "$pem"

set -- --bind "${FTPS_LISTEN_ADDRESS:-0.0.0.0},$FTPS_CONTROL_PORT" --ipv4only --dontresolve --noanonymous \
	--login unix --chrooteveryone --passiveportrange "$FTPS_PASV_MIN_PORT:$FTPS_PASV_MAX_PORT" \
	--tls "$FTPS_TLS_LEVEL" --certfile "$pem" --tlsciphersuite HIGH \
	--maxclientsnumber 50 --maxclientsperip 50 --verboselog --syslogfacility none
if [ -n "$FTPS_PASV_ADDRESS" ]; then
	set -- "$@" --forcepassiveip "$FTPS_PASV_ADDRESS"
fi
echo "ftps-entrypoint: pure-ftpd -Y $FTPS_TLS_LEVEL on ${FTPS_LISTEN_ADDRESS:-*}:$FTPS_CONTROL_PORT, passive $FTPS_PASV_MIN_PORT-$FTPS_PASV_MAX_PORT, advertised ${FTPS_PASV_ADDRESS:-own address}"
exec /usr/sbin/pure-ftpd "$@"
