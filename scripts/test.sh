#!/usr/bin/env bash
# The tests: installs what is missing, builds the Release configuration and runs the whole
# suite (slow tests included) through ctest. Extra arguments go to ctest, e.g. -L step01.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --parallel "$(nproc)"
ctest --preset release "$@"
