#!/usr/bin/env bash
# Installs the Debian packages the tests use (tests/support/debian-packages) that are missing:
# with apt-get when this runs as root on Debian, else it names them and the command, and the
# tests that need them skip loudly (or fail, with HEARTH_REQUIRE_ALL=1).
set -euo pipefail
cd "$(dirname "$0")"

mapfile -t packages < <(grep -v '^#' debian-packages | grep -v '^$')
if ! command -v dpkg >/dev/null 2>&1; then
  echo "!!! not a Debian system: install these (or your system's equivalents) for every test to run: ${packages[*]}" >&2
  exit 0
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "!!! missing for some tests: ${missing[*]}" >&2
  echo "!!! install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 0
fi
echo "installing what the tests use: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
