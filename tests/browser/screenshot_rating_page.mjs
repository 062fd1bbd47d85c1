// Makes the lesson's picture of the rating page (steps/06-evaluation/images/rating_page.png):
// a generated world's preference pairs as demo items, the server on a free port, a rater
// two items in, the page as chromium draws it.
//
//   node tests/browser/screenshot_rating_page.mjs build/release/apps/tinygpt [OUT.png]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { check, main, run } from "./harness.mjs";

const tinygpt = process.argv[2];
if (!tinygpt) {
  console.error("usage: node screenshot_rating_page.mjs TINYGPT_BINARY [OUT.png]");
  process.exit(2);
}
const repository = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = resolve(process.argv[3] || join(repository, "steps/06-evaluation/images/rating_page.png"));

await main("screenshot", async (context) => {
  const world = join(context.folder, "world");
  const items = join(context.folder, "items.jsonl");
  run(tinygpt, ["data", "generate", "--out", world, "--kinds", "preferences", "--size", "20000"]);
  run(tinygpt, ["eval", "human", "items", "--data", world, "--out", items, "--count", "20"]);
  const server = await context.start(tinygpt, [
    "eval", "human", "serve", "--db", join(context.folder, "ratings.sqlite"), "--items", items,
    "--port", "0",
  ]);
  const browser = await context.browser();
  const page = await browser.newPage({ viewport: { width: 960, height: 440 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/?rater=Ada`);
  for (const key of ["a", "b"]) {
    await page.locator("#item-view").waitFor({ state: "visible" });
    const before = await page.locator("#status").textContent();
    await page.keyboard.press(key);
    await page.waitForFunction((text) => document.getElementById("status").textContent !== text, before);
  }
  await page.waitForFunction(() => document.getElementById("status").textContent.endsWith("item 3 of 20"));
  await page.screenshot({ path: out });
  check(true, "");
  console.log(`wrote ${out}`);
});
