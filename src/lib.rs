//! Shoper ⇄ Systim.pl sync: the pure core (domain, decoding, matching, planning, retry policy),
//! the API clients and the engine over small I/O traits, and — on wasm32 only — the browser
//! boundary in [`wasm`]. See `docs/ARCHITECTURE.md` for the invariants.

pub mod case;
pub mod client;
pub mod csv_export;
pub mod dates;
pub mod decode;
pub mod domain;
pub mod engine;
pub mod findings;
pub mod io;
pub mod join;
pub mod json;
pub mod matching;
pub mod mem;
pub mod money;
pub mod plan;
pub mod retry;
pub mod settings;
pub mod settings_form;
pub mod suggest;
pub mod texts;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
