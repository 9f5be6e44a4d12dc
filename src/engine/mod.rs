//! The engines that decide `equiv`, `includes` and `check`, and the one product-system
//! layout they read ([`layout`]: state bits, counters, next-state rules).
//!
//! docs/book/design/engines.md describes the layout and each engine.

pub mod layout;
