// Step 06's rating page in a real browser, as a rater uses it: enter a name, rate items by
// clicking and by keyboard, reload halfway (the page must come back at the same item, in
// the same order), finish, then read the real SQLite database back with
// `tinygpt eval human export --format jsonl`: one rating per item, the left/right order
// logged, and every choice mapped back to the system whose answer was clicked. Then the
// same in mode scale: three answers scored 1-5 by clicks and by keys, scores mapped back.
//
//   node tests/browser/rating_page.test.mjs build/release/apps/tinygpt
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { check, checkEqual, main, run } from "./harness.mjs";

const tinygpt = process.argv[2];
if (!tinygpt) {
  console.error("usage: node rating_page.test.mjs TINYGPT_BINARY");
  process.exit(2);
}

// Six items whose answers say which system wrote them, so the test can tell from the page
// (which shows only A and B) which system it clicked.
const SYSTEMS = ["alpha", "beta"];
const items = Array.from({ length: 6 }, (_, i) => ({
  id: `q${i + 1}`,
  prompt: `Question number ${i + 1}: what is ${i + 1} + ${i + 1}?`,
  answers: SYSTEMS.map((system) => ({ system, text: `${system} says ${2 * (i + 1)} (item ${i + 1})` })),
}));
const systemOf = (text) => text.split(" ")[0];

// How each of the six items is rated, in the order the page shows them.
const PLAN = [
  { how: "click", target: "#choose-left", choice: "left" },
  { how: "click", target: "#choose-right", choice: "right" },
  { how: "key", target: "t", choice: "tie" },
  // reload here: the fourth item must come back
  { how: "key", target: "a", choice: "left" },
  { how: "key", target: "ArrowRight", choice: "right" },
  { how: "click", target: "#choose-tie", choice: "tie" },
];
const RELOAD_BEFORE = 3;

async function shownItem(page, k, total = items.length) {
  await page.waitForFunction(
    (text) => document.getElementById("status").textContent.endsWith(text),
    `item ${k} of ${total}`,
  );
  const answers = await page.locator(".answer").evaluateAll((boxes) =>
    boxes.map((box) => ({
      label: box.querySelector("h3").textContent,
      text: box.querySelector(".text").textContent,
    })),
  );
  return { prompt: await page.locator("#prompt").textContent(), answers };
}

await main("rating_page", async (context) => {
  const itemsFile = join(context.folder, "items.jsonl");
  const db = join(context.folder, "ratings.sqlite");
  writeFileSync(itemsFile, items.map((item) => JSON.stringify(item)).join("\n") + "\n");
  const server = await context.start(tinygpt, [
    "eval", "human", "serve", "--db", db, "--items", itemsFile, "--port", "0", "--seed", "7",
  ]);
  check(server.url.startsWith("http://127.0.0.1:"), `the server listens on 127.0.0.1: ${server.url}`);

  const browser = await context.browser();
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  // A name the server refuses: its message, and the form again.
  await page.goto(`${server.url}/?rater=${encodeURIComponent("a\u0001b")}`);
  await page.locator("#error").waitFor({ state: "visible" });
  check((await page.locator("#error").textContent()).includes("control character"), "the refusal");
  check(await page.locator("#name-view").isVisible(), "the name form after a refused name");

  await page.goto(server.url);
  // The name first.
  await page.locator("#rater-name").fill("Grace Hopper");
  await page.locator("#start").click();

  const seen = []; // what the page showed for each rated item, and the choice made
  for (let k = 0; k < PLAN.length; ++k) {
    if (k === RELOAD_BEFORE) {
      // A reload (or a closed tab) must resume at this same item, answers in the same places.
      const before = await shownItem(page, k + 1);
      await page.reload();
      const after = await shownItem(page, k + 1);
      checkEqual(after, before, "the item shown after a reload");
    }
    const shown = await shownItem(page, k + 1);
    checkEqual(shown.answers.map((a) => a.label), ["A", "B"], "the answers' labels");
    // Only the item's view shows: no name form, no scale controls in mode pairwise.
    check(!(await page.locator("#name-view").isVisible()), "the name form is hidden while rating");
    check(!(await page.locator("#scale-controls").isVisible()), "no scale controls in mode pairwise");
    check(await page.locator("#choose-tie").isVisible(), "the tie button shows");
    check(!(await page.content()).includes("alpha</h3>"), "no system name is a label");
    const step = PLAN[k];
    if (step.how === "click") {
      await page.locator(step.target).click();
    } else {
      await page.keyboard.press(step.target);
    }
    seen.push({ ...shown, choice: step.choice });
  }
  await page.locator("#done-view").waitFor({ state: "visible" });
  const end = await page.locator("#done-view h2").textContent();
  check(end.includes("All done"), "the end says all done");
  const status = await page.locator("#status").textContent();
  checkEqual(status, "Grace Hopper: 6 of 6 rated", "the status at the end");
  await page.reload();
  await page.locator("#done-view").waitFor({ state: "visible" });
  checkEqual(pageErrors, [], "JavaScript errors on the page");

  // Stop the server as a person would (Ctrl-C is SIGINT; SIGTERM here): it exits 0.
  const exit = await server.stop();
  checkEqual(exit, { code: 0, signal: null }, "the server's exit after SIGTERM");

  // The database, through the real export.
  const lines = run(tinygpt, ["eval", "human", "export", "--db", db, "--format", "jsonl"])
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  checkEqual(lines.length, items.length, "ratings in the database");
  const orders = new Set();
  for (const [k, shown] of seen.entries()) {
    const item = items.find((candidate) => candidate.prompt === shown.prompt);
    check(item, `the prompt shown is one of the items: ${shown.prompt}`);
    const rating = lines.find((line) => line.item === item.id);
    check(rating, `item ${item.id} has a rating`);
    checkEqual(rating.rater, "Grace Hopper", `${item.id}'s rater`);
    checkEqual(rating.sequence, k + 1, `${item.id}'s place in the rater's sequence`);
    // The order logged is the order the page showed.
    const left = systemOf(shown.answers[0].text);
    const right = systemOf(shown.answers[1].text);
    checkEqual([rating.left, rating.right], [left, right], `${item.id}'s logged left/right order`);
    checkEqual(rating.shown, [left, right], `${item.id}'s logged shown order`);
    checkEqual(rating.choice, shown.choice, `${item.id}'s choice`);
    const winner = shown.choice === "tie" ? "tie" : shown.choice === "left" ? left : right;
    checkEqual(rating.winner, winner, `${item.id}'s choice mapped back to its system`);
    orders.add(`${left},${right}`);
  }
  // Randomised per item: with seed 7 both orders occur among the six items.
  checkEqual(orders.size, 2, "distinct left/right orders among the items");

  // Mode scale: three answers, a score 1-5 each, by clicking and by keys.
  const scaleItems = join(context.folder, "scale.jsonl");
  const scaleDb = join(context.folder, "scale.sqlite");
  const three = ["alpha", "beta", "gamma"];
  writeFileSync(
    scaleItems,
    [1, 2]
      .map((i) => JSON.stringify({
        id: `s${i}`,
        prompt: `Scale question ${i}`,
        answers: three.map((system) => ({ system, text: `${system} says ${i}` })),
      }))
      .join("\n"),
  );
  const scale = await context.start(tinygpt, [
    "eval", "human", "serve", "--db", scaleDb, "--items", scaleItems, "--mode", "scale", "--port", "0",
  ]);
  await page.goto(`${scale.url}/?rater=Grace%20Hopper`);
  const given = {}; // item prompt -> {system: score}
  for (const [k, how] of ["click", "key"].entries()) {
    const shown = await shownItem(page, k + 1, 2);
    checkEqual(shown.answers.map((a) => a.label), ["A", "B", "C"], "scale labels");
    check(!(await page.locator("#pairwise-controls").isVisible()), "no pairwise buttons (scale)");
    check(await page.locator("#submit-scores").isDisabled(), "submit waits for every score");
    const scores = k === 0 ? [5, 3, 1] : [2, 4, 4];
    if (how === "click") {
      for (const [j, score] of scores.entries()) {
        await page.locator(".answer").nth(j).locator(`button[data-score="${score}"]`).click();
      }
      await page.locator("#submit-scores").click();
    } else {
      await page.keyboard.press("1");
      await page.keyboard.press("Backspace"); // undo: the first answer is unscored again
      for (const score of scores) await page.keyboard.press(String(score));
      await page.keyboard.press("Enter");
    }
    given[shown.prompt] = Object.fromEntries(
      shown.answers.map((answer, j) => [systemOf(answer.text), scores[j]]),
    );
  }
  await page.locator("#done-view").waitFor({ state: "visible" });
  checkEqual((await scale.stop()).code, 0, "the scale server's exit status");
  const scaleLines = run(tinygpt, ["eval", "human", "export", "--db", scaleDb, "--format", "jsonl"])
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  checkEqual(scaleLines.length, 2, "scale ratings in the database");
  for (const line of scaleLines) {
    const prompt = `Scale question ${line.item.slice(1)}`;
    const expected = Object.fromEntries(line.shown.map((s) => [s, given[prompt][s]]));
    checkEqual(line.scores, expected, `${line.item}'s scores by system`);
  }
});
