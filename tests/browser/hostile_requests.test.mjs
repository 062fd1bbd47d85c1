// A battery of malformed and hostile requests, as raw bytes over a TCP socket (Node's net),
// against one live `tinygpt serve --read-timeout 2 --max-body-bytes 65536 --api-keys ...`.
//   node hostile_requests.test.mjs TINYGPT MODEL_FOLDER
// Every case says what is correct and the test asserts exactly that:
//   - an HTTP answer with a given 4xx status; where the server writes the body (its routes,
//     its error handler) an OpenAI-shaped JSON error {"error": {"message", "type", ...}},
//     with the field at fault in "param" for the API's own refusals;
//   - or, where the request never ends (a body shorter than its Content-Length, headers
//     trickling in), a 400 or a closed connection within a bounded time after the read
//     timeout.
// After the battery the server must still answer a normal chat request, and /metrics must
// count the refusals (tinygpt_rejected_requests_total). Prints a table: case, status, time.
// Needs nothing outside Node's standard library.
import net from "node:net";
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { main, check, checkEqual } from "./harness.mjs";

const [binary, modelFolder] = process.argv.slice(2);
if (!binary || !modelFolder) {
  console.error("usage: node hostile_requests.test.mjs TINYGPT MODEL_FOLDER");
  process.exit(2);
}
const model = basename(modelFolder);
const READ_TIMEOUT_S = 2;
const MAX_BODY = 65536;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects to `port` on 127.0.0.1, runs `send(socket)` (writes the request, possibly slowly)
 * and collects what comes back until the server closes the connection, an answer with its
 * Content-Length is complete, or `limitMs` passes. Resolves to {status, head, body, closed,
 * ms}: status null when no status line came.
 */
function exchange(port, send, limitMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: "127.0.0.1", port });
    let data = Buffer.alloc(0);
    let finished = false;
    const finish = (closed) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split >= 0 ? text.slice(0, split) : text;
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({
        status: match ? Number(match[1]) : null,
        head,
        body: split >= 0 ? data.subarray(Buffer.byteLength(text.slice(0, split + 4), "latin1")).toString("utf8") : "",
        closed,
        ms: Date.now() - started,
      });
    };
    const timer = setTimeout(() => finish(false), limitMs);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      // A complete answer with a Content-Length: no need to wait for the close.
      const text = data.toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && length && data.length >= split + 4 + Number(length[1])) finish(true);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.on("connect", () => send(socket).catch(() => finish(true)));
  });
}

// Writes `bytes` (a string in latin1, or a Buffer) at once.
const whole = (bytes) => async (socket) => {
  socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
};

// A request's bytes: the request line, headers (Host and Connection: close added) and body.
function request(method, path, { headers = {}, body = null, contentLength = undefined } = {}) {
  const bodyBytes = body === null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const length = contentLength ?? (body === null ? undefined : bodyBytes.length);
  if (length !== undefined) lines.push(`Content-Length: ${length}`);
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), bodyBytes]);
}

await main("hostile-requests", async (ctx) => {
  const key = `sk-hostile-${randomBytes(12).toString("hex")}`;
  const keys = join(ctx.folder, "keys.txt");
  writeFileSync(keys, `${key}\n`);
  const server = await ctx.start(binary, [
    "serve", "--model", modelFolder, "--port", "0", "--api-keys", keys, "--slots", "2",
    "--read-timeout", String(READ_TIMEOUT_S), "--max-body-bytes", String(MAX_BODY)]);
  const port = Number(new URL(server.url).port);
  const auth = { Authorization: `Bearer ${key}` };
  const jsonHeaders = { ...auth, "Content-Type": "application/json" };
  const chatPath = "/v1/chat/completions";
  const good = { model, messages: [{ role: "user", content: "Hello" }], max_tokens: 4 };
  // A chat request whose JSON is `text` (raw, so it may be anything).
  const chatText = (text, headers = jsonHeaders) => whole(request("POST", chatPath, { headers, body: text }));
  // A chat request: the good one with `change` applied.
  const chat = (change) => chatText(JSON.stringify({ ...good, ...change }));
  const completion = (fields) =>
    whole(request("POST", "/v1/completions", { headers: jsonHeaders, body: JSON.stringify({ model, ...fields }) }));

  // expect: {status, param?}: an HTTP answer with that status (or one of those), a 4xx with an
  // OpenAI-shaped JSON error (the server's error handler writes one for httplib's own 400,
  // 413 and 414 too) naming the field at fault in param when given;
  // {closedOrStatus: [statuses], withinMs}: one of the statuses or a closed connection, in time.
  const cases = [
    ["broken UTF-8 in the JSON body", chatText(Buffer.concat([
      Buffer.from(`{"model": "${model}", "messages": [{"role": "user", "content": "`),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(`"}]}`)])), { status: 400 }],
    ["a lone surrogate escaped in JSON (\\ud800)",
     chatText(`{"model": "${model}", "messages": [{"role": "user", "content": "a\\ud800b"}]}`), { status: 400 }],
    ["max_tokens 1e400", chatText(`{"model": "${model}", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1e400}`),
     { status: 400 }],
    ["max_tokens 2^70", chatText(`{"model": "${model}", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1180591620717411303424}`),
     { status: 400, param: "max_tokens" }],
    ["max_tokens -1", chat({ max_tokens: -1 }), { status: 400, param: "max_tokens" }],
    ["seed 2^70", chatText(`{"model": "${model}", "messages": [{"role": "user", "content": "Hi"}], "seed": 1180591620717411303424}`),
     { status: 400, param: "seed" }],
    ["100000 '[' (a body over the limit)", chatText("[".repeat(100000)), { status: 413 }],
    ["30000 nested arrays as the model", chatText(`{"model": ${"[".repeat(30000)}${"]".repeat(30000)}}`),
     { status: 400, param: "model" }],
    ["30000 unclosed '['", chatText("[".repeat(30000)), { status: 400 }],
    ["a JSON array, not an object", chatText("[1, 2, 3]"), { status: 400 }],
    ["a JSON string, not an object", chatText('"hello"'), { status: 400 }],
    ["JSON null", chatText("null"), { status: 400 }],
    ["an empty body", chatText(""), { status: 400 }],
    ["Content-Type text/plain", chatText(JSON.stringify(good), { ...auth, "Content-Type": "text/plain" }), { status: 415 }],
    ["no Content-Type", chatText(JSON.stringify(good), auth), { status: 415 }],
    ["a body over --max-body-bytes", chatText(`{"model": "${model}", "pad": "${"x".repeat(MAX_BODY)}"}`), { status: 413 }],
    // httplib reads and drops a body over the limit before it answers: without a body, the
    // 413 comes at the read timeout.
    ["Content-Length over the limit, no body",
     whole(request("POST", chatPath, { headers: jsonHeaders, contentLength: 10 * MAX_BODY })), { status: 413 }],
    ["Content-Length longer than the body (read timeout)",
     whole(request("POST", chatPath, { headers: jsonHeaders, body: JSON.stringify(good), contentLength: 500 })),
     { closedOrStatus: [400], withinMs: READ_TIMEOUT_S * 1000 + 3000, atLeastMs: READ_TIMEOUT_S * 1000 - 500 }],
    ["Content-Length shorter than the body",
     whole(request("POST", chatPath, { headers: jsonHeaders, body: JSON.stringify(good), contentLength: 10 })),
     { status: 400 }],
    // RFC 9112 section 6.3: differing Content-Length values are unrecoverable, a 400.
    ["two different Content-Length headers",
     whole(request("POST", chatPath, { headers: { ...jsonHeaders, "Content-Length": 2 }, body: JSON.stringify(good) })),
     { status: 400 }],
    ["Content-Length not a number",
     whole(request("POST", chatPath, { headers: jsonHeaders, body: "{}", contentLength: "ten" })), { status: 400 }],
    ["chunked body with a bad chunk size",
     whole(request("POST", chatPath, { headers: { ...jsonHeaders, "Transfer-Encoding": "chunked" },
                                       body: "zz\r\n{}\r\n0\r\n\r\n" })), { status: 400 }],
    ["chunked body with a chunk size of 2^64-1",
     whole(request("POST", chatPath, { headers: { ...jsonHeaders, "Transfer-Encoding": "chunked" },
                                       body: "ffffffffffffffff\r\n{}\r\n0\r\n\r\n" })), { status: [400, 413] }],
    ["a header line over 8 KB",
     whole(request("GET", "/healthz", { headers: { "X-Big": "a".repeat(9000) } })), { status: 400 }],
    ["500 headers", whole(request("GET", "/v1/models", {
      headers: { ...Object.fromEntries(Array.from({ length: 500 }, (_, k) => [`X-H${k}`, "v"])), ...auth } })),
     { status: 200 }],
    ["a URI over 8 KB", whole(request("GET", `/v1/models/${"m".repeat(9000)}`, { headers: auth })),
     { status: [400, 414] }],
    ["an unknown method (BREW)", whole(request("BREW", "/healthz")), { status: [400, 405] }],
    ["an HTTP/0.9 request line", whole("GET /healthz\r\n\r\n"), { status: 400 }],
    ["a garbage request line", whole("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n"),
     { status: 400 }],
    ["a null byte in the request line", whole("GET /heal\x00thz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
     { status: [400, 404] }],
    ["a null byte in a header", whole(request("GET", "/healthz", { headers: { "X-Null": "a\x00b" } })),
     { status: [200, 400] }],
    ["a header line without a colon", whole("GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n"),
     { status: [200, 400] }],
    ["model a number", chat({ model: 7 }), { status: 400, param: "model" }],
    ["messages a string", chat({ messages: "Hello" }), { status: 400, param: "messages" }],
    ["max_tokens a string", chat({ max_tokens: "5" }), { status: 400, param: "max_tokens" }],
    ["max_tokens 2.5", chat({ max_tokens: 2.5 }), { status: 400, param: "max_tokens" }],
    ["max_tokens 0", chat({ max_tokens: 0 }), { status: 400, param: "max_tokens" }],
    ["max_tokens -3", chat({ max_tokens: -3 }), { status: 400, param: "max_tokens" }],
    ["max_tokens beyond the context", chat({ max_tokens: 5000 }), { status: 400, param: "max_tokens" }],
    ["temperature 5", chat({ temperature: 5 }), { status: 400, param: "temperature" }],
    ["temperature \"hot\"", chat({ temperature: "hot" }), { status: 400, param: "temperature" }],
    ["top_p 0", chat({ top_p: 0 }), { status: 400, param: "top_p" }],
    ["stop an array of 5", chat({ stop: ["a", "b", "c", "d", "e"] }), { status: 400, param: "stop" }],
    ["n 10", chat({ n: 10 }), { status: 400, param: "n" }],
    ["stream \"yes\"", chat({ stream: "yes" }), { status: 400, param: "stream" }],
    ["an unknown field", chat({ colour: "blue" }), { status: 400, param: "colour" }],
    ["an unsupported field (tools)", chat({ tools: [{ type: "function", function: { name: "f" } }] }),
     { status: 400, param: "tools" }],
    ["messages ending with assistant", chat({ messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }] }),
     { status: 400, param: "messages" }],
    ["role \"robot\"", chat({ messages: [{ role: "robot", content: "Hi" }] }), { status: 400, param: "messages[0].role" }],
    ["an empty prompt", completion({ prompt: "" }), { status: 400, param: "prompt" }],
    ["a prompt far longer than the context", completion({ prompt: "once upon a time ".repeat(400) }),
     { status: 400, param: "prompt" }],
    // --read-timeout bounds each read (httplib 0.11 has no deadline for a whole request):
    // headers that stop half-way are dropped, while a slow but steady client is answered;
    // the lesson says why a proxy with a whole-request deadline belongs in front against
    // slowloris.
    ["headers that stop half-way", async (socket) => {
      socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ");
    }, { closedOrStatus: [400, 408], withinMs: READ_TIMEOUT_S * 1000 + 3000 }],
    ["slow but steady headers: a byte per 60 ms, 4 s in all", async (socket) => {
      const bytes = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"s".repeat(20)}\r\n\r\n`, "latin1");
      for (let k = 0; k < bytes.length && !socket.destroyed; ++k) {
        socket.write(bytes.subarray(k, k + 1));
        await sleep(60);
      }
    }, { status: 200, withinMs: 10000 }],
    ["a path with ../", whole(request("GET", "/../../../etc/passwd")), { status: 404 }],
    ["a path with %00", whole(request("GET", "/v1/models/%00", { headers: auth })), { status: 404 }],
    ["a path with %2e%2e and %00", whole(request("GET", "/%2e%2e/%2e%2e/etc/passwd%00.json")), { status: 404 }],
    ["Authorization without Bearer", chatText(JSON.stringify(good), { Authorization: `Basic ${key}`, "Content-Type": "application/json" }),
     { status: 401 }],
    ["Authorization with a wrong key", chatText(JSON.stringify(good), { Authorization: "Bearer sk-not-the-key-0123456789", "Content-Type": "application/json" }),
     { status: 401 }],
    ["Authorization \"Bearer \" and no key", chatText(JSON.stringify(good), { Authorization: "Bearer ", "Content-Type": "application/json" }),
     { status: 401 }],
    ["no Authorization", chatText(JSON.stringify(good), { "Content-Type": "application/json" }), { status: 401 }],
  ];

  const rows = [];
  const failures = [];
  for (const [name, send, expect] of cases) {
    const limit = expect.withinMs ?? 15000;
    const got = await exchange(port, send, limit + 1000);
    const shown = got.status ?? (got.closed ? "closed" : "open");
    rows.push([name, String(shown), `${got.ms} ms`]);
    const problems = [];
    if (expect.closedOrStatus) {
      const ok = got.status === null ? got.closed : expect.closedOrStatus.includes(got.status);
      if (!ok) problems.push(`expected ${expect.closedOrStatus.join(" or ")} or a close, got ${shown}`);
      if (got.ms > expect.withinMs) problems.push(`took ${got.ms} ms, more than ${expect.withinMs}`);
      if (expect.atLeastMs && got.ms < expect.atLeastMs) problems.push(`ended after ${got.ms} ms, before the read timeout`);
    } else {
      const statuses = [expect.status].flat();
      if (!statuses.includes(got.status)) problems.push(`expected status ${statuses.join(" or ")}, got ${shown}`);
      if (got.status >= 400) {
        let body = null;
        try {
          body = JSON.parse(got.body);
        } catch {
          problems.push(`the body is not JSON: ${got.body.slice(0, 200)}`);
        }
        const error = body?.error;
        if (body && !(error && typeof error.message === "string" && typeof error.type === "string")) {
          problems.push(`not an OpenAI error: ${got.body.slice(0, 300)}`);
        }
        if (expect.param !== undefined && error?.param !== expect.param) {
          problems.push(`param ${JSON.stringify(error?.param)}, expected ${JSON.stringify(expect.param)}: ${error?.message}`);
        }
        if (!/^content-type: application\/json/im.test(got.head)) problems.push("the error is not application/json");
      }
    }
    if (got.body.includes("root:")) problems.push("the answer shows a file of the machine");
    if (problems.length) failures.push(`${name}: ${problems.join("; ")}`);
  }

  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`| ${"case".padEnd(width)} | status | time |`);
  console.log(`|${"-".repeat(width + 2)}|--------|------|`);
  for (const [name, status, ms] of rows) console.log(`| ${name.padEnd(width)} | ${status.padEnd(6)} | ${ms} |`);
  console.log(`${cases.length} hostile requests`);

  for (const failure of failures) console.error(`FAILED: ${failure}`);

  // The server is still well: a normal chat request, and the refusals counted.
  const after = await fetch(`${server.url}${chatPath}`, { method: "POST", headers: jsonHeaders, body: JSON.stringify(good) });
  checkEqual(after.status, 200, "a normal chat request after the battery");
  checkEqual((await after.json()).object, "chat.completion", "its answer");
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const rejected = {};
  for (const [, reason, count] of metrics.matchAll(/^tinygpt_rejected_requests_total\{reason="([^"]+)"\} (\S+)$/gm)) {
    rejected[reason] = Number(count);
  }
  console.log(`rejected: ${JSON.stringify(rejected)}`);
  for (const reason of ["bad_request", "unauthorized", "bad_content_type", "body_too_large", "malformed_http"]) {
    if (!(rejected[reason] > 0)) failures.push(`tinygpt_rejected_requests_total{reason="${reason}"} is not above 0`);
  }
  check(failures.length === 0, `${failures.length} failures:\n  ${failures.join("\n  ")}`);
  checkEqual(await server.stop(), { code: 0, signal: null }, "the exit status after SIGTERM");
});
