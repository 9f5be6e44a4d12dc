// The page of `ltlattn serve`. Every answer comes from POST /api/{command}, which returns
// the same report as the command line's --json (docs/SERVE.md); the page only draws it.
// The state of the active tab lives in the URL's fragment, so a link reproduces what is
// on the screen.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};
const SVG_NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}) => {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

let examples = [];
let weights = null; // base64 of the uploaded (or example) .safetensors
let modelExample = null; // path of the example the model editor holds, if unchanged

// One request. `signal` (an AbortController's) drops an answer nobody waits for any more:
// the result is then `{ aborted: true }`.
async function api(command, body, signal) {
  $("status").textContent = `${command}…`;
  try {
    const r = await fetch(`/api/${command}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    const json = await r.json();
    $("status").textContent = "";
    return json;
  } catch (e) {
    if (signal && signal.aborted) return { aborted: true };
    $("status").textContent = `the server did not answer (${e})`;
    return { error: { message: `the server did not answer: ${e}`, labels: [] } };
  }
}

// A comparison that stopped at a limit has `holds: null` beside its error: an answer
// ("undecided"), not a failure of the request.
const undecided = (r) => r.error && "holds" in r && r.holds === null;

// ---- state in the URL ----------------------------------------------------------------
// The fields of each tab: a link carries only the active tab's.
const TABS = {
  formula: { f: "formula", w: "word", al: "alphabet", acc: "accept" },
  compare: { a: "first", b: "second", q: "question", eng: "engine", cal: "compare-alphabet", cacc: "compare-accept", ak: "first-kind", bk: "second-kind", at: "first-text", bt: "second-text" },
  classify: { cf: "classify-formula", cd: "classify-dfa", cla: "classify-alphabet", win: "window", sep: "separate-from" },
  model: { m: "model-text", mw: "model-word", ms: "model-spec" },
  attention: { pat: "pattern", pp: "pattern-param", sc: "summary-columns", pl: "pattern-length" },
  exercise: {},
};
let currentTab = "formula";
let exercise = null; // the exercise a link opened: { target, alphabet, task, kind, ex, weights }
// A comparison's side (or an exercise's target) that is a model or a DFA file: its
// weights (base64) and the example it holds unchanged, which a link names.
const sideWeights = { first: null, second: null, exercise: null };
const sideExample = { first: null, second: null, exercise: null };
const URL_EXAMPLE = { first: ["at", "ax"], second: ["bt", "bx"] };

function writeState() {
  const p = new URLSearchParams();
  p.set("tab", currentTab);
  for (const [k, id] of Object.entries(TABS[currentTab])) {
    if (k === "m" && modelExample) continue; // an unchanged example is named, not copied
    const side = Object.keys(URL_EXAMPLE).find((x) => URL_EXAMPLE[x][0] === k);
    if (side && (sideExample[side] || $(`${side}-kind`).value === "formula")) continue;
    if ((k === "a" || k === "b") && $(`${k === "a" ? "first" : "second"}-kind`).value !== "formula") continue;
    const v = $(id).value;
    if (v) p.set(k, v);
  }
  if (currentTab === "model" && modelExample) p.set("ex", modelExample);
  if (currentTab === "compare") {
    for (const [side, [, named]] of Object.entries(URL_EXAMPLE)) {
      if (sideExample[side] && $(`${side}-kind`).value !== "formula") p.set(named, sideExample[side]);
    }
  }
  if (currentTab === "classify") {
    const kind = document.querySelector("input[name=lang-kind]:checked").value;
    if (kind !== "formula") p.set("ck", kind);
    if (kind === "model" && modelExample) p.set("ex", modelExample);
  }
  if (currentTab === "exercise" && exercise) p.set("x", exercise.sealed);
  history.replaceState(null, "", "#" + p.toString());
}

function readState() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const fields of Object.values(TABS)) {
    for (const [k, id] of Object.entries(fields)) if (p.has(k)) $(id).value = p.get(k);
  }
  if (p.has("ck")) {
    const r = document.querySelector(`input[name=lang-kind][value=${CSS.escape(p.get("ck"))}]`);
    if (r) r.checked = true;
  }
  return p;
}

function showTab(name, focus = false) {
  if (!(name in TABS)) name = "formula";
  currentTab = name;
  for (const b of document.querySelectorAll("#tabs button")) {
    const on = b.dataset.tab === name;
    b.classList.toggle("active", on);
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  }
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
  syncLanguageKind();
  syncSideKinds();
  writeState();
}

// ---- rendering helpers ---------------------------------------------------------------
// The page's names for what the command line calls by its flags (help texts are shared
// with the command line).
const FLAG_NAMES = {
  "--word": "the Word field", "--alphabet": "the Alphabet field", "--accept": "the Acceptance choice",
  "--engine z3": "the z3 engine", "--engine explicit": "the explicit engine", "--engine": "the Engine choice",
  "--window": "the Window field", "--spec": "the Spec field", "--timeout": "the server's time limit",
  "--max-depth": "the depth limit", "--max-states": "the server's state limit", "--props": "propositions",
  "--max-word-length": "the server's word-length limit", "--max-formula-size": "the server's formula-size limit",
  "--max-nesting": "the server's nesting limit", "--max-body-bytes": "the server's body-size limit",
  "--depth": "the depth", "--from": "the Separate-from choice", "--picture": "the picture size",
  "--length": "the Length field", "--bound": "the proof bound",
};
function pageWords(text) {
  return text.replace(/--[a-z][a-z-]*( z3| explicit)?/g, (m) => FLAG_NAMES[m] || FLAG_NAMES[m.split(" ")[0]] || m.slice(2).replace(/-/g, " "));
}

function showError(box, err, sources = {}) {
  box.hidden = false;
  box.replaceChildren();
  box.append(el("div", { class: "message", text: pageWords(err.message) }));
  const text = err.input && sources[err.input];
  if (text !== undefined && err.labels && err.labels.length) {
    // The input with every labelled span marked.
    const pre = el("pre", { class: "source" });
    const bytes = new TextEncoder().encode(text);
    const dec = new TextDecoder();
    let at = 0;
    for (const l of [...err.labels].sort((x, y) => x.start - y.start)) {
      const start = Math.min(l.start, bytes.length), end = Math.max(start, Math.min(l.end, bytes.length));
      pre.append(dec.decode(bytes.slice(at, start)));
      pre.append(el("mark", { title: l.label || "" }, dec.decode(bytes.slice(start, end)) || "␣"));
      if (l.label) pre.append(el("span", { class: "label", text: ` ← ${l.label} ` }));
      at = end;
    }
    pre.append(dec.decode(bytes.slice(at)));
    box.append(pre);
  }
  if (err.help) box.append(el("div", { class: "help", text: `help: ${pageWords(err.help)}` }));
}
const hideError = (box) => { box.hidden = true; box.replaceChildren(); };

// An "undecided" answer: what stopped the decision, and how far it got.
function showUndecided(box, r) {
  box.className = "verdict unknown";
  box.replaceChildren(`undecided within the limits: ${pageWords(r.error.message)}`);
  if (r.error.checked_up_to_length !== undefined) box.append(` — every word up to length ${r.error.checked_up_to_length} was checked`);
  if (r.error.help) box.append(el("div", { class: "note", text: `help: ${pageWords(r.error.help)}` }));
}

// Long texts (a 70 KB certificate) are shown cut, with a button for the rest.
const SHORT = 600;
function shortened(tag, text, attrs = {}) {
  const e = el(tag, attrs);
  if (text.length <= SHORT) {
    e.textContent = text;
    return e;
  }
  e.textContent = text.slice(0, SHORT) + " …";
  const more = el("button", { type: "button", class: "link more", text: `show all ${Math.round(text.length / 1024)} KB` });
  more.addEventListener("click", () => { e.textContent = text; });
  const wrap = el("span", {}, e, " ", more);
  return wrap;
}

// A word that can be clicked to load it into the Formula tab (with `formula`), to step
// through its run.
function wordButton(tokens, formula, extra = {}) {
  const text = tokens.join(" ") || "ε (the empty word)";
  const b = el("button", { type: "button", class: "counterexample", title: "load into the Formula tab and step through it", text });
  b.addEventListener("click", () => loadWord(formula, tokens.join(" "), extra));
  return b;
}

function loadWord(formula, word, extra = {}) {
  if (formula !== undefined && formula !== null) $("formula").value = formula;
  $("word").value = word;
  if (extra.alphabet !== undefined) $("alphabet").value = extra.alphabet;
  if (extra.accept !== undefined) $("accept").value = extra.accept;
  showTab("formula");
  updateFormula();
}

function truthTable(report, opts = {}) {
  const t = el("table", { class: "truth" });
  const head = el("tr", {}, el("th", { text: "position", scope: "col" }));
  report.positions.forEach((p, i) => head.append(el("th", { text: p === "⊣" ? "end" : String(i + 1), scope: "col" })));
  const toks = el("tr", {}, el("th", { text: "token", scope: "row" }));
  for (const p of report.positions) toks.append(el("th", { class: p === "⊣" ? "token eos" : "token", text: p }));
  t.append(el("thead", {}, head, toks));
  const body = el("tbody");
  const last = report.rows.length - 1;
  report.rows.forEach((row, r) => {
    if (opts.rootOnly && r !== last) return;
    const tr = el("tr", { class: r === last ? "root" : "" }, el("th", { class: "formula", scope: "row" }, shortened("span", opts.rootOnly ? opts.rootName : row.formula)));
    row.values.forEach((v, c) => {
      const td = el("td", { class: v ? "t" : "f", text: v ? "1" : "0", "data-col": String(c) });
      if (c === opts.column) td.classList.add("accepting");
      if (r === last && c === opts.column && opts.counterexample) td.classList.add("cx");
      tr.append(td);
    });
    body.append(tr);
  });
  t.append(body);
  return t;
}

// The column where a word is judged: the end marker, or the last position.
function acceptingColumn(report, accept) {
  if (accept === "last") return report.positions.length - (report.positions.at(-1) === "⊣" ? 2 : 1);
  return report.positions.length - 1;
}

// ---- export --------------------------------------------------------------------------
function download(name, type, data) {
  const a = el("a", { href: URL.createObjectURL(new Blob([data], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function pngOf(svgText, name) {
  const img = new Image();
  img.onload = () => {
    const c = el("canvas", { width: String(img.naturalWidth * 2), height: String(img.naturalHeight * 2) });
    const g = c.getContext("2d");
    g.fillStyle = "#fff";
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(img, 0, 0, c.width, c.height);
    c.toBlob((b) => download(name, "image/png", b));
  };
  img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
}

// Buttons that save a picture (SVG text, or an <svg> element) as SVG and PNG, and DOT.
function exportButtons(box, name, svg, dot) {
  box.replaceChildren();
  if (!svg) return;
  const text = () => (typeof svg === "string" ? svg : new XMLSerializer().serializeToString(svg));
  const button = (label, action) => {
    const b = el("button", { type: "button", class: "secondary", "data-export": label.toLowerCase(), text: label });
    b.addEventListener("click", action);
    box.append(b);
  };
  button("SVG", () => download(`${name}.svg`, "image/svg+xml", text()));
  button("PNG", () => pngOf(text(), `${name}.png`));
  if (dot) button("DOT", () => download(`${name}.dot`, "text/vnd.graphviz", dot));
}

// A figure of an inline <svg> with its export buttons.
function svgFigure(svg, caption, name) {
  svg.setAttribute("xmlns", SVG_NS);
  const exports = el("div", { class: "row exports" });
  const fig = el("figure", {}, svg, el("figcaption", { text: caption }), exports);
  exportButtons(exports, name, svg);
  return fig;
}

function picture(box, svg, note) {
  box.replaceChildren();
  if (svg) {
    const img = el("img", { alt: "the minimal DFA", class: "dfa" });
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    box.append(img);
  } else if (note) {
    box.append(el("p", { class: "note", text: note }));
  }
}

// ---- Formula tab ---------------------------------------------------------------------
let formulaTimer = null;
let formulaRun = 0; // the newest edit: an answer to an older one is dropped
let formulaAbort = null;
let formulaAnswers = null; // the explain and dfa reports on screen, for the step-through

function formulaChanged() {
  clearTimeout(formulaTimer);
  formulaTimer = setTimeout(updateFormula, 150);
  writeState();
}

// Clears every answer of the Formula tab: none may stay beside another formula's.
function clearFormula() {
  for (const k of ["ascii", "unicode", "latex"]) $(`render-${k}`).textContent = "";
  $("explain-verdict").textContent = "";
  $("explain-verdict").className = "verdict";
  $("truth-table").replaceChildren();
  $("dfa-info").textContent = "";
  $("dfa-picture").replaceChildren();
  $("dfa-export").replaceChildren();
  $("stepper").hidden = true;
  formulaAnswers = null;
}

async function updateFormula() {
  clearTimeout(formulaTimer);
  const run = ++formulaRun;
  if (formulaAbort) formulaAbort.abort();
  const abort = new AbortController();
  formulaAbort = abort;
  const formula = $("formula").value;
  const box = $("formula-error");
  if (!formula.trim()) {
    hideError(box);
    clearFormula();
    return;
  }
  const f = await api("fmt", { formula }, abort.signal);
  if (run !== formulaRun || f.aborted) return;
  if (f.error) {
    clearFormula();
    showError(box, f.error, { formula });
    return;
  }
  hideError(box);
  clearFormula();
  for (const k of ["ascii", "unicode", "latex"]) $(`render-${k}`).replaceChildren(shortened("span", f.renderings[k]));
  const word = $("word").value;
  const common = { formula, alphabet: $("alphabet").value, accept: $("accept").value };
  const [x, d] = await Promise.all([
    api("explain", { ...common, word }, abort.signal),
    api("dfa", common, abort.signal),
  ]);
  if (run !== formulaRun || x.aborted || d.aborted) return;
  const tbl = $("truth-table");
  tbl.replaceChildren();
  if (x.error) {
    showError(box, x.error, { formula, word, "--word": word, alphabet: common.alphabet, "--alphabet": common.alphabet });
  } else {
    $("explain-verdict").textContent = `${x.accepted ? "accepted" : "rejected"}: the word is ${x.accepted ? "" : "not "}in the language`;
    $("explain-verdict").className = `verdict ${x.accepted ? "yes" : "no"}`;
    tbl.append(truthTable(x, { column: acceptingColumn(x, common.accept) }));
  }
  if (d.error) {
    $("dfa-info").textContent = pageWords(d.error.message);
  } else {
    // Over many propositions there is no letter table, only guards over `propositions`.
    const sigma = d.alphabet
      ? `alphabet {${d.alphabet.join(", ")}}`
      : `guards over ${d.propositions.length} propositions`;
    $("dfa-info").textContent = `${d.states} states, accepting ${JSON.stringify(d.accepting)}; ${sigma}`;
    picture($("dfa-picture"), d.svg, `too large to draw (${d.states} states; the command line's dfa --dot writes any size)`.replace("dfa --dot", "`dfa --dot`"));
    exportButtons($("dfa-export"), "dfa", d.svg, d.dot);
  }
  formulaAnswers = { explain: x.error ? null : x, dfa: d.error ? null : d, accept: common.accept };
  startStepper();
}

// ---- step-through --------------------------------------------------------------------
// A word's run over the DFA picture: step 0 is the initial state before the first token,
// step p the state after position p; with acceptance at the end marker the last step is
// ⊣, where the run is judged.
let step = 0;

function runStates() {
  const a = formulaAnswers;
  if (!a || !a.explain || !a.dfa || !a.dfa.alphabet || !a.dfa.transitions) return null;
  const tokens = a.explain.positions.filter((p) => p !== "⊣");
  const states = [a.dfa.initial];
  for (const t of tokens) {
    const k = a.dfa.alphabet.indexOf(t);
    if (k < 0) return null;
    states.push(a.dfa.transitions[states.at(-1)][k]);
  }
  return { tokens, states, eos: a.explain.positions.at(-1) === "⊣" };
}

// Where each state is drawn: the centre of its circle in the server's SVG.
function statePlaces(svgText) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = doc.documentElement;
  const places = new Map();
  const texts = [...doc.querySelectorAll("text")];
  for (const e of doc.querySelectorAll("ellipse")) {
    const cx = Number(e.getAttribute("cx")), cy = Number(e.getAttribute("cy"));
    const label = texts.find((t) => Number(t.getAttribute("x")) === cx && Math.abs(Number(t.getAttribute("y")) - cy) < 25 && /^\d+$/.test(t.textContent.trim()));
    if (label && !places.has(label.textContent.trim())) places.set(label.textContent.trim(), { cx, cy, r: Number(e.getAttribute("rx")) + 6 });
  }
  return { places, viewBox: root.getAttribute("viewBox") };
}

function startStepper() {
  const run = runStates();
  $("stepper").hidden = !run;
  if (!run) return;
  step = 0;
  const svg = formulaAnswers.dfa.svg;
  if (svg) {
    const { places, viewBox } = statePlaces(svg);
    const overlay = svgEl("svg", { class: "overlay", viewBox, "aria-hidden": "true", preserveAspectRatio: "xMinYMin meet" });
    for (const [s, p] of places) overlay.append(svgEl("circle", { cx: p.cx, cy: p.cy, r: p.r, class: "state", "data-state": s }));
    const box = $("dfa-picture");
    const img = box.querySelector("img");
    if (img) {
      const wrap = el("div", { class: "stack" }, img, overlay);
      box.replaceChildren(wrap);
    }
  }
  showStep();
}

function showStep() {
  const run = runStates();
  if (!run) return;
  const last = run.tokens.length + (run.eos ? 1 : 0);
  step = Math.max(0, Math.min(step, last));
  const state = run.states[Math.min(step, run.tokens.length)];
  for (const c of document.querySelectorAll("#dfa-picture circle.state")) c.classList.toggle("lit", c.dataset.state === String(state));
  // The truth-table column of the position just read (none before the first token).
  const col = step === 0 ? -1 : step - 1;
  for (const td of document.querySelectorAll("#truth-table td, #truth-table th.token")) td.classList.remove("lit");
  if (col >= 0) {
    for (const tr of document.querySelectorAll("#truth-table tbody tr")) tr.querySelectorAll("td")[col]?.classList.add("lit");
    document.querySelectorAll("#truth-table th.token")[col]?.classList.add("lit");
  }
  const acc = formulaAnswers.dfa.accepting.includes(state);
  let what;
  if (step === 0) what = `start: state ${state}, nothing read yet`;
  else if (step <= run.tokens.length) what = `position ${step}: read ${run.tokens[step - 1]}, now in state ${state}${step === run.tokens.length ? " — the end of the word" : ""}`;
  else what = `⊣ (end marker): state ${state} is ${acc ? "accepting: accepted" : "not accepting: rejected"}`;
  if (step === run.tokens.length && !run.eos) what += `: ${acc ? "accepted" : "rejected"}`;
  $("step-info").textContent = what;
  $("stepper").dataset.step = String(step);
  $("stepper").dataset.state = String(state);
  $("stepper").dataset.column = String(col);
  $("step-back").disabled = step === 0;
  $("step-forward").disabled = step === last;
}

// ---- Compare tab ---------------------------------------------------------------------
// A side is a formula, or a model (Boolean, or numeric with its weights) or DFA file:
// typed, uploaded or chosen from the examples, sent as text with `first_kind` (docs/SERVE.md).
const textId = (side) => (side === "exercise" ? "exercise-target-text" : `${side}-text`);

function syncSideKinds() {
  for (const side of ["first", "second"]) {
    const formula = $(`${side}-kind`).value === "formula";
    $(side).closest("label").hidden = !formula;
    $(`${side}-file-box`).hidden = formula;
  }
  const formula = $("exercise-kind").value === "formula";
  $("exercise-target-label").hidden = !formula;
  $("exercise-alphabet-label").hidden = !formula;
  $("exercise-file-box").hidden = formula;
}

function weightsInfo(side, text) {
  if ($(`${side}-weights-info`)) $(`${side}-weights-info`).textContent = text;
}

// An example into a side: its text, its weights, its kind.
function pickExample(side, path) {
  const ex = examples.find((e) => e.path === path);
  if (!ex) return;
  $(textId(side)).value = ex.text;
  $(`${side}-example`).value = ex.path;
  $(`${side}-kind`).value = ex.kind === "dfa" ? "dfa" : "model";
  sideWeights[side] = ex.weights || null;
  sideExample[side] = ex.path;
  weightsInfo(side, ex.weights ? `weights of ${ex.path}` : "");
  syncSideKinds();
  writeState();
}

async function uploadSide(side, file) {
  $(textId(side)).value = await file.text();
  $(`${side}-kind`).value = file.name.endsWith(".dfa") ? "dfa" : "model";
  $(`${side}-example`).value = "";
  sideExample[side] = null;
  syncSideKinds();
  writeState();
}

async function base64Of(file) {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = "";
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return { data: btoa(s), bytes: buf.length };
}

// The request's keys for a side: a formula, or a file's text with its kind and weights.
function sideBody(body, side) {
  const kind = $(`${side}-kind`).value;
  if (kind === "formula") {
    body[side] = $(side).value;
    return;
  }
  body[side] = $(textId(side)).value;
  body[`${side}_kind`] = kind;
  if (kind === "model" && sideWeights[side]) body[`${side}_weights`] = sideWeights[side];
}

// The acceptance a model's text declares (`acceptance = "last"`), else the end marker.
const modelAcceptance = (text) => ((text || "").match(/^\s*acceptance\s*=\s*"(\w+)"/m) || [])[1] || "eos";

// The tokens a model or DFA file declares (`alphabet = ["a", "b"]`, `alphabet: a b`), as
// the Alphabet field takes them, for the step-through of a word over that alphabet.
function fileAlphabet(text, kind) {
  if (kind === "dfa") {
    const m = (text || "").match(/^\s*alphabet:\s*(.+)$/m);
    return m ? m[1].trim().split(/\s+/).join(",") : "";
  }
  const m = (text || "").match(/^\s*alphabet\s*=\s*\[([^\]]*)\]/m);
  return m ? [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]).join(",") : "";
}

// What a side of an answer is, in words, and a formula the step-through can run for it
// (a formula side's, a Boolean model's compiled formula) with its acceptance.
function sideShown(r, body, side) {
  const src = r[side].source;
  if (!src) return { name: r[side].formula, formula: body[side], accept: body.accept };
  const what = { model: "the model", "numeric model": "the numeric model", dfa: "the DFA" }[src] || src;
  const formula = r[side].formula;
  return { name: formula ? `${what}, compiled: ${formula}` : what, formula, accept: modelAcceptance(body[side]), file: true };
}

let compareRun = 0;
async function compare() {
  writeState();
  const run = ++compareRun;
  const body = { alphabet: $("compare-alphabet").value, engine: $("engine").value, accept: $("compare-accept").value };
  sideBody(body, "first");
  sideBody(body, "second");
  const question = $("question").value;
  const v = $("compare-verdict"), tables = $("compare-tables");
  v.replaceChildren();
  v.className = "verdict";
  tables.replaceChildren();
  hideError($("compare-error"));
  const r = await api(question, body);
  if (run !== compareRun) return;
  if (undecided(r)) {
    showUndecided(v, r);
    return;
  }
  if (r.error) {
    showError($("compare-error"), r.error, { first: body.first, second: body.second, "--alphabet": body.alphabet });
    return;
  }
  if (r.holds === true) {
    v.className = "verdict yes";
    v.textContent = question === "equiv"
      ? `equivalent: both define the same language (${r.engine})`
      : `included: every word the first accepts, the second accepts (${r.engine})`;
    return;
  }
  v.className = "verdict no";
  const sides = { first: sideShown(r, body, "first"), second: sideShown(r, body, "second") };
  // The step-through runs a formula: the first side's that has one.
  const runnable = [sides.first, sides.second].find((x) => x.formula);
  // Over the alphabet a file fixes, else the one given.
  const fixed = ["first", "second"].map((x) => body[`${x}_kind`] && fileAlphabet(body[x], body[`${x}_kind`])).find((x) => x);
  const alphabet = fixed || body.alphabet;
  const word = runnable
    ? wordButton(r.counterexample, runnable.formula, { alphabet, accept: runnable.accept })
    : el("code", { class: "word", text: r.counterexample.join(" ") || "ε (the empty word)" });
  const judges = sides.first.file || sides.second.file ? "each side's evaluator or executor" : "the reference evaluator";
  v.append(
    `${question === "equiv" ? "not equivalent" : "not included"}: ${r.shortest === false ? "" : "shortest "}counterexample `,
    word,
    ` (length ${r.counterexample.length}${r.shortest === false ? `; not known to be shortest: a shortest one is longer than ${r.checked_up_to_length}` : ""}): the first ${r.first.accepts ? "accepts" : "rejects"} it, the second ${r.second.accepts ? "accepts" : "rejects"} it — re-checked by ${judges} (${r.engine})`,
  );
  for (const side of ["first", "second"]) {
    const t = r.tables && r.tables[side];
    const col = el("div", { class: "side", "data-side": side }, el("h3", {}, `${side}: `, shortened("span", sides[side].name || "")));
    if (t) col.append(truthTable(t, { column: acceptingColumn(t, body.accept), counterexample: true }));
    else if (sides[side].file) col.append(el("p", { class: `verdict ${r[side].accepts ? "yes" : "no"}`, text: `${r[side].accepts ? "accepts" : "rejects"} ${r.counterexample.join(" ") || "ε"}` }));
    else col.append(el("p", { class: "note", text: "too many subformulas for a table" }));
    tables.append(col);
  }
}

// ---- Classify tab --------------------------------------------------------------------
function syncLanguageKind() {
  const kind = document.querySelector("input[name=lang-kind]:checked").value;
  $("classify-formula").hidden = kind !== "formula";
  $("classify-dfa").hidden = kind !== "dfa";
}

function languageBody() {
  const kind = document.querySelector("input[name=lang-kind]:checked").value;
  const body = {};
  if (kind === "formula") {
    body.formula = $("classify-formula").value;
    body.alphabet = $("classify-alphabet").value;
  } else if (kind === "dfa") body.dfa = $("classify-dfa").value;
  else {
    body.model = $("model-text").value;
    if (weights) body.weights = weights;
  }
  return body;
}

const words = (w) => w.join(" ") || "ε";

function certificate(d, formula) {
  const c = d.certificate || {};
  const out = el("div", { class: "cert" });
  if (c.formula) {
    out.append(shortened("code", c.formula.formula),
      el("div", { class: "note", text: `${c.formula.construction}${c.formula.verified_equivalent ? " — re-checked equivalent" : ""}` }));
  }
  if (c.refutation) {
    const r = c.refutation;
    out.append(el("div", { text: `violates ${r.identity}` }));
    if (r.witnesses && r.witnesses.length) {
      out.append(el("div", { class: "witnesses", text: `on ${r.witnesses.map(([n, w]) => `${n} = ${words(w)}`).join(", ")}` }));
    }
    if (r.family) out.append(shortened("div", r.family, { class: "note" }));
    if (r.pairs && r.pairs.length) {
      const ul = el("ul", { class: "pairs" });
      for (const p of r.pairs.slice(0, 3)) {
        ul.append(el("li", {}, `n = ${p.n}: `, wordButton(p.member, formula), " ∈ L, ", wordButton(p.non_member, formula), ` ∉ L, same depth-${p.n} type`));
      }
      out.append(ul);
    }
    if (r.not_at_depth !== null && r.not_at_depth !== undefined) {
      out.append(el("div", { class: "note", text: `no formula of depth ≤ ${r.not_at_depth} exists (the exact type procedure)` }));
    }
  }
  if (d.note) out.append(el("div", { class: "note cert-note", text: pageWords(d.note) }));
  out.append(el("div", { class: "note", text: d.basis }));
  return out;
}

const ROWS = [
  ["global", "LTL[P]", "global soft attention"],
  ["local", "LTL[Y]", "local soft attention"],
  ["hybrid", "LTL[P, Y]", "global + local"],
  ["hard", "LTL[Y, S]", "hard attention"],
  ["regular", "regular", "—"],
];

// One line over the table: what the rows say together.
function classifySummary(r) {
  const m = (d) => (d ? d.member : null);
  const [g, l, h, hard] = [m(r.global), m(r.local), m(r.hybrid), m(r.hard)];
  const star = r.hybrid && r.hybrid.hypothesis && h ? "*" : "";
  if (g === true && l === true) return "either global or local attention alone recognizes it";
  if (g === true) return `global attention recognizes it${l === false ? "; local attention alone does not" : ""}`;
  if (l === true) return `local attention recognizes it${g === false ? "; global attention alone does not" : ""}`;
  if (g === false && l === false && h === true) return `needs global and local attention: neither alone recognizes it${star}`;
  if (h === false && hard === true) return "beyond soft attention: needs hard attention (LTL[Y, S])";
  if (hard === false) return "regular, but beyond every attention fragment here (not star-free)";
  return "some rows are undecided within the limits";
}

let classifyRun = 0; // classify and separate share the output: the newest request wins
async function classify() {
  writeState();
  const run = ++classifyRun;
  const body = languageBody();
  const k = $("window").value;
  if (k) body.window = Number(k);
  const out = $("classify-out");
  out.replaceChildren();
  hideError($("classify-error"));
  $("classify-picture").replaceChildren();
  const r = await api("classify", body);
  if (run !== classifyRun) return;
  if (r.error) {
    showError($("classify-error"), r.error, { formula: body.formula, dfa: body.dfa, model: body.model, "--alphabet": body.alphabet });
    return;
  }
  out.append(el("p", {}, "language: ", shortened("span", r.language), ` — minimal DFA ${r.dfa_states} states, syntactic monoid ${r.monoid_size ?? "beyond the limit"} elements`));
  out.append(el("p", { class: "summary", text: classifySummary(r) }));
  const t = el("table", { class: "classify" },
    el("thead", {}, el("tr", {}, ...["fragment", "architecture", "member", "certificate"].map((h) => el("th", { text: h, scope: "col" })))));
  const tb = el("tbody");
  const rows = ROWS.map(([key, frag, arch]) => [key, frag, arch, r[key]]);
  if (r.windowed) {
    rows.push([`${r.windowed.k}-local`, `LTL[Y<=${r.windowed.k}]`, `${r.windowed.k}-local soft attention`, r.windowed.local]);
    rows.push([`${r.windowed.k}-hybrid`, `LTL[P, Y<=${r.windowed.k}]`, `global + ${r.windowed.k}-local`, r.windowed.hybrid]);
  }
  let hypothesis = false;
  for (const [key, frag, arch, d] of rows) {
    if (!d) continue;
    if (d.member === true && d.hypothesis) hypothesis = true;
    const member = d.member === true ? (d.hypothesis ? "yes*" : "yes") : d.member === false ? "no" : "unknown";
    const cert = certificate(d, body.formula);
    if (key === "local" && d.window) cert.prepend(el("div", { class: "window", text: `smallest window: ${d.window}${d.depth !== null && d.depth !== undefined ? `, Y-nesting depth ${d.depth}` : ""}` }));
    tb.append(el("tr", { class: `member-${member.replace("*", "")}`, "data-key": key },
      el("td", { text: frag }), el("td", { text: arch }), el("td", { class: "member", text: member }),
      el("td", {}, cert)));
  }
  t.append(tb);
  out.append(el("div", { class: "table-wrap" }, t));
  if (hypothesis) out.append(el("p", { class: "note footnote", text: "* rests on the LR ⇔ LTL[P, Y] working hypothesis (docs/SEMANTICS.md §3)" }));
  picture($("classify-picture"), r.svg);
}

async function separate() {
  writeState();
  const run = ++classifyRun;
  const body = languageBody();
  body.from = $("separate-from").value;
  const out = $("classify-out");
  out.replaceChildren();
  hideError($("classify-error"));
  const r = await api("separate", body);
  if (run !== classifyRun) return;
  if (r.error) {
    showError($("classify-error"), r.error, { formula: body.formula, dfa: body.dfa, model: body.model });
    return;
  }
  const v = el("p", { class: `verdict ${r.holds ? "yes" : r.holds === false ? "no" : "unknown"}` });
  v.textContent = r.holds === true ? `separated: ${r.language} is not in ${r.fragment} (${r.architecture})`
    : r.holds === false ? `not separated: ${r.language} is in ${r.fragment} (${r.architecture})`
      : `undecided for ${r.fragment}`;
  out.append(v, certificate(r.decision, body.formula));
}

// ---- Model tab -----------------------------------------------------------------------
function modelBody(extra = {}) {
  const body = { model: $("model-text").value, ...extra };
  if (weights) body.weights = weights;
  return body;
}

let modelRun = 0;
async function modelRequest(command, body) {
  const run = ++modelRun;
  $("model-out").replaceChildren();
  $("model-picture").replaceChildren();
  hideError($("model-error"));
  const r = await api(command, body);
  return run === modelRun ? r : null;
}

async function compileModel() {
  writeState();
  const body = modelBody();
  const r = await modelRequest("compile", body);
  if (!r) return;
  const out = $("model-out");
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model });
    return;
  }
  out.append(el("p", {}, "fragment: ", el("b", { text: r.fragment }), ` — ${r.architecture}`));
  out.append(el("p", {}, "accepts: ", r.accept ? shortened("code", r.accept, { id: "model-accept" }) : el("code", { id: "model-accept", text: "no formula within the classifier's limits (the DFA is exact)" })));
  if (r.rounding) out.append(el("p", { class: "note", text: `weights: ${r.rounding.weights} read, ${r.rounding.changed} changed when rounded into the format; minimal DFA ${r.dfa_states} states, ${r.explored_states} abstract states explored` }));
  // Layers are counted from 0, as in the run's trace: the tokens are the embedding.
  const t = el("table", { class: "features" },
    el("thead", {}, el("tr", {}, ...["feature", "layer (from 0)", "made by", "formula / key types"].map((h) => el("th", { text: h, scope: "col" })))));
  const tb = el("tbody");
  for (const [name, f] of Object.entries(r.features)) {
    const what = f.formula ?? `${f.key_types} key types, ${f.score_classes} score classes, count cap ${f.count_cap ?? "—"}`;
    const layer = f.layer === 0 ? "embedding" : String(f.layer - 1);
    tb.append(el("tr", {}, el("td", { text: name }), el("td", { class: "layer", text: layer }),
      el("td", { text: f.made_by }), el("td", {}, shortened("code", what))));
  }
  t.append(tb);
  out.append(el("div", { class: "table-wrap" }, t));
  picture($("model-picture"), r.svg);
}

// α rows of a numeric model's head as a heat map: query positions down, keys across. A
// key with α = 0 is attended (it is in the softmax) but contributes nothing: it is drawn
// as an outlined white cell, unlike a key the head does not attend (grey).
function alphaPicture(rows, columns, title, name) {
  const n = rows.length, cell = 22;
  const svg = svgEl("svg", { width: cell * (n + 2), height: cell * (n + 2), class: "alpha", role: "img", "aria-label": title });
  const label = (x, y, s) => {
    const t = svgEl("text", { x, y });
    t.textContent = s;
    svg.append(t);
  };
  rows.forEach((row, i) => {
    label(2, cell * (i + 2) - 6, columns[i]);
    label(cell * (i + 1) + 6, cell - 6, columns[i]);
    const alphas = new Map(row.map(([j, a]) => [j, a]));
    for (let j = 0; j < n; j++) {
      const a = alphas.has(j) ? Number(alphas.get(j)) : null;
      const kind = a === null ? (j > i ? "future" : "unattended") : a === 0 ? "zero" : "attended";
      const r = svgEl("rect", { x: cell * (j + 1), y: cell * (i + 1), width: cell - 1, height: cell - 1, "data-kind": kind });
      if (kind === "attended") r.setAttribute("fill", `rgba(30, 80, 200, ${Math.max(0.12, Math.min(1, a))})`);
      else if (kind === "zero") { r.setAttribute("fill", "#fff"); r.setAttribute("stroke", "#1e50c8"); r.setAttribute("stroke-width", "1.5"); r.setAttribute("stroke-dasharray", "3 2"); }
      else r.setAttribute("fill", kind === "future" ? "#fff" : "#cfd4da");
      const tip = svgEl("title");
      tip.textContent = a === null ? "not attended" : `α = ${alphas.get(j)}${a === 0 ? " (attended, weight 0)" : ""}`;
      r.append(tip);
      svg.append(r);
    }
  });
  return svgFigure(svg, `${title} — blue: α > 0 (darker: larger); dashed outline: attended with α = 0; grey: not attended`, name);
}

async function runModel() {
  writeState();
  const body = modelBody({ word: $("model-word").value });
  const r = await modelRequest("run", body);
  if (!r) return;
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model, word: body.word, "--word": body.word });
    return;
  }
  showTrace($("model-out"), r);
}

async function checkModel() {
  writeState();
  const body = modelBody({ spec: $("model-spec").value });
  const r = await modelRequest("check", body);
  if (!r) return;
  const out = $("model-out");
  if (undecided(r)) {
    const v = el("p");
    showUndecided(v, r);
    out.append(v);
    return;
  }
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model, spec: body.spec });
    return;
  }
  if (r.holds) {
    out.append(el("p", { class: "verdict yes", text: `holds: the model recognizes exactly L(${body.spec}) at every length (${r.engine}; fragment ${r.fragment})` }));
    return;
  }
  const word = r.counterexample.join(" ");
  const cx = el("button", { type: "button", class: "counterexample", title: "run the model on it", text: word || "ε (the empty word)" });
  cx.addEventListener("click", () => { $("model-word").value = word; runModel(); });
  out.append(el("p", { class: "verdict no" },
    `does not hold: ${r.shortest === false ? "" : "shortest "}counterexample `, cx,
    ` (length ${r.counterexample.length}${r.shortest === false ? `; not known to be shortest: a shortest one is longer than ${r.checked_up_to_length}` : ""}): the model ${r.model_accepts ? "accepts" : "rejects"} it, the spec ${r.spec_accepts ? "accepts" : "rejects"} it`));
  if (r.spec_table) {
    out.append(el("h3", {}, "the spec on ", wordButton(r.counterexample, body.spec)),
      el("div", { class: "table-wrap" }, truthTable(r.spec_table, { column: acceptingColumn(r.spec_table, "eos"), counterexample: true })));
  }
  if (r.trace) {
    out.append(el("h3", { text: "the model's run on it (exact executor)" }));
    showTrace(out, r.trace);
  }
}

function showTrace(out, r) {
  out.append(el("p", { class: `verdict ${r.accepted ? "yes" : "no"}`, text: `${r.accepted ? "accepted" : "rejected"}${r.logit !== undefined ? ` (logit at ⊣: ${r.logit})` : ""}` }));
  if (r.features) {
    const t = el("table", { class: "truth" });
    t.append(el("thead", {}, el("tr", {}, el("th", { text: "feature", scope: "col" }), ...r.positions.map((p) => el("th", { class: "token", text: p, scope: "col" })))));
    const tb = el("tbody");
    for (const [name, vals] of Object.entries(r.features)) {
      tb.append(el("tr", {}, el("th", { class: "formula", text: name, scope: "row" }), ...vals.map((v) => el("td", { class: v ? "t" : "f", text: v ? "1" : "0" }))));
    }
    t.append(tb);
    out.append(el("div", { class: "table-wrap" }, t));
  }
  if (r.vectors) {
    // vectors[0] is the embedding, vectors[l + 1] the output of layer l; alphas[l] are
    // layer l's heads, drawn under that layer's output.
    r.vectors.forEach((layer, l) => {
      out.append(el("h3", { text: l === 0 ? "embedding" : `after layer ${l - 1}` }));
      const t = el("table", { class: "vectors" });
      const tb = el("tbody");
      layer.forEach((v, i) => tb.append(el("tr", {}, el("th", { text: `${i + 1} ${r.positions[i]}`, scope: "row" }), ...v.map((x) => el("td", { text: x })))));
      t.append(tb);
      out.append(el("div", { class: "table-wrap" }, t));
      const heads = l > 0 && r.alphas[l - 1];
      if (heads) {
        const figs = el("div", { class: "figures" });
        heads.forEach((rows, h) => figs.append(alphaPicture(rows, r.positions, `layer ${l - 1} head ${h}: α (rows: queries, columns: keys)`, `alpha-layer${l - 1}-head${h}`)));
        out.append(figs);
      }
    });
  }
}

async function loadWeights(file) {
  const { data, bytes } = await base64Of(file);
  weights = data;
  $("weights-info").textContent = `${file.name}: ${bytes} bytes`;
}

// ---- Attention tab -------------------------------------------------------------------
const PARAM = { window: "window", fixed: "block", "combiner-fixed": "block", strided: "stride", axial: "width", "combiner-axial": "width" };

// An obligation's outcome in words; a refuted one names its query and key.
function obligationText(o, bound) {
  const out = o.outcome;
  if (out.result === "proved") return `proved for every query i < ${bound}`;
  if (out.result === "vacuous") return "nothing to prove (no summarized regions)";
  if (out.result === "unknown") return `undecided: ${out.reason}`;
  const v = Object.fromEntries(o.names.map((n, k) => [n, out.values[k]]));
  switch (o.obligation) {
    case "covers": return `fails: query ${v.i} does not attend key ${v.j}, directly or through a summary (marked on the mask)`;
    case "causal": return `fails: query ${v.i} attends key ${v.j}, after itself (region ${v.r})`;
    case "direct-disjoint": return `fails: query ${v.i} attends key ${v.j} both directly and through region ${v.r}`;
    case "regions-disjoint": return `fails: key ${v.j} is in both regions ${v.r} and ${v.s} of query ${v.i}`;
    default: return `fails at ${o.names.map((n, k) => `${n} = ${out.values[k]}`).join(", ")}`;
  }
}

let attentionRun = 0;
async function attention() {
  writeState();
  const run = ++attentionRun;
  const pattern = $("pattern").value;
  const body = { pattern, length: Number($("pattern-length").value || 16) };
  const p = $("pattern-param").value;
  if (p && PARAM[pattern]) body[PARAM[pattern]] = Number(p);
  const sc = $("summary-columns").value;
  if (sc && (pattern === "fixed" || pattern === "combiner-fixed")) body.summary_columns = Number(sc);
  const out = $("attention-out");
  out.replaceChildren();
  $("mask-picture").replaceChildren();
  hideError($("attention-error"));
  const r = await api("attention", body);
  if (run !== attentionRun) return;
  if (r.error) {
    showError($("attention-error"), r.error, {});
    return;
  }
  out.append(el("p", { class: `verdict ${r.holds ? "yes" : r.holds === false ? "no" : "unknown"}`,
    text: r.holds ? `full attention: every query reaches every earlier key, directly or through a summary (z3, i < ${r.proof.bound}, ${r.proof.seconds.toFixed(3)} s)`
      : r.holds === false ? "not full attention: some key is never reached (the counterexample below)" : "undecided within the time limit" }));
  out.append(el("p", { class: "note", text: r.definition.join("; ") }));
  const ul = el("ul", { class: "obligations" });
  let missed = null;
  for (const o of r.proof.obligations) {
    ul.append(el("li", { "data-obligation": o.obligation }, el("span", { class: "statement", text: o.statement }), ": ", obligationText(o, r.proof.bound)));
    if (o.obligation === "covers" && o.outcome.result === "refuted") missed = { i: o.outcome.values[0], j: o.outcome.values[1] };
  }
  out.append(ul);
  out.append(el("p", { text: `cost at L = ${r.cost.length}: ${r.cost.total} of ${r.cost.full_attention} query-key pairs (${(100 * r.cost.fraction_of_full).toFixed(2)}% of full attention)` }));
  if (r.mask) $("mask-picture").append(maskPicture(r.mask, missed, r.pattern));
}

// The mask from its cells (0 not attended, 1 direct, 2 + n the query's n-th region):
// row i has one cell per key j ≤ i; the keys after i are left blank. A refuted coverage
// (query i misses key j) is outlined in red when it falls inside the picture.
const REGION_COLOURS = ["#e07b00", "#2a9d4b", "#b03aa8", "#c9a100", "#0f8a8a", "#d1495b"];
function maskPicture(rows, missed, pattern) {
  const n = rows.length, cell = Math.max(6, Math.min(22, Math.floor(640 / n)));
  const svg = svgEl("svg", { width: cell * n, height: cell * n, class: "mask", role: "img", "aria-label": `the mask of ${pattern}, ${n} queries` });
  rows.forEach((row, i) => {
    for (let j = 0; j < n; j++) {
      const v = row[j];
      const fill = v === undefined ? "none" : v === 0 ? "#cfd4da" : v === 1 ? "#1e50c8" : REGION_COLOURS[(v - 2) % REGION_COLOURS.length];
      svg.append(svgEl("rect", { x: j * cell, y: i * cell, width: cell - 1, height: cell - 1, fill, "data-i": i, "data-j": j, "data-cell": v === undefined ? "future" : v }));
    }
  });
  if (missed && missed.i < n && missed.j <= missed.i) {
    svg.append(svgEl("rect", { x: missed.j * cell, y: missed.i * cell, width: cell - 1, height: cell - 1, fill: "none", stroke: "#d00", "stroke-width": 3, class: "missed" }));
  }
  return svgFigure(svg, "rows: queries i, columns: keys j ≤ i (from 0); blue: attended directly; other colours: summarized regions (one colour per region of the query); grey: not attended; red outline: the key the proof found unreached", `mask-${pattern}`);
}

// ---- Exercises -----------------------------------------------------------------------
// The target travels in the link sealed: XOR-ed with a fixed key and base64url-encoded,
// so that it is not readable in the link or on the page. This hides the answer from a
// glance, not from someone who reads this script.
const SEAL = "ltlattn-exercise";
function seal(obj) {
  const bytes = new TextEncoder().encode(JSON.stringify(obj));
  const out = bytes.map((b, i) => b ^ SEAL.charCodeAt(i % SEAL.length));
  let s = "";
  for (const b of out) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function unseal(text) {
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(s, (c, i) => c.charCodeAt(0) ^ SEAL.charCodeAt(i % SEAL.length));
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v.target === "string" && [undefined, "formula", "model", "dfa"].includes(v.kind) ? v : null;
  } catch {
    return null;
  }
}

// The target is a formula (with its alphabet), or a model or DFA file's text (with a
// numeric model's weights: the example's path, or the uploaded file in the seal).
function makeExercise() {
  const kind = $("exercise-kind").value;
  const ex = kind === "formula"
    ? { target: $("exercise-target").value, alphabet: $("exercise-alphabet").value, task: $("exercise-task").value }
    : { target: $("exercise-target-text").value, alphabet: "", task: $("exercise-task").value, kind };
  if (kind === "model" && sideExample.exercise) ex.ex = sideExample.exercise;
  else if (kind === "model" && sideWeights.exercise) ex.weights = sideWeights.exercise;
  const url = `${location.origin}${location.pathname}#tab=exercise&x=${seal(ex)}`;
  $("exercise-url").href = url;
  $("exercise-url").textContent = url;
  $("exercise-url").hidden = false;
}

function openExercise(sealed) {
  const ex = unseal(sealed);
  if (!ex) return false;
  exercise = { ...ex, sealed };
  $("exercise-make").hidden = true;
  $("exercise-solve").hidden = false;
  $("exercise-text").textContent = ex.task || "Write a formula for the language of this exercise.";
  return true;
}

// The request's keys for the exercise's target, as the second side of `equiv` or as the
// language of `classify` (`side` null).
function targetBody(body, side) {
  const kind = exercise.kind || "formula";
  const weights = exercise.weights || (exercise.ex && (examples.find((e) => e.path === exercise.ex) || {}).weights);
  if (side) {
    body[side] = exercise.target;
    if (kind !== "formula") body[`${side}_kind`] = kind;
    if (kind === "model" && weights) body[`${side}_weights`] = weights;
  } else {
    body[kind] = exercise.target;
    if (kind === "model" && weights) body.weights = weights;
  }
  if (kind === "formula") body.alphabet = exercise.alphabet;
  return body;
}

async function checkExercise() {
  if (!exercise) return;
  const answer = $("exercise-answer").value;
  const v = $("exercise-verdict"), tables = $("exercise-tables");
  v.replaceChildren();
  v.className = "verdict";
  tables.replaceChildren();
  hideError($("exercise-error"));
  const r = await api("equiv", targetBody({ first: answer }, "second"));
  if (undecided(r)) return showUndecided(v, r);
  if (r.error) {
    // An error in the target would show it: only the answer's errors are shown in full.
    if (r.error.input === "first") showError($("exercise-error"), r.error, { first: answer });
    else showError($("exercise-error"), { message: "the answer and the target cannot be compared (a token outside the target's alphabet?)", labels: [] });
    return;
  }
  if (r.holds) {
    v.className = "verdict yes";
    v.textContent = "correct: your formula defines exactly the target language";
    return;
  }
  v.className = "verdict no";
  const wrongly = r.first.accepts ? "accepts" : "rejects";
  v.append("not yet: the shortest word your formula gets wrong is ",
    wordButton(r.counterexample, answer, { alphabet: exercise.kind && exercise.kind !== "formula" ? fileAlphabet(exercise.target, exercise.kind) : exercise.alphabet }),
    ` (length ${r.counterexample.length}): your formula ${wrongly} it, the target ${r.second.accepts ? "accepts" : "rejects"} it`);
  if (r.tables && r.tables.first) {
    tables.append(el("div", { class: "side" }, el("h3", { text: "your formula" }),
      truthTable(r.tables.first, { column: acceptingColumn(r.tables.first, "eos"), counterexample: true })));
  }
  if (exercise.kind && exercise.kind !== "formula") {
    // A model or DFA target: its verdict on the word, nothing of how it reaches it.
    tables.append(el("div", { class: "side" }, el("h3", { text: "the target" }),
      el("p", { class: `verdict ${r.second.accepts ? "yes" : "no"}`, text: `${r.second.accepts ? "accepts" : "rejects"} ${r.counterexample.join(" ") || "ε"}` })));
  } else if (r.tables && r.tables.second) {
    // The target's table without its subformulas: only its verdict at every position.
    tables.append(el("div", { class: "side" }, el("h3", { text: "the target" }),
      truthTable(r.tables.second, { column: acceptingColumn(r.tables.second, "eos"), counterexample: true, rootOnly: true, rootName: "target" })));
  }
}

async function checkExerciseClass() {
  if (!exercise) return;
  const v = $("exercise-verdict");
  v.replaceChildren();
  $("exercise-tables").replaceChildren();
  hideError($("exercise-error"));
  const r = await api("classify", targetBody({}, null));
  if (r.error) return showError($("exercise-error"), { message: "the target cannot be classified within the limits", labels: [] });
  const chosen = $("exercise-class").value;
  const order = ["global", "local", "hybrid", "hard"];
  const smallest = order.filter((k) => r[k] && r[k].member === true);
  const d = r[chosen];
  if (chosen === "regular") {
    const ok = smallest.length === 0;
    v.className = `verdict ${ok ? "yes" : "no"}`;
    v.textContent = ok ? "correct: no attention fragment here recognizes it" : `not right: ${smallest.map((k) => ROWS.find((x) => x[0] === k)[2]).join(", ")} can`;
    return;
  }
  v.className = `verdict ${d.member === true ? "yes" : d.member === false ? "no" : "unknown"}`;
  v.append(d.member === true ? `correct: ${ROWS.find((x) => x[0] === chosen)[2]} recognizes it` : d.member === false ? `not right: ${ROWS.find((x) => x[0] === chosen)[2]} cannot recognize it` : "undecided within the limits");
  if (d.member === false && d.certificate.refutation) {
    const c = d.certificate.refutation;
    v.append(el("div", { class: "note", text: `why: the language violates ${c.identity}` }));
    const p = c.pairs && c.pairs[0];
    if (p) v.append(el("div", { class: "note" }, "the words ", wordButton(p.member, null), " (in L) and ", wordButton(p.non_member, null), ` (not in L) look alike to every formula of depth ${p.n} of that fragment`));
  }
}

// ---- Examples ------------------------------------------------------------------------
// An example's `# key: value` header lines fill the fields they name.
function header(ex, key) {
  const m = ex.text.match(new RegExp(`^#\\s*${key}:\\s*(.+)$`, "m"));
  return m ? m[1].trim() : null;
}

function loadExample(ex, write = true) {
  if (ex.kind === "formula") {
    $("formula").value = ex.formula;
    const al = header(ex, "alphabet");
    if (al) $("alphabet").value = al;
    showTab("formula");
    updateFormula();
  } else if (ex.kind === "dfa") {
    $("classify-dfa").value = ex.text;
    document.querySelector("input[name=lang-kind][value=dfa]").checked = true;
    showTab("classify");
    classify();
  } else {
    $("model-text").value = ex.text;
    weights = ex.weights;
    $("weights-info").textContent = ex.weights ? `weights of ${ex.path}` : "";
    modelExample = ex.path;
    const spec = header(ex, "spec");
    $("model-spec").value = spec || "";
    showTab("model");
    compileModel();
  }
  if (write) writeState();
}

async function loadExamples() {
  const r = await fetch("/api/examples").then((x) => x.json());
  examples = r.examples;
  const box = $("example-list");
  box.replaceChildren();
  const groups = { formula: "Formulas", model: "Boolean models", numeric: "Numeric models", dfa: "DFA files" };
  for (const [kind, title] of Object.entries(groups)) {
    const ul = el("ul");
    for (const ex of examples.filter((e) => e.kind === kind)) {
      const a = el("a", { href: "#", class: "example", "data-path": ex.path, title: ex.title, text: ex.path.split("/").at(-1) });
      a.addEventListener("click", (e) => { e.preventDefault(); loadExample(ex); });
      ul.append(el("li", {}, a));
    }
    box.append(el("h3", { text: title }), ul);
  }
  // The model and DFA files, for a side of a comparison or an exercise's target.
  for (const side of ["first", "second", "exercise"]) {
    const select = $(`${side}-example`);
    for (const ex of examples.filter((e) => e.kind !== "formula")) {
      select.append(el("option", { value: ex.path, text: ex.path.replace(/^examples\//, "") }));
    }
  }
}

// ---- wiring --------------------------------------------------------------------------
function onEnter(id, action) {
  $(id).addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !(e.target.tagName === "TEXTAREA" && !e.ctrlKey)) {
      e.preventDefault();
      action();
    }
  });
}

async function main() {
  const tabs = [...document.querySelectorAll("#tabs button")];
  for (const b of tabs) {
    b.addEventListener("click", () => showTab(b.dataset.tab));
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
    b.addEventListener("keydown", (e) => {
      const k = tabs.indexOf(b);
      const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      showTab(tabs[(to + tabs.length) % tabs.length].dataset.tab, true);
    });
  }
  for (const id of ["formula", "word", "alphabet", "accept"]) $(id).addEventListener("input", formulaChanged);
  onEnter("word", updateFormula);
  onEnter("alphabet", updateFormula);
  $("compare-go").addEventListener("click", compare);
  $("classify-go").addEventListener("click", classify);
  $("separate-go").addEventListener("click", separate);
  $("compile-go").addEventListener("click", compileModel);
  $("run-go").addEventListener("click", runModel);
  $("check-go").addEventListener("click", checkModel);
  $("attention-go").addEventListener("click", attention);
  for (const id of ["first", "second", "compare-alphabet"]) onEnter(id, compare);
  for (const side of ["first", "second", "exercise"]) {
    $(`${side}-kind`).addEventListener("change", () => { syncSideKinds(); writeState(); });
    $(`${side}-example`).addEventListener("change", (e) => pickExample(side, e.target.value));
    $(`${side === "exercise" ? "exercise" : side}-file`).addEventListener("change", (e) => e.target.files[0] && uploadSide(side, e.target.files[0]));
    $(`${side}-weights`).addEventListener("change", async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      const { data, bytes } = await base64Of(file);
      sideWeights[side] = data;
      weightsInfo(side, `${file.name}: ${bytes} bytes`);
    });
    $(textId(side)).addEventListener("input", () => {
      sideExample[side] = null;
      $(`${side}-example`).value = "";
      writeState();
    });
  }
  for (const id of ["classify-formula", "classify-alphabet", "window"]) onEnter(id, classify);
  onEnter("model-word", runModel);
  onEnter("model-spec", checkModel);
  for (const id of ["pattern-param", "summary-columns", "pattern-length"]) onEnter(id, attention);
  onEnter("exercise-answer", checkExercise);
  onEnter("exercise-target", makeExercise);
  $("exercise-link").addEventListener("click", makeExercise);
  $("exercise-check").addEventListener("click", checkExercise);
  $("exercise-class-check").addEventListener("click", checkExerciseClass);
  $("model-text").addEventListener("input", () => { modelExample = null; writeState(); });
  $("weights").addEventListener("change", (e) => e.target.files[0] && loadWeights(e.target.files[0]));
  for (const r of document.querySelectorAll("input[name=lang-kind]")) r.addEventListener("change", () => { syncLanguageKind(); writeState(); });
  for (const id of Object.values(TABS).flatMap(Object.values)) $(id).addEventListener("change", writeState);
  const syntax = document.querySelector(".syntax-help");
  syntax.addEventListener("click", () => {
    $("syntax-box").hidden = !$("syntax-box").hidden;
    syntax.setAttribute("aria-expanded", String(!$("syntax-box").hidden));
  });
  $("classify-this").addEventListener("click", () => {
    $("classify-formula").value = $("formula").value;
    $("classify-alphabet").value = $("alphabet").value;
    document.querySelector("input[name=lang-kind][value=formula]").checked = true;
    showTab("classify");
    classify();
  });
  $("latex-table").addEventListener("click", async () => {
    const body = { formula: $("formula").value, word: $("word").value, alphabet: $("alphabet").value, accept: $("accept").value, latex: true };
    const x = await api("explain", body);
    if (x.error) showError($("formula-error"), x.error, { formula: body.formula, "--word": body.word, "--alphabet": body.alphabet });
    else download("truth-table.tex", "application/x-tex", x.latex);
  });
  $("copy-link").addEventListener("click", async () => {
    writeState();
    try {
      await navigator.clipboard.writeText(location.href);
      $("status").textContent = "link copied";
    } catch {
      $("status").textContent = `the link: ${location.href}`;
    }
  });
  $("step-back").addEventListener("click", () => { step--; showStep(); });
  $("step-forward").addEventListener("click", () => { step++; showStep(); });
  document.addEventListener("keydown", (e) => {
    if (currentTab !== "formula" || $("stepper").hidden) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    if (e.key === "ArrowRight") { step++; showStep(); e.preventDefault(); }
    if (e.key === "ArrowLeft") { step--; showStep(); e.preventDefault(); }
  });
  await loadExamples();
  const p = readState();
  if (p.has("ex")) {
    const ex = examples.find((e) => e.path === p.get("ex"));
    if (ex) {
      $("model-text").value = ex.text;
      weights = ex.weights;
      modelExample = ex.path;
    }
  }
  for (const [side, [, named]] of Object.entries(URL_EXAMPLE)) if (p.has(named)) pickExample(side, p.get(named));
  syncSideKinds();
  if (p.has("x") && openExercise(p.get("x"))) $("exercise-answer").focus();
  if (!$("formula").value) $("formula").value = "P (a & Y b)";
  if (!$("word").value) $("word").value = "b a";
  const tab = p.get("tab") in TABS ? p.get("tab") : "formula";
  showTab(tab);
  updateFormula();
  // A shared link shows its answer: run the tab's action once.
  const sideGiven = (side) => ($(`${side}-kind`).value === "formula" ? $(side).value : $(textId(side)).value);
  if (tab === "compare" && sideGiven("first") && sideGiven("second")) compare();
  if (tab === "classify") classify();
  if (tab === "model" && $("model-text").value) ($("model-spec").value ? checkModel : $("model-word").value ? runModel : compileModel)();
  if (tab === "attention" && p.has("pat")) attention();
}

main();
