//! What the tests share: the binary runner ([`run`]), random formulas and words
//! ([`formulas`], [`words`]), the engine-agreement harness ([`agree`]), random numeric
//! models ([`random_numeric`], also read by `benches/`) and a server on a loopback port
//! ([`server`]).

pub mod agree;
pub mod formulas;
pub mod random_numeric;
pub mod run;
#[cfg(any(feature = "serve", feature = "z3"))]
pub mod server;
pub mod words;
