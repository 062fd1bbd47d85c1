#!/usr/bin/python3
"""One GPT training step: tinygpt against PyTorch, on both reference configurations.

For each configuration (small, gpt2) it runs, each in a process of its own so that every
peak memory figure is that program's alone:
  - tinygpt's bench_train_step (Google Benchmark, JSON output) with the environment as it
    is, and again with OMP_WAIT_POLICY=PASSIVE;
  - pytorch_train_step.py with OMP_WAIT_POLICY=PASSIVE (idle OpenMP threads sleep instead of
    spinning, which helps when the threads take turns with other programs);
  - pytorch_train_step.py with the environment as it is (the default, spinning, policy).
The four run in turn, --rounds times (3 by default), so that a slow spell of a shared
machine falls on every program alike; each program's figure is its median round. The ratio
column is each program's tokens/s over the best PyTorch figure; the MFU of every row is
measured against the best GEMM peak that tinygpt's runs measured (each measures it first).
Both sides take warm-up steps, then report the median of their timed steps. Peak memory is
the child's maximum resident set size, as the kernel reports it when the child is reaped
(os.wait4), so the Python interpreter and torch count for PyTorch as the bench's GEMM
probe counts for tinygpt.

Prints a table (ms/step, tokens/s, tinygpt's speed over the best PyTorch, MFU against the
GEMM peak tinygpt's bench measured, peak RSS) and writes the raw figures (every round's
ms/step too), the CPU, the GEMM peak, the BLAS PyTorch runs on, the date and the thread
count to results.json next to this script.

With --precision bf16 both sides train in bf16 mixed precision: tinygpt's train_step/NAME_bf16
(core/precision.h) against PyTorch's autocast to bfloat16; the figures go to
results_bf16.json.

Usage, from the repository root after a Release build:
    steps/03-pretraining/bench/compare_pytorch.py --build-dir build/release [--precision bf16]
PyTorch is Debian's python3-torch; give it a fast BLAS (apt install libopenblas0-openmp),
or its matrix products run on the reference BLAS, some hundred times slower. OpenBLAS's
OpenMP build is also what tinygpt's products run on (scripts/packages.txt), so both sides
multiply matrices with the same kernels.
"""
import argparse
import ctypes
import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = ["small", "gpt2"]
THREADS = 2


def run_child(command, env):
    """Runs a command; returns its stdout and its peak resident memory in MB."""
    with tempfile.TemporaryFile(mode="w+") as out:
        child = subprocess.Popen(command, stdout=out, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            sys.exit(f"{' '.join(command)} failed with status {child.returncode}")
        out.seek(0)
        return out.read(), usage.ru_maxrss / 1024  # Linux reports KiB


def fast_blas_kernel():
    """The OpenBLAS kernel both programs should use, or None to leave OpenBLAS's choice.

    Debian 12's OpenBLAS falls back to its slow Prescott kernel on CPUs it does not know;
    tinygpt then restarts itself with OPENBLAS_CORETYPE set (core/blas_kernel.h), and
    PyTorch, which uses the same system BLAS, must get the same kernel for a fair race.
    """
    if "OPENBLAS_CORETYPE" in os.environ:
        return None
    try:
        openblas = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return None
    openblas.openblas_get_corename.restype = ctypes.c_char_p
    if openblas.openblas_get_corename().decode() != "Prescott":
        return None
    with open("/proc/cpuinfo") as cpuinfo:
        flags = cpuinfo.read().split()
    return "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None


def environment(passive):
    env = dict(os.environ)
    if passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    kernel = fast_blas_kernel()
    if kernel is not None:
        env["OPENBLAS_CORETYPE"] = kernel
    return env


def tinygpt_run(bench, config, passive, precision):
    name = f"train_step/{config}{'_bf16' if precision == 'bf16' else ''}/"
    output, rss = run_child([bench, f"--benchmark_filter={name}", "--benchmark_format=json"],
                            environment(passive))
    report = json.loads(output)
    run = next(b for b in report["benchmarks"] if b["name"].startswith(name))
    return {
        "ms_per_step": run["ms_per_step"],
        "tokens_per_s": run["tokens_per_s"],
        "gflops": run["GFLOP/s"],
        "mfu": run["MFU"],
        "peak_rss_MB": rss,
        "peak_rss_MB_self_reported": run["peak_rss_MB"],
        "gemm_peak_gflops": float(report["context"]["gemm_peak_gflops"]),
        "matrix_products": report["context"]["matrix_products"],
    }


def pytorch_run(config, passive, precision):
    output, rss = run_child([sys.executable, os.path.join(HERE, "pytorch_train_step.py"),
                             "--config", config, "--threads", str(THREADS),
                             "--precision", precision], environment(passive))
    result = json.loads(output)
    result["peak_rss_MB_self_reported"] = result["peak_rss_MB"]
    result["peak_rss_MB"] = rss
    return result


def summarize(runs):
    """One program's rounds: the round with the median ms/step, the largest peak RSS of all
    rounds, and every round's ms/step."""
    by_time = sorted(runs, key=lambda run: run["ms_per_step"])
    summary = dict(by_time[(len(by_time) - 1) // 2])
    summary["peak_rss_MB"] = max(run["peak_rss_MB"] for run in runs)
    summary["rounds_ms_per_step"] = [run["ms_per_step"] for run in runs]
    return summary


def blas_library():
    """The BLAS that Debian's libblas.so.3 resolves to: what PyTorch's products run on."""
    return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def cpu_model():
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def write_atomically(path, data):
    """Writes JSON to a temporary file in the same folder, then renames it over path."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build/release",
                        help="a Release build with benchmarks (default build/release)")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=CONFIGS)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of every program, interleaved; the median round counts "
                             "(default 3)")
    parser.add_argument("--precision", choices=["float32", "bf16"], default="float32",
                        help="both sides in float32, or in bf16 mixed precision (default "
                             "float32)")
    parser.add_argument("--output", help="where the figures go (default results.json, or "
                                         "results_bf16.json with --precision bf16)")
    args = parser.parse_args()
    if args.output is None:
        suffix = "_bf16" if args.precision == "bf16" else ""
        args.output = os.path.join(HERE, f"results{suffix}.json")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    bench = os.path.join(args.build_dir, "steps/03-pretraining/bench/bench_train_step")
    if not os.access(bench, os.X_OK):
        sys.exit(f"{bench} not found: build with -DCMAKE_BUILD_TYPE=Release first")

    precision = args.precision
    programs = (
        ("tinygpt", lambda config: tinygpt_run(bench, config, passive=False, precision=precision)),
        ("tinygpt_passive",
         lambda config: tinygpt_run(bench, config, passive=True, precision=precision)),
        ("pytorch_passive", lambda config: pytorch_run(config, passive=True, precision=precision)),
        ("pytorch_default", lambda config: pytorch_run(config, passive=False, precision=precision)))
    results = {}
    for config in args.configs:
        rounds = {name: [] for name, _ in programs}
        for round_index in range(args.rounds):
            for name, run in programs:
                print(f"{config}: {name}, round {round_index + 1} of {args.rounds} ...",
                      file=sys.stderr, flush=True)
                rounds[name].append(run(config))
        results[config] = {name: summarize(runs) for name, runs in rounds.items()}
        # The GEMM peak every tinygpt round measured first: the yardstick is the best of
        # them, what this machine can do, not whatever the median round happened to see.
        results[config]["gemm_peak_gflops"] = max(
            run["gemm_peak_gflops"] for name in ("tinygpt", "tinygpt_passive")
            for run in rounds[name])

    header = (f"| {'config':6} | {'program':24} | {'ms/step':>8} | {'tokens/s':>8} | "
              f"{'vs best PyTorch':>15} | {'MFU':>6} | {'peak RSS MB':>11} |")
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    for config, runs in results.items():
        tinygpt = runs["tinygpt"]
        best = max(runs["pytorch_passive"]["tokens_per_s"], runs["pytorch_default"]["tokens_per_s"])
        flops_per_token = tinygpt["gflops"] * 1e9 / tinygpt["tokens_per_s"]
        for name, run in (("tinygpt", tinygpt), ("tinygpt (passive)", runs["tinygpt_passive"]),
                          ("PyTorch (passive)", runs["pytorch_passive"]),
                          ("PyTorch (default)", runs["pytorch_default"])):
            mfu = run["tokens_per_s"] * flops_per_token * 1e-9 / runs["gemm_peak_gflops"]
            ratio = run["tokens_per_s"] / best
            print(f"| {config:6} | {name:24} | {run['ms_per_step']:8.1f} | "
                  f"{run['tokens_per_s']:8.0f} | {ratio:14.2f}x | {mfu:6.1%} | "
                  f"{run['peak_rss_MB']:11.0f} |")
        runs["tinygpt_over_best_pytorch"] = tinygpt["tokens_per_s"] / best
        runs["tinygpt_passive_over_best_pytorch"] = runs["tinygpt_passive"]["tokens_per_s"] / best

    write_atomically(args.output, {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "threads": THREADS,
        "precision": precision,
        "rounds": args.rounds,
        "pytorch_blas": blas_library(),
        "gemm_peak_gflops": {c: r["gemm_peak_gflops"] for c, r in results.items()},
        "results": results,
    })
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
