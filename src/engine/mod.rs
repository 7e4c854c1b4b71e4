//! The sync engine: runs of each kind as read → plan → (a dry run stops here) → execute →
//! report, over the I/O traits, with the order ledger, checkpoints and a run lock in storage.

pub mod connection;
pub mod ledger;
pub mod lock;
pub mod store;
