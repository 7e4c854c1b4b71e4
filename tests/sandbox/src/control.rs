//! The whole sandbox world and its control API (`/__sandbox/...`). Work in progress.

use crate::catalogue::Scenario;
use crate::shoper::ShoperState;
use crate::systim::SystimState;
use crate::wire::{Request, Response, Service};

pub struct Sandbox {
    pub scenario: Scenario,
    pub shoper: ShoperState,
    pub systim: SystimState,
}

impl Sandbox {
    pub fn new(scenario: &str) -> Result<Sandbox, String> {
        let scenario = crate::catalogue::by_name(scenario)?;
        Ok(Sandbox { shoper: ShoperState::from_scenario(&scenario), systim: SystimState::from_scenario(&scenario), scenario })
    }
    pub fn handle(&mut self, service: Service, req: &Request, now_ms: u64) -> Response {
        match service {
            Service::Shoper => self.shoper.handle(req, now_ms),
            Service::Systim => self.systim.handle(req, now_ms),
        }
    }
}
