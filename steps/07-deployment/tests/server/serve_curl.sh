#!/usr/bin/env bash
# `tinygpt serve` as a process on 127.0.0.1 (a free port), asked with Debian's curl the way a
# shell script or an operator would. Run by ctest (step07_chat_model fixture):
#   bash serve_curl.sh TINYGPT MODEL_FOLDER WORK_DIR
# Checks:
#   - GET /healthz and /readyz answer 200; GET /v1/models with the key lists the model;
#   - POST /v1/chat/completions answers a whole chat.completion, and with "stream": true
#     server-sent events, every one JSON, the last `data: [DONE]`, with a usage chunk;
#   - no key: 401 with OpenAI's error shape; an unknown model: 404;
#   - GET /metrics passes `promtool check metrics` and counts the requests above;
#   - SIGTERM stops the server with status 0;
#   - with --tls-cert and --tls-key (a self-signed certificate made by openssl) the server
#     announces an https:// URL and `curl --cacert` reaches /healthz over TLS.
set -euo pipefail

tinygpt=$1
model=$2
work=$3/serve-curl
rm -rf "$work"
mkdir -p "$work"

server_pid=""
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.out "$work"/*.err; do
    [[ -f $log ]] && { echo "--- $log ---" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

# start NAME ARGS...: starts `tinygpt serve ARGS` in the background, waits up to 15 s for
# its "listening on URL" line; sets server_pid and url.
start() {
  local name=$1
  shift
  "$tinygpt" serve "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  for _ in $(seq 150); do
    url=$(sed -n 's/^listening on //p' "$work/$name.out")
    [[ -n $url ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "tinygpt serve $* ended before listening"
    sleep 0.1
  done
  fail "tinygpt serve $* did not announce its URL within 15 s"
}

# stop: SIGTERM, then the exit status must be 0 (within 15 s).
stop() {
  kill -TERM "$server_pid"
  local status=0
  for _ in $(seq 150); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$server_pid" 2>/dev/null && fail "the server did not stop within 15 s of SIGTERM"
  wait "$server_pid" || status=$?
  [[ $status == 0 ]] || fail "the server exited with status $status after SIGTERM"
  server_pid=""
}

# ask EXPECTED_STATUS OUTPUT_FILE CURL_ARGS...: one request, bounded in time; fails unless
# the status is as expected.
ask() {
  local expected=$1 body=$2
  shift 2
  local status
  status=$(curl --silent --show-error --max-time 30 --output "$body" --write-out '%{http_code}' "$@") ||
    fail "curl $* failed"
  [[ $status == "$expected" ]] || fail "curl $*: status $status, expected $expected: $(cat "$body")"
}

# expect PATTERN FILE: fails unless the file matches the extended regular expression.
expect() {
  grep -Eq -- "$1" "$2" || fail "$2 does not match '$1': $(head -c 2000 "$2")"
}

key=sk-curl-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
echo "$key" >"$work/keys.txt"
auth=(-H "Authorization: Bearer $key")
json=(-H "Content-Type: application/json")
name=$(basename "$model")

start plain --model "$model" --port 0 --api-keys "$work/keys.txt"
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "unexpected URL $url"
echo "serving at $url"

ask 200 "$work/healthz.json" "$url/healthz"
expect '"status": ?"ok"' "$work/healthz.json"
ask 200 "$work/readyz.json" "$url/readyz"
expect '"status": ?"ready"' "$work/readyz.json"
ask 200 "$work/models.json" "${auth[@]}" "$url/v1/models"
expect '"object": ?"list"' "$work/models.json"
expect "\"id\": ?\"$name\"" "$work/models.json"

chat='{"model": "'$name'", "messages": [{"role": "user", "content": "Say hello."}],
       "max_tokens": 8, "seed": 7'
ask 200 "$work/chat.json" "${auth[@]}" "${json[@]}" -d "$chat}" "$url/v1/chat/completions"
expect '"object": ?"chat.completion"' "$work/chat.json"
expect '"role": ?"assistant"' "$work/chat.json"
expect '"completion_tokens": ?[1-8],' "$work/chat.json"

# Streamed: -N (no buffering); every event a JSON object but the last, `data: [DONE]`.
ask 200 "$work/stream.txt" -N "${auth[@]}" "${json[@]}" \
  -d "$chat, \"stream\": true, \"stream_options\": {\"include_usage\": true}}" \
  "$url/v1/chat/completions"
grep '^data: ' "$work/stream.txt" | sed 's/^data: //' >"$work/events.txt"
[[ $(tail -n 1 "$work/events.txt") == "[DONE]" ]] || fail "the stream does not end with data: [DONE]"
[[ $(grep -c '^\[DONE\]$' "$work/events.txt") == 1 ]] || fail "more than one [DONE]"
events=$(($(wc -l <"$work/events.txt") - 1))
((events >= 3)) || fail "only $events chunks before [DONE]"
head -n "$events" "$work/events.txt" | while IFS= read -r event; do
  python3 -c 'import json, sys; c = json.loads(sys.argv[1]); assert c["object"] == "chat.completion.chunk", c' \
    "$event" 2>/dev/null || fail "a chunk is not a chat.completion.chunk in JSON: $event"
done
expect '"finish_reason": ?"(length|stop)"' "$work/events.txt"
expect '"usage": ?\{"completion_tokens"' "$work/events.txt"
echo "streamed $events chunks, then [DONE]"

ask 401 "$work/no_key.json" "${json[@]}" -d "$chat}" "$url/v1/chat/completions"
expect '^\{"error": ?\{.*"message": ?"no API key' "$work/no_key.json"
expect '"type": ?"invalid_request_error"' "$work/no_key.json"
ask 404 "$work/no_model.json" "${auth[@]}" "${json[@]}" \
  -d '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}' "$url/v1/chat/completions"
expect '"type": ?"not_found_error"' "$work/no_model.json"
expect '"param": ?"model"' "$work/no_model.json"

ask 200 "$work/metrics.txt" "$url/metrics"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
  fail "promtool check metrics refused /metrics: $(cat "$work/promtool.out")"
expect '^tinygpt_requests_total\{endpoint="/v1/chat/completions",status="200"\} 2$' "$work/metrics.txt"
expect '^tinygpt_rejected_requests_total\{reason="unauthorized"\} 1$' "$work/metrics.txt"
expect '^tinygpt_rejected_requests_total\{reason="unknown_model"\} 1$' "$work/metrics.txt"
stop
echo "plain HTTP: healthz, readyz, models, chat whole and streamed, 401, 404, metrics, SIGTERM"

# TLS with a self-signed certificate for localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >"$work/openssl.err" 2>&1 ||
  fail "openssl could not make a certificate: $(cat "$work/openssl.err")"
start tls --model "$model" --port 0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
[[ $url =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "with TLS the URL is $url, not https://"
ask 200 "$work/tls_healthz.json" --cacert "$work/cert.pem" "$url/healthz"
expect '"status": ?"ok"' "$work/tls_healthz.json"
# Plain HTTP to the TLS port gets no answer (curl fails or reads no HTTP status).
plain_url=http${url#https}
if status=$(curl --silent --max-time 5 --output /dev/null --write-out '%{http_code}' "$plain_url/healthz"); then
  [[ $status != 200 ]] || fail "plain HTTP got 200 from the TLS server"
fi
stop
echo "TLS: $url with a self-signed certificate, /healthz over HTTPS, SIGTERM"
echo "PASS"
