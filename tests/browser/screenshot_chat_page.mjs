// Makes the lesson's picture of the chat page (steps/07-deployment/images/chat-page.png):
// `tinygpt serve` on the journey's aligned chat model (.tinygpt/journey/align/dpo/model) when
// it exists, else on the given model folder (e.g. the ctest fixture's), two questions asked
// with the keyboard and answered, the page as chromium draws it.
//
//   node tests/browser/screenshot_chat_page.mjs build/release/apps/tinygpt [MODEL_FOLDER] [OUT.png]
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { check, main } from "./harness.mjs";

const repository = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tinygpt = process.argv[2];
const journey = join(repository, ".tinygpt/journey/align/dpo/model");
const fixture = join(repository, "build/release/steps/07-deployment/serve-fixture/sft/model");
const model = existsSync(journey) ? journey : process.argv[3] || fixture;
if (!tinygpt || !existsSync(model)) {
  console.error("usage: node screenshot_chat_page.mjs TINYGPT_BINARY [MODEL_FOLDER] [OUT.png]");
  process.exit(2);
}
const out = resolve(process.argv[4] || join(repository, "steps/07-deployment/images/chat-page.png"));
const QUESTIONS = ["Where does the fox live?", "Write one sentence about the moon."];

await main("screenshot", async (context) => {
  const server = await context.start(tinygpt, ["serve", "--model", model, "--port", "0", "--name", "tinygpt-chat"]);
  const browser = await context.browser();
  const page = await browser.newPage({ viewport: { width: 860, height: 720 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById("model-name").textContent === "tinygpt-chat");
  await page.locator("#temperature").fill("0");
  await page.locator("#max-tokens").fill("48");
  await page.locator("#settings summary").click(); // closed: the conversation is the picture
  for (const [k, question] of QUESTIONS.entries()) {
    await page.locator("#message").focus();
    await page.keyboard.type(question);
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelectorAll("#conversation > li").length === n &&
                                 document.getElementById("send").disabled === false, 2 * (k + 1));
  }
  check((await page.locator("#error").isVisible()) === false, "no error on the page");
  await page.locator("#message").focus();
  await page.keyboard.type("And the sun?");
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (model ${model})`);
});
