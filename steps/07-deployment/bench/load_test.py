#!/usr/bin/python3
"""The server under load: `tinygpt serve` on 127.0.0.1, driven by wrk (Debian's `wrk`).

Starts the server on a free port with a model folder, then sends the same chat request
  - one at a time (1 connection), and
  - from N concurrent clients (N connections, 16 by default),
each time without and with streaming, for --seconds each (wrk's --duration, which wrk
always runs to its end) and at most --max-requests (a Lua script stops each wrk thread
after its share; a run that reaches the cap says so, since its tokens/s is then low). For
each run it reports:
  - requests, errors (non-2xx answers and socket errors: the target is zero), requests/s;
  - generated tokens/s, from the server's own counter (tinygpt_completion_tokens_total);
  - end-to-end latency p50/p95/p99 (wrk's, per request: the whole answer, streamed or not);
  - time to first token and inter-token latency p50/p95/p99, estimated from the server's
    Prometheus histograms (the difference of two scrapes; linear inside a bucket, as
    Prometheus' histogram_quantile() does);
  - the server's resident memory before and after the run (VmRSS): it should stay flat,
    since the KV cache is allocated once for all slots.
Then it measures how long a streaming client that disconnects keeps its sequence: a
stream is opened, two chunks read, the socket closed, and /metrics polled every
millisecond until tinygpt_active_sequences is 0 (median of --cancel-rounds).

The headline is the ratio of concurrent to sequential tokens/s (target: at least 4 with
16 clients): continuous batching decodes the 16 sequences in one pass per token.

Usage, from the repository root after a Release build:
    steps/07-deployment/bench/load_test.py --tinygpt build/release/apps/tinygpt \\
        --model .tinygpt/journey/align/dpo/model
Writes the figures to load_results/last.json next to this script (--out to change).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# wrk's Lua script: a POST of $BODY; each thread stops after $REQUESTS_PER_THREAD answers.
WRK_SCRIPT = r"""
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local limit = tonumber(os.getenv("REQUESTS_PER_THREAD"))
local answered = 0
function response(status, headers, body)
  answered = answered + 1
  if answered >= limit then wrk.thread:stop() end
end
"""


def start_server(tinygpt, model, slots, max_queue, products):
    process = subprocess.Popen(
        [tinygpt, "serve", "--model", model, "--name", "chat", "--port", "0",
         "--slots", str(slots), "--max-queue", str(max_queue), "--products", products,
         "--log", os.devnull],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.match(r"listening on (http://\S+)", line)
    if not match:
        process.kill()
        sys.exit("tinygpt serve did not start: " + line + process.stderr.read())
    return process, match.group(1)


def scrape(url):
    """The server's metrics as {series: value}."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as answer:
        text = answer.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            values[series] = float(value)
    return values


def histogram_quantile(before, after, name, q):
    """The q-quantile of a histogram's observations between two scrapes."""
    pattern = re.compile(re.escape(name) + r'_bucket\{le="([^"]+)"\}')
    buckets = []
    for series, value in after.items():
        match = pattern.fullmatch(series)
        if match:
            bound = float("inf") if match.group(1) == "+Inf" else float(match.group(1))
            buckets.append((bound, value - before.get(series, 0.0)))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 0)
        lower, below = bound, count
    return lower


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def parse_wrk(output):
    """Requests, errors, duration and latency percentiles from wrk --latency's report."""
    figures = {"requests": 0, "errors": 0, "seconds": 0.0}
    match = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if match:
        figures["requests"] = int(match.group(1))
        scale = {"ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
        figures["seconds"] = float(match.group(2)) * scale
    for pattern in (r"Non-2xx or 3xx responses: (\d+)",):
        match = re.search(pattern, output)
        if match:
            figures["errors"] += int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if match:
        figures["errors"] += sum(int(g) for g in match.groups())
    for percent in ("50", "90", "99"):
        match = re.search(r"^\s+" + percent + r"(?:\.000)?%\s+([\d.]+)(us|ms|s)", output, re.M)
        if match:
            scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}[match.group(2)]
            figures["p" + percent] = float(match.group(1)) * scale
    return figures


def run_load(url, path, pid, body, clients, requests, duration):
    threads = min(2, clients)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    environment = dict(os.environ, BODY=json.dumps(body),
                       REQUESTS_PER_THREAD=str(max(1, requests // threads)))
    before = scrape(url)
    rss_before = rss_kib(pid)
    start = time.monotonic()
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--timeout", "60s",
         "--latency", "-s", script.name, url + path],
        env=environment, capture_output=True, text=True, check=True).stdout
    wall = time.monotonic() - start  # wrk runs its whole duration
    os.unlink(script.name)
    after = scrape(url)
    figures = parse_wrk(output)
    tokens = after["tinygpt_completion_tokens_total"] - before["tinygpt_completion_tokens_total"]
    figures.update({
        "clients": clients,
        "stream": bool(body.get("stream")),
        "tokens": tokens,
        "tokens_per_s": tokens / wall,
        "requests_per_s": figures["requests"] / wall,
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_kib(pid) / 1024,
    })
    for name, key in (("tinygpt_time_to_first_token_seconds", "ttft"),
                      ("tinygpt_inter_token_seconds", "itl")):
        for q in (0.5, 0.95, 0.99):
            figures[f"{key}_p{int(q * 100)}"] = histogram_quantile(before, after, name, q)
    return figures


def cancel_delay(url, path, body, rounds):
    """Seconds from closing a stream mid-way to its sequence leaving the engine."""
    host, port = url.replace("http://", "").split(":")
    payload = json.dumps(dict(body, stream=True, max_tokens=body["max_tokens"])).encode()
    delays = []
    for _ in range(rounds):
        connection = socket.create_connection((host, int(port)))
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: load\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        received = b""
        while received.count(b"data: ") < 2:
            received += connection.recv(4096)
        connection.close()
        closed = time.monotonic()
        while scrape(url).get("tinygpt_active_sequences", 0) > 0:
            time.sleep(0.001)
        delays.append(time.monotonic() - closed)
    return statistics.median(delays)


def milliseconds(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tinygpt", required=True, help="the tinygpt program")
    parser.add_argument("--model", required=True, help="a chat model folder")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--max-requests", type=int, default=5000, help="the most requests per run")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--seconds", type=int, default=15, help="each run's duration")
    parser.add_argument("--cancel-rounds", type=int, default=5)
    parser.add_argument("--endpoint", default="chat", choices=["chat", "completions"],
                        help="chat: a question, answered in a sentence (prefill weighs as much as "
                             "decoding); completions: a story continued for --max-tokens")
    parser.add_argument("--products", default="invariant", choices=["invariant", "blas"],
                        help="the engine's matrix products (tinygpt serve --products)")
    parser.add_argument("--out", default=os.path.join(HERE, "load_results", "last.json"),
                        help="where the figures go (load_results/ holds the lesson's runs)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: scripts/setup.sh installs it (Debian package wrk)")

    body = {"model": "chat", "max_tokens": args.max_tokens, "temperature": 0.8}
    if args.endpoint == "chat":
        body["messages"] = [{"role": "user", "content": "Tell me about the town of Ossel."}]
    else:
        body["prompt"] = "Once upon a time"
    path = "/v1/chat/completions" if args.endpoint == "chat" else "/v1/completions"
    server, url = start_server(args.tinygpt, args.model, args.clients, 4 * args.clients,
                               args.products)
    runs = []
    try:
        for stream in (False, True):
            request = dict(body, stream=stream)
            for clients in (1, args.clients):
                figures = run_load(url, path, server.pid, request, clients, args.max_requests,
                                   args.seconds)
                if figures["requests"] >= args.max_requests:
                    print(f"the run with {clients} clients reached --max-requests: its rates are "
                          "low; raise the cap", file=sys.stderr)
                runs.append(figures)
                print(f"{'stream' if stream else 'whole '} {clients:3d} clients: "
                      f"{figures['requests']} requests, {figures['errors']} errors, "
                      f"{figures['tokens_per_s']:.0f} tokens/s", file=sys.stderr)
        delay = cancel_delay(url, path, dict(body, max_tokens=200), args.cancel_rounds)
    finally:
        server.terminate()
        status = server.wait(timeout=60)
    if status != 0:
        sys.exit(f"tinygpt serve exited with {status} after SIGTERM")

    print(f"| mode | clients | requests | errors | tokens/s | requests/s | latency p50 / p90 / p99 ms "
          f"| TTFT p50 / p95 / p99 ms | inter-token p50 / p95 / p99 ms | RSS before / after MiB |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|---|")
    for run in runs:
        print(f"| {'stream' if run['stream'] else 'whole'} | {run['clients']} | {run['requests']} "
              f"| {run['errors']} | {run['tokens_per_s']:.0f} | {run['requests_per_s']:.1f} "
              f"| {milliseconds(run.get('p50'))} / {milliseconds(run.get('p90'))} / "
              f"{milliseconds(run.get('p99'))} "
              f"| {milliseconds(run['ttft_p50'])} / {milliseconds(run['ttft_p95'])} / "
              f"{milliseconds(run['ttft_p99'])} "
              f"| {milliseconds(run['itl_p50'])} / {milliseconds(run['itl_p95'])} / "
              f"{milliseconds(run['itl_p99'])} "
              f"| {run['rss_before_mib']:.0f} / {run['rss_after_mib']:.0f} |")
    ratios = {}
    for stream in (False, True):
        one = next(r for r in runs if r["stream"] == stream and r["clients"] == 1)
        many = next(r for r in runs if r["stream"] == stream and r["clients"] == args.clients)
        ratios["stream" if stream else "whole"] = many["tokens_per_s"] / one["tokens_per_s"]
    print(f"\n{args.clients} clients against one at a time, tokens/s: "
          f"whole {ratios['whole']:.1f}x, streamed {ratios['stream']:.1f}x (target: 4x)")
    print(f"a stream closed mid-way leaves the engine after {delay * 1000:.1f} ms (median of "
          f"{args.cancel_rounds})")
    with open(args.out, "w") as out:
        json.dump({"date": datetime.date.today().isoformat(), "model": args.model,
                   "endpoint": args.endpoint, "products": args.products,
                   "max_tokens": args.max_tokens, "runs": runs, "ratios": ratios,
                   "cancel_delay_s": delay}, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
