#!/usr/bin/env bash
# Installs the Debian packages of scripts/packages.txt that are missing (and nothing else).
# Uses sudo when not run as root. Safe to run again: installed packages are skipped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=$(sed -e 's/#.*//' "$here/packages.txt" | awk 'NF { print $1 }')

missing=()
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: every package of scripts/packages.txt is installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "setup: this is not a Debian-like system; install these packages (or their equivalents) yourself:" >&2
  echo "  ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
