#!/bin/sh
# Renders proftpd.conf from FTPS_* variables (docker/README.md) and runs
# ProFTPD in the foreground. An implicit-FTPS port is a second virtual
# server with TLSOptions UseImplicitSSL.
set -eu
: "${FTPS_USER:=ftpsim}" "${FTPS_PASSWORD:=ftpsim}"
: "${FTPS_CONTROL_PORT:=21}" "${FTPS_IMPLICIT_PORT:=}"
: "${FTPS_PASV_MIN_PORT:=30000}" "${FTPS_PASV_MAX_PORT:=30009}" "${FTPS_PASV_ADDRESS:=}" "${FTPS_LISTEN_ADDRESS:=}"
: "${FTPS_CERT_FILE:=/etc/ftps/server.crt}" "${FTPS_KEY_FILE:=/etc/ftps/server.key}"
: "${FTPS_REQUIRE_REUSE:=yes}"

home=/home/$FTPS_USER
id "$FTPS_USER" >/dev/null 2>&1 || useradd -m -d "$home" -s /bin/sh "$FTPS_USER"
echo "$FTPS_USER:$FTPS_PASSWORD" | chpasswd

options=""
case "$FTPS_REQUIRE_REUSE" in yes|YES|true|1) ;; *) options="NoSessionReuseRequired" ;; esac

# settings shared by the explicit server and the implicit virtual server;
# mod_tls sends only the leaf of TLSRSACertificateFile: the intermediates
# come from TLSCertificateChainFile (the same chain file does)
common() {
	cat <<CONF
  PassivePorts $FTPS_PASV_MIN_PORT $FTPS_PASV_MAX_PORT
  ${FTPS_PASV_ADDRESS:+MasqueradeAddress $FTPS_PASV_ADDRESS}
  AuthOrder mod_auth_unix.c
  RequireValidShell off
  DefaultRoot ~
  AllowOverwrite on
  Umask 022
  TLSEngine on
  TLSLog /var/log/proftpd/tls.log
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile $FTPS_CERT_FILE
  TLSRSACertificateKeyFile $FTPS_KEY_FILE
  TLSCertificateChainFile $FTPS_CERT_FILE
  TLSVerifyClient off
  TLSRenegotiate none
  TLSRequired on
CONF
}

{
	cat <<CONF
ModulePath /usr/lib/proftpd
LoadModule mod_tls.c
ServerType standalone
ServerName "ftpsim proftpd container"
ServerIdent on "ftpsim proftpd container"
DefaultServer on
UseIPv6 off
Port $FTPS_CONTROL_PORT
${FTPS_LISTEN_ADDRESS:+DefaultAddress $FTPS_LISTEN_ADDRESS}
${FTPS_LISTEN_ADDRESS:+SocketBindTight on}
User nobody
Group nogroup
MaxInstances 50
TimeoutIdle 60
UseReverseDNS off
DelayEngine off
WtmpLog off
ScoreboardFile /run/proftpd/proftpd.scoreboard
PidFile /run/proftpd/proftpd.pid
SystemLog /var/log/proftpd/proftpd.log
TransferLog NONE
CONF
	common
	[ -z "$options" ] || echo "  TLSOptions $options"
	if [ -n "$FTPS_IMPLICIT_PORT" ]; then
		echo "<VirtualHost ${FTPS_LISTEN_ADDRESS:-0.0.0.0}>"
		echo "  Port $FTPS_IMPLICIT_PORT"
		common
		echo "  TLSOptions UseImplicitSSL $options"
		echo "</VirtualHost>"
	fi
} > /etc/proftpd/ftps.conf

echo "ftps-entrypoint: proftpd on ${FTPS_LISTEN_ADDRESS:-*}:$FTPS_CONTROL_PORT${FTPS_IMPLICIT_PORT:+ (implicit $FTPS_IMPLICIT_PORT)}, passive $FTPS_PASV_MIN_PORT-$FTPS_PASV_MAX_PORT, advertised ${FTPS_PASV_ADDRESS:-own address}"
exec /usr/sbin/proftpd --nodaemon --config /etc/proftpd/ftps.conf
