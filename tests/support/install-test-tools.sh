#!/usr/bin/env bash
# Installs what the tests use that is missing: the Debian packages of
# tests/support/debian-packages, with apt-get when this runs as root on Debian (else it names
# them and the command, and the tests that need them skip loudly, or fail with
# HEARTH_REQUIRE_ALL=1), and kubernetes-validate from PyPI for make k8s-validate.
set -euo pipefail
cd "$(dirname "$0")"

if ! python3 -c 'import kubernetes_validate' 2>/dev/null; then
  if python3 -m pip --version >/dev/null 2>&1; then
    echo "installing what the tests use: kubernetes-validate (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore kubernetes-validate==1.37.0 ||
      echo "!!! could not install kubernetes-validate: make k8s-validate will skip" >&2
  else
    echo "!!! missing for make k8s-validate: python3 with pip (then: pip install kubernetes-validate)" >&2
  fi
fi

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
