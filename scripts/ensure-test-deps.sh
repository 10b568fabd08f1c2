#!/bin/sh
# Makes sure the Debian packages the tests use are installed: real servers and tools the
# tests start themselves (PostgreSQL, OpenLDAP's slapd with ldap-utils and openssl, Samba as an
# AD domain controller, Chromium, oathtool, fonts for screenshots).
# As root it installs what is missing; otherwise it prints the command to run.
# Quiet and fast when everything is present.
set -eu

missing=""

# need PACKAGE CHECK...: PACKAGE is missing when the shell test CHECK fails.
need() {
  package=$1
  shift
  if ! "$@" >/dev/null 2>&1; then missing="$missing $package"; fi
}

has_glob() {
  for path in "$@"; do [ -e "$path" ] && return 0; done
  return 1
}

need postgresql has_glob /usr/lib/postgresql/*/bin/initdb
need chromium test -x /usr/bin/chromium
need oathtool test -x /usr/bin/oathtool
need fonts-dejavu-core test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
need slapd test -x /usr/sbin/slapd
need ldap-utils test -x /usr/bin/ldapwhoami
need openssl test -x /usr/bin/openssl
# Samba as an Active Directory domain controller (samba-ad-provision holds the AD schema that
# `samba-tool domain provision` needs; --no-install-recommends would otherwise leave it out).
need samba test -x /usr/sbin/samba
need samba-ad-dc sh -c 'dpkg-query -W -f="\${Status}" samba-ad-dc | grep -q "ok installed"'
need samba-ad-provision test -d /usr/share/samba/setup/ad-schema
need krb5-user test -x /usr/bin/kinit
need winbind test -x /usr/sbin/winbindd

[ -z "$missing" ] && exit 0

missing=${missing# }
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-test-deps: the tests need these Debian packages: $missing" >&2
  echo "ensure-test-deps: install them as root with:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing" >&2
  exit 1
fi

echo "ensure-test-deps: installing $missing" >&2
apt-get update -qq >&2
# shellcheck disable=SC2086 # the package list is meant to split into words
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
echo "ensure-test-deps: installed $missing" >&2
