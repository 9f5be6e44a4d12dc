//! The page of `ltlattn serve` in headless Chromium, driven over WebDriver (chromedriver):
//! a student types a formula, sees the parse error at its span, the truth table and the
//! DFA picture; clicks an example; decides an equivalence and sees the counterexample
//! highlighted in both tables; opens the page's URL again and gets the same answer; loads
//! a numeric model; draws an attention mask.
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
/// other than `null`/`false`, for at most 20 s.
async fn wait_for(c: &Client, what: &str, js: &str) -> Value {
    let start = Instant::now();
    loop {
        let v = c.execute(js, vec![]).await.expect("script runs");
        if !(v.is_null() || v == json!(false)) {
            return v;
        }
        if start.elapsed() > Duration::from_secs(20) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_session_in_chromium() {
    let required = std::env::var("LTLATTN_BROWSER_TESTS").as_deref() == Ok("require");
    let driver = find_program("LTLATTN_CHROMEDRIVER", &["chromedriver"]);
    let browser = find_program("LTLATTN_CHROMIUM", &["chromium", "chromium-browser"]);
    let (Some(driver), Some(browser)) = (driver, browser) else {
        assert!(
            !required,
            "LTLATTN_BROWSER_TESTS=require, but chromium or chromedriver is missing"
        );
        eprintln!("skipped: the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver)");
        return;
    };
    let server = Server::start(&[]);
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = std::env::temp_dir().join(format!("ltlattn-chromium-{}", std::process::id()));
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
    let c = loop {
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
    // The session runs as its own task, so that a failed assertion still closes the browser.
    let result = tokio::spawn(session(c.clone(), server.url.clone())).await;
    let _ = c.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
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
