#!/usr/bin/env bash
# Step 06's comparisons, one subcommand each; the runs go to .tinygpt/compare-eval/<name>/.
#   fairness   before and after mitigation in the data: a generated world's stories and facts
#              pre-train one small GPT as they are and another, with the same tokenizer,
#              steps, batch and seed, on the same text plus its counterfactual copies
#              (`tinygpt data augment`: names rotated between the naming groups, she/he
#              swapped); both are measured by `tinygpt eval fairness --lm` (the occupation
#              association the world builds in, and the sentiment gaps), then fine-tuned on
#              the reviews into classifiers that `tinygpt eval fairness` probes with names
#              and pronouns. Prints two Markdown tables (also in fairness/table.md) and
#              leaves each report's REPORT.md, fairness.json and fairness.svg in its folder.
#              About 10 minutes on 2 shared cores.
# Needs a built tinygpt (TINYGPT=path runs another copy) and python3 to read the reports.
#
#   steps/06-evaluation/compare.sh fairness [...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

subcommands=(fairness)
if [[ $# -eq 0 ]]; then
  echo "usage: steps/06-evaluation/compare.sh ${subcommands[*]} (see the script's first lines)" >&2
  exit 1
fi
for part in "$@"; do
  if [[ " ${subcommands[*]} " != *" $part "* ]]; then
    echo "compare.sh: unknown subcommand '$part' (one of: ${subcommands[*]})" >&2
    exit 1
  fi
done
tinygpt="${TINYGPT:-build/release/apps/tinygpt}"
runs=.tinygpt/compare-eval
if [[ ! -x "$tinygpt" ]]; then
  echo "compare.sh: build tinygpt first (cmake --preset release && cmake --build --preset release)" >&2
  exit 1
fi

fairness() {
  local dir="$runs/fairness"
  local world="$dir/world" augmented="$dir/world-augmented"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== the world (seed 1, 600,000 bytes of stories) and its counterfactual augmentation"
  "$tinygpt" data generate --seed 1 --size 600000 --kinds stories,facts,reviews,fairness \
    --out "$world" > /dev/null
  "$tinygpt" data augment --world "$world" --out "$augmented"
  # A small GPT: 3 layers, 128 wide, a BPE of 512 tokens, 128 tokens of context.
  echo '{"family": "gpt", "vocab_size": 512, "context_length": 128, "width": 128,
         "layers": 3, "heads": 4, "dropout": 0.0, "bias": true}' > "$dir/gpt.json"
  # One budget for both: 300 steps of 16 sequences of 128 tokens (614,400 tokens), the same
  # seed, schedule and tokenizer (trained on the original text, reused for the augmented).
  local budget=(--config "$dir/gpt.json" --steps 300 --batch 16 --lr 3e-3 --min-lr 3e-4
                --eval-interval 100 --eval-batches 8 --print-every 100 --seed 1 --keep 1)
  local seconds=$SECONDS
  echo "== pre-training on the original text"
  "$tinygpt" train "${budget[@]}" --data "$world" --out "$dir/original" | tail -2 | head -1
  echo "== pre-training on the augmented text (same budget and tokenizer)"
  "$tinygpt" train "${budget[@]}" --data "$augmented" \
    --tokenizer "$dir/original/data/tokenizer.bpe" --out "$dir/augmented" | tail -2 | head -1
  for run in original augmented; do
    echo "== $run: the language-model suite, a classifier fine-tuned on the reviews, its suite"
    "$tinygpt" eval fairness --model "$dir/$run/model" --data "$world" --lm --sentiment-sets 20 \
      --out "$dir/lm-$run" > /dev/null
    "$tinygpt" finetune --model "$dir/$run/model" --data "$world" --task classify --steps 150 \
      --batch 16 --lr 1e-3 --min-lr 1e-4 --eval-interval 150 --print-every 150 --seed 1 \
      --keep 1 --out "$dir/classify-$run" > /dev/null
    "$tinygpt" eval fairness --model "$dir/classify-$run/model" --data "$world" \
      --out "$dir/classifier-$run" > /dev/null
  done
  echo "== $((SECONDS - seconds)) s for the runs"
  python3 - "$dir" > "$dir/table.md" <<'PY'
import json, sys
dir = sys.argv[1]
def load(path): return json.load(open(f"{dir}/{path}"))
def nats(i): return f"{i['value']:.3f} [{i['low']:.3f}, {i['high']:.3f}]"
def pct(i): return f"{100 * i['value']:.1f} [{100 * i['low']:.1f}, {100 * i['high']:.1f}]"
runs = [("original", "the stories and facts"), ("augmented", "the same + counterfactual copies")]
print("Language models: occupation association (log P(own group's occupations | name) minus")
print("the other groups' names, nats) and sentiment gaps (max - min over groups of mean")
print("log P(positive word) - log P(negative word), nats); 95% bootstrap intervals over probe sets.")
print()
print("| pre-trained on | validation loss (own text) | occupation assoc., world's people | occupation assoc., new names | sentiment gap, names | sentiment gap, pronouns |")
print("|---|---:|---:|---:|---:|---:|")
for run, text in runs:
    lm = load(f"lm-{run}/fairness.json")
    occ = {o["names"]: o for o in lm["occupations"]}
    sen = {s["axis"]: s for s in lm["sentiment"]}
    loss = [json.loads(l) for l in open(f"{dir}/{run}/metrics.jsonl") if '"val_loss"' in l][-1]["val_loss"]
    print(f"| {text} | {loss:.3f} | {nats(occ['world']['association'])} | {nats(occ['new']['association'])} "
          f"| {nats(sen['name']['gap'])} | {nats(sen['pronoun']['gap'])} |")
print()
print("Classifiers fine-tuned from each on the reviews (150 steps): figures in %.")
print()
print("| fine-tuned from | test accuracy | DP diff., probes, names | flips, probes, names | flips, probes, pronouns | flips, reviews, names | equalised odds, reviews, names | flips, reviews, pronouns | equalised odds, reviews, pronouns |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for run, text in runs:
    c = load(f"classifier-{run}/fairness.json")
    s = {(x["slice"], x["axis"]): x for x in c["slices"]}
    report = load(f"classify-{run}/report.json")
    acc = report["groups"]["all"]["accuracy"]
    print(f"| {text} | {100 * acc:.1f} | {pct(s[('probes', 'name')]['parity_difference'])} "
          f"| {pct(s[('probes', 'name')]['flip_rate'])} | {pct(s[('probes', 'pronoun')]['flip_rate'])} "
          f"| {pct(s[('reviews', 'name')]['flip_rate'])} | {pct(s[('reviews', 'name')]['equalised_odds'])} "
          f"| {pct(s[('reviews', 'pronoun')]['flip_rate'])} | {pct(s[('reviews', 'pronoun')]['equalised_odds'])} |")
PY
  cat "$dir/table.md"
}

for part in "$@"; do "$part"; done
