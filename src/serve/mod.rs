//! `ltlattn serve`: the web page for courses and its JSON API, in one process.
//!
//! The page (`web/` at the repository's root, compiled into the binary) calls
//! `POST /api/{command}` with a JSON body and renders the answer: the same report the
//! command line prints with `--json`, built by the same library functions ([`api`]).
//! Like the command line (`src/cli/`), this front end depends on the library alone. Every request runs under the server's limits
//! (states, seconds, formula size, body bytes), which a request may lower but never
//! raise, on a bounded pool of worker threads; nothing a request says reaches the file
//! system. The protocol is documented in docs/SERVE.md.

mod api;
mod assets;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clap::Args;
use miette::{miette, Report};
use tokio::sync::Semaphore;

use assets::Asset;
use ltlattn::front::Exit;
use ltlattn::logic::ParseLimits;
use serde::Serialize;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// The TCP port (0: any free port; the address is printed on stdout).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on. Anything but loopback exposes the server to the network
    /// (a warning is printed).
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    bind: IpAddr,
    /// Most automaton states (or product pairs) one request may build.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    max_states: usize,
    /// Seconds one request may work.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    timeout: f64,
    /// Largest request body in bytes (uploaded weights travel base64-encoded inside it).
    #[arg(long, default_value_t = 8 << 20, value_name = "N")]
    max_body_bytes: usize,
    /// Seconds a request's body may take to arrive (then 408): a client that declares a
    /// longer body than it sends holds part of the body budget until then.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    read_timeout: f64,
    /// Requests worked on at once, per pool (light: fmt, eval, explain; automata: dfa;
    /// heavy: the rest). Default: the number of cores.
    #[arg(long, value_name = "N")]
    max_concurrent: Option<usize>,
    /// Requests waiting for a worker, per pool, before the server answers 503 at once.
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_queued: usize,
    /// Longest word (in tokens) for explain, eval and run.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_word_length: usize,
}

/// The limits every request runs under.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) max_states: usize,
    pub(crate) timeout: Duration,
    pub(crate) parse: ParseLimits,
    pub(crate) max_word_length: usize,
}

/// A bounded pool of workers with a bounded queue in front of it.
struct Pool {
    permits: Arc<Semaphore>,
    /// The pool's size: the most workers one request is admitted as.
    workers: usize,
    waiting: AtomicUsize,
    max_queued: usize,
}

struct Server {
    config: Config,
    light: Pool,
    automata: Pool,
    heavy: Pool,
    started: Instant,
    answered: AtomicUsize,
    max_body: usize,
    /// How long a request's body may take to arrive.
    read_timeout: Duration,
    /// The memory budget for request bodies, in KiB.
    body_kib: Arc<Semaphore>,
}

/// How many full-size bodies (`--max-body-bytes`) the server holds at most at once.
const BODIES_IN_MEMORY: usize = 32;

static INDEX_HTML: Asset = Asset::new(
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html")),
    "text/html; charset=utf-8",
);
static APP_JS: Asset = Asset::new(
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/app.js")),
    "text/javascript; charset=utf-8",
);
static STYLE_CSS: Asset = Asset::new(
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/style.css")),
    "text/css; charset=utf-8",
);
static FAVICON: Asset = Asset::new(
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/favicon.svg")),
    "image/svg+xml",
);

pub(crate) fn serve_cmd(a: ServeArgs, parse: ParseLimits) -> Result<Exit, Report> {
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout < 1e6) {
        return Err(miette!(
            "--timeout must be a positive number of seconds, not {}",
            a.timeout
        ));
    }
    if !(a.read_timeout.is_finite() && a.read_timeout > 0.0 && a.read_timeout < 1e6) {
        return Err(miette!(
            "--read-timeout must be a positive number of seconds, not {}",
            a.read_timeout
        ));
    }
    if a.max_body_bytes == 0 {
        return Err(miette!("--max-body-bytes must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = a.max_concurrent.unwrap_or(cores);
    if workers == 0 || workers > 1024 {
        return Err(miette!(
            "--max-concurrent must be between 1 and 1024, not {workers}"
        ));
    }
    let pool = || Pool {
        permits: Arc::new(Semaphore::new(workers)),
        workers,
        waiting: AtomicUsize::new(0),
        max_queued: a.max_queued,
    };
    let server = Arc::new(Server {
        config: Config {
            max_states: a.max_states,
            timeout: Duration::from_secs_f64(a.timeout),
            parse,
            max_word_length: a.max_word_length,
        },
        light: pool(),
        automata: pool(),
        heavy: pool(),
        started: Instant::now(),
        answered: AtomicUsize::new(0),
        max_body: a.max_body_bytes,
        read_timeout: Duration::from_secs_f64(a.read_timeout),
        body_kib: Arc::new(Semaphore::new(
            (BODIES_IN_MEMORY * a.max_body_bytes.div_ceil(1024)).min(Semaphore::MAX_PERMITS),
        )),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.clamp(1, 4))
        // Three pools of workers; work that outlived its answer keeps its permit.
        .max_blocking_threads(3 * workers + 2)
        .enable_all()
        .build()
        .map_err(|e| miette!("cannot start the server's runtime: {e}"))?;
    let addr = SocketAddr::new(a.bind, a.port);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| miette!(help = "choose another --port (0 takes any free one)", "cannot listen on {addr}: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| miette!("cannot read the listening address: {e}"))?;
        if !a.bind.is_loopback() {
            eprintln!(
                "warning: listening on {local}, which other machines can reach; every request runs under the limits, but anyone who can connect can use them (the default --bind 127.0.0.1 keeps the server to this machine)"
            );
        }
        // The first line a client (and the tests) read: the address.
        let mut out = std::io::stdout().lock();
        if writeln!(out, "listening on http://{local}")
            .and_then(|_| out.flush())
            .is_err()
        {
            return Err(miette!("cannot write the listening address to stdout"));
        }
        drop(out);
        let app = router(server);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| miette!("the server stopped: {e}"))
    })?;
    Ok(Exit::Yes)
}

fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route(
            "/",
            get(|h: HeaderMap| async move { INDEX_HTML.answer(&h) }),
        )
        .route(
            "/app.js",
            get(|h: HeaderMap| async move { APP_JS.answer(&h) }),
        )
        .route(
            "/style.css",
            get(|h: HeaderMap| async move { STYLE_CSS.answer(&h) }),
        )
        // Browsers ask for /favicon.ico whatever the page links.
        .route(
            "/favicon.svg",
            get(|h: HeaderMap| async move { FAVICON.answer(&h) }),
        )
        .route(
            "/favicon.ico",
            get(|h: HeaderMap| async move { FAVICON.answer(&h) }),
        )
        .route(
            "/api",
            get(|| async { json_response(StatusCode::OK, &api::index()) }),
        )
        .route(
            "/api/examples",
            get(|| async { json_response(StatusCode::OK, &api::examples()) }),
        )
        .route("/api/status", get(status))
        .route("/api/{command}", post(command).get(post_only))
        .fallback(|| async { json_response(StatusCode::NOT_FOUND, &NotFound::new()) })
        // The cap is applied by `command` itself, with a JSON answer.
        .layer(DefaultBodyLimit::disable())
        .with_state(server)
}

/// A GET of a command: the commands are POSTed, with a JSON body.
async fn post_only(Path(name): Path<String>) -> Response {
    let mut r = refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        &name,
        format!("`{name}` is asked with POST, not GET"),
        "POST a JSON object to /api/{command}; GET /api lists the commands and their keys",
    );
    r.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    r
}

/// A body as the answer's JSON: through a `serde_json::Value`, whose keys print sorted,
/// as every answer of the server always has.
fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    body_response(status, &api::to_value(body))
}

fn body_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The answer to a path that is not the page's or the API's.
#[derive(Serialize)]
struct NotFound {
    error: NotFoundError,
    exit: i32,
}

#[derive(Serialize)]
struct NotFoundError {
    message: &'static str,
}

impl NotFound {
    fn new() -> Self {
        NotFound {
            error: NotFoundError {
                message: "no such page; the API is under /api (GET /api lists it)",
            },
            exit: Exit::Error.code(),
        }
    }
}

/// `GET /api/status`: the pools, the body budget and the limits.
#[derive(Serialize)]
struct Status {
    command: &'static str,
    uptime_seconds: f64,
    answered: usize,
    light: PoolStatus,
    automata: PoolStatus,
    heavy: PoolStatus,
    body_budget_free_kib: usize,
    limits: LimitsStatus,
    exit: i32,
}

#[derive(Serialize)]
struct PoolStatus {
    free_workers: usize,
    waiting: usize,
}

#[derive(Serialize)]
struct LimitsStatus {
    max_states: usize,
    timeout_seconds: f64,
    read_timeout_seconds: f64,
    max_formula_size: usize,
    max_nesting: usize,
    max_word_length: usize,
}

async fn status(State(s): State<Arc<Server>>) -> Response {
    let pool = |p: &Pool| PoolStatus {
        free_workers: p.permits.available_permits(),
        waiting: p.waiting.load(Ordering::Relaxed),
    };
    json_response(
        StatusCode::OK,
        &Status {
            command: "status",
            uptime_seconds: s.started.elapsed().as_secs_f64(),
            answered: s.answered.load(Ordering::Relaxed),
            light: pool(&s.light),
            automata: pool(&s.automata),
            heavy: pool(&s.heavy),
            body_budget_free_kib: s.body_kib.available_permits(),
            limits: LimitsStatus {
                max_states: s.config.max_states,
                timeout_seconds: s.config.timeout.as_secs_f64(),
                read_timeout_seconds: s.read_timeout.as_secs_f64(),
                max_formula_size: s.config.parse.max_size,
                max_nesting: s.config.parse.max_nesting,
                max_word_length: s.config.max_word_length,
            },
            exit: 0,
        },
    )
}

/// An answer that is not a report: the HTTP status and the error object.
fn refusal(status: StatusCode, command: &str, message: String, help: &str) -> Response {
    json_response(status, &api::Refusal::new(command, message, help))
}

async fn command(
    State(s): State<Arc<Server>>,
    Path(name): Path<String>,
    request: axum::extract::Request,
) -> Response {
    // The body cap, from Content-Length before a byte of the body is read (a client that
    // sent `Expect: 100-continue` never sends it), and again while reading.
    let too_big = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &name,
            format!(
                "the request body is larger than the server's limit of {} bytes",
                s.max_body
            ),
            "the server's --max-body-bytes bounds requests (weights travel base64-encoded, 4/3 of the file)",
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > s.max_body as u64) {
        return too_big();
    }
    // Memory: the bodies held at once (read, parsed, worked on) share a budget of
    // BODIES_IN_MEMORY full-size bodies, reserved by their declared size.
    let reserve = declared
        .map_or(s.max_body, |n| n as usize)
        .div_ceil(1024)
        .max(1);
    let Ok(held) = s
        .body_kib
        .clone()
        .try_acquire_many_owned(u32::try_from(reserve).unwrap_or(u32::MAX))
    else {
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            &name,
            "the server is busy: it holds as many request bodies as its memory budget allows"
                .into(),
            "try again in a moment",
        );
    };
    // A stalled upload (Content-Length larger than what arrives) would otherwise hold its
    // share of the body budget for as long as the client keeps the connection open.
    let read = axum::body::to_bytes(request.into_body(), s.max_body);
    let body: Bytes = match tokio::time::timeout(s.read_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return too_big(),
        Err(_) => {
            return refusal(
                StatusCode::REQUEST_TIMEOUT,
                &name,
                format!(
                    "the request body did not arrive within {} s",
                    s.read_timeout.as_secs_f64()
                ),
                "the server's --read-timeout bounds how long a body may take to arrive",
            )
        }
    };
    let Some(kind) = api::kind(&name) else {
        return refusal(
            StatusCode::NOT_FOUND,
            &name,
            format!("unknown command `{name}`"),
            "GET /api lists the commands",
        );
    };
    let request: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        Ok(_) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                &name,
                "the request body must be a JSON object".into(),
                "send {\"formula\": \"P a\", …}; GET /api lists each command's keys",
            )
        }
        Err(e) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                &name,
                format!("the request body is not JSON: {e}"),
                "send a JSON object with Content-Type: application/json",
            )
        }
    };
    let pool = match kind {
        api::Kind::Light => &s.light,
        api::Kind::Automaton => &s.automata,
        api::Kind::Heavy => &s.heavy,
    };
    // A bounded queue: beyond it the answer is immediate, never an unbounded wait.
    if pool.waiting.fetch_add(1, Ordering::AcqRel) >= pool.max_queued {
        pool.waiting.fetch_sub(1, Ordering::AcqRel);
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            &name,
            "the server is busy: every worker is taken and the queue is full".into(),
            "try again in a moment",
        );
    }
    let limit = s.config.timeout;
    // An `auto` comparison runs several engines at once and is admitted as that many.
    let taken = api::workers_taken(&name, &request, pool.workers);
    let permit = tokio::time::timeout(
        limit,
        pool.permits
            .clone()
            .acquire_many_owned(u32::try_from(taken).unwrap_or(1)),
    )
    .await;
    pool.waiting.fetch_sub(1, Ordering::AcqRel);
    let Ok(Ok(permit)) = permit else {
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            &name,
            format!(
                "the server is busy: no worker was free within the time limit of {} s",
                limit.as_secs_f64()
            ),
            "try again in a moment",
        );
    };
    let config = s.config.clone();
    let command = name.clone();
    let work = tokio::task::spawn_blocking(move || {
        // The permits travel with the work: a request that outlives its answer still
        // counts against the pool (and its body against memory) until its budget stops it.
        let _permits = (permit, held);
        api::answer(&command, &request, &config)
    });
    // The engines stop at their budget; this is the backstop for a step that runs long.
    let grace = limit + Duration::from_secs_f64((limit.as_secs_f64() * 0.5).max(2.0));
    let answer = tokio::time::timeout(grace, work).await;
    s.answered.fetch_add(1, Ordering::Relaxed);
    match answer {
        Ok(Ok(api::Answer { status, body })) => body_response(status, &body),
        Ok(Err(join)) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &name,
            format!("internal error: the work on this request failed ({join})"),
            "please report the request that caused it",
        ),
        Err(_) => refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            &name,
            format!("the time limit of {} s was reached", limit.as_secs_f64()),
            "the server's --timeout bounds every request; run the command line for longer work",
        ),
    }
}
