//! Shoper REST WebAPI stand-in (`/webapi/rest/...`) and minimal admin-panel pages (`/admin/...`).
//! Contract used by `control.rs` — keep these signatures.

use crate::catalogue::Scenario;
use crate::wire::{Request, Response};

pub struct ShoperState {
    // filled in by the Shoper stand-in
}

impl ShoperState {
    pub fn from_scenario(_sc: &Scenario) -> Self {
        todo!("Shoper stand-in")
    }
    /// Serve one request addressed to the shop (REST API, auth, bulk, admin pages).
    pub fn handle(&mut self, _req: &Request, _now_ms: u64) -> Response {
        todo!()
    }
    /// Full state as JSON for `/__sandbox/state`.
    pub fn state_json(&self) -> serde_json::Value {
        todo!()
    }
    /// Place an order as a customer would in the storefront (origin 0), through the shop's own
    /// logic (stock decremented). `spec`: `{"lines":[{"code":"KUB-300","quantity":2}], "email"?, ...}`.
    /// Returns the new order id.
    pub fn place_storefront_order(&mut self, _spec: &serde_json::Value, _now_ms: u64) -> Result<u64, String> {
        todo!()
    }
    /// Make every issued access token expired (next call answers 401 unauthorized_client).
    pub fn expire_tokens(&mut self) {}
    /// Apply configuration knobs (see the Shoper stand-in docs); unknown knobs are an error.
    pub fn configure(&mut self, _knobs: &serde_json::Value) -> Result<(), String> {
        Ok(())
    }
}
