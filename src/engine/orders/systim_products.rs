//! The Systim products the order plan needs (setting `orders.missing_product`), created before
//! the orders that use them, each code recorded before its `addProduct` leaves; and the next run's
//! check of those creations against the product list it read.

use super::{certainly_not_created, error_group, systim_id_of, OrdersPart, Tally};
use crate::client::form::Form;
use crate::engine::products::{note_pending, PendingCreation};
use crate::engine::report::{entry, keyed_group, ProblemGroup};
use crate::engine::run::Failure;
use crate::engine::store::{load, save, StateError};
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::OrdersPlan;

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// Create the products the plan needs in Systim first; `None` where creation failed or its
    /// outcome is unknown (the orders that need it wait). Each code is recorded before its
    /// `addProduct` leaves: the next run's product list tells whether it was created — once, or
    /// twice (the browser may resend a creation), which the report then names.
    pub(super) async fn create_products(&mut self, plan: &OrdersPlan, tally: &mut Tally) -> Result<Vec<Option<u64>>, Failure> {
        let mut ids = Vec::with_capacity(plan.products_to_create.len());
        if plan.products_to_create.is_empty() {
            return Ok(ids);
        }
        let key = self.cx.keys.systim_creating();
        let codes = plan.products_to_create.iter().map(|p| p.code.as_str());
        let mut pending = note_pending(self.cx.store, &key, codes, self.cx.now()).await?;
        for p in &plan.products_to_create {
            let form = p.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
            match self.cx.session.systim.call("addProduct", &form).await {
                Ok(v) => ids.push(systim_id_of(&v)),
                Err(e) if certainly_not_created(&e) => {
                    pending.retain(|q| q.code != p.code.as_str());
                    tally.held.push(error_group("product_creation_failed", p.code.as_str(), &e));
                    ids.push(None);
                }
                Err(e) => {
                    tally.held.push(error_group("product_creation_unclear", p.code.as_str(), &e));
                    ids.push(None);
                }
            }
        }
        save(self.cx.store, &key, &pending).await?;
        Ok(ids)
    }

    /// Products an earlier run created in Systim (or tried to): the product list just read says
    /// how many there are of each code. Once (or none: the creation did not happen, the plan
    /// will create it) → forgotten; more than once → a problem naming the copies to delete (the
    /// API has no delete), until one is left.
    pub(super) async fn settle_systim_creations(&self) -> Result<Option<ProblemGroup>, StateError> {
        let key = self.cx.keys.systim_creating();
        let pending: Vec<PendingCreation> = load(self.cx.store, &key).await?.unwrap_or_default();
        if pending.is_empty() {
            return Ok(None);
        }
        let mut items = Vec::new();
        let mut kept = Vec::new();
        for p in pending {
            let mut ids: Vec<u64> = Vec::new();
            for sp in self.systim.snapshot.products.iter().filter(|sp| sp.code.as_str() == p.code) {
                crate::engine::insert_sorted(&mut ids, sp.id);
            }
            if ids.len() > 1 {
                let others: Vec<String> = ids[1..].iter().map(|id| format!("id {id}")).collect();
                items.push(entry(
                    p.code.clone(),
                    format!("w Systim {} razy — zostaw id {}, usuń {}", ids.len(), ids[0], others.join(", ")),
                    format!("in Systim {} times — keep id {}, delete {}", ids.len(), ids[0], others.join(", ")),
                ));
                kept.push(p);
            }
        }
        save(self.cx.store, &key, &kept).await?;
        Ok((!items.is_empty()).then(|| keyed_group("systim_product_doubled", items)))
    }
}
