#!/usr/bin/env bash
# Installs the Debian packages of scripts/packages.txt that are missing (and nothing else),
# then the npm packages of tests/browser and apps/graphql (`npm ci` in each when its
# node_modules is missing or its package-lock.json changed). Uses sudo for apt when not run
# as root. Safe to run again: installed packages are skipped.
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
else
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
fi

# The npm packages of the browser tests (tests/browser: playwright-core, openai, yaml) and
# of the GraphQL gateway (apps/graphql: graphql, graphql-http), at the versions each
# package-lock.json pins. A stamp in node_modules holds the lock's hash, so a changed lock
# installs again.
npm_ci() {
  local folder="$1"
  local stamp="$here/../$folder/node_modules/.tinygpt-lock-sha256"
  local lock_sha
  lock_sha=$(sha256sum "$here/../$folder/package-lock.json" | awk '{ print $1 }')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sha" ]; then
    echo "setup: $folder/node_modules matches package-lock.json"
  elif ! command -v npm >/dev/null; then
    echo "setup: npm is missing (Debian: apt-get install npm); the tests that need $folder's packages will be skipped" >&2
  else
    echo "setup: npm ci in $folder"
    (cd "$here/../$folder" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sha" >"$stamp"
  fi
}
npm_ci tests/browser
npm_ci apps/graphql
