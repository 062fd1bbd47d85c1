// `tinygpt serve`'s graceful drain: SIGTERM while streams are under way.
//   node sigterm.test.mjs TINYGPT MODEL_FOLDER
// MODEL_FOLDER is a chat model slow enough that its streams last a while (the fixture's
// serve-fixture/slow/model: a context of 512 tokens, 490 greedy tokens take about a second).
// With --slots 1 the streams run one after the other, so the drain lasts as long as all of
// them together (6 or 16 streams: a second or more even on an idle machine).
//   - --grace 20: SIGTERM after the first stream's first chunk. While the server drains,
//     /readyz answers 503 "draining" and a new chat request 503 with Retry-After and an
//     OpenAI error; the streams under way (and those waiting for the slot) still end with
//     every token, finish_reason "length", their usage and `data: [DONE]`; then the process
//     exits with status 0.
//   - --grace 1: the same with 16 long streams: after the grace what is left is cancelled; a
//     cut stream ends early (with finish "length" and [DONE], or a closed connection), and
//     the process still exits 0 within a few seconds of SIGTERM.
import { basename } from "node:path";
import { main, check, checkEqual } from "./harness.mjs";

const [binary, modelFolder] = process.argv.slice(2);
if (!binary || !modelFolder) {
  console.error("usage: node sigterm.test.mjs TINYGPT MODEL_FOLDER");
  process.exit(2);
}
const model = basename(modelFolder);
// One OpenMP thread for the servers: on a busy machine (a parallel build, ctest -j) spinning
// OpenMP threads slow generation down many times over, and the streams' timing would vary
// from a quarter of a second to several seconds.
process.env.OMP_NUM_THREADS = "1";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a streamed chat request of `maxTokens` greedy tokens. Returns {admitted, first,
 * done}: `admitted` resolves to the HTTP status (the server sends the headers once it has
 * admitted the request, also while it waits for the slot); `first` resolves at the first
 * data event; `done` to {events (parsed JSON), sawDone, closedEarly, tokens (from the usage
 * chunk), finish}.
 */
function stream(url, maxTokens) {
  let markFirst;
  const first = new Promise((resolve) => (markFirst = resolve));
  const answer = fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      model, messages: [{ role: "user", content: "Hi" }], max_tokens: maxTokens, temperature: 0,
      stream: true, stream_options: { include_usage: true },
    }),
  });
  const admitted = answer.then((response) => response.status);
  const done = (async () => {
    const response = await answer;
    checkEqual(response.status, 200, "a stream's status");
    const result = { events: [], sawDone: false, closedEarly: false, tokens: null, finish: null };
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const bytes of response.body) {
        pending += decoder.decode(bytes, { stream: true });
        let split;
        while ((split = pending.indexOf("\n\n")) >= 0) {
          const event = pending.slice(0, split);
          pending = pending.slice(split + 2);
          if (!event.startsWith("data: ")) continue;  // ": waiting for a slot" comments
          const data = event.slice(6);
          markFirst();
          check(!result.sawDone, "nothing after data: [DONE]");
          if (data === "[DONE]") {
            result.sawDone = true;
            continue;
          }
          const chunk = JSON.parse(data);
          result.events.push(chunk);
          if (chunk.usage) result.tokens = chunk.usage.completion_tokens;
          if (chunk.choices[0]?.finish_reason) result.finish = chunk.choices[0].finish_reason;
        }
      }
    } catch {
      result.closedEarly = true;
    }
    markFirst();
    return result;
  })();
  return { admitted, first, done };
}

// Resolves to the exit status, or to "still running" after `ms`.
const exitWithin = (server, ms) => Promise.race([server.exited, sleep(ms).then(() => "still running")]);

await main("sigterm", async (context) => {
  // --grace 20: everything under way finishes.
  const patient = await context.start(binary, ["serve", "--model", modelFolder, "--port", "0", "--slots", "1",
                                                "--grace", "20"]);
  const tokens = 490;
  const streams = [1, 2, 3, 4, 5, 6].map(() => stream(patient.url, tokens));
  // All admitted before the signal: one decoding, five waiting for the slot.
  checkEqual(await Promise.all(streams.map((s) => s.admitted)), Array(6).fill(200), "the streams' statuses");
  await streams[0].first;
  const signalled = Date.now();
  patient.kill("SIGTERM");
  await sleep(200);  // the server notices a signal within 0.1 s
  const ready = await fetch(`${patient.url}/readyz`);
  checkEqual([ready.status, (await ready.json()).status], [503, "draining"], "/readyz while draining");
  const late = await fetch(`${patient.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 }),
  });
  checkEqual(late.status, 503, "a new request while draining");
  check(Number(late.headers.get("retry-after")) >= 1, "Retry-After on the 503");
  const lateError = (await late.json()).error;
  check(typeof lateError?.message === "string" && lateError.type === "server_error",
        `an OpenAI error on the 503: ${JSON.stringify(lateError)}`);
  const results = await Promise.all(streams.map((s) => s.done));
  for (const [index, result] of results.entries()) {
    checkEqual([result.sawDone, result.closedEarly, result.finish, result.tokens], [true, false, "length", tokens],
               `stream ${index + 1} under --grace 20: [DONE], not cut, finish, tokens`);
    check(result.events.every((chunk) => chunk.id === result.events[0].id), `stream ${index + 1}: one id`);
  }
  checkEqual(await exitWithin(patient, 20000), { code: 0, signal: null }, "the exit status after the drain");
  console.log(`--grace 20: 6 streams of ${tokens} tokens finished, /readyz and a new request 503 while ` +
              `draining, exit 0 ${((Date.now() - signalled) / 1000).toFixed(1)} s after SIGTERM`);
  check(/stopped by SIGTERM/.test(patient.output()), "the server says it stopped by SIGTERM");

  // --grace 1: what is still running after a second is cut.
  const hasty = await context.start(binary, ["serve", "--model", modelFolder, "--port", "0", "--slots", "1",
                                             "--grace", "1"]);
  const long = 490;
  const cut = Array.from({ length: 16 }, () => stream(hasty.url, long));
  checkEqual(await Promise.all(cut.map((s) => s.admitted)), Array(16).fill(200), "the long streams' statuses");
  await cut[0].first;
  const cutAt = Date.now();
  hasty.kill("SIGTERM");
  const status = await exitWithin(hasty, 8000);
  const seconds = (Date.now() - cutAt) / 1000;
  checkEqual(status, { code: 0, signal: null }, "the exit status with --grace 1 (within 8 s)");
  const ends = await Promise.all(cut.map((s) => s.done));
  const summary = ends.map((end) => (end.sawDone ? `${end.finish} ${end.tokens}` : "closed"));
  for (const [index, end] of ends.entries()) {
    // Each stream ends: with [DONE] (its tokens so far, finish "length") or a closed connection.
    check(end.sawDone || end.closedEarly || end.events.length > 0, `stream ${index + 1} ended somehow`);
    if (end.sawDone) checkEqual(end.finish, "length", `stream ${index + 1}'s finish`);
  }
  check(ends.some((end) => !end.sawDone || end.tokens < long), `no stream was cut: ${summary.join(", ")}`);
  console.log(`--grace 1: streams ${summary.join(", ")}; exit 0 ${seconds.toFixed(1)} s after SIGTERM`);
});
