// `tinygpt serve` with OpenAI's official Node SDK (the `openai` package), as an application
// built for OpenAI's API would use it: only the base URL and the key change.
//   node openai_sdk.test.mjs TINYGPT MODEL_FOLDER
// Against a live server with an API key (and a second one with a rate limit), checks:
//   - models.list() lists the folder's model;
//   - chat.completions.create() whole, then streamed with include_usage: the same text for
//     the same seed and temperature, one id across the chunks, the first delta's role
//     'assistant', the usage in the last chunk;
//   - completions.create() whole and streamed, the same way;
//   - the SDK's error classes: AuthenticationError (401, a wrong key), NotFoundError (an
//     unknown model), BadRequestError (400, max_tokens beyond the context), RateLimitError
//     (429, --rate-limit 60 --burst 2 and 3 requests at once; maxRetries 0 so the SDK does
//     not retry on its own).
// Exits 77 (skip) when node_modules/openai is missing (scripts/setup.sh runs `npm ci`).
import { writeFileSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { main, check, checkEqual, SKIP } from "./harness.mjs";

const [binary, modelFolder] = process.argv.slice(2);
if (!binary || !modelFolder) {
  console.error("usage: node openai_sdk.test.mjs TINYGPT MODEL_FOLDER");
  process.exit(2);
}
let OpenAI;
try {
  OpenAI = (await import("openai")).default;
} catch {
  console.log("SKIP: the openai package is not installed (run scripts/setup.sh: npm ci in tests/browser)");
  process.exit(SKIP);
}
const model = basename(modelFolder);
const context = JSON.parse(readFileSync(join(modelFolder, "config.json"), "utf8")).context_length;

// Runs `request` and returns the error it throws (fails when it succeeds).
async function rejection(request, what) {
  try {
    await request();
  } catch (error) {
    return error;
  }
  throw new Error(`check failed: ${what} succeeded`);
}

// The streamed chunks: their content deltas joined, and the chunks themselves.
async function collect(stream, textOf) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { text: chunks.map(textOf).join(""), chunks };
}

await main("openai-sdk", async (ctx) => {
  const key = `sk-sdk-${randomBytes(12).toString("hex")}`;
  const keys = join(ctx.folder, "keys.txt");
  writeFileSync(keys, `sdk-test ${key}\n`);
  const server = await ctx.start(binary, ["serve", "--model", modelFolder, "--port", "0", "--api-keys", keys]);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30000 });

  // models.list(): a page of one model.
  const listed = [];
  for await (const entry of client.models.list()) listed.push(entry);
  checkEqual(listed.map((entry) => [entry.id, entry.object, entry.owned_by]), [[model, "model", "tinygpt"]],
             "models.list()");

  // Chat, whole then streamed, the same seed and temperature: the same text.
  const messages = [
    { role: "system", content: "You answer briefly." },
    { role: "user", content: "Tell me about the sea." },
  ];
  const settings = { model, messages, max_tokens: 24, temperature: 0.8, seed: 1234 };
  const whole = await client.chat.completions.create(settings);
  checkEqual(whole.object, "chat.completion", "chat object");
  checkEqual(whole.choices.length, 1, "chat choices");
  checkEqual(whole.choices[0].message.role, "assistant", "chat role");
  check(["length", "stop"].includes(whole.choices[0].finish_reason), `finish ${whole.choices[0].finish_reason}`);
  check(whole.usage.completion_tokens >= 1 && whole.usage.completion_tokens <= 24, "chat usage");
  checkEqual(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens, "total");
  check(whole.id.startsWith("chatcmpl-"), `chat id ${whole.id}`);

  const streamed = await collect(
    await client.chat.completions.create({ ...settings, stream: true, stream_options: { include_usage: true } }),
    (chunk) => chunk.choices[0]?.delta?.content ?? "");
  const { chunks } = streamed;
  checkEqual(streamed.text, whole.choices[0].message.content, "streamed chat text against the whole answer");
  checkEqual([...new Set(chunks.map((chunk) => chunk.id))].length, 1, "one id across the chunks");
  check(chunks[0].id.startsWith("chatcmpl-") && chunks[0].id !== whole.id, `stream id ${chunks[0].id}`);
  check(chunks.every((chunk) => chunk.object === "chat.completion.chunk"), "chunk objects");
  checkEqual(chunks[0].choices[0].delta.role, "assistant", "the first delta's role");
  const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
  checkEqual(finishes.map((chunk) => chunk.choices[0].finish_reason), [whole.choices[0].finish_reason],
             "one chunk with the finish reason");
  const last = chunks.at(-1);
  checkEqual(last.choices, [], "the usage chunk has no choices");
  checkEqual(last.usage, whole.usage, "the last chunk's usage");
  check(chunks.slice(0, -1).every((chunk) => chunk.usage == null), "usage only in the last chunk");
  console.log(`chat: ${whole.usage.completion_tokens} tokens, whole and in ${chunks.length} chunks alike`);

  // Completions, whole then streamed.
  const completion = { model, prompt: "Once upon a time", max_tokens: 12, temperature: 0.8, seed: 99 };
  const text = await client.completions.create(completion);
  checkEqual(text.object, "text_completion", "completion object");
  check(text.id.startsWith("cmpl-"), `completion id ${text.id}`);
  check(typeof text.choices[0].text === "string", "completion text");
  const textStream = await collect(
    await client.completions.create({ ...completion, stream: true, stream_options: { include_usage: true } }),
    (chunk) => chunk.choices[0]?.text ?? "");
  checkEqual(textStream.text, text.choices[0].text, "streamed completion text against the whole answer");
  checkEqual([...new Set(textStream.chunks.map((chunk) => chunk.id))].length, 1, "one completion id");
  checkEqual(textStream.chunks.at(-1).usage, text.usage, "the completion stream's usage");
  console.log(`completion: ${text.usage.completion_tokens} tokens, whole and streamed alike`);

  // The SDK's error classes.
  const wrongKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-wrong-key-0123456789abcdef", maxRetries: 0 });
  const unauthorised = await rejection(() => wrongKey.chat.completions.create(settings), "a wrong key");
  check(unauthorised instanceof OpenAI.AuthenticationError, `a wrong key: ${unauthorised}`);
  checkEqual(unauthorised.status, 401, "a wrong key's status");
  checkEqual(unauthorised.error?.type, "invalid_request_error", "a wrong key's error type");
  const unauthorisedList = await rejection(() => wrongKey.models.list(), "models.list() with a wrong key");
  check(unauthorisedList instanceof OpenAI.AuthenticationError, `models.list() with a wrong key: ${unauthorisedList}`);

  const unknown = await rejection(() => client.chat.completions.create({ ...settings, model: "gpt-4o" }),
                                  "an unknown model");
  check(unknown instanceof OpenAI.NotFoundError, `an unknown model: ${unknown}`);
  checkEqual(unknown.status, 404, "an unknown model's status");
  checkEqual(unknown.param, "model", "an unknown model's param");
  const unknownRetrieve = await rejection(() => client.models.retrieve("gpt-4o"), "models.retrieve(gpt-4o)");
  check(unknownRetrieve instanceof OpenAI.NotFoundError, `models.retrieve(gpt-4o): ${unknownRetrieve}`);
  checkEqual((await client.models.retrieve(model)).id, model, "models.retrieve()");

  const tooLong = await rejection(
    () => client.chat.completions.create({ ...settings, max_tokens: context }), "max_tokens of the whole context");
  check(tooLong instanceof OpenAI.BadRequestError, `max_tokens too large: ${tooLong}`);
  checkEqual(tooLong.status, 400, "max_tokens too large: status");
  checkEqual(tooLong.param, "max_tokens", "max_tokens too large: param");
  check(/leave room for \d+ in the model's context of/.test(tooLong.message), `message: ${tooLong.message}`);
  const tooLongStream = await rejection(
    () => client.chat.completions.create({ ...settings, max_tokens: context, stream: true }),
    "a stream with max_tokens of the whole context");
  check(tooLongStream instanceof OpenAI.BadRequestError, `a stream with max_tokens too large: ${tooLongStream}`);
  const tools = await rejection(
    () => client.chat.completions.create({ ...settings, tools: [{ type: "function", function: { name: "f" } }] }),
    "tools");
  check(tools instanceof OpenAI.BadRequestError && tools.param === "tools", `tools: ${tools}`);
  console.log("errors: AuthenticationError, NotFoundError, BadRequestError as expected");

  // A second server with a rate limit: a burst of 2, then 429 with Retry-After.
  const limited = await ctx.start(binary, ["serve", "--model", modelFolder, "--port", "0", "--api-keys", keys,
                                           "--rate-limit", "60", "--burst", "2"]);
  const limitedClient = new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: key, maxRetries: 0 });
  const small = { ...settings, max_tokens: 2 };
  const results = await Promise.allSettled([1, 2, 3].map(() => limitedClient.chat.completions.create(small)));
  checkEqual(results.map((result) => result.status).sort(), ["fulfilled", "fulfilled", "rejected"],
             "3 requests with a burst of 2");
  const limitedError = results.find((result) => result.status === "rejected").reason;
  check(limitedError instanceof OpenAI.RateLimitError, `the third request: ${limitedError}`);
  checkEqual(limitedError.status, 429, "the third request's status");
  check(Number(limitedError.headers?.get("retry-after")) >= 1, "Retry-After on the 429");
  console.log("rate limit: RateLimitError on the third of 3 requests with --burst 2");

  checkEqual(await server.stop(), { code: 0, signal: null }, "the exit status after SIGTERM");
  checkEqual(await limited.stop(), { code: 0, signal: null }, "the rate-limited server's exit status");
});
