//! Buyers matched by NIP to Systim contractors (`docs/rules.md`, "Buyers with a NIP").
//!
//! `listCompanies` takes no filter: the whole list is read once per orders run and indexed here
//! by NIP, compared as digits only — a `PL` prefix, dashes, dots and spaces ignored — as
//! mcpsystim does. A buyer whose Polish NIP exactly one contractor has is linked to it
//! (`id_kontrahenta`); several → `contractor_ambiguous`, the order sent as before (unlinked);
//! none → the contractor is created first (`addCompany`), once per NIP however many orders of
//! the run carry it. A NIP the extension itself created (`own`) may have copies — the browser
//! resends a creation whose connection closed before the answer — so several contractors of
//! such a NIP are ours: the oldest (lowest id) is used and the engine reports the copies.
//! Private buyers (no NIP) and foreign VAT numbers are left as they were.

use super::orders::{ContractorRef, OrdersPlan, Params, SystimAddress};
use super::{Finding, ReasonCode};
use crate::decode::systim::SystimCompany;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A NIP as its ten digits, whatever the spelling (`PL 586-212-09-28`); `None` for no NIP, a
/// foreign VAT number or anything that is not ten digits. As a number: the maps keyed by it are
/// the ones the engine already has (`u64` keys), not new code in the wasm.
pub fn nip_key(raw: &str) -> Option<u64> {
    let mut s = String::with_capacity(raw.len());
    for c in raw.chars().filter(char::is_ascii_alphanumeric) {
        s.push(c.to_ascii_uppercase());
    }
    let d = s.strip_prefix("PL").unwrap_or(&s);
    if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) {
        d.parse().ok()
    } else {
        None
    }
}

/// A NIP key as its ten digits.
pub fn nip_text(nip: u64) -> String {
    format!("{nip:010}")
}

/// Systim's contractors by NIP, each NIP's ids in ascending order (the oldest first).
#[derive(Debug, Default)]
pub struct Contractors {
    by_nip: HashMap<u64, Vec<(u64, String)>>,
}

impl Contractors {
    pub fn new(list: &[SystimCompany]) -> Self {
        let mut by_nip: HashMap<u64, Vec<(u64, String)>> = HashMap::new();
        for c in list {
            if let Some(nip) = nip_key(&c.nip) {
                let ids = by_nip.entry(nip).or_default();
                let at = ids.partition_point(|(id, _)| *id < c.id);
                if ids.get(at).is_none_or(|(id, _)| *id != c.id) {
                    ids.insert(at, (c.id, c.name.clone()));
                }
            }
        }
        Contractors { by_nip }
    }

    /// The contractors with this NIP ([`nip_key`]), oldest first.
    pub fn with_nip(&self, nip: u64) -> &[(u64, String)] {
        self.by_nip.get(&nip).map_or(&[], Vec::as_slice)
    }
}

/// Data for Systim `addCompany`: the buyer of the first order with this NIP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContractor {
    /// Ten digits.
    pub nip: String,
    pub buyer: SystimAddress,
    pub email: String,
    /// The orders linked to it.
    pub for_orders: Vec<u64>,
}

impl NewContractor {
    /// `nazwa`, `nip`, `ulica`, `kod`, `miejscowosc` (the manual's required fields, which the
    /// order plan already requires of the buyer), `panstwo` and `email` when known.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut params = Params::default();
        params.put("nazwa", &self.buyer.name);
        params.put("nip", &self.nip);
        params.address(&self.buyer, "");
        params.opt("email", &self.email);
        params.0
    }
}

/// Link every import whose buyer has a Polish NIP (see the module's comment). `own`: NIPs of
/// contractors the extension created earlier and no list has yet shown exactly once.
pub fn link_contractors(plan: &mut OrdersPlan, known: &Contractors, own: &[u64]) {
    let mut new_at: HashMap<u64, u64> = HashMap::new();
    for import in &mut plan.imports {
        let Some(key) = import.request.nip.as_deref().and_then(nip_key) else { continue };
        let (found, nip) = (known.with_nip(key), nip_text(key));
        let finding = match found {
            [] => {
                let index = *new_at.entry(key).or_insert_with(|| {
                    let r = &import.request;
                    plan.contractors_to_create.push(NewContractor { nip: nip.clone(), buyer: r.buyer.clone(), email: r.email.clone(), for_orders: Vec::new() });
                    plan.contractors_to_create.len() as u64 - 1
                }) as usize;
                plan.contractors_to_create[index].for_orders.push(import.order_id);
                import.request.contractor = Some(ContractorRef::Created { index });
                Finding::new(ReasonCode::ContractorCreated).value(format!("NIP {nip}")).value(import.request.buyer.name.clone())
            }
            [(id, name), ..] if found.len() == 1 || own.contains(&key) => {
                import.request.contractor = Some(ContractorRef::Existing { id: *id });
                Finding::new(ReasonCode::ContractorLinked).value(format!("id {id}")).value(name.clone()).value(format!("NIP {nip}"))
            }
            _ => {
                let mut f = Finding::new(ReasonCode::ContractorAmbiguous).value(format!("NIP {nip}"));
                f.values.extend(found.iter().map(|(id, _)| format!("id {id}")));
                f
            }
        };
        import.warnings.push(finding);
    }
}
