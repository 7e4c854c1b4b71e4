//! The sandbox: a local stand-in for a Shoper shop and a Systim.pl account.
//!
//! The core is pure: [`Sandbox::handle`] takes a request and the current time (ms, supplied by the
//! caller) and returns a response. No sockets, no clock, no threads — so native tests of the sync
//! engine can drive it in-process and deterministically. `main.rs` wraps it in an HTTP server.

pub mod catalogue;
pub mod control;
pub mod faults;
pub mod shoper;
pub mod systim;
pub mod wire;

pub use control::Sandbox;
pub use wire::{Request, Response, Service};
