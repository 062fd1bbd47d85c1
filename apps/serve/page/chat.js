// The chat page of `tinygpt serve`: a conversation with the served model through the
// server's own OpenAI-compatible API, the answer streamed token by token.
//
// Streaming: fetch() a POST to /v1/chat/completions with "stream": true and read the body
// as a ReadableStream of server-sent events ("data: {chunk}" lines, a blank line between
// events, "data: [DONE]" at the end). EventSource cannot be used: it only sends GETs, and
// the conversation goes in a POST body. Stop aborts the fetch (AbortController): the
// connection closes, and the server cancels the sequence at its next write.
//
// Kept in this tab (sessionStorage): the conversation and the API key; in the browser
// (localStorage): temperature and max tokens.
"use strict";

const HISTORY_KEY = "tinygpt-chat.history";
const API_KEY_KEY = "tinygpt-chat.api-key";
const SETTINGS_KEY = "tinygpt-chat.settings";

const $ = (id) => document.getElementById(id);
const conversationList = $("conversation");
const messageBox = $("message");
const sendButton = $("send");
const stopButton = $("stop");
const errorBox = $("error");
const statusLine = $("status");
const apiKeyInput = $("api-key");
const temperatureInput = $("temperature");
const maxTokensInput = $("max-tokens");

// The conversation: [{role: "user" | "assistant", content, note?}]; note (not sent) says
// how an answer ended when that was not by itself ("stopped", "cut off").
let history = loadHistory();
let model = null; // the id from GET /v1/models
let controller = null; // the AbortController of the answer under way
let generation = 0; // counts new conversations: an answer stopped by one is not kept

function loadHistory() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]");
    return Array.isArray(saved) ? saved.filter((m) => m && typeof m.content === "string") : [];
  } catch {
    return [];
  }
}

function saveHistory() {
  sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history));
}

function apiKey() {
  return apiKeyInput.value.trim();
}

function headers() {
  const result = { "Content-Type": "application/json" };
  if (apiKey()) result.Authorization = `Bearer ${apiKey()}`;
  return result;
}

// ---- Display -------------------------------------------------------------------------

/** Appends one message's element; returns its text element (where tokens go). */
function addMessage(message) {
  const item = document.createElement("li");
  item.className = `message ${message.role}`;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = message.role === "user" ? "You" : "Model";
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = message.content;
  item.append(who, text);
  if (message.note) setNote(item, message.note);
  conversationList.append(item);
  $("empty").hidden = true;
  return text;
}

function setNote(item, note) {
  let element = item.querySelector(".note");
  if (!element) {
    element = document.createElement("span");
    element.className = "note";
    item.append(element);
  }
  element.textContent = note;
}

function render() {
  conversationList.replaceChildren();
  for (const message of history) addMessage(message);
  $("empty").hidden = history.length > 0;
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

function clearError() {
  errorBox.textContent = "";
  errorBox.hidden = true;
}

function setStreaming(on) {
  sendButton.disabled = on;
  stopButton.disabled = !on;
  conversationList.setAttribute("aria-busy", on ? "true" : "false");
}

// ---- Errors ----------------------------------------------------------------------------

/** The server's message from an OpenAI error body ({"error": {"message", ...}}), or "". */
function serverMessage(body) {
  return body && body.error && typeof body.error.message === "string" ? body.error.message : "";
}

/** What the person should read for a refused request (status, body, Retry-After). */
function explain(status, body, retryAfter) {
  const said = serverMessage(body);
  const detail = said ? ` (the server said: ${said})` : "";
  if (status === 401) {
    return `The server refused the request (401): check the API key in Settings${detail}.`;
  }
  if (status === 429) {
    const wait = retryAfter ? `retry in ${retryAfter} s` : "retry in a moment";
    return `Rate limited (429): ${wait}.`;
  }
  if (status === 503) {
    const wait = retryAfter ? `try again in ${retryAfter} s` : "try again in a moment";
    return `The server is busy or shutting down (503): ${wait}.`;
  }
  if (status === 400) {
    const long = /context/.test(said) ? " Start a new conversation, or lower Max tokens." : "";
    return `The server refused the request (400): ${said || "bad request"}.${long}`;
  }
  return `The server answered ${status}${detail}.`;
}

// ---- The model's name --------------------------------------------------------------------

async function loadModel() {
  try {
    const response = await fetch("/v1/models", { headers: headers() });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      model = null;
      $("model-name").textContent =
        response.status === 401 ? "(enter the API key to see it)" : `(unknown: ${response.status})`;
      return;
    }
    model = body.data[0].id;
    $("model-name").textContent = model;
  } catch {
    model = null;
    $("model-name").textContent = "(the server cannot be reached)";
  }
}

// ---- Sending and streaming ---------------------------------------------------------------

function requestBody(messages) {
  const body = { model: model || "", messages, stream: true };
  const temperature = Number.parseFloat(temperatureInput.value);
  if (Number.isFinite(temperature)) body.temperature = temperature;
  const maxTokens = Number.parseInt(maxTokensInput.value, 10);
  if (Number.isFinite(maxTokens) && maxTokens > 0) body.max_tokens = maxTokens;
  return body;
}

/**
 * Reads server-sent events from a fetch response's body; calls onData(text) for each
 * event's data (the "data:" lines joined). Returns true when "[DONE]" came, false when the
 * stream ended without it.
 */
async function readEvents(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    pending += decoder.decode(value, { stream: true });
    // Events end with a blank line; ": comment" lines (": waiting for a slot") carry no data.
    let end;
    while ((end = pending.search(/\r?\n\r?\n/)) >= 0) {
      const event = pending.slice(0, end);
      pending = pending.slice(end).replace(/^\r?\n\r?\n/, "");
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (!data) continue;
      if (data === "[DONE]") {
        reader.cancel().catch(() => {});
        return true;
      }
      onData(data);
    }
  }
}

async function send() {
  const text = messageBox.value;
  if (!text.trim() || controller) return;
  clearError();
  if (!model) await loadModel();
  history.push({ role: "user", content: text });
  saveHistory();
  messageBox.value = "";
  const messages = history.map(({ role, content }) => ({ role, content }));
  addMessage(history[history.length - 1]);
  const answer = { role: "assistant", content: "" };
  const answerText = addMessage(answer);
  const answerItem = answerText.parentElement;
  answerItem.classList.add("streaming");
  answerItem.scrollIntoView({ block: "end" });

  controller = new AbortController();
  const started = generation;
  setStreaming(true);
  statusLine.textContent = "The model is answering…";
  // How it ended: "done", "stopped", "refused" (an HTTP error: the message is taken back),
  // "error" (an error chunk in the stream), "lost" (the connection broke).
  let outcome = "done";
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify(requestBody(messages)),
      signal: controller.signal,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      showError(explain(response.status, body, response.headers.get("Retry-After")));
      outcome = "refused";
    } else {
      let finish = null;
      const complete = await readEvents(response.body, (data) => {
        const chunk = JSON.parse(data);
        if (chunk.error) {
          showError(`The answer was cut short: ${chunk.error.message || "an error"}.`);
          outcome = "error";
          return;
        }
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) return; // the usage chunk
        const piece = choice.delta && choice.delta.content;
        if (piece) {
          answer.content += piece;
          answerText.textContent = answer.content;
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      });
      if (!complete) {
        outcome = "lost";
        showError("The connection closed before the answer was complete: the server may have stopped.");
      } else if (finish === "length") {
        answer.note = "(cut off at the token limit)";
      }
    }
  } catch (error) {
    if (error.name === "AbortError") {
      outcome = "stopped";
      answer.note = "(stopped)";
    } else {
      outcome = "lost";
      showError("Lost the connection to the server: check that it is still running, then send again.");
    }
  }
  controller = null;
  setStreaming(false);
  answerItem.classList.remove("streaming");
  if (started !== generation) return; // "New conversation" during the answer
  if (outcome === "refused") {
    // Nothing was answered: take the message back into the box, to send again.
    history.pop();
    saveHistory();
    messageBox.value = text;
    render();
    statusLine.textContent = "Not sent.";
  } else {
    if (outcome === "lost" && !answer.content) answer.note = "(no answer: the connection was lost)";
    if (answer.note) setNote(answerItem, answer.note);
    history.push(answer);
    saveHistory();
    statusLine.textContent =
      { done: "Answer complete.", stopped: "Stopped.", error: "The answer ended with an error.",
        lost: "The connection was lost." }[outcome];
  }
  messageBox.focus();
}

function stop() {
  if (controller) controller.abort();
}

function newConversation() {
  generation += 1;
  stop();
  history = [];
  saveHistory();
  render();
  clearError();
  statusLine.textContent = "New conversation.";
  messageBox.focus();
}

// ---- Settings ----------------------------------------------------------------------------

function loadSettings() {
  apiKeyInput.value = sessionStorage.getItem(API_KEY_KEY) || "";
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}");
    if (typeof saved.temperature === "string") temperatureInput.value = saved.temperature;
    if (typeof saved.maxTokens === "string") maxTokensInput.value = saved.maxTokens;
  } catch {
    // defaults
  }
}

function saveSettings() {
  localStorage.setItem(
    SETTINGS_KEY,
    JSON.stringify({ temperature: temperatureInput.value, maxTokens: maxTokensInput.value }),
  );
}

// ---- Wiring ------------------------------------------------------------------------------

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
messageBox.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; not while an input method composes a character.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && controller) {
    event.preventDefault();
    stop();
  }
});
stopButton.addEventListener("click", stop);
$("new-conversation").addEventListener("click", newConversation);
apiKeyInput.addEventListener("change", () => {
  if (apiKey()) sessionStorage.setItem(API_KEY_KEY, apiKey());
  else sessionStorage.removeItem(API_KEY_KEY);
  clearError();
  loadModel();
});
temperatureInput.addEventListener("change", saveSettings);
maxTokensInput.addEventListener("change", saveSettings);

loadSettings();
render();
loadModel();
messageBox.focus();
