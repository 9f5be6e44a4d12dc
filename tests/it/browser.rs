//! The page of `ltlattn serve` in headless Chromium, driven over WebDriver (chromedriver):
//! a student types a formula, sees the parse error at its span, the truth table and the
//! DFA picture; clicks an example; decides an equivalence and sees the counterexample
//! highlighted in both tables; opens the page's URL again and gets the same answer; loads
//! a numeric model; draws an attention mask. A second session holds the page's second
//! edition (docs/SERVE.md, "The page"): the mask cell by cell against the pattern's
//! support, answers that belong to the formula on screen (a superseded slow one dropped,
//! stale ones cleared by a parse error), the step-through at every position, undecided
//! comparisons, certificates in words, exports (SVG, DOT, LaTeX), exercises, the 390 px
//! layout and axe-core on every tab (`LTLATTN_AXE`: the path of `axe.min.js`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them the test says it is skipped — unless `LTLATTN_BROWSER_TESTS=require`, as in CI,
//! where a missing browser is a failure. `LTLATTN_SCREENSHOT=FILE` saves a screenshot
//! of the page (the picture in docs/book/guide/web-page.md).
#![cfg(feature = "serve")]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::server::Server;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

fn find_program(env: &str, names: &[&str]) -> Option<String> {
    if let Ok(p) = std::env::var(env) {
        return Some(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
        for n in names {
            let p = std::path::Path::new(dir).join(n);
            if p.is_file() {
                return Some(p.to_string_lossy().to_string());
            }
        }
    }
    None
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Evaluates `js` (a function body that returns a value) until it returns something
/// other than `null`/`false`, for at most 60 s (generous: CI machines are loaded).
async fn wait_for(c: &Client, what: &str, js: &str) -> Value {
    let start = Instant::now();
    loop {
        let v = c.execute(js, vec![]).await.expect("script runs");
        if !(v.is_null() || v == json!(false)) {
            return v;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let body = c
                .execute("return document.body.innerText", vec![])
                .await
                .unwrap_or_default();
            panic!("timed out waiting for {what}; the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn set(c: &Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.expect(id);
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

/// A headless Chromium driven over WebDriver, closed by [`Browser::close`].
struct Browser {
    client: Client,
    /// The chromedriver's address (for Chrome DevTools commands, [`color_scheme`]).
    webdriver: String,
    _driver: Driver,
    profile: std::path::PathBuf,
}

/// Starts chromedriver and a browser session, or says why the test is skipped (`None`);
/// with `LTLATTN_BROWSER_TESTS=require` a missing browser is a failure.
async fn browser(name: &str) -> Option<Browser> {
    let required = std::env::var("LTLATTN_BROWSER_TESTS").as_deref() == Ok("require");
    let driver = find_program("LTLATTN_CHROMEDRIVER", &["chromedriver"]);
    let browser = find_program("LTLATTN_CHROMIUM", &["chromium", "chromium-browser"]);
    let (Some(driver), Some(browser)) = (driver, browser) else {
        assert!(
            !required,
            "LTLATTN_BROWSER_TESTS=require, but chromium or chromedriver is missing"
        );
        eprintln!("skipped: the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = free_port();
    let driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile =
        std::env::temp_dir().join(format!("ltlattn-chromium-{name}-{}", std::process::id()));
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": browser,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }
    }))
    .unwrap();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let webdriver = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    let client = loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(c) => break c,
            Err(e) if start.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a WebDriver session: {e}"),
        }
    };
    Some(Browser {
        client,
        webdriver,
        _driver: driver,
        profile,
    })
}

impl Browser {
    /// Runs `session` as its own task, so that a failed assertion still closes the
    /// browser, then closes it and passes the failure on.
    async fn run<F>(self, session: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let result = tokio::spawn(session).await;
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
        if let Err(e) = result {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_session_in_chromium() {
    let Some(b) = browser("student").await else {
        return;
    };
    let server = Server::start(&[]);
    let c = b.client.clone();
    b.run(session(c, server.url.clone())).await;
}

async fn session(client: Client, url: String) {
    let c = &client;
    c.goto(&url).await.expect("the page loads");
    wait_for(
        c,
        "the examples",
        "return document.querySelectorAll('a.example').length > 10",
    )
    .await;

    // A parse error, marked at its span, while typing.
    set(c, "formula", "P (a & Y b").await;
    let marked = wait_for(
        c,
        "the parse error",
        "const e = document.getElementById('formula-error'); const m = e.querySelector('mark'); return !e.hidden && m ? m.textContent : null",
    )
    .await;
    assert_eq!(marked, json!("("));
    c.find(Locator::Id("formula"))
        .await
        .unwrap()
        .send_keys(")")
        .await
        .unwrap();
    set(c, "alphabet", "a,b,c").await;
    set(c, "word", "b a c").await;
    wait_for(
        c,
        "the error to go",
        "return document.getElementById('formula-error').hidden",
    )
    .await;
    let unicode = wait_for(
        c,
        "the Unicode rendering",
        "const t = document.getElementById('render-unicode').textContent; return t || null",
    )
    .await;
    assert_eq!(unicode, json!("P (a ∧ Y b)"));
    // The truth table: five subformulas over b a c ⊣; the whole formula holds at ⊣.
    let root = wait_for(
        c,
        "the truth table",
        "const rows = document.querySelectorAll('#truth-table tbody tr'); if (rows.length !== 5) return null; const cells = rows[4].querySelectorAll('td'); return cells.length === 4 ? [...cells].map(x => x.textContent).join('') : null",
    )
    .await;
    assert_eq!(root, json!("0011"));
    // The DFA picture: an SVG image the browser decoded.
    let width = wait_for(
        c,
        "the DFA picture",
        "const i = document.querySelector('#dfa-picture img'); return i && i.complete && i.naturalWidth > 0 ? i.naturalWidth : null",
    )
    .await;
    assert!(width.as_f64().unwrap() > 100.0);
    if let Ok(path) = std::env::var("LTLATTN_SCREENSHOT") {
        let png = c.screenshot().await.expect("a screenshot");
        std::fs::write(&path, png).expect("the screenshot is written");
    }

    // An example, one click away.
    click(
        c,
        "a.example[data-path='examples/formulas/contains-ba.ltl']",
    )
    .await;
    let expected: String = std::fs::read_to_string("examples/formulas/contains-ba.ltl")
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    let shown = wait_for(
        c,
        "the example's formula",
        "return document.getElementById('formula').value",
    )
    .await;
    assert_eq!(shown, json!(expected));

    // Equivalence: the shortest counterexample, highlighted in both truth tables.
    click(c, "button[data-tab=compare]").await;
    set(c, "first", "P (a & Y b)").await;
    set(c, "second", "P (a & P b)").await;
    set(c, "compare-alphabet", "a,b,c").await;
    click(c, "#compare-go").await;
    let cx = wait_for(
        c,
        "the counterexample",
        "const e = document.querySelector('.counterexample'); return e ? e.textContent : null",
    )
    .await;
    assert_eq!(cx, json!("b c a"));
    let marked = c
        .execute(
            "return [...document.querySelectorAll('td.cx')].map(x => x.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        marked,
        json!(["0", "1"]),
        "the two verdicts at ⊣ are marked"
    );

    // The URL holds the state: opening it again shows the same answer.
    let url = c.current_url().await.unwrap();
    assert!(
        url.fragment().unwrap_or("").contains("tab=compare"),
        "{url}"
    );
    c.goto("about:blank").await.unwrap();
    c.goto(url.as_str()).await.unwrap();
    let again = wait_for(
        c,
        "the counterexample from the URL",
        "const e = document.querySelector('.counterexample'); return e ? e.textContent : null",
    )
    .await;
    assert_eq!(again, json!("b c a"));

    // A numeric model from the examples, compiled; then run on a⁸, which it rejects.
    click(
        c,
        "a.example[data-path='examples/numeric/naive-contains-a.toml']",
    )
    .await;
    let accept = wait_for(
        c,
        "the compiled formula",
        "const e = document.getElementById('model-accept'); return e ? e.textContent : null",
    )
    .await;
    assert!(!accept.as_str().unwrap().is_empty());
    set(c, "model-word", "a a a a a a a a").await;
    click(c, "#run-go").await;
    let verdict = wait_for(
        c,
        "the run",
        "const e = document.querySelector('#model-out .verdict'); return e && e.textContent.includes('logit') ? e.textContent : null",
    )
    .await;
    assert!(
        verdict.as_str().unwrap().starts_with("rejected"),
        "{verdict}"
    );
    let heat = c
        .execute(
            "return document.querySelectorAll('svg.alpha rect').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(heat, json!(81), "one α cell per query × key of a⁸⊣");

    // A model typed (here: pasted) into the editor with its weights uploaded from a
    // file, checked against a spec at every length.
    let toml = std::fs::read_to_string("examples/numeric/contains-a.toml").unwrap();
    c.execute(
        "const t = document.getElementById('model-text'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
        vec![json!(toml)],
    )
    .await
    .unwrap();
    let file = std::fs::canonicalize("examples/numeric/contains-a.safetensors").unwrap();
    c.find(Locator::Id("weights"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .expect("the upload");
    wait_for(
        c,
        "the upload",
        "return document.getElementById('weights-info').textContent.startsWith('contains-a.safetensors')",
    )
    .await;
    set(c, "model-spec", "P a").await;
    click(c, "#check-go").await;
    let verdict = wait_for(
        c,
        "the check",
        "const e = document.querySelector('#model-out .verdict'); return e ? e.textContent : null",
    )
    .await;
    assert!(
        verdict
            .as_str()
            .unwrap()
            .starts_with("holds: the model recognizes exactly L(P a) at every length"),
        "{verdict}"
    );
    // The URL names no example now: the edited model is copied into it.
    let url = c.current_url().await.unwrap();
    assert!(!url.fragment().unwrap_or("").contains("ex="), "{url}");

    // An attention mask as a picture: 16 × 16 cells for Combiner-Fixed, block 4.
    click(c, "button[data-tab=attention]").await;
    c.execute(
        "document.getElementById('pattern').value = 'combiner-fixed'",
        vec![],
    )
    .await
    .unwrap();
    set(c, "pattern-param", "4").await;
    set(c, "pattern-length", "16").await;
    click(c, "#attention-go").await;
    let cells = wait_for(
        c,
        "the mask",
        "const n = document.querySelectorAll('svg.mask rect').length; return n || null",
    )
    .await;
    assert_eq!(cells, json!(256));
    let verdict = c
        .find(Locator::Css("#attention-out .verdict"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(verdict.starts_with("full attention"), "{verdict}");
}

/// The answers of the Formula tab now: the ASCII rendering, the DFA line and the truth
/// table's last row (its formula).
const FORMULA_ANSWERS: &str = "return { ascii: document.getElementById('render-ascii').textContent, dfa: document.getElementById('dfa-info').textContent, root: (document.querySelector('#truth-table tbody tr:last-child th') || {}).textContent || '', picture: document.querySelectorAll('#dfa-picture img').length }";

/// Sets a field's value as if typed, in one event.
async fn type_in(c: &Client, id: &str, text: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input'));",
        vec![json!(id), json!(text)],
    )
    .await
    .unwrap();
}

/// What the page saves, caught at the link it clicks: `[{name, text}]`.
async fn downloads(c: &Client) -> Vec<Value> {
    let v = wait_for(
        c,
        "the downloads",
        "return window.__saved && window.__saved.every(d => d.text !== null) && window.__saved.length ? window.__saved : null",
    )
    .await;
    c.execute("window.__saved = [];", vec![]).await.unwrap();
    v.as_array().unwrap().clone()
}

const CATCH_DOWNLOADS: &str = "window.__saved = []; HTMLAnchorElement.prototype.click = function () { if (!this.download) return; const d = { name: this.download, text: null }; window.__saved.push(d); fetch(this.href).then(r => r.text()).then(t => { d.text = t; }); };";

/// The defects and features of the page's second edition (docs/SERVE.md, "The page"),
/// one session: masks drawn from the pattern's cells, answers that belong to the
/// formula on screen, the step-through, certificates in words, exports, exercises, the
/// narrow layout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_course_page_second_edition() {
    let Some(b) = browser("second").await else {
        return;
    };
    // A short time limit, for an undecided comparison.
    let server = Server::start(&["--timeout", "3"]);
    let c = b.client.clone();
    let url = server.url.clone();
    let webdriver = b.webdriver.clone();
    b.run(async move { second_edition(c, url, webdriver).await })
        .await;
    drop(server);
}

async fn second_edition(client: Client, url: String, webdriver: String) {
    use ltlattn::patterns::Pattern;
    let c = &client;
    c.goto(&url).await.expect("the page loads");
    wait_for(
        c,
        "the examples",
        "return document.querySelectorAll('a.example').length > 10",
    )
    .await;

    // An unknown tab opens the Formula tab, not a blank page.
    c.goto("about:blank").await.unwrap();
    c.goto(&format!("{url}/#tab=nonsense&f=P%20a"))
        .await
        .unwrap();
    let shown = wait_for(c, "the Formula tab", "const t = document.getElementById('tab-formula'); return !t.hidden && document.getElementById('render-ascii').textContent === 'P a' ? true : null").await;
    assert_eq!(shown, json!(true));
    // The syntax help keeps the URL's state.
    click(c, ".syntax-help").await;
    let url_now = c.current_url().await.unwrap();
    assert!(
        url_now.fragment().unwrap_or("").contains("f=P+a"),
        "{url_now}"
    );
    assert_eq!(
        c.execute(
            "return document.getElementById('syntax-box').hidden",
            vec![]
        )
        .await
        .unwrap(),
        json!(false)
    );

    // A slow formula, then a fast one: only the fast one's answers are shown, also after
    // the slow one's work has ended.
    set(c, "alphabet", "a0,a1,a2,a3").await;
    set(c, "word", "a1 a0").await;
    // (194,481 states: most of a second.)
    let slow = "P>=20 a0 & P>=20 a1 & P>=20 a2 & P>=20 a3";
    c.execute(
        "window.__sent = []; const f = window.fetch; window.fetch = (u, o) => { window.__sent.push([u, o && o.body]); return f(u, o); };",
        vec![],
    )
    .await
    .unwrap();
    type_in(c, "formula", slow).await;
    wait_for(
        c,
        "the slow request",
        "return window.__sent.some(([u, b]) => u === '/api/dfa' && b.includes('P>=20 a3')) || null",
    )
    .await;
    type_in(c, "formula", "P a0").await;
    let fast = wait_for(c, "the fast answers", &format!("const a = (() => {{ {FORMULA_ANSWERS} }})(); return a.ascii === 'P a0' && a.dfa.startsWith('2 states') && a.root === 'P a0' ? a : null")).await;
    assert_eq!(fast["picture"], json!(1));
    // The server has finished the slow automaton when its pool is idle again.
    let status_url = format!("{url}/api/status");
    let start = Instant::now();
    loop {
        let s: Value = ureq::get(&status_url).call().unwrap().into_json().unwrap();
        if s["automata"]["waiting"] == json!(0)
            && s["automata"]["free_workers"] == s["light"]["free_workers"]
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the slow DFA never ended: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = c.execute(FORMULA_ANSWERS, vec![]).await.unwrap();
    assert_eq!(after, fast, "a superseded answer replaced the shown one");

    // A parse error clears the old answers.
    type_in(c, "formula", "P (a0").await;
    let cleared = wait_for(c, "the parse error", &format!("const e = document.getElementById('formula-error'); if (e.hidden) return null; const a = (() => {{ {FORMULA_ANSWERS} }})(); return {{ ...a, verdict: document.getElementById('explain-verdict').textContent, rows: document.querySelectorAll('#truth-table tr').length }}")).await;
    assert_eq!(
        cleared,
        json!({"ascii": "", "dfa": "", "root": "", "picture": 0, "verdict": "", "rows": 0})
    );

    // A word error is marked in the word.
    set(c, "alphabet", "a,b").await;
    type_in(c, "formula", "P (a & Y b)").await;
    type_in(c, "word", "b x").await;
    let marked = wait_for(c, "the word error", "const e = document.getElementById('formula-error'); const m = e.querySelector('mark'); return !e.hidden && m && e.textContent.includes('`x` is not in the alphabet') ? m.textContent : null").await;
    assert_eq!(marked, json!("x"));

    // Step-through: the lit state and column follow the run at every position.
    set(c, "alphabet", "a,b,c").await;
    type_in(c, "word", "b a c").await;
    wait_for(c, "the stepper", "return !document.getElementById('stepper').hidden && document.querySelectorAll('#dfa-picture circle.state').length === 3 && document.querySelectorAll('#truth-table tbody tr').length === 5 || null").await;
    let (_, d) = {
        let r = ureq::post(&format!("{url}/api/dfa"))
            .send_string(&json!({"formula": "P (a & Y b)", "alphabet": "a,b,c"}).to_string());
        let v: Value = r.unwrap().into_json().unwrap();
        ((), v)
    };
    let letters: Vec<&str> = d["alphabet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let mut states = vec![d["initial"].as_u64().unwrap()];
    for t in ["b", "a", "c"] {
        let k = letters.iter().position(|l| *l == t).unwrap();
        states.push(
            d["transitions"][*states.last().unwrap() as usize][k]
                .as_u64()
                .unwrap(),
        );
    }
    let here = "const s = document.getElementById('stepper'); const lit = [...document.querySelectorAll('#dfa-picture circle.lit')].map(x => x.dataset.state); const cols = [...new Set([...document.querySelectorAll('#truth-table td.lit')].map(x => Number(x.dataset.col)))]; return { step: Number(s.dataset.step), state: Number(s.dataset.state), lit, cols, info: document.getElementById('step-info').textContent }";
    for step in 0..=4usize {
        if step > 0 {
            if step == 2 {
                // The keyboard steps too.
                c.execute("document.activeElement.blur(); document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }))", vec![]).await.unwrap();
            } else {
                click(c, "#step-forward").await;
            }
        }
        let v = c.execute(here, vec![]).await.unwrap();
        let state = states[step.min(3)];
        assert_eq!(v["step"], json!(step), "{v}");
        assert_eq!(v["state"], json!(state), "step {step}: {v}");
        assert_eq!(v["lit"], json!([state.to_string()]), "step {step}: {v}");
        let cols: Vec<usize> = if step == 0 { vec![] } else { vec![step - 1] };
        assert_eq!(v["cols"], json!(cols), "step {step}: {v}");
        if step == 3 {
            assert!(
                v["info"].as_str().unwrap().contains("the end of the word"),
                "{v}"
            );
        }
        if step == 4 {
            assert!(v["info"].as_str().unwrap().starts_with("⊣"), "{v}");
        }
    }

    // Exports: the DFA as SVG and DOT, well-formed.
    c.execute(CATCH_DOWNLOADS, vec![]).await.unwrap();
    click(c, "#dfa-export button[data-export=svg]").await;
    click(c, "#dfa-export button[data-export=dot]").await;
    let saved = downloads(c).await;
    let svg = saved
        .iter()
        .find(|d| d["name"] == "dfa.svg")
        .expect("dfa.svg");
    let ok = c.execute("const d = new DOMParser().parseFromString(arguments[0], 'image/svg+xml'); return !d.querySelector('parsererror') && d.documentElement.nodeName === 'svg' && d.querySelectorAll('ellipse').length", vec![svg["text"].clone()]).await.unwrap();
    assert_eq!(
        ok,
        json!(4),
        "three states, one of them accepting (two circles)"
    );
    let dot = saved
        .iter()
        .find(|d| d["name"] == "dfa.dot")
        .expect("dfa.dot")["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        dot.starts_with("digraph") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());

    // The truth table as LaTeX.
    click(c, "#latex-table").await;
    let saved = downloads(c).await;
    let tex = saved[0]["text"].as_str().unwrap();
    assert!(
        tex.starts_with("\\begin{tabular}{l|cccc}") && tex.trim_end().ends_with("\\end{tabular}"),
        "{tex}"
    );

    // A counterexample on the Compare tab loads into the Formula tab when clicked.
    click(c, "button[data-tab=compare]").await;
    set(c, "first", "P (a & Y b)").await;
    set(c, "second", "P (a & P b)").await;
    set(c, "compare-alphabet", "a,b,c").await;
    click(c, "#compare-go").await;
    wait_for(
        c,
        "the counterexample",
        "return document.querySelector('#compare-verdict .counterexample') || null",
    )
    .await;
    click(c, "#compare-verdict .counterexample").await;
    let loaded = wait_for(c, "the counterexample in the Formula tab", "return !document.getElementById('tab-formula').hidden && document.getElementById('word').value === 'b c a' && document.getElementById('formula').value === 'P (a & Y b)' || null").await;
    assert_eq!(loaded, json!(true));

    // A comparison that runs out of time is undecided, not an error.
    click(c, "button[data-tab=compare]").await;
    set(c, "first", "P>=200 a").await;
    set(c, "second", "P>=200 (a & true)").await;
    c.execute("document.getElementById('engine').value = 'z3'", vec![])
        .await
        .unwrap();
    click(c, "#compare-go").await;
    let v = wait_for(c, "the undecided verdict", "const v = document.getElementById('compare-verdict'); return v.classList.contains('unknown') ? { text: v.textContent, error: !document.getElementById('compare-error').hidden } : null").await;
    assert_eq!(v["error"], json!(false), "{v}");
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .starts_with("undecided within the limits"),
        "{v}"
    );
    assert!(
        !v["text"].as_str().unwrap().contains("--"),
        "help texts name the page's fields, not flags: {v}"
    );

    // The attention mask, cell by cell, is the pattern's support (Combiner-Fixed, L = 16).
    click(c, "button[data-tab=attention]").await;
    c.execute(
        "document.getElementById('pattern').value = 'combiner-fixed'",
        vec![],
    )
    .await
    .unwrap();
    set(c, "pattern-param", "4").await;
    set(c, "pattern-length", "16").await;
    click(c, "#attention-go").await;
    let drawn = wait_for(c, "the mask", "const r = [...document.querySelectorAll('svg.mask rect[data-cell]')]; return r.length === 256 ? r.map(x => [Number(x.dataset.i), Number(x.dataset.j), x.dataset.cell]) : null").await;
    let p = Pattern::CombinerFixed {
        block: 4,
        columns: 1,
    };
    let mut expected = Vec::new();
    for i in 0..16u64 {
        let s = p.support(i);
        for j in 0..16u64 {
            let cell = if j > i {
                "future".to_string()
            } else if s.direct.iter().any(|r| r.iter().any(|k| k == j)) {
                "1".to_string()
            } else if let Some(n) = s.regions.iter().position(|r| r.run.iter().any(|k| k == j)) {
                (2 + n).to_string()
            } else {
                "0".to_string()
            };
            expected.push(json!([i, j, cell]));
        }
    }
    assert_eq!(drawn, json!(expected));
    // The mask exports as SVG.
    c.execute(CATCH_DOWNLOADS, vec![]).await.unwrap();
    click(c, "#mask-picture button[data-export=svg]").await;
    let saved = downloads(c).await;
    let ok = c.execute("const d = new DOMParser().parseFromString(arguments[0], 'image/svg+xml'); return !d.querySelector('parsererror') && d.querySelectorAll('rect').length", vec![saved[0]["text"].clone()]).await.unwrap();
    assert_eq!(ok, json!(256));
    // A refuted obligation in words, marked on the mask.
    c.execute("document.getElementById('pattern').value = 'fixed'", vec![])
        .await
        .unwrap();
    click(c, "#attention-go").await;
    let covers = wait_for(c, "the refutation", "const o = document.querySelector('#attention-out li[data-obligation=covers]'); return o && document.querySelector('svg.mask rect.missed') ? o.textContent : null").await;
    let covers = covers.as_str().unwrap();
    assert!(
        covers.contains("does not attend key") && !covers.contains("{"),
        "{covers}"
    );

    // Classify: witnesses, the smallest window, the summary; no footnote no row uses.
    click(c, "button[data-tab=classify]").await;
    set(c, "classify-formula", "P (a & Y b)").await;
    set(c, "classify-alphabet", "a,b").await;
    click(c, "#classify-go").await;
    let v = wait_for(c, "the classification", "const t = document.querySelector('table.classify'); return t ? { local: t.querySelector('tr[data-key=local]').textContent, summary: document.querySelector('#classify-out .summary').textContent, footnote: !!document.querySelector('#classify-out .footnote') } : null").await;
    assert!(
        v["local"].as_str().unwrap().contains("on s = b, e = a"),
        "{v}"
    );
    assert_eq!(v["footnote"], json!(false));
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .starts_with("global attention recognizes it"),
        "{v}"
    );
    set(c, "classify-formula", "Y a | Y Y a").await;
    click(c, "#classify-go").await;
    let w = wait_for(c, "the smallest window", "const w = document.querySelector('tr[data-key=local] .window'); return w ? w.textContent : null").await;
    assert_eq!(w, json!("smallest window: 1, Y-nesting depth 2"));

    // The α heat map: a key attended with α = 0 is not drawn as a key not attended.
    click(
        c,
        "a.example[data-path='examples/numeric/naive-contains-a.toml']",
    )
    .await;
    wait_for(
        c,
        "the compiled model",
        "return document.getElementById('model-accept') || null",
    )
    .await;
    set(c, "model-word", "b a").await;
    click(c, "#run-go").await;
    let kinds = wait_for(c, "the heat map", "const r = [...document.querySelectorAll('svg.alpha rect')]; return r.length ? r.map(x => x.dataset.kind) : null").await;
    let kinds: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"zero") && kinds.contains(&"attended") && kinds.contains(&"unattended"),
        "{kinds:?}"
    );
    // Layers are counted from 0 on the Model tab, as in the trace.
    let layers = c
        .execute(
            "return [...document.querySelectorAll('#model-out h3')].map(h => h.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layers, json!(["embedding", "after layer 0"]));

    // An exercise: the link hides its target; a wrong answer gets its shortest
    // counterexample.
    click(c, "button[data-tab=exercise]").await;
    set(c, "exercise-target", "P (b & Y a)").await;
    set(c, "exercise-alphabet", "a,b").await;
    set(c, "exercise-task", "A b right after an a").await;
    click(c, "#exercise-link").await;
    let link = wait_for(
        c,
        "the link",
        "const a = document.getElementById('exercise-url'); return a.textContent || null",
    )
    .await;
    let link = link.as_str().unwrap().to_string();
    for readable in ["P (b", "P+(b", "P%20(b", "Y a", "Y+a", "Y%20a"] {
        assert!(!link.contains(readable), "{link}");
    }
    c.goto("about:blank").await.unwrap();
    c.goto(&link).await.unwrap();
    wait_for(
        c,
        "the exercise",
        "return !document.getElementById('exercise-solve').hidden || null",
    )
    .await;
    let text = c.execute("return document.documentElement.outerHTML + [...document.querySelectorAll('input')].map(i => i.value).join(' ')", vec![]).await.unwrap();
    assert!(
        !text.as_str().unwrap().contains("P (b &amp; Y a)")
            && !text.as_str().unwrap().contains("P (b & Y a)")
    );
    set(c, "exercise-answer", "P b").await;
    click(c, "#exercise-check").await;
    let cx = wait_for(c, "the grade", "const e = document.querySelector('#exercise-verdict .counterexample'); return e ? e.textContent : null").await;
    let (_, expected) = {
        let r = ureq::post(&format!("{url}/api/equiv")).send_string(
            &json!({"first": "P b", "second": "P (b & Y a)", "alphabet": "a,b"}).to_string(),
        );
        let v: Value = match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r.into_json().unwrap(),
            Err(e) => panic!("{e}"),
        };
        ((), v)
    };
    let word = expected["counterexample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(cx, json!(word));
    let tables = c
        .execute(
            "return document.querySelectorAll('#exercise-tables table').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(tables, json!(2));

    // Accessibility: axe-core finds no serious or critical violation on any tab.
    accessibility(c, "light").await;
    // Dark mode: other colours, and no contrast violation on any tab either.
    dark_mode(c, &webdriver).await;

    // Narrow screens: the main column keeps its width.
    c.set_window_size(390, 900).await.unwrap();
    let width = wait_for(c, "the narrow layout", "return window.innerWidth <= 420 ? document.querySelector('main').getBoundingClientRect().width : null").await;
    assert!(
        width.as_f64().unwrap() >= 300.0,
        "main is {width} px wide at 390 px"
    );
}

/// axe-core (`LTLATTN_AXE`: the path of its `axe.min.js`; `.ci/run` installs it with
/// npm) on every tab of the page as the session left it: no serious or critical
/// violation of WCAG 2 A/AA (contrast included). Without the file the check is skipped,
/// unless `LTLATTN_BROWSER_TESTS=require`.
async fn accessibility(c: &Client, scheme: &str) {
    let required = std::env::var("LTLATTN_BROWSER_TESTS").as_deref() == Ok("require");
    let Some(axe) = std::env::var("LTLATTN_AXE")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
    else {
        assert!(
            !required,
            "LTLATTN_BROWSER_TESTS=require, but LTLATTN_AXE names no axe.min.js"
        );
        eprintln!("skipped: the accessibility check needs axe-core (LTLATTN_AXE=.../axe.min.js)");
        return;
    };
    c.execute(
        "if (typeof axe === 'undefined') { const s = document.createElement('script'); s.textContent = arguments[0]; document.head.append(s); } return typeof axe",
        vec![json!(axe)],
    )
    .await
    .unwrap();
    for tab in [
        "formula",
        "compare",
        "classify",
        "model",
        "attention",
        "exercise",
    ] {
        click(c, &format!("button[data-tab={tab}]")).await;
        let v = c
            .execute_async(
                "const done = arguments[arguments.length - 1]; axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then(r => done({ passes: r.passes.length, contrast: r.passes.concat(r.violations, r.incomplete).some(x => x.id === 'color-contrast'), all: r.violations.map(v => v.id + ':' + v.impact), serious: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`) }), e => done({ passes: 0, serious: [`axe failed: ${e}`] }))",
                vec![],
            )
            .await
            .unwrap();
        eprintln!("axe on the {tab} tab ({scheme}): {v}");
        assert!(v["passes"].as_u64() > Some(10), "axe did not run: {v}");
        assert_eq!(v["contrast"], json!(true), "axe checked no contrast: {v}");
        assert_eq!(v["serious"], json!([]), "the {tab} tab ({scheme})");
        let contrast = v["all"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.as_str().unwrap().starts_with("color-contrast"));
        assert!(
            !contrast,
            "a contrast violation on the {tab} tab ({scheme}): {v}"
        );
    }
}

/// Chrome DevTools' media emulation, through chromedriver's `goog/cdp/execute`: the page
/// as a system in dark (`"dark"`) or light mode shows it.
async fn color_scheme(c: &Client, webdriver: &str, scheme: &str) {
    let id = c
        .session_id()
        .await
        .expect("the session")
        .expect("a session id");
    let url = format!("{webdriver}/session/{id}/goog/cdp/execute");
    let body = json!({"cmd": "Emulation.setEmulatedMedia",
                      "params": {"features": [{"name": "prefers-color-scheme", "value": scheme}]}});
    let answer = tokio::task::spawn_blocking(move || {
        ureq::post(&url)
            .send_json(body)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    answer
        .await
        .expect("the request runs")
        .unwrap_or_else(|e| panic!("the emulation of prefers-color-scheme: {scheme}: {e}"));
}

/// The relative luminance (WCAG) of a computed CSS colour `rgb(r, g, b)`.
fn luminance(css: &Value) -> f64 {
    let text = css.as_str().unwrap_or_default();
    let parts: Vec<f64> = text
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|x| x.trim().parse::<f64>().unwrap_or_else(|_| panic!("{text}")) / 255.0)
        .collect();
    let lin = |c: f64| {
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(parts[0]) + 0.7152 * lin(parts[1]) + 0.0722 * lin(parts[2])
}

/// Dark mode (`prefers-color-scheme: dark`, emulated): the page's background and text
/// colours change to light text on a dark ground, and axe-core finds no contrast
/// violation on any tab; then back to light mode.
async fn dark_mode(c: &Client, webdriver: &str) {
    const COLORS: &str = "const b = getComputedStyle(document.body), h = getComputedStyle(document.querySelector('header')), i = getComputedStyle(document.getElementById('first')); return { dark: matchMedia('(prefers-color-scheme: dark)').matches, bg: b.backgroundColor, fg: b.color, panel: h.backgroundColor, field: i.backgroundColor, field_fg: i.color }";
    color_scheme(c, webdriver, "light").await;
    let light = wait_for(
        c,
        "light mode",
        &format!("const v = (() => {{ {COLORS} }})(); return v.dark ? null : v"),
    )
    .await;
    color_scheme(c, webdriver, "dark").await;
    let dark = wait_for(
        c,
        "dark mode",
        &format!("const v = (() => {{ {COLORS} }})(); return v.dark ? v : null"),
    )
    .await;
    for key in ["bg", "fg", "panel", "field", "field_fg"] {
        assert_ne!(light[key], dark[key], "{key}: {light} / {dark}");
    }
    for (ground, ink) in [("bg", "fg"), ("panel", "fg"), ("field", "field_fg")] {
        assert!(
            luminance(&light[ground]) > luminance(&light[ink]),
            "light mode: dark text on a light ground ({ground}): {light}"
        );
        assert!(
            luminance(&dark[ground]) < luminance(&dark[ink]),
            "dark mode: light text on a dark ground ({ground}): {dark}"
        );
        // WCAG contrast ratio of the text on its ground.
        let (g, t) = (luminance(&dark[ground]), luminance(&dark[ink]));
        assert!((t + 0.05) / (g + 0.05) >= 4.5, "{ground}: {dark}");
    }
    accessibility(c, "dark").await;
    color_scheme(c, webdriver, "light").await;
}

/// Compare with a model or DFA on a side, and exercises whose target is a model or a
/// DFA (docs/SERVE.md, "The page"): the answer has both sides' verdicts and loads into
/// the step-through; a link names an unchanged example; an exercise link hides a
/// model target and grades counterexample-first by the same `equiv`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_exercises_take_models_and_dfas() {
    let Some(b) = browser("files").await else {
        return;
    };
    let server = Server::start(&[]);
    let c = b.client.clone();
    let url = server.url.clone();
    let webdriver = b.webdriver.clone();
    b.run(async move { files_session(c, url, webdriver).await })
        .await;
    drop(server);
}

/// `command`'s answer from the API.
fn post(url: &str, command: &str, body: &Value) -> Value {
    match ureq::post(&format!("{url}/api/{command}")).send_string(&body.to_string()) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.into_json().unwrap(),
        Err(e) => panic!("{e}"),
    }
}

async fn select(c: &Client, id: &str, value: &str) {
    c.execute(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change')); return s.value",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

const COMPARE_ANSWER: &str = "const v = document.getElementById('compare-verdict'); const b = v.querySelector('.counterexample'); return v.textContent ? { text: v.textContent, word: b ? b.textContent : null, sides: [...document.querySelectorAll('#compare-tables .side')].map(s => s.textContent), tables: document.querySelectorAll('#compare-tables table').length, error: document.getElementById('compare-error').hidden ? null : document.getElementById('compare-error').textContent } : null";

async fn files_session(client: Client, url: String, webdriver: String) {
    let c = &client;
    c.goto(&url).await.expect("the page loads");
    wait_for(
        c,
        "the examples",
        "return document.querySelectorAll('#first-example option').length > 10",
    )
    .await;

    // A Boolean model from the examples against a formula.
    click(c, "button[data-tab=compare]").await;
    select(c, "first-example", "examples/models/contains-a.toml").await;
    set(c, "second", "P b").await;
    click(c, "#compare-go").await;
    let v = wait_for(c, "the comparison", COMPARE_ANSWER).await;
    let api = post(
        &url,
        "equiv",
        &json!({"first": std::fs::read_to_string("examples/models/contains-a.toml").unwrap(), "first_kind": "model", "second": "P b"}),
    );
    assert_eq!(api["counterexample"], json!(["a"]), "{api}");
    assert_eq!(v["word"], json!("a"), "{v}");
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("the first accepts it, the second rejects it"),
        "{v}"
    );
    assert!(text.contains("each side's evaluator or executor"), "{v}");
    // The model's side: its compiled formula and its verdict; the formula's: its table.
    assert!(
        v["sides"][0]
            .as_str()
            .unwrap()
            .contains("the model, compiled: P a"),
        "{v}"
    );
    assert!(v["sides"][0].as_str().unwrap().contains("accepts a"), "{v}");
    assert_eq!(v["tables"], json!(1), "{v}");
    // The link names the example, and reopens the same answer.
    let link = c.current_url().await.unwrap().to_string();
    assert!(
        link.contains("ax=examples%2Fmodels%2Fcontains-a.toml") && link.contains("ak=model"),
        "{link}"
    );
    assert!(
        !link.contains("at="),
        "an unchanged example is named, not copied: {link}"
    );
    c.goto("about:blank").await.unwrap();
    c.goto(&link).await.unwrap();
    let again = wait_for(c, "the comparison again", COMPARE_ANSWER).await;
    assert_eq!(again, v);
    // The counterexample loads into the Formula tab with the model's compiled formula.
    click(c, "#compare-verdict .counterexample").await;
    wait_for(c, "the step-through", "return !document.getElementById('tab-formula').hidden && document.getElementById('formula').value === 'P a' && document.getElementById('word').value === 'a' && document.getElementById('alphabet').value === 'a,b,c' && !document.getElementById('stepper').hidden || null").await;

    // A numeric model from the examples (its weights with it): the a⁸ story.
    click(c, "button[data-tab=compare]").await;
    select(c, "first-kind", "formula").await;
    set(c, "first", "P a").await;
    select(
        c,
        "second-example",
        "examples/numeric/naive-contains-a.toml",
    )
    .await;
    click(c, "#compare-go").await;
    let v = wait_for(c, "the numeric comparison", "const v = (() => { const x = document.getElementById('compare-verdict'); return x.textContent.includes('a a a a a a a a') ? x.textContent : null })(); return v").await;
    assert!(
        v.as_str()
            .unwrap()
            .contains("the first accepts it, the second rejects it"),
        "{v}"
    );

    // A DFA file, uploaded; acceptance at the last position for the formula side.
    let dfa = std::fs::canonicalize("examples/dfa/parity.dfa").unwrap();
    select(c, "second-kind", "dfa").await;
    c.find(Locator::Id("second-file"))
        .await
        .unwrap()
        .send_keys(&dfa.display().to_string())
        .await
        .unwrap();
    wait_for(
        c,
        "the uploaded DFA",
        "return document.getElementById('second-text').value.includes('alphabet: a b') || null",
    )
    .await;
    select(c, "compare-accept", "last").await;
    set(c, "first", "P a | a").await;
    click(c, "#compare-go").await;
    let v = wait_for(c, "the DFA comparison", COMPARE_ANSWER).await;
    let api = post(
        &url,
        "equiv",
        &json!({"first": "P a | a", "second": std::fs::read_to_string(&dfa).unwrap(), "second_kind": "dfa", "accept": "last"}),
    );
    let word = api["counterexample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let shown = if word.is_empty() {
        "ε (the empty word)".to_string()
    } else {
        word
    };
    assert_eq!(v["word"], json!(shown), "{v} / {api}");
    assert!(v["sides"][1].as_str().unwrap().contains("the DFA"), "{v}");
    // It steps through with the formula side, over the DFA's alphabet, at the last position.
    click(c, "#compare-verdict .counterexample").await;
    wait_for(c, "the step-through", "return !document.getElementById('tab-formula').hidden && document.getElementById('formula').value === 'P a | a' && document.getElementById('alphabet').value === 'a,b' && document.getElementById('accept').value === 'last' && !document.getElementById('stepper').hidden || null").await;
    click(c, "button[data-tab=compare]").await;

    // A model that does not parse: the error marked in its text.
    select(c, "first-kind", "model").await;
    set(c, "first-text", "alphabet = [\"a\"\nlayers = 1\n").await;
    click(c, "#compare-go").await;
    let marked = wait_for(c, "the model error", "const e = document.getElementById('compare-error'); return !e.hidden && e.querySelector('mark') ? e.textContent : null").await;
    assert!(marked.as_str().unwrap().contains("alphabet"), "{marked}");
    // The sides' file controls are accessible, in light and in dark mode.
    accessibility(c, "light").await;
    dark_mode(c, &webdriver).await;
    click(c, "button[data-tab=compare]").await;

    // An exercise whose target is a model: the link and the page do not show it.
    click(c, "button[data-tab=exercise]").await;
    select(c, "exercise-example", "examples/models/contains-ba.toml").await;
    set(c, "exercise-task", "A b right before an a").await;
    click(c, "#exercise-link").await;
    let link = wait_for(
        c,
        "the link",
        "const a = document.getElementById('exercise-url'); return a.textContent || null",
    )
    .await;
    let link = link.as_str().unwrap().to_string();
    for readable in ["contains", "alphabet", "layer", "toml", "examples"] {
        assert!(!link.contains(readable), "{link}");
    }
    c.goto("about:blank").await.unwrap();
    c.goto(&link).await.unwrap();
    wait_for(
        c,
        "the exercise",
        "return !document.getElementById('exercise-solve').hidden || null",
    )
    .await;
    let page = c.execute("return document.documentElement.outerHTML + [...document.querySelectorAll('input, textarea')].map(i => i.value).join(' ')", vec![]).await.unwrap();
    let model = std::fs::read_to_string("examples/models/contains-ba.toml").unwrap();
    // (The examples' names are listed on the page; their texts are not.)
    let page = page.as_str().unwrap();
    for line in ["contains the factor ba", "seen_ba", "output ="] {
        assert!(model.contains(line), "{line}");
        assert!(!page.contains(line), "{line}: the target is on the page");
    }
    // A wrong answer: its shortest counterexample, by the API's `equiv` with the model.
    set(c, "exercise-answer", "P b").await;
    click(c, "#exercise-check").await;
    let cx = wait_for(c, "the grade", "const e = document.querySelector('#exercise-verdict .counterexample'); return e ? { word: e.textContent, text: document.getElementById('exercise-verdict').textContent, target: document.getElementById('exercise-tables').textContent } : null").await;
    let api = post(
        &url,
        "equiv",
        &json!({"first": "P b", "second": model, "second_kind": "model"}),
    );
    assert_eq!(api["counterexample"], json!(["b"]), "{api}");
    assert_eq!(cx["word"], json!("b"), "{cx}");
    assert!(
        cx["text"]
            .as_str()
            .unwrap()
            .contains("your formula accepts it, the target rejects it"),
        "{cx}"
    );
    assert!(cx["target"].as_str().unwrap().contains("rejects b"), "{cx}");
    // The right answer.
    set(c, "exercise-answer", "P (a & Y b)").await;
    click(c, "#exercise-check").await;
    let ok = wait_for(c, "the right answer", "const v = document.getElementById('exercise-verdict'); return v.classList.contains('yes') ? v.textContent : null").await;
    assert!(ok.as_str().unwrap().starts_with("correct"), "{ok}");
    // Which attention: the model's language needs global and local attention.
    select(c, "exercise-class", "hybrid").await;
    click(c, "#exercise-class-check").await;
    let ok = wait_for(c, "the class", "const v = document.getElementById('exercise-verdict'); return v.textContent.includes('global + local') ? v.className : null").await;
    assert_eq!(ok, json!("verdict yes"));

    // An exercise whose target is a DFA, typed: parity is beyond every fragment.
    c.goto(&format!("{url}/#tab=exercise")).await.unwrap();
    c.refresh().await.unwrap();
    wait_for(
        c,
        "the exercise maker",
        "return !document.getElementById('exercise-make').hidden && document.querySelectorAll('#exercise-example option').length > 10 || null",
    )
    .await;
    select(c, "exercise-kind", "dfa").await;
    let parity = std::fs::read_to_string("examples/dfa/parity.dfa").unwrap();
    c.execute(
        "const t = document.getElementById('exercise-target-text'); t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
        vec![json!(parity)],
    )
    .await
    .unwrap();
    click(c, "#exercise-link").await;
    let link = wait_for(
        c,
        "the link",
        "const a = document.getElementById('exercise-url'); return a.textContent || null",
    )
    .await;
    let link = link.as_str().unwrap().to_string();
    assert!(
        !link.contains("states") && !link.contains("alphabet"),
        "{link}"
    );
    c.goto("about:blank").await.unwrap();
    c.goto(&link).await.unwrap();
    wait_for(
        c,
        "the exercise",
        "return !document.getElementById('exercise-solve').hidden || null",
    )
    .await;
    set(c, "exercise-answer", "!P a").await;
    click(c, "#exercise-check").await;
    let cx = wait_for(c, "the grade", "const e = document.querySelector('#exercise-verdict .counterexample'); return e ? e.textContent : null").await;
    let api = post(
        &url,
        "equiv",
        &json!({"first": "!P a", "second": parity, "second_kind": "dfa"}),
    );
    let word = api["counterexample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(cx, json!(word), "{api}");
    select(c, "exercise-class", "regular").await;
    click(c, "#exercise-class-check").await;
    let ok = wait_for(c, "the class", "const v = document.getElementById('exercise-verdict'); return v.textContent.startsWith('correct') ? v.className : null").await;
    assert_eq!(ok, json!("verdict yes"));
}
