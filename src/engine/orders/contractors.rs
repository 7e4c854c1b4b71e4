//! Buyers with a NIP linked to Systim contractors ([`crate::plan::contractors`]), and the
//! contractors created for new NIPs, exactly once.
//!
//! The contractors are read once per orders run (`listCompanies`, the whole list: it takes no
//! filter), only when a buyer of the plan has a Polish NIP or an earlier creation awaits its
//! check. Every NIP about to be created is stored before its `addCompany` leaves
//! (`shop:<host>:systim_contractors_creating`); a creation whose answer was not a clean success
//! is never repeated on its status: the next run's list says, by NIP, whether it happened — once
//! (done), not at all (created again, the list having just shown it absent) or more than once
//! (the browser resent it: the copies are reported, the oldest is used). The orders waiting on a
//! creation with no clear answer are held until then; a creation Systim refused sends its orders
//! as before, unlinked.

use super::{certainly_not_created, error_group, systim_id_of, OrdersPart, Tally};
use crate::client::form::Form;
use crate::decode::systim as dsys;
use crate::engine::products::{note_pending, PendingCreation};
use crate::engine::report::{entry, keyed_group, Entry, ProblemGroup, Section};
use crate::engine::store::{load, save, StateError};
use crate::io::{Clock, Http, Storage};
use crate::plan::contractors::{link_contractors, nip_key, Contractors};
use crate::plan::orders::OrdersPlan;

/// What became of a contractor the plan creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NewContractor {
    Created(u64),
    /// Systim refused it: its orders go as before, unlinked.
    Refused,
    /// No clear answer (it may exist, even twice): its orders wait for the next run's list.
    Unclear,
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// Link the plan's buyers to the contractors Systim has (setting `orders.link_contractors`),
    /// after settling the creations of earlier runs against the list just read.
    pub(super) async fn link_buyers(&mut self, plan: &mut OrdersPlan, section: &mut Section) -> Result<(), StateError> {
        if !self.cx.settings.orders.link_contractors {
            return Ok(());
        }
        let key = self.cx.keys.systim_contractors_creating();
        let mut pending: Vec<PendingCreation> = load(self.cx.store, &key).await?.unwrap_or_default();
        if pending.is_empty() && !plan.imports.iter().any(|i| i.request.nip.as_deref().and_then(nip_key).is_some()) {
            return Ok(());
        }
        let list = match self.cx.session.systim.list_companies(None).await {
            Ok(v) => dsys::companies(&v).0,
            Err(e) => {
                // Without the list nothing is linked and nothing created (a creation could double one).
                section.notes.push(error_group("contractors_unread", "listCompanies", &e));
                return Ok(());
            }
        };
        let known = Contractors::new(&list);
        let mut items = Vec::new();
        let before = pending.len();
        pending.retain(|p| {
            let found = known.with_nip(nip_key(&p.code).unwrap_or(0));
            if found.len() < 2 {
                return false;
            }
            items.push(copies_entry(&p.code, found));
            true
        });
        if !self.cx.dry_run() && pending.len() != before {
            save(self.cx.store, &key, &pending).await?;
        }
        if !items.is_empty() {
            section.problems.push(doubled_group(items));
        }
        let own: Vec<u64> = pending.iter().filter_map(|p| nip_key(&p.code)).collect();
        link_contractors(plan, &known, &own);
        Ok(())
    }

    /// Create the contractors the plan needs, each NIP stored before its `addCompany` leaves,
    /// then read the list again, before any order is sent: a creation without a clear answer
    /// that is there is used (never sent again), and copies the browser's own resend made are
    /// found — the oldest is used, the others reported.
    pub(super) async fn create_contractors(&mut self, plan: &OrdersPlan, tally: &mut Tally) -> Result<Vec<NewContractor>, StateError> {
        let mut out = Vec::with_capacity(plan.contractors_to_create.len());
        if plan.contractors_to_create.is_empty() {
            return Ok(out);
        }
        let key = self.cx.keys.systim_contractors_creating();
        let nips = plan.contractors_to_create.iter().map(|c| c.nip.as_str());
        let mut pending = note_pending(self.cx.store, &key, nips, self.cx.now()).await?;
        let mut unclear = Vec::new();
        for c in &plan.contractors_to_create {
            let form = c.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
            out.push(match self.cx.session.systim.call("addCompany", &form).await {
                Ok(v) => systim_id_of(&v).map_or(NewContractor::Unclear, NewContractor::Created),
                Err(e) if certainly_not_created(&e) => {
                    pending.retain(|q| q.code != c.nip);
                    tally.held.push(error_group("contractor_creation_failed", format!("NIP {}", c.nip), &e));
                    NewContractor::Refused
                }
                Err(e) => {
                    unclear.push((out.len(), e));
                    NewContractor::Unclear
                }
            });
        }
        // The check: by NIP, in the whole list (a failed read leaves it to the next run's).
        if let Ok(v) = self.cx.session.systim.list_companies(None).await {
            let known = Contractors::new(&dsys::companies(&v).0);
            let mut doubled = Vec::new();
            for (c, outcome) in plan.contractors_to_create.iter().zip(out.iter_mut()) {
                let found = known.with_nip(nip_key(&c.nip).unwrap_or(0));
                if let Some((oldest, _)) = found.first().filter(|_| *outcome != NewContractor::Refused) {
                    *outcome = NewContractor::Created(*oldest);
                }
                match found.len() {
                    1 => pending.retain(|q| q.code != c.nip),
                    0 => {}
                    _ => doubled.push(copies_entry(&c.nip, found)),
                }
            }
            if !doubled.is_empty() {
                tally.held.push(doubled_group(doubled));
            }
        }
        for (i, e) in unclear {
            if out[i] == NewContractor::Unclear {
                tally.held.push(keyed_group(
                    "contractor_creation_unclear",
                    vec![entry(format!("NIP {}", plan.contractors_to_create[i].nip), e.message_pl(), e.message_en())],
                ));
            }
        }
        save(self.cx.store, &key, &pending).await?;
        Ok(out)
    }
}

/// One NIP held by several contractors the extension created: the oldest used, the rest named.
fn copies_entry(nip: &str, found: &[(u64, String)]) -> Entry {
    let others: Vec<String> = found[1..].iter().map(|(id, _)| format!("id {id}")).collect();
    let (n, kept, others) = (found.len(), found[0].0, others.join(", "));
    entry(
        format!("NIP {nip}"),
        format!("w Systim {n} razy — używany id {kept}, usuń {others}"),
        format!("in Systim {n} times — id {kept} is used, delete {others}"),
    )
}

fn doubled_group(items: Vec<Entry>) -> ProblemGroup {
    keyed_group("systim_contractor_doubled", items)
}
