#!/usr/bin/env bash
# Step 03's training experiments, each a few `tinygpt train` runs of the journey's GPT on the
# journey's data, drawn by `tinygpt plot` into the lesson's pictures (images/):
#   optimizers     SGD, SGD with momentum, Adam and AdamW, same model, data and steps;
#   batch size     batches of 2, 8 and 32 sequences, same number of tokens read;
#   over-fitting   many passes over a small slice of the stories, until validation turns up;
#   precision      the journey's pre-training in float32 and in bf16 mixed precision.
# Run it from anywhere after scripts/journey.sh (which makes .tinygpt/journey/data); the
# runs go to .tinygpt/experiments/. About 30 minutes on 2 cores.
#
#   steps/03-pretraining/experiments.sh [--seeds N] [optimizers] [batch] [overfitting] [precision]
#
# runs the experiments named (all four when none is), the optimizers with N seeds (2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seeds=2
wanted=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    optimizers | batch | overfitting | precision) wanted+=("$1"); shift ;;
    *) echo "experiments.sh: unknown argument '$1' (see the script's first lines)" >&2; exit 1 ;;
  esac
done
if [[ ${#wanted[@]} -eq 0 ]]; then wanted=(optimizers batch overfitting precision); fi
# True when the experiment $1 was asked for.
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }
tinygpt=build/release/apps/tinygpt
data=.tinygpt/journey/data
runs=.tinygpt/experiments
images=steps/03-pretraining/images
if [[ ! -x "$tinygpt" || ! -f "$data/train.tokens" ]]; then
  echo "experiments.sh: run scripts/journey.sh first (it builds $tinygpt and makes $data)" >&2
  exit 1
fi
mkdir -p "$runs"

# The journey's GPT (4 layers, 256 wide) at a context of 128 tokens; 8 sequences a step.
common=(--config steps/03-pretraining/configs/journey.json --context 128 --clip 1
        --eval-batches 8 --print-every 100 --keep 1)

# Trains into $runs/$1 (afresh) with the common settings and the rest of the arguments.
train() {
  local name="$1"
  shift
  rm -rf "${runs:?}/$name"
  echo "== $name: $*"
  "$tinygpt" train "${common[@]}" --out "$runs/$name" "$@" | tail -1
}

# 1. Optimizers: 300 steps each, validation every 25. SGD's learning rate is larger because
# its step is lr x gradient, not Adam's lr x a normalised gradient; with momentum 0.9 the
# step grows to about lr / (1 - 0.9), so the rate is a tenth of plain SGD's.
if wants optimizers; then
for seed in $(seq 1 "$seeds"); do
  optimizer_runs=(--data "$data" --batch 8 --steps 300 --warmup 30 --eval-interval 25
                  --seed "$seed")
  train "sgd-$seed" "${optimizer_runs[@]}" --optimizer sgd --momentum 0 --lr 0.1 --min-lr 0.01 \
    --weight-decay 0
  train "momentum-$seed" "${optimizer_runs[@]}" --optimizer sgd --momentum 0.9 --lr 0.01 \
    --min-lr 0.001 --weight-decay 0
  train "adam-$seed" "${optimizer_runs[@]}" --lr 3e-3 --min-lr 3e-4 --weight-decay 0
  train "adamw-$seed" "${optimizer_runs[@]}" --lr 3e-3 --min-lr 3e-4 --weight-decay 0.1
done
for seed in $(seq 1 "$seeds"); do
  echo "== seed $seed"
  "$tinygpt" plot --run "SGD=$runs/sgd-$seed" --run "SGD + momentum=$runs/momentum-$seed" \
    --run "Adam=$runs/adam-$seed" --run "AdamW=$runs/adamw-$seed" --x step --y val_loss \
    --title "Four optimizers, the same GPT and 300 steps (seed $seed)" \
    --out "$runs/optimizers-seed-$seed.svg"
done
cp "$runs/optimizers-seed-1.svg" "$images/optimizers.svg"
fi

# 2. Batch size: 307,200 tokens each (300 steps of 8 x 128), at the same learning rate.
if wants batch; then
batch_runs=(--data "$data" --lr 3e-3 --min-lr 3e-4 --seed 1)
train batch-2 "${batch_runs[@]}" --batch 2 --steps 1200 --eval-interval 100
train batch-8 "${batch_runs[@]}" --batch 8 --steps 300 --eval-interval 25
train batch-32 "${batch_runs[@]}" --batch 32 --steps 75 --eval-interval 6
batches=(--run "batch 2=$runs/batch-2" --run "batch 8=$runs/batch-8" --run "batch 32=$runs/batch-32")
"$tinygpt" plot "${batches[@]}" --x tokens --y val_loss \
  --title "Batch size: validation loss against the tokens read" --out "$images/batch-size-tokens.svg"
"$tinygpt" plot "${batches[@]}" --x train_s --y val_loss \
  --title "Batch size: validation loss against training time" --out "$images/batch-size-time.svg"
fi

# 3. Over-fitting: the first 40 KB of the stories (7,344 training tokens, a tenth of the
# paragraphs held out for validation), 400 steps of 8 x 128 tokens: some 56 passes.
if wants overfitting; then
head -c 40000 .tinygpt/journey/world/stories.txt > "$runs/small-stories.txt"
train overfitting --data "$runs/small-stories.txt" --tokenizer "$data/tokenizer.bpe" \
  --batch 8 --steps 400 --eval-interval 20 --lr 3e-3 --min-lr 3e-4 --seed 1
"$tinygpt" plot --run "small slice=$runs/overfitting" --x step --y loss --y val_loss --smooth 20 \
  --title "Over-fitting: 56 passes over 7,344 tokens" --out "$images/overfitting.svg"
fi

# 4. Precision: the journey's own pre-training (700 steps of 4 x 256 tokens, as
# journey_demo.h sets it, without its time limit) in float32 and in bf16 mixed precision.
if wants precision; then
for precision in float32 bf16; do
  rm -rf "${runs:?}/precision-$precision"
  echo "== precision-$precision"
  "$tinygpt" train --config steps/03-pretraining/configs/journey.json --data "$data" \
    --batch 4 --steps 700 --eval-interval 100 --lr 3e-3 --min-lr 3e-4 --seed 1 --keep 1 \
    --print-every 100 --precision "$precision" --out "$runs/precision-$precision" | tail -1
done
"$tinygpt" plot --run "float32=$runs/precision-float32" --run "bf16=$runs/precision-bf16" \
  --y val_loss --y loss --smooth 20 \
  --title "The journey's GPT in float32 and in bf16 mixed precision" \
  --out "$images/mixed-precision.svg"
fi
