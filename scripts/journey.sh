#!/usr/bin/env bash
# The main command: installs what is missing, builds the Release configuration and runs
# the journey, the end-to-end demo of every step built so far. Extra arguments go to
# `tinygpt journey` (try --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --parallel "$(nproc)"
build/release/apps/tinygpt journey "$@"
