#![allow(unexpected_cfgs)]
#![cfg(bad_input_known_bugs)]
//! Rows of `docs/bad-input.md` marked FAILS: each test asserts the correct behaviour, which the
//! code does not have yet, so they are kept out of the default run. Run them with
//!
//! ```sh
//! cargo rustc --profile test --test bad_input_known_bugs -- --cfg bad_input_known_bugs
//! "$(ls -t target/debug/deps/bad_input_known_bugs-* | grep -v '\.d$' | head -1)"
//! ```
//!
//! (or `RUSTFLAGS="--cfg bad_input_known_bugs" cargo test --test bad_input_known_bugs`, which
//! rebuilds every dependency). The binary also runs the passing rows of `tests/bad_input.rs`,
//! whose helpers it shares. When a bug is fixed, move its test into `tests/bad_input.rs` and
//! drop FAILS from its row.

#[path = "bad_input.rs"]
mod catalogue;

#[allow(unused_imports)]
use catalogue::kit::*;

// No known bugs at the moment: every row of docs/bad-input.md passes in tests/bad_input.rs.
