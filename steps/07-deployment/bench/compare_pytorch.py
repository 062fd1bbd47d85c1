#!/usr/bin/python3
"""Generation: tinygpt's inference engine against PyTorch with a KV cache, on both models.

For each model (small: L4 H4 C256 V4096 with a 256-token context, prompt 128, 128 new
tokens; gpt2: GPT-2 124M, prompt 128, 256 new tokens; random weights) it runs, each in a
process of its own so that every peak memory figure is that program's alone:
  - bench_inference (Google Benchmark, JSON output), once per weight storage: float32
    packed (batch-invariant, the engine's default), int8 packed (activations quantised per
    token), float32 on BLAS products, bf16 packed;
  - pytorch_generate.py (2 threads, torch.inference_mode(), a preallocated cache), in float32
    and in bfloat16 (the model, its activations and cache cast to bfloat16).
Both sides: batch-1 decode tokens/s, time to first token, prefill tokens/s, and the
throughput of 16 sequences with prompts of 64 to 128 tokens decoded together. The programs
run in turn, --rounds times (3 by default), so that a slow spell of a shared machine falls
on every program alike; each figure is the program's median over the rounds. Peak memory
is the child's maximum resident set size (os.wait4), the largest of the rounds. A last process measures the memory
read bandwidth (BM_read_bandwidth); a GPT-2 decode step reads every weight once, so
bandwidth / weight bytes is the fastest decode can be, and the table gives each program's
decode speed as a fraction of it.

Prints the table and writes the raw figures to results.json next to this script.

Usage, from the repository root after a Release build with benchmarks:
    steps/07-deployment/bench/compare_pytorch.py --build-dir build/release
"""
import argparse
import datetime
import importlib.util
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The process, CPU and file helpers of step 03's comparison.
_spec = importlib.util.spec_from_file_location(
    "step03_compare", os.path.join(HERE, "../../03-pretraining/bench/compare_pytorch.py"))
step03 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(step03)

MODELS = {"small": 0, "gpt2": 1}
WEIGHTS = {"float32": 0, "int8": 1, "float32 BLAS": 2, "bf16": 3}


def tinygpt_run(bench, model, weights):
    output, rss = step03.run_child(
        [bench, f"--benchmark_filter=^BM_(generate|batch16)/{MODELS[model]}/{WEIGHTS[weights]}/",
         "--benchmark_format=json"], dict(os.environ))
    report = json.loads(output)
    one = next(b for b in report["benchmarks"] if b["name"].startswith("BM_generate/"))
    batch = next(b for b in report["benchmarks"] if b["name"].startswith("BM_batch16/"))
    return {
        "ttft_ms": one["ttft_ms"],
        "prefill_tokens_per_s": one["prefill_tokens_per_s"],
        "decode_tokens_per_s": one["decode_tokens_per_s"],
        "batch16_tokens_per_s": batch["tokens_per_s"],
        "kv_bytes_per_token": one["kv_bytes_per_token"],
        "weight_MB": one["weight_MB"],
        "peak_rss_MB": rss,
    }


def pytorch_run(model, dtype):
    output, rss = step03.run_child(
        [sys.executable, os.path.join(HERE, "pytorch_generate.py"), "--config", model,
         "--dtype", dtype], dict(os.environ))
    result = json.loads(output)
    result["peak_rss_MB"] = rss
    return result


def summarize(runs):
    """A program's rounds: the median of every figure, the largest peak memory, and every
    round's decode and batch-16 speed."""
    summary = {key: statistics.median(run[key] for run in runs)
               for key, value in runs[0].items() if isinstance(value, (int, float))}
    summary["peak_rss_MB"] = max(run["peak_rss_MB"] for run in runs)
    for key in ("decode_tokens_per_s", "batch16_tokens_per_s"):
        summary[f"rounds_{key}"] = [run[key] for run in runs]
    for key, value in runs[0].items():
        summary.setdefault(key, value)  # the settings: config, torch's version, ...
    return summary


def read_bandwidth(bench):
    output, _ = step03.run_child([bench, "--benchmark_filter=^BM_read_bandwidth",
                                  "--benchmark_format=json"], dict(os.environ))
    return json.loads(output)["benchmarks"][0]["GB_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build/release",
                        help="a Release build with benchmarks (default build/release)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of every program, in turn; the median counts (default 3)")
    parser.add_argument("--output", default=os.path.join(HERE, "results.json"))
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    bench = os.path.join(args.build_dir, "steps/07-deployment/bench/bench_inference")
    if not os.access(bench, os.X_OK):
        sys.exit(f"{bench} not found: build with -DCMAKE_BUILD_TYPE=Release first")

    bandwidth = read_bandwidth(bench)
    results = {}
    for model in args.models:
        programs = [(f"tinygpt {weights}", lambda weights=weights: tinygpt_run(bench, model, weights))
                    for weights in WEIGHTS]
        programs.append(("PyTorch", lambda: pytorch_run(model, "float32")))
        programs.append(("PyTorch bf16", lambda: pytorch_run(model, "bfloat16")))
        rounds = {name: [] for name, _ in programs}
        for index in range(args.rounds):
            for name, run in programs:
                print(f"{model}: {name}, round {index + 1} of {args.rounds} ...",
                      file=sys.stderr, flush=True)
                rounds[name].append(run())
        results[model] = {name: summarize(runs) for name, runs in rounds.items()}

    header = (f"| {'model':5} | {'program':20} | {'decode tok/s':>12} | {'vs PyTorch':>10} | "
              f"{'of bound':>8} | {'TTFT ms':>7} | {'prefill tok/s':>13} | "
              f"{'batch 16 tok/s':>14} | {'vs PyTorch':>10} | {'peak RSS MB':>11} |")
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    float_weight_bytes = {m: r["tinygpt float32"]["weight_MB"] * 1e6 for m, r in results.items()}
    for model, runs in results.items():
        torch = runs["PyTorch"]
        for name, run in runs.items():
            # The bound: every weight read once per token, in the bytes of the run's storage
            # (tinygpt reports its own; PyTorch holds float32, or bfloat16's half of it).
            halves = 2 if run.get("dtype") == "bfloat16" else 1
            weight_bytes = run.get("weight_MB", 0) * 1e6 or float_weight_bytes[model] / halves
            run["fraction_of_bandwidth_bound"] = (run["decode_tokens_per_s"] * weight_bytes /
                                                  (bandwidth * 1e9))
            run["decode_over_pytorch"] = run["decode_tokens_per_s"] / torch["decode_tokens_per_s"]
            run["batch16_over_pytorch"] = (run["batch16_tokens_per_s"] /
                                           torch["batch16_tokens_per_s"])
            # The small model's weights (17 MB) stay in the caches: no bandwidth bound there.
            bound = (f"{run['fraction_of_bandwidth_bound']:8.0%}" if model == "gpt2"
                     else f"{'-':>8}")
            print(f"| {model:5} | {name:20} | {run['decode_tokens_per_s']:12.1f} | "
                  f"{run['decode_over_pytorch']:9.2f}x | {bound} | {run['ttft_ms']:7.1f} | "
                  f"{run['prefill_tokens_per_s']:13.0f} | {run['batch16_tokens_per_s']:14.1f} | "
                  f"{run['batch16_over_pytorch']:9.2f}x | {run['peak_rss_MB']:11.0f} |")
        int8 = runs["tinygpt int8"]["decode_tokens_per_s"]
        runs["int8_over_float32_decode"] = int8 / runs["tinygpt float32"]["decode_tokens_per_s"]
    print(f"memory read bandwidth: {bandwidth:.1f} GB/s")

    step03.write_atomically(args.output, {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": step03.cpu_model(),
        "threads": 2,
        "rounds": args.rounds,
        "pytorch_blas": step03.blas_library(),
        "read_bandwidth_GB_per_s": bandwidth,
        "results": results,
    })
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
