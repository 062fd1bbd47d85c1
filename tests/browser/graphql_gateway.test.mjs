// Step 07's GraphQL gateway (apps/graphql) in front of a live `tinygpt serve`, over real HTTP.
//   node graphql_gateway.test.mjs TINYGPT CHAT_MODEL_FOLDER
// Starts the server with an API key and the gateway through scripts/graphql-gateway.sh, then
// checks with POSTs to /graphql (Accept: application/graphql-response+json, so that a
// refused document is a 4xx as the GraphQL-over-HTTP spec asks):
//   - `models` lists what GET /v1/models lists; `model(id)` finds it, and gives null for an
//     unknown id (the schema's choice: absent is null, not an error);
//   - the completion and chat mutations give the REST API's text, finish reason and usage
//     for the same request and seed;
//   - refused documents: a syntax error and an unknown field (400 with `errors`), a document
//     too deep, a fragment bomb, too many generations (400), a body over 256 KiB (413);
//   - REST errors as GraphQL errors: no key or a wrong key (UNAUTHENTICATED, 401),
//     temperature 9 (BAD_USER_INPUT with the server's message and param), an unreachable
//     upstream (UPSTREAM_UNAVAILABLE, and the gateway keeps running);
//   - then a good query is still answered, and both processes exit 0 on SIGTERM.
// Exits 77 (skip) when apps/graphql/node_modules is missing (scripts/setup.sh runs npm ci).
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { main, check, checkEqual, SKIP } from "./harness.mjs";

const [binary, modelFolder] = process.argv.slice(2);
if (!binary || !modelFolder) {
  console.error("usage: node graphql_gateway.test.mjs TINYGPT CHAT_MODEL_FOLDER");
  process.exit(2);
}
const root = fileURLToPath(new URL("../..", import.meta.url));
if (!existsSync(join(root, "apps/graphql/node_modules"))) {
  console.log("SKIP: apps/graphql/node_modules is missing (run scripts/setup.sh: npm ci in apps/graphql)");
  process.exit(SKIP);
}
const gatewayScript = join(root, "scripts/graphql-gateway.sh");

// POSTs a GraphQL request; resolves to {status, body}. `key` null sends no Authorization.
async function graphql(gateway, key, query, variables) {
  const headers = { "content-type": "application/json", accept: "application/graphql-response+json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${gateway.url}/graphql`,
                               { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json() };
}

// POSTs (or GETs, without a body) to the REST API; resolves to {status, body}.
async function rest(server, key, path, body) {
  const response = await fetch(`${server.url}${path}`, {
    method: body ? "POST" : "GET",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// The one error of a refused request, with its extensions.
function onlyError(result, what) {
  check(Array.isArray(result.body.errors) && result.body.errors.length >= 1,
        `${what}: no errors in ${JSON.stringify(result.body)}`);
  return result.body.errors[0];
}

const usageFields = "usage { promptTokens completionTokens totalTokens }";
const completionMutation = `mutation Complete($input: CompletionInput!) {
  completion(input: $input) { id model choices { index text finishReason } ${usageFields} }
}`;
const chatMutation = `mutation Chat($input: ChatInput!) {
  chat(input: $input) { id choices { index message { role content } finishReason } ${usageFields} }
}`;
// REST's usage in the schema's names.
const usageOf = (usage) => ({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens,
                              totalTokens: usage.total_tokens });

await main("graphql-gateway", async (ctx) => {
  const key = `sk-graphql-${randomBytes(12).toString("hex")}`;
  const keys = join(ctx.folder, "keys.txt");
  writeFileSync(keys, `graphql-test ${key}\n`);
  const server = await ctx.start(binary, ["serve", "--model", modelFolder, "--port", "0", "--api-keys", keys]);
  const gateway = await ctx.start(gatewayScript, ["--upstream", server.url, "--port", "0"]);

  // Queries: the models, as REST lists them.
  const listed = await rest(server, key, "/v1/models");
  const model = listed.body.data[0].id;
  const models = await graphql(gateway, key, `{ models { id ownedBy created }
    known: model(id: "${model}") { id } unknown: model(id: "gpt-4o") { id } }`);
  checkEqual(models.status, 200, "the models query's status");
  const created = listed.body.data[0].created;
  checkEqual(models.body, { data: { models: [{ id: model, ownedBy: "tinygpt", created }],
                                    known: { id: model }, unknown: null } }, "the models query");

  // The completion mutation against POST /v1/completions: the same text for the same seed.
  const completionInput = { model, prompt: "Once upon a time", maxTokens: 12, temperature: 0.8, seed: 99 };
  const completion = await graphql(gateway, key, completionMutation, { input: completionInput });
  checkEqual(completion.status, 200, "the completion's status");
  check(!completion.body.errors, `the completion's errors: ${JSON.stringify(completion.body.errors)}`);
  const restCompletion = await rest(server, key, "/v1/completions",
                                    { model, prompt: "Once upon a time", max_tokens: 12, temperature: 0.8, seed: 99 });
  const { choices, usage } = completion.body.data.completion;
  const restChoices = restCompletion.body.choices.map((choice) => (
    { index: choice.index, text: choice.text, finishReason: choice.finish_reason.toUpperCase() }));
  checkEqual(choices, restChoices, "completion choices against REST");
  checkEqual(usage, usageOf(restCompletion.body.usage), "completion usage against REST");
  check(completion.body.data.completion.id.startsWith("cmpl-"), `completion id ${completion.body.data.completion.id}`);
  console.log(`completion: ${JSON.stringify(choices[0].text)}, as REST gives it`);

  // The chat mutation against POST /v1/chat/completions.
  const messages = [{ role: "SYSTEM", content: "You answer briefly." },
                    { role: "USER", content: "Tell me about the sea." }];
  const chat = await graphql(gateway, key, chatMutation,
                             { input: { model, messages, maxTokens: 16, temperature: 0.8, seed: 1234 } });
  check(!chat.body.errors, `the chat's errors: ${JSON.stringify(chat.body.errors)}`);
  const restChat = await rest(server, key, "/v1/chat/completions", {
    model, max_tokens: 16, temperature: 0.8, seed: 1234,
    messages: messages.map(({ role, content }) => ({ role: role.toLowerCase(), content })),
  });
  const answer = chat.body.data.chat;
  const [restAnswer] = restChat.body.choices;
  checkEqual(answer.choices, [{ index: 0, message: { role: "ASSISTANT", content: restAnswer.message.content },
                                finishReason: restAnswer.finish_reason.toUpperCase() }], "chat choices against REST");
  checkEqual(answer.usage, usageOf(restChat.body.usage), "chat usage against REST");
  check(answer.usage.promptTokens > 0 && answer.usage.completionTokens > 0, `chat usage ${JSON.stringify(answer.usage)}`);
  console.log(`chat: ${answer.usage.completionTokens} tokens, as REST gives them`);

  // Documents refused before any REST call.
  const syntax = await graphql(gateway, key, "{ models { id ");
  checkEqual(syntax.status, 400, "a syntax error's status");
  check(/Syntax Error/.test(onlyError(syntax, "a syntax error").message), "a syntax error's message");
  check(!("data" in syntax.body), "a syntax error has no data");
  const unknownField = await graphql(gateway, key, "{ models { id weights } }");
  checkEqual(unknownField.status, 400, "an unknown field's status");
  check(/Cannot query field "weights"/.test(onlyError(unknownField, "an unknown field").message),
        "an unknown field's message");
  const tooComplex = async (what, query) => {
    const refused = await graphql(gateway, key, query);
    checkEqual([refused.status, onlyError(refused, what).extensions?.code], [400, "QUERY_TOO_COMPLEX"], what);
  };
  await tooComplex("a document 19 levels deep",
                   `{ __schema { types { ${"fields { type { ".repeat(8)}name${" } }".repeat(8)} } } }`);
  const fragments = ["fragment F0 on Model { id }"];
  for (let level = 1; level <= 30; ++level) {
    fragments.push(`fragment F${level} on Model { ...F${level - 1} ...F${level - 1} }`);
  }
  await tooComplex("2^30 fields through fragments", `{ models { ...F30 } } ${fragments.join(" ")}`);
  const aliases = [1, 2, 3, 4, 5].map(
    (n) => `c${n}: completion(input: {model: "${model}", prompt: "x", maxTokens: 1}) { id }`);
  await tooComplex("5 generations", `mutation { ${aliases.join(" ")} }`);
  const oversized = await graphql(gateway, key, completionMutation,
                                  { input: { ...completionInput, prompt: "a".repeat(300 * 1024) } });
  checkEqual(oversized.status, 413, "a 300 KiB body");
  console.log("refused: a syntax error, an unknown field, depth, a fragment bomb, 5 generations, 300 KiB");

  // REST errors as GraphQL errors.
  for (const [what, caller] of [["no key", null], ["a wrong key", "sk-wrong-key-0123456789abcdef"]]) {
    const refused = await graphql(gateway, caller, completionMutation, { input: completionInput });
    checkEqual(refused.status, 200, `${what}: an execution error is HTTP 200`);
    checkEqual(refused.body.data, null, `${what}: data`);
    const error = onlyError(refused, what);
    checkEqual([error.extensions.code, error.extensions.status], ["UNAUTHENTICATED", 401], `${what}: extensions`);
    checkEqual(error.path, ["completion"], `${what}: path`);
  }
  const restHot = await rest(server, key, "/v1/completions", { model, prompt: "Once upon a time", temperature: 9 });
  checkEqual(restHot.status, 400, "REST with temperature 9");
  const hot = await graphql(gateway, key, completionMutation, { input: { ...completionInput, temperature: 9 } });
  const hotError = onlyError(hot, "temperature 9");
  checkEqual([hotError.message, hotError.extensions],
             [restHot.body.error.message,
              { code: "BAD_USER_INPUT", status: 400, param: "temperature", type: restHot.body.error.type }],
             "temperature 9: the REST message and param");

  const stranded = await ctx.start(gatewayScript, ["--upstream", "http://127.0.0.1:1", "--port", "0"]);
  const unreachable = onlyError(await graphql(stranded, key, "{ models { id } }"), "an unreachable upstream");
  checkEqual(unreachable.extensions.code, "UPSTREAM_UNAVAILABLE", "an unreachable upstream's code");
  check(/cannot be reached/.test(unreachable.message), `an unreachable upstream's message: ${unreachable.message}`);
  checkEqual((await fetch(`${stranded.url}/healthz`)).status, 200, "the stranded gateway is still up");
  checkEqual(await stranded.stop(), { code: 0, signal: null }, "the stranded gateway's exit status");
  console.log("errors: UNAUTHENTICATED 401, BAD_USER_INPUT with the REST message, UPSTREAM_UNAVAILABLE");

  // After all that, the gateway still answers, and both end cleanly.
  checkEqual((await graphql(gateway, key, "{ models { id } }")).body, { data: { models: [{ id: model }] } },
             "a good query at the end");
  checkEqual(await gateway.stop(), { code: 0, signal: null }, "the gateway's exit status after SIGTERM");
  checkEqual(await server.stop(), { code: 0, signal: null }, "the server's exit status after SIGTERM");
});
