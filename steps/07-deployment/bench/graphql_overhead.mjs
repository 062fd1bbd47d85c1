// What the GraphQL gateway (apps/graphql) adds to a request's latency: the same small
// requests sent to `tinygpt serve` directly and through the gateway, one at a time.
//   node steps/07-deployment/bench/graphql_overhead.mjs TINYGPT MODEL_FOLDER [REQUESTS]
// Starts both on free ports, warms up, then alternates REST and GraphQL requests (so that
// a slow moment of the machine hits both alike) and prints a Markdown table of the
// median, 90th percentile and mean in milliseconds, for two requests: the models list (no
// generation: the gateway's own cost) and a completion of 8 tokens, greedy. REQUESTS per
// row and side, default 50. Not part of ctest: timings depend on the machine.
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../../../tests/browser/harness.mjs";

const [binary, modelFolder, requestsArgument = "50"] = process.argv.slice(2);
const requests = Number(requestsArgument);
if (!binary || !modelFolder || !(requests >= 1)) {
  console.error("usage: node graphql_overhead.mjs TINYGPT MODEL_FOLDER [REQUESTS]");
  process.exit(2);
}
const root = fileURLToPath(new URL("../../..", import.meta.url));
const model = basename(modelFolder);
const warmUp = 5;

/** POSTs (or GETs, without a body) JSON and fails on anything but 200 without errors. */
async function call(url, body) {
  const response = await fetch(url, body ? {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {});
  const json = await response.json();
  if (response.status !== 200 || json.errors) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
}

/** Milliseconds of each of `count` alternating calls of `direct` and `gateway`. */
async function timeAlternating(direct, gateway, count) {
  const times = { direct: [], gateway: [] };
  for (let index = 0; index < warmUp + count; ++index) {
    for (const [side, send] of [["direct", direct], ["gateway", gateway]]) {
      const start = performance.now();
      await send();
      if (index >= warmUp) times[side].push(performance.now() - start);
    }
  }
  return times;
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { median: at(0.5), p90: at(0.9), mean };
}

const server = await startServer(binary, ["serve", "--model", modelFolder, "--port", "0"]);
const gateway = await startServer(join(root, "scripts/graphql-gateway.sh"), ["--upstream", server.url, "--port", "0"]);
try {
  const graphql = (query, variables) => call(`${gateway.url}/graphql`, { query, variables });
  const settings = { model, prompt: "Once upon a time", temperature: 0, seed: 7 };
  const rows = [
    ["models list", await timeAlternating(() => call(`${server.url}/v1/models`),
                                          () => graphql("{ models { id } }"), requests)],
    ["completion, 8 tokens", await timeAlternating(
      () => call(`${server.url}/v1/completions`, { ...settings, max_tokens: 8 }),
      () => graphql("mutation($input: CompletionInput!) { completion(input: $input) { choices { text } } }",
                    { input: { ...settings, maxTokens: 8 } }),
      requests)],
  ];
  const ms = (value) => value.toFixed(2);
  console.log(`${requests} requests per cell after ${warmUp} to warm up, one at a time, Node ${process.version}\n`);
  console.log("| request | REST median | gateway median | added (median) | REST p90 | gateway p90 | REST mean | gateway mean |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [name, times] of rows) {
    const direct = summary(times.direct);
    const through = summary(times.gateway);
    console.log(`| ${name} | ${ms(direct.median)} | ${ms(through.median)} | ${ms(through.median - direct.median)} | ` +
                `${ms(direct.p90)} | ${ms(through.p90)} | ${ms(direct.mean)} | ${ms(through.mean)} |`);
  }
} finally {
  await gateway.stop();
  await server.stop();
}
