//! One run at a time per shop: a lock record in storage with a heartbeat, so a worker that died
//! mid-run (a killed service worker, a closed browser) cannot hold it forever.

use super::store::{load, save, StateError};
use crate::io::Storage;
use serde::Serialize;

pub const LOCK_KEY: &str = "lock";
/// A lock whose heartbeat is older than this belongs to a dead worker.
pub const LOCK_STALE_MS: u64 = 120_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunLock {
    pub run_id: String,
    pub heartbeat_ms: u64,
}

// The stored records' readers are table-driven (`json::Object::fields`), one generic reader
// instead of a derived one per struct in the wasm (docs/benchmarks.md), each tested against the
// derive it replaces.
crate::read_fields!(RunLock { run_id: "run_id", heartbeat_ms: "heartbeat_ms" });

/// Take the lock for `run_id` unless a live run holds it. Returns the holder's run id when busy.
pub async fn acquire<S: Storage>(store: &S, run_id: &str, now_ms: u64) -> Result<Result<(), String>, StateError> {
    if let Some(held) = load::<RunLock, _>(store, LOCK_KEY).await.unwrap_or(None) {
        if held.run_id != run_id && now_ms.saturating_sub(held.heartbeat_ms) < LOCK_STALE_MS {
            return Ok(Err(held.run_id));
        }
    }
    save(store, LOCK_KEY, &RunLock { run_id: run_id.to_string(), heartbeat_ms: now_ms }).await?;
    Ok(Ok(()))
}

/// Refresh the heartbeat (called between steps of a long run).
pub async fn heartbeat<S: Storage>(store: &S, run_id: &str, now_ms: u64) -> Result<(), StateError> {
    save(store, LOCK_KEY, &RunLock { run_id: run_id.to_string(), heartbeat_ms: now_ms }).await
}

/// Release the lock if `run_id` still holds it.
pub async fn release<S: Storage>(store: &S, run_id: &str) -> Result<(), StateError> {
    if let Some(held) = load::<RunLock, _>(store, LOCK_KEY).await.unwrap_or(None) {
        if held.run_id == run_id {
            store.remove(LOCK_KEY).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemStorage;
    use pollster::block_on;
    use serde::Deserialize;

    #[test]
    fn a_live_lock_refuses_a_second_run_and_a_stale_one_is_taken_over() {
        let s = MemStorage::new();
        block_on(async {
            assert_eq!(acquire(&s, "a", 1_000).await.unwrap(), Ok(()));
            assert_eq!(acquire(&s, "b", 2_000).await.unwrap(), Err("a".to_string()));
            heartbeat(&s, "a", 60_000).await.unwrap();
            assert_eq!(acquire(&s, "b", 60_000 + LOCK_STALE_MS - 1).await.unwrap(), Err("a".to_string()));
            // Worker "a" died: its heartbeat went stale.
            assert_eq!(acquire(&s, "b", 60_000 + LOCK_STALE_MS).await.unwrap(), Ok(()));
            release(&s, "a").await.unwrap(); // not the holder: no effect
            assert_eq!(acquire(&s, "c", 60_000 + LOCK_STALE_MS + 1).await.unwrap(), Err("b".to_string()));
            release(&s, "b").await.unwrap();
            assert_eq!(acquire(&s, "c", 60_000 + LOCK_STALE_MS + 2).await.unwrap(), Ok(()));
        });
    }

    #[test]
    fn an_unreadable_lock_does_not_block_forever() {
        let s = MemStorage::new();
        block_on(async {
            crate::io::Storage::set(&s, LOCK_KEY, "garbage").await.unwrap();
            assert_eq!(acquire(&s, "a", 5).await.unwrap(), Ok(()));
        });
    }

    /// The lock as stored by any version reads as the derive read it.
    #[test]
    fn the_lock_reads_as_the_derive_reads_it() {
        #[derive(Debug, serde::Serialize, Deserialize)]
        struct Derived {
            run_id: String,
            heartbeat_ms: u64,
        }
        let stored = serde_json::to_value(RunLock { run_id: "r-1".into(), heartbeat_ms: 1_700_000_000_000 }).unwrap();
        crate::json::assert_reads_as_derive::<RunLock, Derived>(&[("struct Derived", "a map")], &[stored]);
    }
}
