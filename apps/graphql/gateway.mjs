// Step 07's GraphQL gateway: schema.graphql served at /graphql (graphql-http, the
// GraphQL-over-HTTP spec), every field answered by one call to `tinygpt serve`'s REST API.
//   node gateway.mjs [--upstream URL] [--host HOST] [--port N]
// The caller's Authorization header goes upstream unchanged, so the REST server's keys and
// rate limits apply; a REST error becomes a GraphQL error with the server's message and
// extensions {code, status, param, type, retryAfter}. Streaming stays on REST (see the schema).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { GraphQLError, Kind, buildSchema, parse } from "graphql";
import { createHandler } from "graphql-http";

const usage = `usage: node gateway.mjs [--upstream URL] [--host HOST] [--port N]
  --upstream URL  the tinygpt serve REST API (default http://127.0.0.1:8080)
  --host HOST     the address to listen on (default 127.0.0.1)
  --port N        the port, 0 for a free one (default 4000)
Serves POST/GET /graphql and GET /healthz; prints "listening on URL" when ready.`;

// What one request may ask of the gateway, so that a hostile document cannot make it do
// unbounded work: the body's bytes, the document's tokens (parsing stops there), the
// nesting of selections, the selections with fragments expanded (repeated fragment spreads
// grow exponentially), and the generations (each is a model call upstream). The depth
// and selections leave room for graphql-js's introspection query (15 levels, 230 selections
// expanded), which tools such as GraphiQL send first; our own fields nest 4 deep.
const limits = { bodyBytes: 256 * 1024, tokens: 2000, depth: 15, selections: 300, generations: 4 };
// A generation may wait in the REST server's queue, then decode; beyond this the caller
// is told the upstream is too slow rather than kept waiting forever.
const upstreamTimeoutMs = 120_000;

// REST statuses as GraphQL error codes (Apollo's names, which GraphQL clients know).
const codeOfStatus = { 400: "BAD_USER_INPUT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND",
                       413: "BAD_USER_INPUT", 429: "RATE_LIMITED" };

/** A REST error as a GraphQL error: the server's message, its status, field and type. */
function upstreamError(status, body, retryAfter) {
  const error = body?.error ?? {};
  const extensions = { code: codeOfStatus[status] ?? "UPSTREAM_ERROR", status,
                       param: error.param ?? null, type: error.type ?? null };
  if (retryAfter) extensions.retryAfter = Number(retryAfter);
  return new GraphQLError(error.message ?? `the REST API answered HTTP ${status}`, { extensions });
}

/** Calls the REST API; resolves to the JSON body, throws a GraphQL error on any failure. */
async function callRest(upstream, path, { authorization, body } = {}) {
  const headers = { accept: "application/json" };
  if (authorization) headers.authorization = authorization;
  if (body) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, upstream), {
      method: body ? "POST" : "GET", headers, body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(upstreamTimeoutMs),
    });
  } catch (error) {
    const why = error.name === "TimeoutError" ? `no answer within ${upstreamTimeoutMs / 1000} s`
                                              : error.cause?.code ?? error.message;
    throw new GraphQLError(`the REST API at ${upstream} cannot be reached (${why}): is tinygpt serve ` +
                           "running there? (--upstream)", { extensions: { code: "UPSTREAM_UNAVAILABLE" } });
  }
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone tells what happened.
  }
  if (!response.ok) throw upstreamError(response.status, json, response.headers.get("retry-after"));
  if (json === null) throw new GraphQLError(`the REST API at ${upstream}${path} did not answer JSON`,
                                            { extensions: { code: "UPSTREAM_ERROR", status: response.status } });
  return json;
}

/** GraphQL's camelCase input as the REST body: snake_case names, unset fields left out. */
function restBody(input) {
  const body = {};
  for (const [name, value] of Object.entries(input)) {
    if (value != null) body[name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value;
  }
  return body;
}

const modelOf = (entry) => ({ id: entry.id, created: entry.created, ownedBy: entry.owned_by,
                              modelCard: entry.model_card ?? null });
const usageOf = (usage) => ({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens,
                              totalTokens: usage.total_tokens });
const headOf = (response) => ({ id: response.id, created: response.created, model: response.model,
                                usage: usageOf(response.usage) });
const finishOf = (choice) => ({ index: choice.index, finishReason: choice.finish_reason.toUpperCase() });

/** The resolvers: one REST call each, the answer reshaped into the schema's names. */
function resolvers(upstream) {
  return {
    models: async (_, { authorization }) =>
      (await callRest(upstream, "/v1/models", { authorization })).data.map(modelOf),
    model: async ({ id }, { authorization }) => {
      try {
        return modelOf(await callRest(upstream, `/v1/models/${encodeURIComponent(id)}`, { authorization }));
      } catch (error) {
        if (error.extensions?.code === "NOT_FOUND") return null;  // the schema's promise
        throw error;
      }
    },
    completion: async ({ input }, { authorization }) => {
      const response = await callRest(upstream, "/v1/completions", { authorization, body: restBody(input) });
      const choices = response.choices.map((choice) => ({ ...finishOf(choice), text: choice.text }));
      return { ...headOf(response), choices };
    },
    chat: async ({ input }, { authorization }) => {
      const messages = input.messages.map(({ role, content }) => ({ role: role.toLowerCase(), content }));
      const response = await callRest(upstream, "/v1/chat/completions",
                                      { authorization, body: restBody({ ...input, messages }) });
      return { ...headOf(response), choices: response.choices.map((choice) => ({
        ...finishOf(choice), message: { role: "ASSISTANT", content: choice.message.content } })) };
    },
  };
}

/**
 * A validation rule that measures each operation with its fragments expanded: the deepest
 * selection, the selections in all, the generations (root fields of a mutation). It stops
 * counting past the limit, so a document built to expand exponentially costs little.
 */
function costLimitRule(context) {
  const measure = (selectionSet, depth, totals, expanding) => {
    totals.depth = Math.max(totals.depth, depth);
    for (const selection of selectionSet.selections) {
      if (++totals.selections > limits.selections) return;
      if (selection.kind === Kind.FIELD) {
        if (depth === 1 && totals.mutation && !selection.name.value.startsWith("__")) totals.generations += 1;
        if (selection.selectionSet) measure(selection.selectionSet, depth + 1, totals, expanding);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        measure(selection.selectionSet, depth, totals, expanding);
      } else {
        const fragment = context.getFragment(selection.name.value);
        // A fragment inside itself is NoFragmentCyclesRule's error; here it just ends the walk.
        if (!fragment || expanding.has(fragment)) continue;
        expanding.add(fragment);
        measure(fragment.selectionSet, depth, totals, expanding);
        expanding.delete(fragment);
      }
    }
  };
  return {
    OperationDefinition(operation) {
      const totals = { depth: 0, selections: 0, generations: 0, mutation: operation.operation === "mutation" };
      measure(operation.selectionSet, 1, totals, new Set());
      const refuse = (message) =>
        context.reportError(new GraphQLError(message, { nodes: operation, extensions: { code: "QUERY_TOO_COMPLEX" } }));
      if (totals.depth > limits.depth) refuse(`the document nests selections deeper than ${limits.depth} levels`);
      if (totals.selections > limits.selections) {
        refuse(`the document selects more than ${limits.selections} fields (fragments expanded)`);
      }
      if (totals.generations > limits.generations) {
        refuse(`the document asks for ${totals.generations} generations; at most ${limits.generations} per request`);
      }
    },
  };
}

/** The body, or null when it holds more than `maxBytes` (the caller answers 413). */
async function readBody(request, maxBytes) {
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) return null;
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response, status, body, headers = {}) {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
}

/** The options from the command line; a bad one prints one line and exits 2. */
function options(argv) {
  try {
    const { values } = parseArgs({ args: argv, strict: true, options: {
      upstream: { type: "string", default: "http://127.0.0.1:8080" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "4000" },
      help: { type: "boolean", default: false },
    } });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port ${values.port} is not a port (0 to 65535)`);
    const upstream = new URL(values.upstream);
    if (!["http:", "https:"].includes(upstream.protocol)) {
      throw new Error(`--upstream ${values.upstream} is not an http(s) URL`);
    }
    return { upstream: upstream.href, host: values.host, port };
  } catch (error) {
    console.error(`graphql gateway: ${error.message.split("\n")[0]} (--help shows the options)`);
    process.exit(2);
  }
}

const { upstream, host, port } = options(process.argv.slice(2));
const schema = buildSchema(readFileSync(new URL("schema.graphql", import.meta.url), "utf8"));
// graphql-http's core handler (the one its Node adapter wraps), given a body read with a
// limit: the adapter itself would read a body of any size into memory.
const handle = createHandler({
  schema,
  rootValue: resolvers(upstream),
  context: (request) => ({ authorization: request.headers.authorization }),
  parse: (query) => parse(query, { maxTokens: limits.tokens }),
  validationRules: [costLimitRule],
});

/** One HTTP exchange: /healthz, or a GraphQL request at /graphql. */
async function serve(request, response) {
  const { pathname } = new URL(request.url, "http://gateway");
  if (pathname === "/healthz" && request.method === "GET") return sendJson(response, 200, { status: "ok" });
  if (pathname !== "/graphql") {
    return sendJson(response, 404, { errors: [{ message: `no ${pathname} here: POST /graphql` }] });
  }
  const body = await readBody(request, limits.bodyBytes);
  if (body === null) {
    // Connection: close, as the rest of an oversized body is not read.
    return sendJson(response, 413, { errors: [{ message: `the body holds more than ${limits.bodyBytes} bytes` }] },
                    { connection: "close" });
  }
  const [payload, init] = await handle({ url: request.url, method: request.method, headers: request.headers,
                                         body, raw: request, context: { res: response } });
  response.writeHead(init.status, init.statusText, init.headers).end(payload);
}

const server = createServer((request, response) => {
  // A client that hangs up mid-body, or a bug, must cost one request, never the process.
  serve(request, response).catch((error) => {
    console.error(`graphql gateway: ${request.method} ${request.url}: ${error.stack ?? error}`);
    if (!response.headersSent) sendJson(response, 500, { errors: [{ message: "internal error in the gateway" }] });
    else response.destroy();
  });
});

server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  console.log(`listening on http://${address.includes(":") ? `[${address}]` : address}:${bound}`);
});
server.on("error", (error) => {
  console.error(`graphql gateway: cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  // Requests under way finish; idle keep-alive connections are closed so close() can end.
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
