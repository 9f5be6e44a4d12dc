// The page of `ltlattn serve`. Every answer comes from POST /api/{command}, which returns
// the same report as the command line's --json (docs/SERVE.md). The page's state lives in
// the URL's fragment, so a link reproduces what is on the screen.
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

let examples = [];
let weights = null; // base64 of the uploaded (or example) .safetensors
let modelExample = null; // path of the example the model editor holds, if unchanged

async function api(command, body) {
  $("status").textContent = `${command}…`;
  try {
    const r = await fetch(`/api/${command}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await r.json();
    $("status").textContent = "";
    return json;
  } catch (e) {
    $("status").textContent = `the server did not answer (${e})`;
    return { error: { message: `the server did not answer: ${e}`, labels: [] } };
  }
}

// ---- state in the URL ----------------------------------------------------------------
const FIELDS = {
  f: "formula", w: "word", al: "alphabet", acc: "accept",
  a: "first", b: "second", q: "question", eng: "engine", cal: "compare-alphabet",
  cf: "classify-formula", cd: "classify-dfa", cla: "classify-alphabet", win: "window", sep: "separate-from",
  m: "model-text", mw: "model-word", ms: "model-spec",
  pat: "pattern", pp: "pattern-param", sc: "summary-columns", pl: "pattern-length",
};
let currentTab = "formula";

function writeState() {
  const p = new URLSearchParams();
  p.set("tab", currentTab);
  for (const [k, id] of Object.entries(FIELDS)) {
    if (k === "m" && modelExample) continue; // an unchanged example is named, not copied
    const v = $(id).value;
    if (v) p.set(k, v);
  }
  if (modelExample) p.set("ex", modelExample);
  const kind = document.querySelector("input[name=lang-kind]:checked").value;
  if (kind !== "formula") p.set("ck", kind);
  history.replaceState(null, "", "#" + p.toString());
}

function readState() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const [k, id] of Object.entries(FIELDS)) {
    if (p.has(k)) $(id).value = p.get(k);
  }
  if (p.has("ck")) {
    const r = document.querySelector(`input[name=lang-kind][value=${CSS.escape(p.get("ck"))}]`);
    if (r) r.checked = true;
  }
  return p;
}

function showTab(name) {
  currentTab = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
  syncLanguageKind();
  writeState();
}

// ---- rendering helpers ---------------------------------------------------------------
function showError(box, err, sources = {}) {
  box.hidden = false;
  box.replaceChildren();
  box.append(el("div", { class: "message", text: err.message }));
  const text = err.input && sources[err.input];
  if (text !== undefined && err.labels && err.labels.length) {
    // The input with every labelled span marked.
    const pre = el("pre", { class: "source" });
    const enc = new TextEncoder();
    const bytes = enc.encode(text);
    const dec = new TextDecoder();
    let at = 0;
    for (const l of [...err.labels].sort((x, y) => x.start - y.start)) {
      const start = Math.min(l.start, bytes.length), end = Math.max(start, Math.min(l.end, bytes.length));
      pre.append(dec.decode(bytes.slice(at, start)));
      const mark = el("mark", { title: l.label || "" }, dec.decode(bytes.slice(start, end)) || "␣");
      pre.append(mark);
      if (l.label) pre.append(el("span", { class: "label", text: ` ← ${l.label} ` }));
      at = end;
    }
    pre.append(dec.decode(bytes.slice(at)));
    box.append(pre);
  }
  if (err.help) box.append(el("div", { class: "help", text: `help: ${err.help}` }));
}
const hideError = (box) => { box.hidden = true; box.replaceChildren(); };

function truthTable(report, opts = {}) {
  const t = el("table", { class: "truth" });
  const head = el("tr", {}, el("th", { text: "position" }));
  report.positions.forEach((_, i) => head.append(el("th", { text: String(i + 1) })));
  const toks = el("tr", {}, el("th", { text: "token" }));
  for (const p of report.positions) toks.append(el("th", { class: "token", text: p }));
  t.append(el("thead", {}, head, toks));
  const body = el("tbody");
  const last = report.rows.length - 1;
  report.rows.forEach((row, r) => {
    const tr = el("tr", { class: r === last ? "root" : "" }, el("th", { class: "formula", text: row.formula }));
    row.values.forEach((v, c) => {
      const td = el("td", { class: v ? "t" : "f", text: v ? "1" : "0" });
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

function picture(box, svg, note) {
  box.replaceChildren();
  if (svg) {
    const img = el("img", { alt: "minimal DFA", class: "dfa" });
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    box.append(img);
  } else if (note) {
    box.append(el("p", { class: "note", text: note }));
  }
}

// ---- Formula tab ---------------------------------------------------------------------
let formulaTimer = null;
function formulaChanged() {
  clearTimeout(formulaTimer);
  formulaTimer = setTimeout(updateFormula, 150);
  writeState();
}

async function updateFormula() {
  const formula = $("formula").value;
  const box = $("formula-error");
  if (!formula.trim()) {
    hideError(box);
    return;
  }
  const f = await api("fmt", { formula });
  if (f.error) {
    showError(box, f.error, { formula });
    for (const k of ["ascii", "unicode", "latex"]) $(`render-${k}`).textContent = "";
    return;
  }
  hideError(box);
  for (const k of ["ascii", "unicode", "latex"]) $(`render-${k}`).textContent = f.renderings[k];
  const common = { formula, alphabet: $("alphabet").value, accept: $("accept").value };
  const [x, d] = await Promise.all([
    api("explain", { ...common, word: $("word").value }),
    api("dfa", common),
  ]);
  const tbl = $("truth-table");
  tbl.replaceChildren();
  if (x.error) {
    showError(box, x.error, { formula, word: $("word").value, "--alphabet": $("alphabet").value });
    $("explain-verdict").textContent = "";
  } else {
    $("explain-verdict").textContent = `${x.accepted ? "accepted" : "rejected"}: the word is ${x.accepted ? "" : "not "}in the language`;
    $("explain-verdict").className = `verdict ${x.accepted ? "yes" : "no"}`;
    tbl.append(truthTable(x, { column: acceptingColumn(x, common.accept) }));
  }
  if (d.error) {
    $("dfa-info").textContent = d.error.message;
    picture($("dfa-picture"), null);
  } else {
    // Over many propositions there is no letter table, only guards over `propositions`.
    const sigma = d.alphabet
      ? `alphabet {${d.alphabet.join(", ")}}`
      : `guards over ${d.propositions.length} propositions`;
    $("dfa-info").textContent = `${d.states} states, accepting ${JSON.stringify(d.accepting)}; ${sigma}`;
    picture($("dfa-picture"), d.svg, `too large to draw (${d.states} states)`);
  }
}

// ---- Compare tab ---------------------------------------------------------------------
async function compare() {
  writeState();
  const body = {
    first: $("first").value, second: $("second").value,
    alphabet: $("compare-alphabet").value, engine: $("engine").value,
  };
  const question = $("question").value;
  const v = $("compare-verdict"), tables = $("compare-tables");
  v.replaceChildren();
  tables.replaceChildren();
  const r = await api(question, body);
  if (r.error) {
    showError($("compare-error"), r.error, { first: body.first, second: body.second });
    return;
  }
  hideError($("compare-error"));
  if (r.holds === true) {
    v.className = "verdict yes";
    v.textContent = question === "equiv"
      ? `equivalent: both define the same language (${r.engine})`
      : `included: every word the first accepts, the second accepts (${r.engine})`;
    return;
  }
  if (r.holds === null) {
    v.className = "verdict unknown";
    v.textContent = "undecided within the limits";
    return;
  }
  v.className = "verdict no";
  const word = r.counterexample.join(" ");
  v.append(
    `${question === "equiv" ? "not equivalent" : "not included"}: shortest counterexample `,
    el("span", { class: "counterexample", text: word || "ε (the empty word)" }),
    ` (length ${r.counterexample.length}): the first ${r.first.accepts ? "accepts" : "rejects"} it, the second ${r.second.accepts ? "accepts" : "rejects"} it — re-checked by the reference evaluator (${r.engine})`,
  );
  for (const side of ["first", "second"]) {
    const t = r.tables && r.tables[side];
    const col = el("div", { class: "side" }, el("h3", { text: `${side}: ${r[side].formula}` }));
    if (t) col.append(truthTable(t, { column: acceptingColumn(t, "eos"), counterexample: true }));
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

function certificate(d) {
  const c = d.certificate || {};
  const out = el("div", { class: "cert" });
  if (c.formula) {
    out.append(el("code", { text: c.formula.formula }),
      el("div", { class: "note", text: `${c.formula.construction}${c.formula.verified_equivalent ? " — re-checked equivalent" : ""}` }));
  }
  if (c.refutation) {
    const r = c.refutation;
    out.append(el("div", { text: `violates ${r.identity}` }));
    if (r.family) out.append(el("div", { class: "note", text: r.family }));
    if (r.pairs && r.pairs.length) {
      const ul = el("ul", { class: "pairs" });
      for (const p of r.pairs.slice(0, 3)) {
        ul.append(el("li", { text: `n = ${p.n}: ${p.member.join(" ") || "ε"} ∈ L, ${p.non_member.join(" ") || "ε"} ∉ L, same depth-${p.n} type` }));
      }
      out.append(ul);
    }
  }
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

async function classify() {
  writeState();
  const body = languageBody();
  const k = $("window").value;
  if (k) body.window = Number(k);
  const out = $("classify-out");
  out.replaceChildren();
  const r = await api("classify", body);
  if (r.error) {
    showError($("classify-error"), r.error, { formula: body.formula, dfa: body.dfa, model: body.model });
    picture($("classify-picture"), null);
    return;
  }
  hideError($("classify-error"));
  out.append(el("p", { text: `language: ${r.language} — minimal DFA ${r.dfa_states} states, syntactic monoid ${r.monoid_size ?? "beyond the limit"} elements` }));
  const t = el("table", { class: "classify" },
    el("thead", {}, el("tr", {}, ...["fragment", "architecture", "member", "certificate"].map((h) => el("th", { text: h })))));
  const tb = el("tbody");
  const rows = ROWS.map(([key, frag, arch]) => [key, frag, arch, r[key]]);
  if (r.windowed) {
    rows.push([`${r.windowed.k}-local`, `LTL[Y<=${r.windowed.k}]`, `${r.windowed.k}-local soft attention`, r.windowed.local]);
    rows.push([`${r.windowed.k}-hybrid`, `LTL[P, Y<=${r.windowed.k}]`, `global + ${r.windowed.k}-local`, r.windowed.hybrid]);
  }
  for (const [key, frag, arch, d] of rows) {
    if (!d) continue;
    const member = d.member === true ? (d.hypothesis ? "yes*" : "yes") : d.member === false ? "no" : "unknown";
    tb.append(el("tr", { class: `member-${member.replace("*", "")}`, "data-key": key },
      el("td", { text: frag }), el("td", { text: arch }), el("td", { class: "member", text: member }),
      el("td", {}, certificate(d))));
  }
  t.append(tb);
  out.append(t, el("p", { class: "note", text: "* rests on the LR ⇔ LTL[P, Y] working hypothesis (docs/SEMANTICS.md §3)" }));
  picture($("classify-picture"), r.svg);
}

async function separate() {
  writeState();
  const body = languageBody();
  body.from = $("separate-from").value;
  const out = $("classify-out");
  out.replaceChildren();
  const r = await api("separate", body);
  if (r.error) {
    showError($("classify-error"), r.error, { formula: body.formula, dfa: body.dfa, model: body.model });
    return;
  }
  hideError($("classify-error"));
  const v = el("p", { class: `verdict ${r.holds ? "yes" : r.holds === false ? "no" : "unknown"}` });
  v.textContent = r.holds === true ? `separated: ${r.language} is not in ${r.fragment} (${r.architecture})`
    : r.holds === false ? `not separated: ${r.language} is in ${r.fragment} (${r.architecture})`
      : `undecided for ${r.fragment}`;
  out.append(v, certificate(r.decision));
}

// ---- Model tab -----------------------------------------------------------------------
function modelBody(extra = {}) {
  const body = { model: $("model-text").value, ...extra };
  if (weights) body.weights = weights;
  return body;
}

async function compileModel() {
  writeState();
  const body = modelBody();
  const out = $("model-out");
  out.replaceChildren();
  const r = await api("compile", body);
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model });
    picture($("model-picture"), null);
    return;
  }
  hideError($("model-error"));
  out.append(el("p", {}, "fragment: ", el("b", { text: r.fragment }), ` — ${r.architecture}`));
  out.append(el("p", {}, "accepts: ", el("code", { id: "model-accept", text: r.accept ?? "no formula within the classifier's limits (the DFA is exact)" })));
  if (r.rounding) out.append(el("p", { class: "note", text: `weights: ${r.rounding.weights} read, ${r.rounding.changed} changed when rounded into the format; minimal DFA ${r.dfa_states} states, ${r.explored_states} abstract states explored` }));
  const t = el("table", { class: "features" },
    el("thead", {}, el("tr", {}, ...["feature", "layer", "made by", "formula / key types"].map((h) => el("th", { text: h })))));
  const tb = el("tbody");
  for (const [name, f] of Object.entries(r.features)) {
    const what = f.formula ?? `${f.key_types} key types, ${f.score_classes} score classes, count cap ${f.count_cap ?? "—"}`;
    tb.append(el("tr", {}, el("td", { text: name }), el("td", { text: String(f.layer) }),
      el("td", { text: f.made_by }), el("td", {}, el("code", { text: what }))));
  }
  t.append(tb);
  out.append(t);
  picture($("model-picture"), r.svg);
}

// α rows of a numeric model's head as a heat map: query positions down, keys across.
function alphaPicture(rows, columns, title) {
  const n = rows.length, cell = 22;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(cell * (n + 2)));
  svg.setAttribute("height", String(cell * (n + 2)));
  svg.setAttribute("class", "alpha");
  const label = (x, y, s) => {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", String(x)); t.setAttribute("y", String(y)); t.textContent = s;
    svg.append(t);
  };
  rows.forEach((row, i) => {
    label(2, cell * (i + 2) - 6, columns[i]);
    label(cell * (i + 1) + 6, cell - 6, columns[i]);
    const weights = new Map(row.map(([j, a]) => [j, a]));
    for (let j = 0; j < n; j++) {
      const r = document.createElementNS(ns, "rect");
      r.setAttribute("x", String(cell * (j + 1))); r.setAttribute("y", String(cell * (i + 1)));
      r.setAttribute("width", String(cell - 1)); r.setAttribute("height", String(cell - 1));
      const a = weights.has(j) ? Number(weights.get(j)) : null;
      r.setAttribute("fill", a === null ? (j > i ? "#fff" : "#eee") : `rgba(30, 80, 200, ${Math.max(0.08, Math.min(1, a))})`);
      const tip = document.createElementNS(ns, "title");
      tip.textContent = a === null ? "not attended" : `α = ${weights.get(j)}`;
      r.append(tip);
      svg.append(r);
    }
  });
  return el("figure", {}, svg, el("figcaption", { text: title }));
}

async function runModel() {
  writeState();
  const body = modelBody({ word: $("model-word").value });
  const out = $("model-out");
  out.replaceChildren();
  const r = await api("run", body);
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model });
    return;
  }
  hideError($("model-error"));
  showTrace(out, r);
}

async function checkModel() {
  writeState();
  const body = modelBody({ spec: $("model-spec").value });
  const out = $("model-out");
  out.replaceChildren();
  const r = await api("check", body);
  if (r.error) {
    showError($("model-error"), r.error, { model: body.model, spec: body.spec });
    return;
  }
  hideError($("model-error"));
  if (r.holds) {
    out.append(el("p", { class: "verdict yes", text: `holds: the model recognizes exactly L(${body.spec}) at every length (${r.engine}; fragment ${r.fragment})` }));
    return;
  }
  const word = r.counterexample.join(" ");
  out.append(el("p", { class: "verdict no" },
    "does not hold: shortest counterexample ",
    el("span", { class: "counterexample", text: word || "ε (the empty word)" }),
    ` (length ${r.counterexample.length}): the model ${r.model_accepts ? "accepts" : "rejects"} it, the spec ${r.spec_accepts ? "accepts" : "rejects"} it`));
  if (r.spec_table) {
    out.append(el("h3", { text: `the spec on ${word || "ε"}` }),
      truthTable(r.spec_table, { column: acceptingColumn(r.spec_table, "eos"), counterexample: true }));
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
    t.append(el("thead", {}, el("tr", {}, el("th", { text: "feature" }), ...r.positions.map((p) => el("th", { class: "token", text: p })))));
    const tb = el("tbody");
    for (const [name, vals] of Object.entries(r.features)) {
      tb.append(el("tr", {}, el("th", { class: "formula", text: name }), ...vals.map((v) => el("td", { class: v ? "t" : "f", text: v ? "1" : "0" }))));
    }
    t.append(tb);
    out.append(t);
  }
  if (r.vectors) {
    r.vectors.forEach((layer, l) => {
      out.append(el("h3", { text: l === 0 ? "embedding" : `after layer ${l - 1}` }));
      const t = el("table", { class: "vectors" });
      const tb = el("tbody");
      layer.forEach((v, i) => tb.append(el("tr", {}, el("th", { text: `${i + 1} ${r.positions[i]}` }), ...v.map((x) => el("td", { text: x })))));
      t.append(tb);
      out.append(t);
      const heads = r.alphas[l];
      if (heads) {
        const figs = el("div", { class: "figures" });
        heads.forEach((rows, h) => figs.append(alphaPicture(rows, r.positions, `layer ${l} head ${h}: α (rows: queries, columns: keys)`)));
        out.append(figs);
      }
    });
  }
}

async function loadWeights(file) {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = "";
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  weights = btoa(s);
  $("weights-info").textContent = `${file.name}: ${buf.length} bytes`;
}

// ---- Attention tab -------------------------------------------------------------------
const PARAM = { window: "window", fixed: "block", "combiner-fixed": "block", strided: "stride", axial: "width", "combiner-axial": "width" };

async function attention() {
  writeState();
  const pattern = $("pattern").value;
  const body = { pattern, length: Number($("pattern-length").value || 16) };
  const p = $("pattern-param").value;
  if (p && PARAM[pattern]) body[PARAM[pattern]] = Number(p);
  const sc = $("summary-columns").value;
  if (sc && (pattern === "fixed" || pattern === "combiner-fixed")) body.summary_columns = Number(sc);
  const out = $("attention-out");
  out.replaceChildren();
  $("mask-picture").replaceChildren();
  const r = await api("attention", body);
  if (r.error) {
    showError($("attention-error"), r.error, {});
    return;
  }
  hideError($("attention-error"));
  out.append(el("p", { class: `verdict ${r.holds ? "yes" : r.holds === false ? "no" : "unknown"}`,
    text: r.holds ? `full attention: every query reaches every earlier key, directly or through a summary (z3, i < ${r.proof.bound}, ${r.proof.seconds.toFixed(3)} s)`
      : r.holds === false ? "not full attention: some key is never reached (the counterexample below)" : "undecided within the time limit" }));
  out.append(el("p", { class: "note", text: r.definition }));
  const ul = el("ul", { class: "obligations" });
  for (const o of r.proof.obligations) ul.append(el("li", { text: `${o.statement}: ${typeof o.outcome === "string" ? o.outcome : JSON.stringify(o.outcome)}` }));
  out.append(ul);
  out.append(el("p", { text: `cost at L = ${r.cost.length}: ${r.cost.total} of ${r.cost.full_attention} query-key pairs (${(100 * r.cost.fraction_of_full).toFixed(2)}% of full attention)` }));
  if (r.picture) $("mask-picture").append(maskPicture(r.picture));
}

function maskPicture(rows) {
  const n = rows.length, cell = Math.max(6, Math.min(22, Math.floor(640 / n)));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(cell * n)); svg.setAttribute("height", String(cell * n));
  svg.setAttribute("class", "mask");
  const color = (ch) => ch === "#" ? "#1e50c8" : ch === "." ? "#eee" : ch === " " ? "#fff"
    : `hsl(${((ch.charCodeAt(0) - 97) * 67) % 360}, 70%, 60%)`;
  // Rows may end early (the future keys are blank): every row is drawn n cells wide.
  rows.forEach((row, i) => Array.from({ length: n }, (_, j) => row[j] ?? " ").forEach((ch, j) => {
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", String(j * cell)); r.setAttribute("y", String(i * cell));
    r.setAttribute("width", String(cell - 1)); r.setAttribute("height", String(cell - 1));
    r.setAttribute("fill", color(ch));
    svg.append(r);
  }));
  return el("figure", {}, svg, el("figcaption", { text: "rows: queries i, columns: keys j; blue: attended directly; colours: summarized regions (one colour per region); grey: not attended" }));
}

// ---- Examples ------------------------------------------------------------------------
function loadExample(ex, write = true) {
  if (ex.kind === "formula") {
    $("formula").value = ex.formula;
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
}

// ---- wiring --------------------------------------------------------------------------
async function main() {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  for (const id of ["formula", "word", "alphabet", "accept"]) $(id).addEventListener("input", formulaChanged);
  $("compare-go").addEventListener("click", compare);
  $("classify-go").addEventListener("click", classify);
  $("separate-go").addEventListener("click", separate);
  $("compile-go").addEventListener("click", compileModel);
  $("run-go").addEventListener("click", runModel);
  $("check-go").addEventListener("click", checkModel);
  $("attention-go").addEventListener("click", attention);
  $("model-text").addEventListener("input", () => { modelExample = null; writeState(); });
  $("weights").addEventListener("change", (e) => e.target.files[0] && loadWeights(e.target.files[0]));
  for (const r of document.querySelectorAll("input[name=lang-kind]")) r.addEventListener("change", () => { syncLanguageKind(); writeState(); });
  for (const id of ["first", "second"]) $(id).addEventListener("keydown", (e) => { if (e.key === "Enter") compare(); });
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
  if (!$("formula").value) $("formula").value = "P (a & Y b)";
  if (!$("word").value) $("word").value = "b a";
  const tab = p.get("tab") || "formula";
  showTab(tab);
  updateFormula();
  // A shared link shows its answer: run the tab's action once.
  if (tab === "compare" && $("first").value && $("second").value) compare();
  if (tab === "classify") classify();
  if (tab === "model" && $("model-text").value) ($("model-spec").value ? checkModel : $("model-word").value ? runModel : compileModel)();
  if (tab === "attention" && p.has("pat")) attention();
}
main();
