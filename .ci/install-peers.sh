#!/usr/bin/env bash
# install-peers.sh: install the real FTP servers and clients that internal/peers drives.
#
# Run as root on Debian 12. Idempotent: when everything is already present it only checks and
# prints versions (no apt). Starts no daemon: a temporary /usr/sbin/policy-rc.d (exit 101) is put
# in place during installs when none exists.
#
#   apt:      curl lftp openssl vsftpd python3-pyftpdlib python3-openssl (+ shared libraries)
#             tshark (reads the pcapng captures ftpsim writes; not setuid: debconf answered first)
#             chromium (headless: renders the HTML report in scenarios/report's browser test)
#   unpacked: proftpd-core proftpd-mod-crypto -> /opt/ftps-peers/proftpd
#             pure-ftpd pure-ftpd-common      -> /opt/ftps-peers/pure-ftpd
#             (vsftpd, proftpd-core and pure-ftpd all conflict on ftp-server, so only vsftpd is apt-installed)
#   account:  system user ftpsuser / ftpspass (nologin), PAM service /etc/pam.d/ftps-peers (pam_unix only)
set -euo pipefail

PEERS_OPT=${PEERS_OPT:-/opt/ftps-peers}
PROFTPD_ROOT=$PEERS_OPT/proftpd
PUREFTPD_ROOT=$PEERS_OPT/pure-ftpd
FTP_USER=ftpsuser
FTP_PASS=ftpspass
FTP_HOME=/srv/ftpsuser # must exist: vsftpd chdirs to the home directory before local_root
PAM_FILE=/etc/pam.d/ftps-peers
APT_PACKAGES=(curl lftp openssl vsftpd python3-pyftpdlib python3-openssl tshark chromium)
export DEBIAN_FRONTEND=noninteractive

log() { printf 'install-peers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v apt-get >/dev/null || die "apt-get not found (Debian 12 expected)"

# --- policy-rc.d guard: no maintainer script may start a daemon on port 21 -------------------
POLICY=/usr/sbin/policy-rc.d
policy_created=no
cleanup() {
	if [ "$policy_created" = yes ]; then
		rm -f "$POLICY"
	fi
}
trap cleanup EXIT
guard_daemons() {
	if [ ! -e "$POLICY" ]; then
		printf '#!/bin/sh\n# temporary, from .ci/install-peers.sh\nexit 101\n' >"$POLICY"
		chmod 755 "$POLICY"
		policy_created=yes
	fi
}

apt_updated=no
apt_update_once() {
	if [ "$apt_updated" = no ]; then
		apt-get update -qq
		apt_updated=yes
	fi
}

# apt_install installs packages, refreshing the package lists once if the first try fails.
apt_install() {
	[ $# -gt 0 ] || return 0
	guard_daemons
	if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
		apt_update_once
		apt-get install -y -qq --no-install-recommends "$@" >/dev/null
	fi
}

# --- checks -----------------------------------------------------------------------------------
missing_apt() {
	local p
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

# binaries_with_missing_libs prints every ELF file under the given roots whose ldd reports "not found".
binaries_with_missing_libs() {
	local f
	for f in $(find "$@" -type f \( -perm -u+x -o -name '*.so' \) 2>/dev/null); do
		if ldd "$f" 2>/dev/null | grep -q 'not found'; then echo "$f"; fi
	done
}

proftpd_bin() {
	if [ -x /usr/sbin/proftpd ] && [ -e /usr/lib/proftpd/mod_tls.so ]; then echo /usr/sbin/proftpd; return; fi
	echo "$PROFTPD_ROOT/usr/sbin/proftpd"
}
pureftpd_bin() {
	if [ -x /usr/sbin/pure-ftpd ]; then echo /usr/sbin/pure-ftpd; return; fi
	echo "$PUREFTPD_ROOT/usr/sbin/pure-ftpd"
}

proftpd_ok() {
	local b; b=$(proftpd_bin)
	[ -x "$b" ] || return 1
	[ -n "$(binaries_with_missing_libs "$b" "$(dirname "$(dirname "$b")")/lib/proftpd/mod_tls.so")" ] && return 1
	return 0
}
pureftpd_ok() {
	local b; b=$(pureftpd_bin)
	[ -x "$b" ] || return 1
	[ -n "$(binaries_with_missing_libs "$b")" ] && return 1
	return 0
}

# --- unpacking --------------------------------------------------------------------------------
# lib_depends prints the library packages (first alternative of each Depends entry) of .deb files.
lib_depends() {
	local deb
	for deb in "$@"; do
		dpkg-deb -f "$deb" Depends Pre-Depends
	done | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/^[^:]*: *//' -e 's/ //g' | grep -E '^lib' | sort -u
}

# unpack root pkg... downloads the packages, installs their libraries with apt, extracts them to root.
unpack() {
	local root=$1; shift
	local tmp; tmp=$(mktemp -d)
	(
		cd "$tmp"
		if ! apt-get download -qq "$@" >/dev/null 2>&1; then
			apt_update_once
			apt-get download -qq "$@" >/dev/null
		fi
	)
	# shellcheck disable=SC2046
	apt_install $(lib_depends "$tmp"/*.deb)
	rm -rf "$root.new"
	mkdir -p "$root.new"
	local deb
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root.new"
	done
	rm -rf "$root"
	mv "$root.new" "$root"
	rm -rf "$tmp"
	log "unpacked $* into $root"
}

# --- account ----------------------------------------------------------------------------------
ensure_account() {
	if ! id "$FTP_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir "$FTP_HOME" --shell /usr/sbin/nologin "$FTP_USER"
		log "created system user $FTP_USER"
	fi
	if [ "$(getent passwd "$FTP_USER" | cut -d: -f6)" != "$FTP_HOME" ]; then
		usermod --home "$FTP_HOME" "$FTP_USER"
		log "set home of $FTP_USER to $FTP_HOME"
	fi
	if [ ! -d "$FTP_HOME" ]; then
		install -d -m 0755 -o "$FTP_USER" -g "$(id -gn "$FTP_USER")" "$FTP_HOME"
		log "created $FTP_HOME"
	fi
	local want; want=$(getent shadow "$FTP_USER" | cut -d: -f2)
	local salt; salt=$(printf '%s' "$want" | awk -F'$' 'NF>=4 {print $3}')
	if [ -z "$salt" ] || [ "$(openssl passwd -6 -salt "$salt" "$FTP_PASS")" != "$want" ]; then
		echo "$FTP_USER:$FTP_PASS" | chpasswd --crypt-method SHA512 # $6$, so the check above can verify it
		log "set password of $FTP_USER"
	fi
	local pam
	pam=$(printf '%s\n' \
		'# PAM service for the ftpsim test peers (vsftpd pam_service_name=ftps-peers): pam_unix only.' \
		'auth     required pam_unix.so' \
		'account  required pam_unix.so' \
		'session  required pam_unix.so')
	if [ "$(cat "$PAM_FILE" 2>/dev/null)" != "$pam" ]; then
		printf '%s\n' "$pam" >"$PAM_FILE"
		log "wrote $PAM_FILE"
	fi
}

# --- main -------------------------------------------------------------------------------------
mapfile -t need < <(missing_apt)
if [ ${#need[@]} -gt 0 ]; then
	log "apt-get install ${need[*]}"
	# tshark's package asks whether to make dumpcap setuid; answer no before it asks.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt_install "${need[@]}"
fi
proftpd_ok || unpack "$PROFTPD_ROOT" proftpd-core proftpd-mod-crypto
pureftpd_ok || unpack "$PUREFTPD_ROOT" pure-ftpd pure-ftpd-common
ensure_account

bad=$(binaries_with_missing_libs "$(proftpd_bin)" "$(pureftpd_bin)" /usr/sbin/vsftpd \
	"$(dirname "$(dirname "$(proftpd_bin)")")/lib/proftpd/mod_tls.so")
[ -z "$bad" ] || die "shared libraries still missing for: $bad"
/usr/bin/python3 -c 'import pyftpdlib, OpenSSL' || die "/usr/bin/python3 cannot import pyftpdlib and OpenSSL"

echo "versions:"
printf '  vsftpd     %s\n' "$(/usr/sbin/vsftpd -v 0>&1 | head -n1 || true)"
printf '  proftpd    %s (%s)\n' "$("$(proftpd_bin)" -v 2>&1 | head -n1)" "$(proftpd_bin)"
printf '  pure-ftpd  %s (%s)\n' "$("$(pureftpd_bin)" --help 2>&1 | head -n1)" "$(pureftpd_bin)"
printf '  pyftpdlib  %s, pyOpenSSL %s\n' \
	"$(/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)')" \
	"$(/usr/bin/python3 -c 'import OpenSSL; print(OpenSSL.__version__)')"
printf '  python     %s\n' "$(/usr/bin/python3 -c 'import ssl, sys; print(sys.version.split()[0], ssl.OPENSSL_VERSION)')"
printf '  curl       %s\n' "$(curl --version | head -n1)"
printf '  lftp       %s\n' "$(lftp --version | head -n1)"
printf '  openssl    %s\n' "$(openssl version)"
printf '  tshark     %s\n' "$(tshark --version 2>/dev/null | head -n1)"
printf '  chromium   %s\n' "$(chromium --version 2>/dev/null | head -n1)"
printf '  account    %s\n' "$(id "$FTP_USER")"
