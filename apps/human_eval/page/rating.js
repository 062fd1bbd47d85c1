// The rating page: asks the server for the rater's next item, shows it blind (answers
// labelled A, B, ... in the order the server logged for this rater), and posts the rating.
// All state lives on the server; the browser remembers only the rater's name, so a reload,
// or another day, continues with the next unrated item.

const NAME_KEY = "tinygpt-rater";

const $ = (id) => document.getElementById(id);

// Mode pairwise's keys: the buttons' letters, and arrows for one hand.
const PAIRWISE_KEYS = {
  a: "left",
  arrowleft: "left",
  t: "tie",
  arrowdown: "tie",
  b: "right",
  arrowright: "right",
};

const state = {
  rater: "",
  mode: "pairwise",
  item: null, // {id, sequence, prompt, answers: [{label, text}]}
  scores: [], // scale mode: the score given to each shown answer, or 0
  busy: false, // a request is under way: keys and buttons wait
};

// --- talking to the server -------------------------------------------------------------

// The JSON of a request, or an Error with the server's message (its JSON error body).
async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: reported below by status
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
  $("error").hidden = !error;
}

function show(view) {
  for (const id of ["name-view", "item-view", "done-view"]) $(id).hidden = id !== view;
  $("switch-rater").hidden = view === "name-view";
}

// --- one item --------------------------------------------------------------------------

// Shows the rater's next item (or the end); false when the server refused (a bad name).
async function loadNext() {
  state.busy = true;
  try {
    const next = await api(`/api/next?rater=${encodeURIComponent(state.rater)}`);
    showError(null);
    state.mode = next.mode;
    if (!next.item) {
      state.item = null;
      $("status").textContent = `${state.rater}: ${next.rated} of ${next.total} rated`;
      $("done-summary").textContent = `You rated all ${next.total} items. You can close this page.`;
      show("done-view");
      return true;
    }
    $("status").textContent = `${state.rater}: item ${next.rated + 1} of ${next.total}`;
    renderItem(next.item);
    show("item-view");
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    state.busy = false;
  }
}

function renderItem(item) {
  state.item = item;
  state.scores = item.answers.map(() => 0);
  $("prompt").textContent = item.prompt;
  const answers = $("answers");
  answers.replaceChildren();
  item.answers.forEach((answer, k) => {
    const box = document.createElement("section");
    box.className = "answer";
    box.dataset.label = answer.label;
    const title = document.createElement("h3");
    title.textContent = answer.label;
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = answer.text;
    box.append(title, text);
    if (state.mode === "scale") box.append(scoreButtons(k));
    answers.append(box);
  });
  const pairwise = state.mode === "pairwise";
  $("pairwise-controls").hidden = !pairwise;
  $("scale-controls").hidden = pairwise;
  $("keys").textContent = pairwise
    ? "Keys: A (or \u2190) A is better, T (or \u2193) tie, B (or \u2192) B is better"
    : "Keys: 1-5 score the next unscored answer, Backspace undoes, Enter submits";
  updateScores();
}

function scoreButtons(k) {
  const row = document.createElement("div");
  row.className = "scores";
  for (let score = 1; score <= 5; ++score) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = String(score);
    button.dataset.score = String(score);
    button.setAttribute("aria-label", `${state.item.answers[k].label}: ${score}`);
    button.addEventListener("click", () => {
      state.scores[k] = score;
      updateScores();
    });
    row.append(button);
  }
  return row;
}

function updateScores() {
  if (state.mode !== "scale") return;
  document.querySelectorAll(".answer").forEach((box, k) => {
    for (const button of box.querySelectorAll(".scores button")) {
      button.classList.toggle("selected", Number(button.dataset.score) === state.scores[k]);
    }
  });
  $("submit-scores").disabled = state.scores.some((score) => score === 0);
}

async function submit(rating) {
  if (state.busy || !state.item) return;
  state.busy = true;
  try {
    await api("/api/rating", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rater: state.rater, item: state.item.id, ...rating }),
    });
  } catch (error) {
    state.busy = false;
    showError(error);
    return;
  }
  state.busy = false;
  await loadNext();
}

// --- the rater -------------------------------------------------------------------------

// A name the server accepts is remembered for the next visit; one it refuses (too long,
// a control character) goes back to the form with the server's message.
async function start(name) {
  state.rater = name;
  if (await loadNext()) {
    localStorage.setItem(NAME_KEY, name);
  } else {
    localStorage.removeItem(NAME_KEY);
    $("rater-name").value = name;
    show("name-view");
  }
}

$("name-view").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("rater-name").value.trim();
  if (name) start(name);
});

$("switch-rater").addEventListener("click", () => {
  localStorage.removeItem(NAME_KEY);
  state.item = null;
  $("status").textContent = "";
  showError(null);
  show("name-view");
  $("rater-name").focus();
});

for (const button of document.querySelectorAll("#pairwise-controls button")) {
  button.addEventListener("click", () => submit({ choice: button.dataset.choice }));
}
$("submit-scores").addEventListener("click", () => submit({ scores: state.scores }));

// Keyboard shortcuts, except while the name is being typed.
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  if ($("item-view").hidden || state.busy) return;
  const key = event.key.toLowerCase();
  if (state.mode === "pairwise") {
    const choice = PAIRWISE_KEYS[key];
    if (choice) {
      event.preventDefault();
      submit({ choice });
    }
    return;
  }
  if (key >= "1" && key <= "5") {
    const k = state.scores.indexOf(0);
    if (k >= 0) state.scores[k] = Number(key);
  } else if (key === "backspace") {
    const scored = state.scores.filter((score) => score > 0).length;
    if (scored > 0) state.scores[scored - 1] = 0;
  } else if (key === "enter" && !$("submit-scores").disabled) {
    submit({ scores: state.scores });
  } else {
    return;
  }
  event.preventDefault();
  updateScores();
});

// A saved name resumes the session at once; ?rater=NAME in the URL sets one.
const fromUrl = new URLSearchParams(location.search).get("rater");
const saved = fromUrl || localStorage.getItem(NAME_KEY);
if (saved) {
  start(saved);
} else {
  show("name-view");
  $("rater-name").focus();
}
