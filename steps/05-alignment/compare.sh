#!/usr/bin/env bash
# Step 05's comparison of alignment methods ("The four methods compared" in the README):
# step 04's chat model aligned four ways on the world's preference pairs, each judged by the
# world's ground truth on the 197 test questions against the chat model itself:
#   table     a reward model (600 steps), then DPO, PPO against that reward model, and
#             contrastive post-training against two weaker chat models (step 04's instruction
#             tuning stopped at 40 and 120 of its 300 steps): table.md, with the win rate over
#             the chat model, the gold score, the KL to it, the wall time and the tokens
#             generated;
#   overopt   a weaker reward model (150 steps) and a long PPO run against it with a small KL
#             penalty: overopt/overoptimisation.svg, the reward and the gold score against
#             the KL (Gao et al., 2022). About 5 minutes.
# Run it from anywhere after scripts/journey.sh (which makes the chat model and the world; the
# preference pairs are added when missing); the runs go to .tinygpt/compare-align/. The table takes about 12
# minutes on 2 cores. Reads the runs' JSON with python3; TINYGPT=path runs another copy.
#
#   steps/05-alignment/compare.sh [table] [overopt]
#
# runs the parts named (both when none is).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

wanted=("$@")
if [[ ${#wanted[@]} -eq 0 ]]; then wanted=(table overopt); fi
for part in "${wanted[@]}"; do
  if [[ "$part" != table && "$part" != overopt ]]; then
    echo "compare.sh: unknown argument '$part' (see the script's first lines)" >&2
    exit 1
  fi
done
# True when the part $1 was asked for.
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }
tinygpt="${TINYGPT:-build/release/apps/tinygpt}"
base=.tinygpt/journey/gpt/model
chat=.tinygpt/journey/finetune/instruct/model
data=.tinygpt/journey/world
runs=.tinygpt/compare-align
if [[ ! -x "$tinygpt" || ! -d "$chat" || ! -f "$data/catalogue.json" ]]; then
  echo "compare.sh: run scripts/journey.sh first (it builds $tinygpt, $chat and $data)" >&2
  exit 1
fi
if [[ ! -f "$data/preferences.jsonl" ]]; then  # as the journey's step 05 adds them
  "$tinygpt" data generate --seed 1 --size 2000000 --kinds preferences --out "$data"
fi
mkdir -p "$runs"

# Runs `tinygpt align` into the folder $1 (afresh) with the other arguments.
align() {
  local out="$1"
  shift
  rm -rf "$out"
  echo "== $out: $*"
  "$tinygpt" align --model "$chat" --data "$data" --out "$out" --print-every 100 "$@" |
    grep -E '^\| all |Win rate|^The pairs|^Rollouts|correlation'
}

# Prints the value at the keys $2 $3 ... of the JSON file $1.
json_field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]: value = value[key]
print(value)' "$@"
}

# The table row of the run in $1, named $2.
row() {
  local report="$1/report.json"
  python3 - "$report" "$2" <<'PY'
import json, sys
report, name = json.load(open(sys.argv[1])), sys.argv[2]
judged = report["judged"]
print(f"| {name} | {100 * judged['win_rate']:.1f} [{100 * judged['win_rate_low']:.1f}, "
      f"{100 * judged['win_rate_high']:.1f}] | {judged['wins']} / {judged['ties']} / "
      f"{judged['losses']} | {100 * judged['gold_score']:.1f} | {judged['kl']:.2f} | "
      f"{report['seconds']:.0f} | {report['tokens_generated']:,} |")
PY
}

if wants table; then
  align "$runs/reward" --method reward --steps 600 --batch 16 --lr 1e-4 --min-lr 1e-5 \
    --eval-interval 200
  align "$runs/dpo" --method dpo --beta 0.1 --steps 100 --batch 16 --lr 3e-5 --min-lr 1e-6 \
    --eval-interval 50
  align "$runs/rpo" --method dpo --beta 0.1 --sft-coef 1 --steps 200 --batch 16 --lr 3e-5 \
    --min-lr 1e-6 --eval-interval 100
  align "$runs/ppo" --method ppo --reward-model "$runs/reward/model" --rollouts 64 --batch 16 \
    --ppo-epochs 4 --steps 320 --lr 2e-5 --min-lr 2e-6 --eval-interval 64 --eval-batches 2
  for steps in 40 120; do
    rm -rf "$runs/sft$steps"
    echo "== $runs/sft$steps: step 04's instruction tuning stopped at $steps steps"
    "$tinygpt" finetune --model "$base" --data "$data" --task instruct --hold-out-skill reverse \
      --steps "$steps" --batch 8 --lr 2e-3 --min-lr 1e-4 --test-per-skill 20 \
      --out "$runs/sft$steps" --print-every 100 > /dev/null
  done
  align "$runs/contrastive" --method contrastive --weaker "$runs/sft40/model" \
    "$runs/sft120/model" --beta 0.1 --steps 100 --batch 16 --lr 3e-5 --min-lr 1e-6 \
    --eval-interval 50
  {
    echo "Step 04's chat model aligned on the world's preference pairs; greedy answers to the"
    echo "$(json_field "$runs/dpo/report.json" judged questions) test questions judged by the world's ground truth against the chat model's own."
    echo "Win rate: questions where the aligned model's gold score is higher, a tie counting a half"
    echo "(95% bootstrap interval); KL to the chat model in nats per answer, on one sampled answer"
    echo "per question; wall time of the whole run, set-up and report included."
    echo
    echo "| method | win rate over SFT % | wins / ties / losses | gold score % | KL | wall s | tokens generated |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '| SFT (the chat model) | 50.0 | — | %.1f | 0 | — | 0 |\n' \
      "$(json_field "$runs/dpo/report.json" judged reference_gold_score | awk '{ print 100 * $1 }')"
    row "$runs/ppo" "PPO (reward model of 600 steps)"
    row "$runs/dpo" "DPO"
    row "$runs/rpo" "DPO + SFT term (RPO, alpha 1)"
    row "$runs/contrastive" "contrastive (no labels)"
  } > "$runs/table.md"
  cat "$runs/table.md"
fi

if wants overopt; then
  align "$runs/reward150" --method reward --steps 150 --batch 16 --lr 1e-4 --min-lr 1e-4 \
    --eval-interval 50
  align "$runs/overopt" --method ppo --reward-model "$runs/reward150/model" --beta 0.02 \
    --rollouts 64 --batch 16 --ppo-epochs 4 --steps 960 --lr 5e-5 --min-lr 5e-5 --warmup 16 \
    --eval-interval 160 --eval-batches 2
  echo "the chart: $runs/overopt/overoptimisation.svg"
fi
