#!/usr/bin/env bash
# Starts step 07's GraphQL gateway (apps/graphql/gateway.mjs) in front of a running
# `tinygpt serve`:
#   scripts/graphql-gateway.sh [--upstream URL] [--port N] [--host H]
# It needs Node.js 20+ and the gateway's npm packages (scripts/setup.sh installs them); the
# options go to the gateway unchanged (--help lists them). exec, so that a signal sent to
# this script's process reaches the gateway itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v node >/dev/null; then
  echo "graphql-gateway: node is missing (Node.js 20 or newer; Debian: apt-get install nodejs)" >&2
  exit 1
fi
if [ ! -d "$root/apps/graphql/node_modules" ]; then
  echo "graphql-gateway: apps/graphql/node_modules is missing: run scripts/setup.sh (npm ci there)" >&2
  exit 1
fi
exec node "$root/apps/graphql/gateway.mjs" "$@"
