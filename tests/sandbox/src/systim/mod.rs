//! Systim.pl `jsonAPI.php` stand-in, exactly per `../shared/reference/systim-contract.md`.
//! Contract used by `control.rs` — keep these signatures.

use crate::catalogue::Scenario;
use crate::wire::{Request, Response};

pub struct SystimState {
    // filled in by the Systim stand-in
}

impl SystimState {
    pub fn from_scenario(_sc: &Scenario) -> Self {
        todo!("Systim stand-in")
    }
    /// Serve one request addressed to the account (`/jsonAPI.php`, `/jsonAPI`).
    pub fn handle(&mut self, _req: &Request, _now_ms: u64) -> Response {
        todo!()
    }
    pub fn state_json(&self) -> serde_json::Value {
        todo!()
    }
    /// A "web login": every API token dies (next call answers code 13).
    pub fn kill_tokens(&mut self) {}
    /// Set a product's quantity in one store (thousandths), as a warehouse document would.
    pub fn set_quantity(&mut self, _product_id: u64, _store_id: u64, _qty_milli: i64) -> Result<(), String> {
        Ok(())
    }
    pub fn configure(&mut self, _knobs: &serde_json::Value) -> Result<(), String> {
        Ok(())
    }
}
