#!/usr/bin/env bash
# Step 04's comparison of fine-tuning methods ("The rungs compared" in the README): the
# journey's pre-trained GPT learns to classify the reviews by eight methods, each with the same
# batches of 16 reviews, the same number of steps and a learning rate of its own:
#   rates   each method at three learning rates, seed 1; the rate whose run ends with the best
#           accuracy on 768 dev reviews (never the test reviews) goes to rates.txt;
#   table   each method at its rate with seeds 1..N, scored on the 767 test reviews: table.md,
#           with what trains, what is stored per task, peak memory and time.
# Run it from anywhere after scripts/journey.sh (which makes .tinygpt/journey/gpt/model and
# .tinygpt/journey/world); the runs go to .tinygpt/compare/. About 25 minutes a part on 2 cores.
# Reads the runs' JSON with python3; TINYGPT=path runs another copy of the program.
#
#   steps/04-finetuning/compare.sh [--seeds N] [--steps S] [rates] [table]
#
# runs the parts named (both when none is), with N seeds (3) of S steps (300) each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seeds=3
steps=300
wanted=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    rates | table) wanted+=("$1"); shift ;;
    *) echo "compare.sh: unknown argument '$1' (see the script's first lines)" >&2; exit 1 ;;
  esac
done
if [[ ${#wanted[@]} -eq 0 ]]; then wanted=(rates table); fi
# True when the part $1 was asked for.
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }
tinygpt="${TINYGPT:-build/release/apps/tinygpt}"
model=.tinygpt/journey/gpt/model
data=.tinygpt/journey/world
runs=.tinygpt/compare
if [[ ! -x "$tinygpt" || ! -d "$model" || ! -f "$data/reviews.jsonl" ]]; then
  echo "compare.sh: run scripts/journey.sh first (it builds $tinygpt, $model and $data)" >&2
  exit 1
fi
mkdir -p "$runs"

# From the cheapest rung to the dearest. The LoRA runs adapt all four linear layers of a block.
methods=(head soft_prompt prefix lora-r2 qlora-r2 lora-r8 top1 full)
declare -A label=([head]="head only (probe)" [soft_prompt]="soft prompt, 16 tokens"
  [prefix]="prefix, 16 tokens (MLP)" [lora-r2]="LoRA, r = 2" [qlora-r2]="QLoRA, r = 2 (NF4 base)"
  [lora-r8]="LoRA, r = 8" [top1]="top-1 block" [full]="full fine-tuning")
# Three rates a method, a factor of about 3 apart: the fewer weights train, the larger the
# steps they take. LoRA's alpha / r is 2 at both ranks, so one grid serves both.
declare -A grid=([head]="3e-3 1e-2 3e-2" [soft_prompt]="1e-2 3e-2 1e-1"
  [prefix]="1e-3 3e-3 1e-2" [lora-r2]="2e-3 6e-3 2e-2" [qlora-r2]="2e-3 6e-3 2e-2"
  [lora-r8]="2e-3 6e-3 2e-2" [top1]="3e-4 1e-3 3e-3" [full]="1e-4 3e-4 1e-3")

# Sets margs to the finetune arguments of method $1.
method_args() {
  local targets=attn.c_attn,attn.c_proj,mlp.c_fc,mlp.c_proj
  case "$1" in
    head | full) margs=(--method "$1") ;;
    top1) margs=(--method top_k_blocks --top-k 1) ;;
    lora-r2) margs=(--method lora --lora-rank 2 --lora-alpha 4 --lora-targets "$targets") ;;
    lora-r8) margs=(--method lora --lora-rank 8 --lora-alpha 16 --lora-targets "$targets") ;;
    qlora-r2) margs=(--method qlora --lora-rank 2 --lora-alpha 4 --lora-targets "$targets") ;;
    soft_prompt) margs=(--method soft_prompt --virtual-tokens 16 --prompt-init text
                        --prompt-init-text "Is this review positive, negative or neutral?") ;;
    prefix) margs=(--method prefix --virtual-tokens 16) ;;
  esac
}

# Validation every 100 steps and at the last, on 48 x 16 = 768 of the dev reviews: enough
# that a rate is not chosen on the luck of a few dozen reviews.
common=(--model "$model" --data "$data" --task classify --batch 16 --steps "$steps"
        --min-lr 1e-4 --eval-interval 100 --eval-batches 48 --print-every 100 --keep 1)

# Fine-tunes method $1 at rate $2 with seed $3 into the folder $4 (afresh). GNU time writes
# the run's peak RSS (KB) and wall-clock seconds to time.txt beside its other files.
finetune() {
  local method="$1" lr="$2" seed="$3" out="$4"
  method_args "$method"
  rm -rf "$out"
  mkdir -p "$out"
  echo "== $out: ${margs[*]} --lr $lr --seed $seed"
  /usr/bin/time -f "%M %e" -o "$out/time.txt" "$tinygpt" finetune "${common[@]}" "${margs[@]}" \
    --lr "$lr" --seed "$seed" --out "$out" | grep -E 'val accuracy|^\| all '
}

# Prints the value at the keys $2 $3 ... of the JSON file $1.
json_field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]: value = value[key]
print(value)' "$@"
}

# The dev accuracy the run in $1 ended with (its last validation).
dev_accuracy() { grep '"val_accuracy"' "$1/metrics.jsonl" | tail -1 | grep -o '"val_accuracy":[^,}]*' | cut -d: -f2; }

# 1. Rates: the best of each method's grid on seed 1, by dev accuracy; the first on a tie.
if wants rates; then
: > "$runs/rates.txt"
for method in "${methods[@]}"; do
  best="" best_accuracy=-1
  for lr in ${grid[$method]}; do  # the grid is split into its rates on purpose
    finetune "$method" "$lr" 1 "$runs/rates/$method-$lr"
    accuracy=$(dev_accuracy "$runs/rates/$method-$lr")
    echo "   dev accuracy $accuracy"
    if awk -v a="$accuracy" -v b="$best_accuracy" 'BEGIN { exit !(a > b) }'; then
      best="$lr" best_accuracy="$accuracy"
    fi
  done
  echo "$method $best $best_accuracy" >> "$runs/rates.txt"
done
cat "$runs/rates.txt"
fi

# Mean, then min and max, of the numbers on stdin (one a line).
stats() { awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if (NR == 1 || $1 > hi) hi = $1 }
               END { print s / NR, lo, hi }'; }
# The table row of method $1 at rate $2 from its seeds' runs.
row() {
  local method="$1" lr="$2" first="$runs/table/$1-seed1" folder s
  local trained all kb wall
  trained=$(json_field "$first/report.json" trainable_parameters)
  all=$(json_field "$runs/table/full-seed1/report.json" trainable_parameters)
  folder="$first/adapter"
  [[ -d "$folder" ]] || folder="$first/model"  # full, head and top-k keep a whole model
  local bytes accuracies=() rss=() seconds=()
  bytes=$(cat "$folder"/* | wc -c)
  for s in $(seq 1 "$seeds"); do
    accuracies+=("$(json_field "$runs/table/$method-seed$s/report.json" groups all accuracy)")
    read -r kb wall < "$runs/table/$method-seed$s/time.txt"
    rss+=("$kb") seconds+=("$wall")
  done
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$method]}" \
    "$(printf '%s' "$trained" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')" \
    "$(awk -v t="$trained" -v a="$all" 'BEGIN { x = 100 * t / a; printf(x < 1 ? "%.2f%%" : "%.1f%%", x) }')" \
    "$(awk -v b="$bytes" 'BEGIN { printf(b < 1e6 ? "%.0f KB" : "%.1f MB", b < 1e6 ? b / 1e3 : b / 1e6) }')" \
    "$(printf '%s\n' "${rss[@]}" | stats | awk '{ printf "%.0f MB", $3 * 1.024 / 1e3 }')" "$lr" \
    "$(printf '%s\n' "${accuracies[@]}" | stats | awk '{ printf "%.1f (%.1f–%.1f)", 100 * $1, 100 * $2, 100 * $3 }')" \
    "$(printf '%s\n' "${seconds[@]}" | stats | awk '{ printf "%.0f", $1 }')"
}

# 2. Table: every method at its rate, seeds 1..N, then one row each from the runs' files.
if wants table; then
if [[ ! -f "$runs/rates.txt" ]]; then echo "compare.sh: run 'rates' first" >&2; exit 1; fi
declare -A rate
while read -r method lr _; do rate[$method]="$lr"; done < "$runs/rates.txt"
for method in "${methods[@]}"; do
  for s in $(seq 1 "$seeds"); do finetune "$method" "${rate[$method]}" "$s" "$runs/table/$method-seed$s"; done
done
{
  echo "Review sentiment, the journey's GPT, $steps steps of 16 reviews at the rate chosen on the dev"
  echo "reviews (rates.txt), seeds 1-$seeds. Test accuracy on the 767 test reviews: mean (min–max) over"
  echo "the seeds; peak RSS: the largest of the seeds'; s per run: wall clock, test pass included."
  echo
  echo "| method | trains | share | stored per task | peak RSS | rate | test accuracy % | s per run |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for method in "${methods[@]}"; do row "$method" "${rate[$method]}"; done
} > "$runs/table.md"
cat "$runs/table.md"
fi
