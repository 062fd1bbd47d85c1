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
#   robustness a small GPT pre-trained on a generated world and fine-tuned into a sentiment
#              classifier (or MODEL=classifier folder DATA=its world), then: its accuracy
#              against severity under the five perturbation suites (`tinygpt eval
#              robustness`; the chart is copied to steps/06-evaluation/images/robustness.svg
#              when the classifier is the script's own), the word-substitution attack on
#              every test review (`tinygpt eval attack`), and adversarial training against
#              its control (`tinygpt eval adversarial-training`: 1,000 training reviews
#              attacked, 150 more steps each). Prints the three tables. 1 minute on 2 idle cores,
#              5 to 10 when they are shared.
#   active-learning  pool-based active learning (`tinygpt eval active-learning`): a small GPT
#              pre-trained on a generated world (as robustness's), then for seeds 1-3 a seed
#              set of 16 random training reviews and rounds that double it up to 256, each
#              round fine-tuned afresh from the pre-trained weights; the next batch chosen by
#              least confidence, margin, entropy or at random, labelled by the world's ground
#              truth. Prints the table; the chart goes to
#              steps/06-evaluation/images/active_learning.svg. 6 to 8 minutes on 2 shared cores.
#   augmentation  EDA at the low-data points: the first 16, 64 and 256 training reviews of the
#              same world (`tinygpt eval eda`), with 0 or 4 EDA copies of each, each
#              fine-tuned 150 steps of 16 from the same small GPT, 3 seeds. Prints the table.
#   augmentation-robustness  augmentation's classifiers at 64 and 256 labels (with and without
#              EDA, seeds 1-3; those augmentation has not made yet are made first, all of
#              them with FRESH=1) under `tinygpt eval robustness`'s five suites at severity 0 and 0.5 on
#              the 376 test reviews. Prints labels | suite | accuracy without EDA | with EDA |
#              difference (means of the 3 seeds, min-max).
#   drift      drift detection (`tinygpt eval drift`): a GPT (MODEL=its folder DATA=its world,
#              e.g. the journey's; otherwise robustness's small world and GPT, made here)
#              watched along held-out stories of its world (version 1) and then of version 2
#              of the same seed and size (`tinygpt data generate --world-version 2`), and on a
#              control stream of version 1 alone; then a sentiment classifier's confidence
#              and the GPT's loss along the test reviews of both versions. The chart goes to
#              steps/06-evaluation/images/drift.svg. 2 to 5 minutes on 2 shared cores.
#   back-translation  back-translation (Sennrich et al., 2016) with few real pairs: a world's
#              translation pairs, the first 300 training pairs real; a reverse seq2seq
#              (conlang -> English) trained on them back-translates the conlang side of the
#              other training pairs (`tinygpt eval back-translate`); one English -> conlang
#              model trains on the 300 real pairs, another on those plus 900 synthetic pairs
#              (same config, steps, batch, seed and tokenizer), seeds 1-3; both translate the
#              test pairs (`tinygpt eval translate`: BLEU, chrF, the paired bootstrap). Prints
#              the table. 25 minutes on 2 cores shared with builds (OMP_NUM_THREADS=1);
#              BT_STEPS, BT_SYNTHETIC change the 600 steps and 900 synthetic pairs.
#   continual  catastrophic forgetting (`tinygpt eval continual`): versions 1 and 2 of seed 1's
#              world (2,000,000 bytes; 72 facts changed, 12 new entities), a small GPT
#              pre-trained on version 1, instruction-tuned on its questions and instructions
#              (600 steps), then updated three ways on version 2's changed and new facts (150
#              steps each): naive, replay (half the training conversations old), a LoRA
#              adapter (rank 8 on every block's four matrices). Prints the table. About 10
#              minutes on 2 shared cores.
#   rag        the hallucination experiment on the journey's models (run scripts/journey.sh
#              first): step 05's DPO chat model instruction-tuned on the RAG format
#              (`tinygpt rag training-data`, then 800 steps of 8 with `tinygpt finetune --task
#              instruct`), once on seen facts as they are and once with half the
#              conversations counterfactual; each then `tinygpt rag hallucination` on every
#              test question: closed book, RAG untaught, RAG, RAG with abstention. Prints the
#              tables; the chart goes to steps/06-evaluation/images/hallucination.svg. About
#              17 minutes on 2 cores of this machine.
# Needs a built tinygpt (TINYGPT=path runs another copy) and python3 to read the reports.
#
#   steps/06-evaluation/compare.sh fairness|robustness|active-learning|augmentation|augmentation-robustness|drift|back-translation|continual|rag [...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

subcommands=(fairness robustness active-learning augmentation augmentation-robustness drift back-translation continual rag)
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

# The robustness of one classifier: perturbations, the attack, adversarial training.
# The world and small GPT that robustness, active-learning and augmentation start from, in
# $1/world and $1/gpt/model: a generated world (seed 1, 1,000,000 bytes of stories; 3,906
# reviews, 376 of them test) and a GPT of 2 layers, 64 wide, a BPE of 512 tokens and 64
# tokens of context, pre-trained 400 steps of 16 sequences.
small_world_and_gpt() {
  local dir="$1"
  echo "== the world (seed 1, 1,000,000 bytes of stories; 3,906 reviews, 376 of them test)"
  "$tinygpt" data generate --seed 1 --size 1000000 --kinds stories,reviews --out "$dir/world" \
    > /dev/null
  echo '{"family": "gpt", "vocab_size": 512, "context_length": 64, "width": 64,
         "layers": 2, "heads": 2, "dropout": 0.0, "bias": true}' > "$dir/gpt.json"
  echo "== pre-training: 400 steps of 16 sequences of 64 tokens"
  "$tinygpt" train --config "$dir/gpt.json" --data "$dir/world" --steps 400 --batch 16 \
    --lr 3e-3 --min-lr 3e-4 --eval-interval 200 --print-every 400 --seed 1 --keep 1 \
    --out "$dir/gpt" | tail -2 | head -1
}

# A subcommand given MODEL=a folder needs DATA=its world too.
model_needs_data() {
  if [[ -n "${MODEL:-}" && -z "${DATA:-}" ]]; then
    echo "compare.sh $1: MODEL=$MODEL needs DATA=its world" >&2
    exit 1
  fi
}

robustness() {
  local dir="$runs/robustness"
  local world="${DATA:-$dir/world}" classifier="${MODEL:-$dir/classify/model}"
  model_needs_data robustness
  # A given model and world may lie in $dir (an earlier run's): keep them.
  if [[ -n "${MODEL:-}" ]]; then
    rm -rf "$dir/severity" "$dir/attack" "$dir/adversarial"
  else
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  local seconds=$SECONDS
  if [[ -z "${MODEL:-}" ]]; then
    small_world_and_gpt "$dir"
    echo "== a sentiment classifier: 300 steps of 32 reviews, every weight trained"
    "$tinygpt" finetune --model "$dir/gpt/model" --data "$world" --task classify --steps 300 \
      --batch 32 --lr 1e-3 --min-lr 1e-4 --eval-interval 300 --print-every 300 --seed 1 \
      --keep 1 --out "$dir/classify" | grep -E '^\| all '
  fi
  echo "== accuracy against severity, the five suites on the test reviews"
  "$tinygpt" eval robustness --model "$classifier" --data "$world" --out "$dir/severity" |
    tail -n +3 | grep '^|'
  echo "== the attack on every test review (budget: 20% of a review's words)"
  "$tinygpt" eval attack --model "$classifier" --data "$world" --budget 0.2 --examples 5 \
    --out "$dir/attack" | grep '^|'
  echo "== adversarial training: 1,000 training reviews attacked, 150 more steps against the control"
  "$tinygpt" eval adversarial-training --model "$classifier" --data "$world" --steps 150 \
    --train-reviews 1000 --batch 32 --lr 1e-3 --min-lr 1e-4 --budget 0.2 \
    --out "$dir/adversarial" | grep -E '^\||^  [0-9]+ adversarial'
  if [[ -z "${MODEL:-}" ]]; then
    cp "$dir/severity/robustness.svg" steps/06-evaluation/images/robustness.svg
  fi
  echo "== $((SECONDS - seconds)) s; the chart: $dir/severity/robustness.svg"
}

# Active learning against random choice: 4 strategies x 3 seeds, 16 -> 256 labels.
active_learning() {
  local dir="$runs/active-learning"
  local world="$dir/world"
  rm -rf "$dir"
  mkdir -p "$dir"
  local seconds=$SECONDS
  small_world_and_gpt "$dir"
  echo "== 4 strategies x 3 seeds, 16 -> 32 -> 64 -> 128 -> 256 labels, 60 steps of 16 per round"
  "$tinygpt" eval active-learning --model "$dir/gpt/model" --data "$world" --strategy all \
    --seeds 3 --start 16 --batch 0 --budget 256 --steps 60 --finetune-batch 16 --lr 1e-3 \
    --min-lr 1e-4 --out "$dir/runs" | grep -E '^\||oracle answered'
  echo "== what each strategy had labelled at the end (3 seeds pooled), % of its reviews"
  python3 - "$dir/runs" "$world" <<'PY'
import glob, json, sys
runs, world = sys.argv[1], sys.argv[2]
reviews = {}
for line in open(f"{world}/reviews.jsonl"):
    r = json.loads(line)
    reviews[r["id"]] = r
strategies = ["random", "least_confidence", "margin", "entropy"]
labels = sorted({r["label"] for r in reviews.values()})
constructions = sorted({r["construction"] for r in reviews.values()})
def row(name, rows):
    n = len(rows)
    cells = [100 * sum(1 for r in rows if r["label"] == v) / n for v in labels]
    cells += [100 * sum(1 for r in rows if r["construction"] == v) / n for v in constructions]
    print(f"| {name} | {n} | " + " | ".join(f"{x:.0f}" for x in cells) + " |")
print("| labelled set | reviews | " + " | ".join(labels + constructions) + " |")
print("|---|---:|" + "---:|" * (len(labels) + len(constructions)))
def fnv1a(text):  # tune::split_of: FNV-1a 64 of the id, mod 100, below 80 is train
    h = 0xcbf29ce484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001b3) % 2**64
    return h % 100
row("the pool (every training review)", [r for i, r in reviews.items() if fnv1a(i) < 80])
for s in strategies:
    rows = [reviews[json.loads(l)["id"]] for f in sorted(glob.glob(f"{runs}/seed*/{s}/labelled.jsonl")) for l in open(f)]
    if rows: row(s, rows)
PY
  cp "$dir/runs/active_learning.svg" steps/06-evaluation/images/active_learning.svg
  echo "== $((SECONDS - seconds)) s; the report: $dir/runs/REPORT.md"
}

# One classifier of augmentation's: the first $2 training reviews of $1/world with $3 EDA
# copies of each (seed $4), fine-tuned from $1/gpt/model into $1/n$2-eda$3-seed$4/run.
eda_classifier() {
  local dir="$1" name="n$2-eda$3-seed$4"
  rm -rf "${dir:?}/$name"
  "$tinygpt" eval eda --data "$dir/world" --out "$dir/$name/world" --labels "$2" --copies "$3" \
    --seed "$4" > /dev/null
  "$tinygpt" finetune --model "$dir/gpt/model" --data "$dir/$name/world" --task classify \
    --steps 150 --batch 16 --lr 1e-3 --min-lr 1e-4 --eval-interval 150 --print-every 150 \
    --seed "$4" --keep 1 --out "$dir/$name/run" > /dev/null
}

# EDA at the low-data points: the first N training reviews (16, 64, 256) with and without
# 4 EDA copies of each, 3 seeds each, fine-tuned from one small pre-trained GPT.
augmentation() {
  local dir="$runs/augmentation"
  local world="$dir/world"
  rm -rf "$dir"
  mkdir -p "$dir"
  local seconds=$SECONDS
  small_world_and_gpt "$dir"
  echo "== fine-tuning: 150 steps of 16 reviews on N labels, with 0 or 4 EDA copies of each"
  local labels copies seed
  for labels in 16 64 256; do
    for copies in 0 4; do
      for seed in 1 2 3; do
        eda_classifier "$dir" "$labels" "$copies" "$seed"
      done
    done
  done
  python3 - "$dir" <<'PY'
import json, sys
root = sys.argv[1]
print("| labels | without EDA: test accuracy % (3 seeds) | with 4 EDA copies each | difference, points |")
print("|---:|---|---|---:|")
for n in (16, 64, 256):
    cells = []
    means = []
    for copies in (0, 4):
        accs = [100 * json.load(open(f"{root}/n{n}-eda{copies}-seed{s}/run/report.json"))["groups"]["all"]["accuracy"] for s in (1, 2, 3)]
        means.append(sum(accs) / 3)
        cells.append(f"{means[-1]:.1f} ({min(accs):.1f}-{max(accs):.1f})")
    print(f"| {n} | {cells[0]} | {cells[1]} | {means[1] - means[0]:+.1f} |")
PY
  echo "== $((SECONDS - seconds)) s; the runs: $dir"
}

# Does EDA buy robustness too? augmentation's classifiers (64 and 256 labels, with and
# without EDA, seeds 1-3) under the five perturbation suites at severity 0.5.
augmentation_robustness() {
  local dir="$runs/augmentation"
  local seconds=$SECONDS
  if [[ -n "${FRESH:-}" || ! -f "$dir/gpt/model/config.json" ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    small_world_and_gpt "$dir"
  fi
  echo "== eval robustness: 5 suites at severity 0 and 0.5, 376 test reviews, 12 classifiers"
  echo "   (augmentation's classifiers, each fine-tuned here unless augmentation made it)"
  local labels copies seed
  for labels in 64 256; do
    for copies in 0 4; do
      for seed in 1 2 3; do
        local name="n$labels-eda$copies-seed$seed"
        if [[ ! -f "$dir/$name/run/model/config.json" ]]; then
          eda_classifier "$dir" "$labels" "$copies" "$seed"
        fi
        rm -rf "$dir/$name/robustness"
        "$tinygpt" eval robustness --model "$dir/$name/run/model" --data "$dir/world" \
          --severities 0 0.5 --out "$dir/$name/robustness" > /dev/null
      done
    done
  done
  python3 - "$dir" <<'PY'
import json, sys
root = sys.argv[1]
def accuracy(n, copies, seed, suite):
    report = json.load(open(f"{root}/n{n}-eda{copies}-seed{seed}/robustness/report.json"))
    if suite == "clean":
        return 100 * report["clean"]["accuracy"]
    point = [p for p in report["suites"][suite]["points"] if p["severity"] == 0.5][0]
    return 100 * point["accuracy"]
suites = ["clean", "char_noise", "synonyms", "entities", "negation", "antonyms"]
print("| labels | suite | severity | without EDA % (3 seeds) | with 4 EDA copies % | difference, points |")
print("|---:|---|---:|---|---|---:|")
for n in (256, 64):
    for suite in suites:
        cells, means = [], []
        for copies in (0, 4):
            accs = [accuracy(n, copies, s, suite) for s in (1, 2, 3)]
            means.append(sum(accs) / 3)
            cells.append(f"{means[-1]:.1f} ({min(accs):.1f}-{max(accs):.1f})")
        severity = "0" if suite == "clean" else "0.5"
        print(f"| {n} | {suite} | {severity} | {cells[0]} | {cells[1]} | {means[1] - means[0]:+.1f} |")
PY
  echo "== $((SECONDS - seconds)) s; the reports: $dir/n*-eda*-seed*/robustness"
}

# Drift: the GPT's loss along a stream from its world to version 2 of it, and a control
# stream with no change; the classifier's confidence along the reviews.
drift() {
  local dir="$runs/drift"
  local world="${DATA:-$dir/world}" model="${MODEL:-$dir/gpt/model}"
  model_needs_data drift
  rm -rf "$dir/world-v2" "$dir/stories" "$dir/control" "$dir/reviews" "$dir/classify"
  mkdir -p "$dir"
  local seconds=$SECONDS
  if [[ -z "${MODEL:-}" ]]; then
    rm -rf "$dir/world" "$dir/gpt"
    small_world_and_gpt "$dir"
  fi
  # Version 2 of the same world: its seed from the catalogue, its size SIZE= or the bytes of
  # its stories (a few more than asked for: the last story crosses the size; record i of
  # either version is written from the same draws, so one story more changes no other).
  local seed size kinds
  seed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seed'])" "$world/catalogue.json")
  size=${SIZE:-$(stat -c %s "$world/stories.txt")}
  kinds=stories,reviews
  if [[ -f "$world/facts.txt" ]]; then kinds=stories,facts,reviews; fi
  echo "== version 2 of the world: seed $seed, $size bytes of stories, 20% of facts changed, 12 new entities"
  "$tinygpt" data generate --seed "$seed" --size "$size" --kinds "$kinds" --world-version 2 \
    --changed 0.2 --new-entities 12 --out "$dir/world-v2" | head -1
  echo "== the GPT's loss on held-out stories: version 1, then version 2"
  "$tinygpt" eval drift --model "$model" --reference "$world" --stream "$world" "$dir/world-v2" \
    --window 50 --out "$dir/stories" | grep -E '^\||^[a-z]+: '
  echo "== the control: version 1, then version 1 again (no drift)"
  "$tinygpt" eval drift --model "$model" --reference "$world" --stream "$world" "$world" \
    --window 50 --out "$dir/control" | grep -E '^\||^[a-z]+: '
  echo "== a sentiment classifier (150 steps of 16 reviews) and the GPT along the test reviews"
  "$tinygpt" finetune --model "$model" --data "$world" --task classify --steps 150 --batch 16 \
    --lr 1e-3 --min-lr 1e-4 --eval-interval 150 --print-every 150 --seed 1 --keep 1 \
    --out "$dir/classify" > /dev/null
  "$tinygpt" eval drift --model "$model" --classifier "$dir/classify/model" --reference "$world" \
    --stream "$world" "$dir/world-v2" --kind reviews --window 25 --out "$dir/reviews" |
    grep -E '^\||^[a-z]+: '
  cp "$dir/stories/drift.svg" steps/06-evaluation/images/drift.svg
  echo "== $((SECONDS - seconds)) s; the reports: $dir/{stories,control,reviews}/REPORT.md"
}

# Back-translation with 300 real pairs: a reverse model makes synthetic English for the
# conlang side of the other training pairs; English -> conlang with and without them.
back_translation() {
  local dir="$runs/back-translation"
  local world="$dir/world"
  local real=300 synthetic=${BT_SYNTHETIC:-900} steps=${BT_STEPS:-600}
  rm -rf "$dir"
  mkdir -p "$dir"
  local seconds=$SECONDS
  echo "== a world of translation pairs; $real real and $synthetic synthetic training pairs;" \
    "seq2seq 2 layers, 64 wide, $steps steps of 32"
  "$tinygpt" data generate --seed 1 --out "$world" --kinds translation > /dev/null
  cat > "$dir/seq2seq.json" <<'JSON'
{"family": "seq2seq", "vocab_size": 512, "context_length": 32, "width": 64, "layers": 2,
 "heads": 4, "dropout": 0.1, "bias": true}
JSON
  local train=(--config "$dir/seq2seq.json" --steps "$steps" --batch 32 --lr 3e-3 --min-lr 3e-4
               --eval-interval "$steps" --print-every "$steps" --keep 1)
  local seed
  for seed in 1 2 3; do
    local run="$dir/seed$seed"
    echo "== seed $seed: reverse model, back-translation, two forward models ($steps steps each)"
    "$tinygpt" eval back-translate --data "$world" --real "$real" --reverse \
      --out "$run/reverse-world" > /dev/null
    "$tinygpt" train "${train[@]}" --seed "$seed" --data "$run/reverse-world" \
      --out "$run/reverse" > /dev/null
    # One tokenizer for all three models: the reverse run's, learnt from the real pairs.
    local tokenizer="$run/reverse/data/tokenizer.bpe"
    "$tinygpt" eval back-translate --data "$world" --real "$real" --out "$run/real-world"
    "$tinygpt" eval back-translate --data "$world" --real "$real" --synthetic "$synthetic" \
      --reverse-model "$run/reverse/model" --out "$run/bt-world" 2> /dev/null
    "$tinygpt" train "${train[@]}" --seed "$seed" --tokenizer "$tokenizer" \
      --data "$run/real-world" --out "$run/real" > /dev/null
    "$tinygpt" train "${train[@]}" --seed "$seed" --tokenizer "$tokenizer" \
      --data "$run/bt-world" --out "$run/bt" > /dev/null
    "$tinygpt" eval translate --model "$run/reverse/model" --data "$world" --split test \
      --reverse --report "$run/reverse.json" > /dev/null
    "$tinygpt" eval translate --model "$run/bt/model" --compare "$run/real/model" \
      --data "$world" --split test --hyps "$run/bt-test.txt" --report "$run/report.json"
  done
  python3 - "$dir" <<'PY'
import json, sys
root = sys.argv[1]
seeds = (1, 2, 3)
reports = [json.load(open(f"{root}/seed{s}/report.json")) for s in seeds]
reverse = [json.load(open(f"{root}/seed{s}/reverse.json")) for s in seeds]
print(f"{reports[0]['pairs']} test pairs, English -> conlang; the reverse model's BLEU is conlang -> English")
print("| seed | reverse model BLEU | real only BLEU | + back-translated BLEU | difference [95% CI], p | real only chrF | + BT chrF | difference [95% CI], p |")
print("|---:|---:|---:|---:|---|---:|---:|---|")
def test(d):
    return f"{d['difference']:+.1f} [{d['low']:+.1f}, {d['high']:+.1f}], p = {d['p_value']:.3f}"
for s, r, b in zip(seeds, reports, reverse):
    c = r["compare"]
    print(f"| {s} | {b['bleu']:.1f} | {c['bleu']:.1f} | {r['bleu']:.1f} | {test(c['bleu_difference'])} | {c['chrf']:.1f} | {r['chrf']:.1f} | {test(c['chrf_difference'])} |")
mean = lambda xs: sum(xs) / len(xs)
cells = [mean([b["bleu"] for b in reverse]), mean([r["compare"]["bleu"] for r in reports]),
         mean([r["bleu"] for r in reports]), mean([r["compare"]["bleu_difference"]["difference"] for r in reports]),
         mean([r["compare"]["chrf"] for r in reports]), mean([r["chrf"] for r in reports]),
         mean([r["compare"]["chrf_difference"]["difference"] for r in reports])]
print("| mean | {:.1f} | {:.1f} | {:.1f} | {:+.1f} | {:.1f} | {:.1f} | {:+.1f} |".format(*cells))
PY
  echo "== $((SECONDS - seconds)) s; the runs: $dir"
}

# Continual fine-tuning on a changed world: what naive updates forget, and replay and LoRA.
continual() {
  local dir="$runs/continual"
  rm -rf "$dir"
  mkdir -p "$dir"
  local seconds=$SECONDS
  echo "== versions 1 and 2 of seed 1's world (2,000,000 bytes; 72 facts changed, 12 new entities)"
  "$tinygpt" data generate --seed 1 --size 2000000 --kinds stories,facts,qa,instructions \
    --out "$dir/v1" > /dev/null
  "$tinygpt" data generate --seed 1 --size 2000000 --kinds facts,qa,instructions \
    --world-version 2 --changed 0.2 --new-entities 12 --out "$dir/v2" > /dev/null
  echo '{"family": "gpt", "vocab_size": 512, "context_length": 64, "width": 64,
         "layers": 2, "heads": 2, "dropout": 0.0, "bias": true}' > "$dir/gpt.json"
  echo "== pre-training on version 1: 400 steps of 16 sequences of 64 tokens"
  "$tinygpt" train --config "$dir/gpt.json" --data "$dir/v1" --steps 400 --batch 16 \
    --lr 3e-3 --min-lr 3e-4 --eval-interval 400 --print-every 400 --seed 1 --keep 1 \
    --out "$dir/gpt" | tail -2 | head -1
  "$tinygpt" eval continual --model "$dir/gpt/model" --old "$dir/v1" --new "$dir/v2" \
    --old-steps 600 --old-lr 3e-3 --steps 150 --batch 16 --lr 1e-3 --lora-lr 3e-3 \
    --lora-targets attn.c_attn,attn.c_proj,mlp.c_fc,mlp.c_proj --replay-share 0.5 \
    --context 64 --skill-questions 20 --seed 1 --out "$dir/report" |
    grep -E '^\||^==|^Test questions|^Update data|^LoRA'
  echo "== $((SECONDS - seconds)) s; the report: $dir/report/REPORT.md"
}

rag() {
  local journey=.tinygpt/journey dir="$runs/rag"
  for need in "$journey/align/dpo/model" "$journey/world/qa.jsonl"; do
    if [[ ! -e "$need" ]]; then
      echo "compare.sh rag: no $need; run scripts/journey.sh first" >&2
      exit 1
    fi
  done
  local seconds=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== RAG training data from the journey's world (seen facts only)"
  # Two RAG-tuned models: on seen facts as they are, and with half the conversations
  # counterfactual (another value in the fact's passage and answer).
  local share
  for share in 0 0.5; do
    echo "== RAG training data, counterfactual share $share; instruction tuning step 05's DPO" \
      "model on it: 800 steps of 8"
    "$tinygpt" rag training-data --data "$journey/world" --counterfactual "$share" \
      --out "$dir/world-$share"
    "$tinygpt" finetune --model "$journey/align/dpo/model" --data "$dir/world-$share" \
      --task instruct --steps 800 --batch 8 --lr 1e-3 --min-lr 1e-4 --eval-interval 800 \
      --eval-batches 4 --test-per-skill 20 --seed 1 --keep 1 --out "$dir/tuned-$share" |
      grep -E '^\||^test'
    echo "== closed book against RAG on every test question about a held-out fact"
    "$tinygpt" rag hallucination --chat "$journey/align/dpo/model" \
      --rag-model "$dir/tuned-$share/model" --data "$journey/world" \
      --out "$dir/hallucination-$share" | grep -E '^\||^Held-out|threshold'
  done
  cp "$dir/hallucination-0.5/hallucination.svg" steps/06-evaluation/images/hallucination.svg
  echo "== $((SECONDS - seconds)) s; the reports: $dir/hallucination-*/REPORT.md"
}

for part in "$@"; do "${part//-/_}"; done
