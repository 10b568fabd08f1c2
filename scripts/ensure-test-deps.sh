#!/bin/sh
# Makes sure the Debian packages the tests use are installed: real servers and tools the
# tests start themselves (PostgreSQL, Chromium, oathtool, fonts for screenshots).
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
