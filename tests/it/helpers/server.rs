//! A `ltlattn serve` process on a free loopback port, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::run::command;

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Server {
    /// Starts the binary with `serve --port 0` and the given options, and waits for the
    /// address it prints.
    pub fn start(args: &[&str]) -> Server {
        Server::start_with_env(args, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = command(&["serve", "--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let out = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .expect("the server prints its address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, url }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn agent() -> ureq::Agent {
        ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build()
    }

    /// POST /api/{command} with a JSON body: the HTTP status and the JSON answer.
    pub fn post(&self, command: &str, body: &Value) -> (u16, Value) {
        self.post_raw(command, &body.to_string())
    }

    /// POST with a body as given (not necessarily JSON).
    pub fn post_raw(&self, command: &str, body: &str) -> (u16, Value) {
        let r = Self::agent()
            .post(&format!("{}/api/{command}", self.url))
            .set("Content-Type", "application/json")
            .send_string(body);
        Self::answer(r)
    }

    /// GET a path: the status, the content type and the body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        match Self::agent().get(&format!("{}{path}", self.url)).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                let kind = r.content_type().to_string();
                (status, kind, r.into_string().expect("a text body"))
            }
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
        match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                let text = r.into_string().expect("a text body");
                let v = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
                (status, v)
            }
            Err(e) => panic!("no answer: {e}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
