// Step 07's chat page (apps/serve/page/, served at / by `tinygpt serve`) in a real browser,
// used with the keyboard as a person would:
//   - on the tiny chat model, with API keys and a rate limit of 2 a minute, burst 3: the
//     page loads without a key and says it is a language model; sending without a key
//     shows the 401 message (and gives the message back); with the key (Settings) the
//     model's name shows, and three messages sent with Enter (one with a Shift+Enter new
//     line) get their answers; the fourth shows "rate limited, retry in N s" from
//     Retry-After; a reload shows the same conversation; "New conversation" clears it;
//   - on the slower model (context 512): an answer grows in the page over many updates and
//     finishes (cut off at max tokens); another is stopped with Escape mid-way, and the
//     server's /metrics soon shows no active sequence and a disconnect.
//
//   node tests/browser/chat_page.test.mjs TINYGPT SFT_MODEL_FOLDER SLOW_MODEL_FOLDER
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";

import { check, checkEqual, main } from "./harness.mjs";

const [tinygpt, sftModel, slowModel] = process.argv.slice(2);
if (!tinygpt || !sftModel || !slowModel) {
  console.error("usage: node chat_page.test.mjs TINYGPT SFT_MODEL_FOLDER SLOW_MODEL_FOLDER");
  process.exit(2);
}
// One OpenMP thread: steadier timing on a busy machine (see sigterm.test.mjs).
process.env.OMP_NUM_THREADS = "1";
const KEY = "chat-page-test-key-0123456789";

/** The conversation on screen: [{role, text, note}]. */
function shown(page) {
  return page.locator("#conversation > li").evaluateAll((items) =>
    items.map((item) => ({
      role: item.classList.contains("user") ? "user" : "assistant",
      text: item.querySelector(".text").textContent,
      note: item.querySelector(".note")?.textContent || "",
    })),
  );
}

/** Waits until the status line says `text` (the page's state after an answer). */
async function statusIs(page, text, timeout = 20000) {
  await page.waitForFunction((t) => document.getElementById("status").textContent === t, text,
                             { timeout });
}

/** Types a message into the box with the keyboard and presses Enter. */
async function say(page, text) {
  await page.locator("#message").focus();
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

/** Enters the API key in Settings with the keyboard; waits for the model's name. */
async function enterKey(page, model) {
  await page.locator("#api-key").focus();
  await page.keyboard.type(KEY);
  await page.keyboard.press("Tab"); // leaving the field saves it and reloads the model list
  await page.waitForFunction((m) => document.getElementById("model-name").textContent === m, model);
}

/** The value of a metric without labels in the server's /metrics. */
async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(" ")[1]);
}

await main("chat_page", async (context) => {
  const keys = join(context.folder, "keys.txt");
  writeFileSync(keys, `chat-test ${KEY}\n`);
  const server = await context.start(tinygpt, [
    "serve", "--model", sftModel, "--port", "0", "--api-keys", keys, "--rate-limit", "2",
    "--burst", "3", "--log", join(context.folder, "access.log"),
  ]);
  const browser = await context.browser();
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));

  // The page is public; it says it is a language model; no key yet: no model name.
  await page.goto(server.url);
  check((await page.locator("#disclosure").textContent()).includes("language model"), "the disclosure");
  check(await page.locator("#disclosure").isVisible(), "the disclosure is visible");
  await page.waitForFunction(() => document.getElementById("model-name").textContent.includes("API key"));
  for (const id of ["message", "api-key", "temperature", "max-tokens"]) {
    checkEqual(await page.locator(`label[for="${id}"]`).count(), 1, `a label for #${id}`);
  }
  checkEqual(await page.locator("#conversation").getAttribute("aria-live"), "polite", "the log's aria-live");
  // The page starts in the message box.
  checkEqual(await page.evaluate(() => document.activeElement.id), "message", "the focus at load");

  // Without the key: the 401 message, and the message back in the box to send again.
  await say(page, "Hello there");
  await page.locator("#error").waitFor({ state: "visible" });
  const refused = await page.locator("#error").textContent();
  check(refused.includes("401") && refused.includes("check the API key"), `the 401 message: ${refused}`);
  checkEqual(await page.locator("#message").inputValue(), "Hello there", "the refused message, back in the box");
  checkEqual(await shown(page), [], "no conversation after a refusal");

  // The key, by keyboard; the focus is visible where the keyboard is.
  await enterKey(page, basename(sftModel));
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== "none", `a visible focus after Tab (outline ${outline})`);
  check(!(await page.locator("#error").isVisible()), "the error goes when the key changes");
  await page.locator("#max-tokens").fill("8");

  // Three messages with Enter (the first is still in the box); Shift+Enter is a new line.
  await page.locator("#message").focus();
  await page.keyboard.press("Enter");
  await statusIs(page, "Answer complete.");
  await page.locator("#message").focus();
  await page.keyboard.type("Two");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("lines");
  checkEqual(await page.locator("#message").inputValue(), "Two\nlines", "Shift+Enter adds a line");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#conversation > li").length === 4);
  await statusIs(page, "Answer complete.");
  await say(page, "Three");
  await page.waitForFunction(() => document.querySelectorAll("#conversation > li").length === 6);
  await statusIs(page, "Answer complete.");
  const conversation = await shown(page);
  checkEqual(conversation.map((m) => m.role), ["user", "assistant", "user", "assistant", "user", "assistant"],
             "the conversation's turns");
  checkEqual(conversation.filter((m) => m.role === "user").map((m) => m.text),
             ["Hello there", "Two\nlines", "Three"], "the messages sent");
  check(!(await page.locator("#error").isVisible()), "no error after three answers");

  // The fourth within the minute: 429, with the seconds from Retry-After.
  await say(page, "Four");
  await page.locator("#error").waitFor({ state: "visible" });
  const limited = await page.locator("#error").textContent();
  const wait = limited.match(/rate limited \(429\): retry in (\d+) s/i);
  check(wait && Number(wait[1]) >= 1 && Number(wait[1]) <= 60, `the 429 message: ${limited}`);
  checkEqual(await page.locator("#message").inputValue(), "Four", "the limited message, back in the box");
  checkEqual((await shown(page)).length, 6, "the conversation after a 429");

  // A reload: the same conversation, the key still there.
  await page.reload();
  await page.waitForFunction((m) => document.getElementById("model-name").textContent === m, basename(sftModel));
  checkEqual(await shown(page), conversation, "the conversation after a reload");
  // New conversation: empty, also after a reload.
  await page.locator("#new-conversation").click();
  checkEqual(await shown(page), [], "the conversation after New conversation");
  await page.reload();
  await page.waitForFunction((m) => document.getElementById("model-name").textContent === m, basename(sftModel));
  checkEqual(await shown(page), [], "a new conversation after a reload");

  // The slower model: an answer that grows, and one stopped with Escape.
  const slow = await context.start(tinygpt, [
    "serve", "--model", slowModel, "--port", "0", "--api-keys", keys,
    "--log", join(context.folder, "slow-access.log"),
  ]);
  await page.goto(slow.url);
  await enterKey(page, basename(slowModel));
  await page.locator("#temperature").fill("0");
  await page.locator("#max-tokens").fill("200");
  // The answer's length at every change of the page's conversation.
  await page.evaluate(() => {
    window.lengths = [];
    new MutationObserver(() => {
      const answers = document.querySelectorAll("#conversation > li.assistant .text");
      if (answers.length) window.lengths.push(answers[answers.length - 1].textContent.length);
    }).observe(document.getElementById("conversation"), { childList: true, subtree: true, characterData: true });
  });
  await say(page, "Hi");
  await page.waitForFunction(() => document.getElementById("conversation").getAttribute("aria-busy") === "true");
  await statusIs(page, "Answer complete.");
  checkEqual(await page.locator("#conversation").getAttribute("aria-busy"), "false", "aria-busy after the answer");
  const lengths = await page.evaluate(() => window.lengths);
  const growing = lengths.filter((n, i) => n > 0 && (i === 0 || n > lengths[i - 1]));
  check(growing.length >= 3, `the answer grew over several updates: ${JSON.stringify(lengths.slice(0, 40))}`);
  const grown = await shown(page);
  checkEqual(grown.length, 2, "one message and its answer");
  check(grown[1].text.length > 0, "the answer has text");
  checkEqual(grown[1].note, "(cut off at the token limit)", "the answer's end at max tokens");

  // Stop mid-way with Escape: as many tokens as fit, stopped after the first ones.
  const disconnectsBefore = (await metric(slow.url, "tinygpt_disconnects_total")) || 0;
  await page.locator("#max-tokens").fill("");
  await say(page, "Hi again");
  await page.waitForFunction(() => {
    const answers = document.querySelectorAll("#conversation > li.assistant .text");
    return answers.length === 2 && answers[1].textContent.length > 0;
  });
  await page.keyboard.press("Escape");
  await statusIs(page, "Stopped.");
  const stopped = await shown(page);
  checkEqual(stopped.length, 4, "the stopped answer stays in the conversation");
  checkEqual(stopped[3].note, "(stopped)", "the stopped answer's note");
  check(await page.locator("#stop").isDisabled(), "Stop is disabled after stopping");
  check(await page.locator("#send").isEnabled(), "Send is enabled after stopping");
  let active = null;
  let disconnects = null;
  for (let i = 0; i < 50; ++i) {
    active = await metric(slow.url, "tinygpt_active_sequences");
    disconnects = await metric(slow.url, "tinygpt_disconnects_total");
    if (active === 0 && disconnects >= disconnectsBefore + 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  checkEqual(active, 0, "tinygpt_active_sequences after Escape");
  check(disconnects >= disconnectsBefore + 1, `tinygpt_disconnects_total after Escape: ${disconnects}`);
  checkEqual(pageErrors, [], "JavaScript errors on the page");
});
