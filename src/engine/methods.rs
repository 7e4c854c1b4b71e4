//! Which assumed Systim methods this account has (`docs/systim-surface.md`).
//!
//! No public code calls `listCategories`, `listStores`, `listOrders`, `listDeliveryMethods` or
//! `listPaymentMethods`; what real Systim answers to an `act` it does not know is not known
//! (code 6 with `fields`, a PHP error page, code 1…). So an assumed method is optional: its first
//! call on an account is its probe, and any answer other than success, code 2 (throttled) or
//! code 13 (session) marks it unavailable — recorded per account for a day (the connection test
//! probes every one of them again, on demand). No answer at all (a timeout, a lost connection)
//! proves nothing and is not recorded. An answer that is not Systim's own word — a server error
//! or a page that is not JSON, after the client's retries — may be a refusal (an unknown `act`
//! may well end in a PHP error page) or a bad moment of a server that has the method: it is
//! believed only when the next probe, within the day, meets it again; until then the run does
//! without the method this once and marks nothing. A run never fails because an optional method failed: it
//! does without it, and the report and the connection test say what that costs.

use super::store::{load, save};
use crate::client::error::ApiError;
use crate::io::Storage;
use crate::plan::Lang;
use crate::texts;
use serde::Serialize;

pub const METHODS_KEY: &str = "systim_methods";
/// A recorded verdict is trusted this long; then the method's next call probes it again.
pub const PROBE_TTL_MS: u64 = crate::dates::DAY_MS;

/// The assumed methods, each with what the merchant loses without it (its text in `_locales`:
/// `core_method_cost_<act>`).
pub const ASSUMED: &[&str] = &["listOrders", "listCategories", "listStores", "listDeliveryMethods", "listPaymentMethods"];

/// What an assumed method's answer says of its existence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Available,
    /// Refused: code 6, 1, 10, an error page, anything but 2 or 13. The error's code.
    Unavailable(String),
    /// No answer that says anything (throttled, session, no connection): nothing recorded.
    Inconclusive,
    /// Not Systim's own word (a server error, a page that is not JSON): a refusal only when the
    /// next probe meets it again ([`Probes::record`]). The error's code.
    Doubtful(String),
}

pub fn verdict<T>(result: &Result<T, ApiError>) -> Verdict {
    match result {
        Ok(_) => Verdict::Available,
        Err(e) => match e {
            ApiError::RateLimited { .. }
            | ApiError::SystimSessionLost
            | ApiError::Timeout { .. }
            | ApiError::Unreachable { .. }
            | ApiError::Cancelled { .. }
            | ApiError::OutcomeUnknown { .. }
            | ApiError::InvalidAddress { .. }
            | ApiError::SystimWrongCredentials => Verdict::Inconclusive,
            ApiError::ServerError { .. } | ApiError::NotJson { .. } | ApiError::MalformedJson { .. } => Verdict::Doubtful(e.code().to_string()),
            other => Verdict::Unavailable(other.code().to_string()),
        },
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub available: bool,
    pub checked_ms: u64,
    /// The refusal's error code (empty when available).
    #[serde(default)]
    pub code: String,
    /// When a doubtful answer ([`Verdict::Doubtful`]) was last met and not yet confirmed (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub doubted_ms: u64,
}

fn is_zero(ms: &u64) -> bool {
    *ms == 0
}

/// The verdicts recorded for one Systim account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Probes {
    /// The account's origin: verdicts of another account do not apply.
    pub origin: String,
    #[serde(default)]
    pub methods: MethodProbes,
    #[serde(skip)]
    changed: bool,
}

/// The verdicts by method name, in name order: a list kept sorted (an account has a handful of
/// methods to probe; a tree map of its own costs the extension's wasm 1 KB). Stored as a JSON
/// object, read as a map of [`Probe`]s is (the first unreadable one is the error).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MethodProbes(Vec<(String, Probe)>);

impl MethodProbes {
    pub fn get(&self, act: &str) -> Option<&Probe> {
        self.0.iter().find(|(name, _)| name == act).map(|(_, p)| p)
    }
    pub fn insert(&mut self, act: String, probe: Probe) {
        match self.0.binary_search_by(|(name, _)| name.as_str().cmp(&act)) {
            Ok(at) => self.0[at].1 = probe,
            Err(at) => self.0.insert(at, (act, probe)),
        }
    }
}

impl Serialize for MethodProbes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(name, p)| (name, p)))
    }
}

impl<'de> serde::Deserialize<'de> for MethodProbes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let object = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        // (the object's keys come in order: serde_json keeps them sorted)
        let mut probes = Vec::with_capacity(object.len());
        for (name, value) in object {
            probes.push((name, crate::json::from_value(value).map_err(<D::Error as serde::de::Error>::custom)?));
        }
        Ok(MethodProbes(probes))
    }
}

// Read by the table-driven reader the stored records share (`json::Object::fields`), as the
// derive reads them (tested against it below).
crate::read_fields!(Probe { available: "available", checked_ms: "checked_ms", code: "code" = default, doubted_ms: "doubted_ms" = default });
crate::read_fields!(Probes { origin: "origin", methods: "methods" = default, .. });

impl Probes {
    /// No verdict yet, for the account at `origin`.
    pub fn new(origin: &str) -> Probes {
        Probes { origin: origin.to_string(), ..Probes::default() }
    }

    pub async fn load<S: Storage>(store: &S, origin: &str) -> Probes {
        match load::<Probes, _>(store, METHODS_KEY).await {
            Ok(Some(p)) if p.origin == origin => p,
            _ => Probes::new(origin),
        }
    }

    /// Save if anything was recorded since loading (a failure costs a probe next time).
    pub async fn save_if_changed<S: Storage>(&mut self, store: &S) {
        if self.changed {
            let _ = save(store, METHODS_KEY, &*self).await;
            self.changed = false;
        }
    }

    /// `Some(false)` when the method was found unavailable within [`PROBE_TTL_MS`] — no call is
    /// made then; `Some(true)` when found available; `None` when never probed or too long ago.
    pub fn known(&self, act: &str, now_ms: u64) -> Option<bool> {
        // `checked_ms` 0: only a doubt noted, no verdict yet.
        let p = self.methods.get(act).filter(|p| p.checked_ms != 0)?;
        (now_ms.saturating_sub(p.checked_ms) < PROBE_TTL_MS).then_some(p.available)
    }

    /// Record what a call of `act` showed (nothing for an inconclusive one) and give back what it
    /// counts as: a doubtful answer is [`Verdict::Unavailable`] when it repeats one met within
    /// the day, else it is only noted and counts as [`Verdict::Inconclusive`] this time.
    pub fn record(&mut self, act: &str, verdict: &Verdict, now_ms: u64) -> Verdict {
        let earlier = self.methods.get(act);
        let (probe, counts) = match verdict {
            Verdict::Available => (Probe { available: true, checked_ms: now_ms, code: String::new(), doubted_ms: 0 }, Verdict::Available),
            Verdict::Unavailable(code) => (Probe { available: false, checked_ms: now_ms, code: code.clone(), doubted_ms: 0 }, verdict.clone()),
            Verdict::Inconclusive => return Verdict::Inconclusive,
            Verdict::Doubtful(code) if earlier.is_some_and(|p| p.doubted_ms != 0 && now_ms.saturating_sub(p.doubted_ms) < PROBE_TTL_MS) => {
                (Probe { available: false, checked_ms: now_ms, code: code.clone(), doubted_ms: 0 }, Verdict::Unavailable(code.clone()))
            }
            Verdict::Doubtful(_) => {
                // Noted, not believed: an earlier verdict stands (none: the next call probes again).
                let mut noted = earlier.cloned().unwrap_or(Probe { available: true, checked_ms: 0, code: String::new(), doubted_ms: 0 });
                noted.doubted_ms = now_ms;
                self.methods.insert(act.to_string(), noted);
                self.changed = true;
                return Verdict::Inconclusive;
            }
        };
        let same = earlier.is_some_and(|p| p.available == probe.available && p.doubted_ms == 0 && now_ms.saturating_sub(p.checked_ms) < PROBE_TTL_MS / 2);
        if !same {
            self.methods.insert(act.to_string(), probe);
            self.changed = true;
        }
        counts
    }

    /// Methods recorded as unavailable, in the order of [`ASSUMED`].
    pub fn unavailable(&self) -> Vec<&'static str> {
        ASSUMED.iter().copied().filter(|act| self.methods.get(act).is_some_and(|p| !p.available && p.checked_ms != 0)).collect()
    }
}

/// What the merchant loses without `act` (Polish, English).
pub fn cost(act: &str) -> (&'static str, &'static str) {
    let key = format!("core_method_cost_{act}");
    (texts::get(Lang::Pl, &key).unwrap_or(""), texts::get(Lang::En, &key).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Service;

    #[test]
    fn only_a_refusal_marks_a_method_unavailable() {
        let refused: [ApiError; 3] = [
            ApiError::SystimInvalidFields { act: "listOrders".into(), fields: vec!["act".into()], message: String::new() },
            ApiError::SystimUnknownMethod { act: "listOrders".into() },
            ApiError::SystimError { act: "listOrders".into(), code: 10, message: String::new() },
        ];
        for e in refused {
            assert!(matches!(verdict::<()>(&Err(e.clone())), Verdict::Unavailable(_)), "{e:?}");
        }
        for e in [ApiError::NotJson { service: Service::Systim, status: 500 }, ApiError::ServerError { service: Service::Systim, status: 503 }] {
            assert!(matches!(verdict::<()>(&Err(e.clone())), Verdict::Doubtful(_)), "{e:?}");
        }
        for e in [ApiError::RateLimited { service: Service::Systim }, ApiError::SystimSessionLost, ApiError::Timeout { service: Service::Systim }] {
            assert_eq!(verdict::<()>(&Err(e)), Verdict::Inconclusive);
        }
        assert_eq!(verdict::<()>(&Ok(())), Verdict::Available);
    }

    #[test]
    fn an_error_page_is_a_refusal_only_when_the_next_probe_meets_it_again() {
        let page = Verdict::Doubtful("systim_not_json".into());
        let mut p = Probes::new("https://a.systim.pl");
        // A bad moment of a server that has the method: noted, not believed, probed again.
        assert_eq!(p.record("listOrders", &page, 1_000), Verdict::Inconclusive);
        assert_eq!(p.known("listOrders", 1_001), None);
        assert!(p.unavailable().is_empty());
        // It answers the next time: the doubt is gone.
        assert_eq!(p.record("listOrders", &Verdict::Available, 2_000), Verdict::Available);
        assert_eq!(p.record("listOrders", &page, 3_000), Verdict::Inconclusive, "one doubt after a success is one doubt");
        assert_eq!(p.known("listOrders", 3_001), Some(true), "the success stands meanwhile");
        // The same page again within the day: an account without the method.
        assert_eq!(p.record("listOrders", &page, 4_000), Verdict::Unavailable("systim_not_json".into()));
        assert_eq!(p.known("listOrders", 4_001), Some(false));
        assert_eq!(p.unavailable(), ["listOrders"]);
        // A doubt a day old is forgotten.
        let mut q = Probes::new("https://a.systim.pl");
        q.record("listStores", &page, 1_000);
        assert_eq!(q.record("listStores", &page, 1_000 + PROBE_TTL_MS), Verdict::Inconclusive);
    }

    #[test]
    fn a_verdict_is_trusted_for_a_day_and_per_account() {
        let mut p = Probes::new("https://a.systim.pl");
        p.record("listOrders", &Verdict::Unavailable("systim_invalid_fields".into()), 1_000);
        p.record("listStores", &Verdict::Inconclusive, 1_000);
        assert_eq!(p.known("listOrders", 1_000 + PROBE_TTL_MS - 1), Some(false));
        assert_eq!(p.known("listOrders", 1_000 + PROBE_TTL_MS), None, "probed again after a day");
        assert_eq!(p.known("listStores", 1_000), None, "an inconclusive answer records nothing");
        assert_eq!(p.unavailable(), ["listOrders"]);
        let store = crate::mem::MemStorage::new();
        pollster::block_on(async {
            p.save_if_changed(&store).await;
            assert_eq!(Probes::load(&store, "https://a.systim.pl").await.known("listOrders", 2_000), Some(false));
            assert_eq!(Probes::load(&store, "https://b.systim.pl").await.known("listOrders", 2_000), None, "another account");
        });
    }

    /// The verdicts as stored by any version read as the derive read them.
    #[test]
    fn probes_read_as_the_derive_reads_them() {
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        struct DerivedProbe {
            available: bool,
            checked_ms: u64,
            #[serde(default)]
            code: String,
            #[serde(default, skip_serializing_if = "is_zero")]
            doubted_ms: u64,
        }
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        struct DerivedProbes {
            origin: String,
            #[serde(default)]
            methods: std::collections::BTreeMap<String, DerivedProbe>,
        }
        let refused = Probe { available: false, checked_ms: 5, code: "systim_method_unknown".into(), doubted_ms: 0 };
        let doubted = Probe { available: true, checked_ms: 7, code: String::new(), doubted_ms: 6 };
        let mut probes = Probes::new("https://firma.systim.pl");
        probes.methods.insert("listStores".into(), refused.clone());
        probes.methods.insert("listPayments".into(), doubted.clone());
        let stored = serde_json::to_value(&probes).unwrap();
        crate::json::assert_reads_as_derive::<Probes, DerivedProbes>(
            &[("struct DerivedProbes", "a map"), ("struct DerivedProbe", "a map")],
            &[
                stored.clone(),
                serde_json::json!({"origin": "o"}),
                // an unreadable verdict among readable ones: the record is unreadable, as for the derive
                serde_json::json!({"origin": "o", "methods": {"listPayments": {"available": true, "checked_ms": 1}, "listStores": {"available": "yes", "checked_ms": 5}}}),
                serde_json::json!({"origin": "o", "methods": {"listStores": 5}}),
            ],
        );
        let one = [serde_json::to_value(&refused).unwrap(), serde_json::to_value(&doubted).unwrap()];
        crate::json::assert_reads_as_derive::<Probe, DerivedProbe>(&[("struct DerivedProbe", "a map")], &one);
        // Read back whole, and not marked changed.
        assert_eq!(crate::json::from_value::<Probes>(stored).unwrap(), probes);
    }
}
