#!/bin/sh
# Renders vsftpd.conf from FTPS_* variables (docker/README.md) and runs
# vsftpd in the foreground. An implicit-FTPS port runs a second vsftpd.
set -eu
: "${FTPS_USER:=ftpsim}" "${FTPS_PASSWORD:=ftpsim}"
: "${FTPS_CONTROL_PORT:=21}" "${FTPS_IMPLICIT_PORT:=}"
: "${FTPS_PASV_MIN_PORT:=30000}" "${FTPS_PASV_MAX_PORT:=30009}" "${FTPS_PASV_ADDRESS:=}" "${FTPS_LISTEN_ADDRESS:=}"
: "${FTPS_CERT_FILE:=/etc/ftps/server.crt}" "${FTPS_KEY_FILE:=/etc/ftps/server.key}"
: "${FTPS_REQUIRE_REUSE:=yes}"

home=/home/$FTPS_USER
id "$FTPS_USER" >/dev/null 2>&1 || useradd -m -d "$home" -s /bin/sh "$FTPS_USER"
echo "$FTPS_USER:$FTPS_PASSWORD" | chpasswd
yesno() { case "$1" in yes|YES|true|1) echo YES ;; *) echo NO ;; esac; }

render() { # render PORT IMPLICIT
	cat <<CONF
listen=YES
listen_ipv6=NO
listen_port=$1
background=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=/var/run/vsftpd/empty
nopriv_user=nobody
ftpd_banner=ftpsim vsftpd container
session_support=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=ftps
chroot_local_user=YES
allow_writeable_chroot=YES
pasv_enable=YES
pasv_min_port=$FTPS_PASV_MIN_PORT
pasv_max_port=$FTPS_PASV_MAX_PORT
port_enable=YES
connect_from_port_20=NO
ssl_enable=YES
implicit_ssl=$2
rsa_cert_file=$FTPS_CERT_FILE
rsa_private_key_file=$FTPS_KEY_FILE
ssl_ciphers=HIGH
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
ssl_request_cert=NO
require_ssl_reuse=$(yesno "$FTPS_REQUIRE_REUSE")
force_local_logins_ssl=YES
force_local_data_ssl=YES
debug_ssl=YES
log_ftp_protocol=YES
xferlog_enable=YES
xferlog_std_format=NO
vsftpd_log_file=/proc/1/fd/1
CONF
	if [ -n "$FTPS_LISTEN_ADDRESS" ]; then
		printf 'listen_address=%s\n' "$FTPS_LISTEN_ADDRESS"
	fi
	if [ -n "$FTPS_PASV_ADDRESS" ]; then
		printf 'pasv_address=%s\npasv_addr_resolve=NO\n' "$FTPS_PASV_ADDRESS"
	fi
}

render "$FTPS_CONTROL_PORT" NO > /etc/vsftpd.conf
if [ -n "$FTPS_IMPLICIT_PORT" ]; then
	render "$FTPS_IMPLICIT_PORT" YES > /etc/vsftpd-implicit.conf
	/usr/sbin/vsftpd /etc/vsftpd-implicit.conf &
fi
echo "ftps-entrypoint: vsftpd on ${FTPS_LISTEN_ADDRESS:-*}:$FTPS_CONTROL_PORT${FTPS_IMPLICIT_PORT:+ (implicit $FTPS_IMPLICIT_PORT)}, passive $FTPS_PASV_MIN_PORT-$FTPS_PASV_MAX_PORT, advertised ${FTPS_PASV_ADDRESS:-own address}"
exec /usr/sbin/vsftpd /etc/vsftpd.conf
