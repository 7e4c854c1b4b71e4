//! Stored data across versions: the schema version record and the migrations that bring an
//! older version's records up to this one (docs/storage.md).
//!
//! `schema_version` holds `{"version": n, "by": "<extension version>", "at_ms": …}`. No record is
//! version 1: what 0.1.0 wrote (it wrote none). A version that changes the shape or meaning of a
//! stored record raises [`SCHEMA_VERSION`] and adds a step to [`step`]; steps run one by one,
//! oldest first, and the record is written after each, so a browser that kills the background in
//! the middle resumes at the step that did not finish. A step must be harmless on data that lacks
//! what it converts (a fresh install runs them all on nothing).
//!
//! When: on `runtime.onInstalled` (the background forwards every reason — an update, an install, a
//! browser update — and [`ensure`] costs one read when the data is current), under the run lock;
//! and, in case that event was missed or the background died during it, at the start of every run,
//! before the run reads any record. Data written by a NEWER version (the merchant went back to an
//! older build) is never touched: runs refuse to start and say so, rather than read records whose
//! meaning this version does not know — an order ledger it misreads could import an order twice.
//!
//! Versions:
//! - 1 — 0.1.0.
//! - 2 — 0.2.0: no stored record changed shape. New records (`schema_version`,
//!   `shop:<host>:pruned`) and a new setting (`orders.ledger_days`, which older settings read with
//!   its default) need no conversion; the step 1 → 2 only records the version. The fixture test
//!   (`tests/migration.rs`) proves 0.1.0's data is read as it is.

use super::lock;
use super::store::{load, save, StateError, SCHEMA_VERSION};
use crate::io::Storage;
use std::future::Future;

pub const SCHEMA_KEY: &str = "schema_version";
/// Holds the run lock while [`on_installed`] migrates (a run that starts meanwhile is "busy").
const LOCK_ID: &str = "schema-migration";

/// The stored schema version (read and written by hand through a `Value`: derived readers cost
/// the wasm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaRecord {
    pub version: u32,
    /// The extension version that wrote it.
    pub by: String,
    pub at_ms: u64,
}

impl SchemaRecord {
    fn this_version(version: u32, at_ms: u64) -> SchemaRecord {
        SchemaRecord { version, by: env!("CARGO_PKG_VERSION").into(), at_ms }
    }

    /// `None` when it is not a record of a version (no number where the version goes).
    fn from_value(v: &serde_json::Value) -> Option<SchemaRecord> {
        let version = u32::try_from(v.get("version")?.as_u64()?).ok()?;
        let by = v.get("by").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
        Some(SchemaRecord { version, by, at_ms: v.get("at_ms").and_then(serde_json::Value::as_u64).unwrap_or(0) })
    }

    fn to_value(&self) -> serde_json::Value {
        serde_json::json!({"version": self.version, "by": self.by, "at_ms": self.at_ms})
    }
}

async fn load_record<S: Storage>(store: &S) -> Result<Option<SchemaRecord>, StateError> {
    match load::<serde_json::Value, _>(store, SCHEMA_KEY).await? {
        None => Ok(None),
        Some(v) => SchemaRecord::from_value(&v).map(Some).ok_or_else(|| StateError::Corrupt { key: SCHEMA_KEY.into(), detail: "brak numeru wersji".into() }),
    }
}

/// What [`ensure`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Migrated {
    /// The data is this version's: nothing done.
    Current,
    /// Steps run from version `from` (the record now says [`SCHEMA_VERSION`]).
    Upgraded { from: u32 },
}

/// The stored schema version (no record: 1, what 0.1.0 left).
pub async fn stored_version<S: Storage>(store: &S) -> Result<u32, StateError> {
    Ok(load_record(store).await?.map_or(1, |r| r.version))
}

/// Bring the stored data to this version's schema (see the module documentation).
pub async fn ensure<S: Storage>(store: &S, now_ms: u64) -> Result<Migrated, StateError> {
    ensure_to(store, now_ms, SCHEMA_VERSION, |from| step(store, from)).await
}

/// The migration from `from` to `from + 1`.
async fn step<S: Storage>(store: &S, from: u32) -> Result<(), StateError> {
    let _ = store;
    match from {
        // 0.1.0 → 0.2.0: no record changed (see the module documentation).
        1 => Ok(()),
        _ => Ok(()),
    }
}

/// [`ensure`] with the target version and the steps given (the tests' own steps).
pub(crate) async fn ensure_to<S, F, Fut>(store: &S, now_ms: u64, target: u32, mut run_step: F) -> Result<Migrated, StateError>
where
    S: Storage,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<(), StateError>>,
{
    let record = load_record(store).await?;
    let stored = record.as_ref().map_or(1, |r| r.version);
    if stored > target {
        return Err(StateError::Corrupt {
            key: SCHEMA_KEY.into(),
            detail: format!("dane zapisała nowsza wersja rozszerzenia (schemat {stored}, ta wersja zna {target}); zainstaluj z powrotem nowszą wersję"),
        });
    }
    if stored == target && record.is_some() {
        return Ok(Migrated::Current);
    }
    for from in stored..target {
        run_step(from).await?;
        save(store, SCHEMA_KEY, &SchemaRecord::this_version(from + 1, now_ms).to_value()).await?;
    }
    if stored == target {
        // A version without steps to run still records itself (the schema of a fresh install).
        save(store, SCHEMA_KEY, &SchemaRecord::this_version(target, now_ms).to_value()).await?;
        return Ok(Migrated::Current);
    }
    Ok(Migrated::Upgraded { from: stored })
}

/// `runtime.onInstalled`: migrate under the run lock. A live run holding the lock (it migrated at
/// its start) or a storage error leaves it to the next run, which migrates before it reads.
pub async fn on_installed<S: Storage>(store: &S, now_ms: u64) {
    if !matches!(lock::acquire(store, LOCK_ID, now_ms).await, Ok(Ok(()))) {
        return;
    }
    let _ = ensure(store, now_ms).await;
    let _ = lock::release(store, LOCK_ID).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemStorage;
    use pollster::block_on;
    use std::cell::RefCell;

    fn version(store: &MemStorage) -> Option<SchemaRecord> {
        store.raw(SCHEMA_KEY).map(|t| SchemaRecord::from_value(&serde_json::from_str(&t).unwrap()).unwrap())
    }

    #[test]
    fn data_without_a_record_is_version_one_and_is_brought_to_this_version() {
        let store = MemStorage::new();
        block_on(async {
            store.set("settings", r#"{"auto_sync":true}"#).await.unwrap();
            assert_eq!(stored_version(&store).await.unwrap(), 1);
            assert_eq!(ensure(&store, 5).await.unwrap(), Migrated::Upgraded { from: 1 });
            assert_eq!(version(&store).unwrap(), SchemaRecord { version: SCHEMA_VERSION, by: env!("CARGO_PKG_VERSION").into(), at_ms: 5 });
            // Untouched: this version changes no record.
            assert_eq!(store.raw("settings").unwrap(), r#"{"auto_sync":true}"#);
            // Once current, nothing more is written.
            let writes = store.writes();
            assert_eq!(ensure(&store, 9).await.unwrap(), Migrated::Current);
            assert_eq!(store.writes(), writes);
        });
    }

    #[test]
    fn steps_run_oldest_first_once_each_and_a_step_cut_short_is_run_again() {
        let store = MemStorage::new();
        let ran = RefCell::new(Vec::new());
        let failing = RefCell::new(Some(3u32));
        let steps = |from: u32| {
            let fail = *failing.borrow() == Some(from);
            if !fail {
                ran.borrow_mut().push(from);
            }
            async move {
                if fail {
                    Err(StateError::Store(crate::io::StoreError::Other("killed".into())))
                } else {
                    Ok(())
                }
            }
        };
        block_on(async {
            assert!(ensure_to(&store, 1, 5, steps).await.is_err());
            assert_eq!(*ran.borrow(), vec![1, 2]);
            assert_eq!(version(&store).unwrap().version, 3, "the record says how far it got");
            *failing.borrow_mut() = None;
            assert_eq!(ensure_to(&store, 2, 5, steps).await.unwrap(), Migrated::Upgraded { from: 3 });
            assert_eq!(*ran.borrow(), vec![1, 2, 3, 4], "step 3 ran again, 1 and 2 did not");
            assert_eq!(ensure_to(&store, 3, 5, steps).await.unwrap(), Migrated::Current);
            assert_eq!(*ran.borrow(), vec![1, 2, 3, 4]);
        });
    }

    #[test]
    fn data_of_a_newer_version_is_refused_and_left_as_it_is() {
        let store = MemStorage::new();
        block_on(async {
            let newer = format!(r#"{{"version":{},"by":"9.0.0","at_ms":1}}"#, SCHEMA_VERSION + 1);
            store.set(SCHEMA_KEY, &newer).await.unwrap();
            let e = ensure(&store, 5).await.unwrap_err();
            assert!(e.to_string().contains("nowsza wersja rozszerzenia"), "{e}");
            assert_eq!(store.raw(SCHEMA_KEY).unwrap(), newer);
        });
    }

    #[test]
    fn a_fresh_install_records_this_version() {
        let store = MemStorage::new();
        block_on(async {
            on_installed(&store, 7).await;
            assert_eq!(version(&store).unwrap().version, SCHEMA_VERSION);
            assert!(store.raw(lock::LOCK_KEY).is_none(), "the lock is released");
        });
    }

    #[test]
    fn the_update_event_leaves_the_migration_to_a_run_that_holds_the_lock() {
        let store = MemStorage::new();
        block_on(async {
            lock::acquire(&store, "run-1", 1_000).await.unwrap().unwrap();
            on_installed(&store, 2_000).await;
            assert!(version(&store).is_none());
            assert_eq!(load::<lock::RunLock, _>(&store, lock::LOCK_KEY).await.unwrap().unwrap().run_id, "run-1");
        });
    }
}
