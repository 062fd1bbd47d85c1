#!/usr/bin/env bash
# The main command: installs what is missing, builds the Release configuration and runs
# the journey, the end-to-end demo of every step built so far. Extra arguments go to
# `tinygpt journey` (try --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  cat <<'HELP'
scripts/journey.sh [tinygpt journey options]

Installs what is missing, builds build/release and runs `tinygpt journey`: every step of
the course end to end, its figures in .tinygpt/journey/REPORT.md.

The time budget, on 2 cores (the whole journey stays within 10 minutes):

  stage                                        budget   stops early past
  steps 01-03: spirals, bigram, pre-training    150 s   pre-training: --time-limit (120 s)
  step 04: fine-tuning                          120 s   the three runs' --time-limit (25, 45, 20 s)
  step 05: alignment                             90 s   DPO's --time-limit (55 s)
  step 06: evaluation                            60 s   RAG instruction tuning: 20 s
  step 07: deployment                            20 s   (serves and measures; no training)
  in all                                        440 s   about 7.5 minutes

A stage that reaches its limit stops training early, keeps what it has learnt, and says
so in REPORT.md; the rest of the journey goes on. On a slower machine the stages that do
not train take longer than their budget: on 2 cores of a first-generation AMD EPYC (AVX2)
the journey took 491 s in all (steps 01-03 212 s, 04 121 s, 05 41 s, 06 114 s, 07 3 s).

--serve keeps step 07's server running after the journey (the chat page and the API on
http://127.0.0.1:8080/, --port to change it) until Ctrl-C.

The options of `tinygpt journey`:
HELP
  if [[ -x build/release/apps/tinygpt ]]; then build/release/apps/tinygpt journey --help; fi
  exit 0
fi

bash scripts/setup.sh
cmake --preset release
cmake --build --preset release --parallel "$(nproc)"
build/release/apps/tinygpt journey "$@"
