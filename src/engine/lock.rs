//! One run at a time per shop: a lock record in storage with a heartbeat, so a worker that died
//! mid-run (a killed service worker, a closed browser) cannot hold it forever.

use super::store::{load, save, StateError};
use crate::io::Storage;
use serde::{Deserialize, Serialize};

pub const LOCK_KEY: &str = "lock";
/// A lock whose heartbeat is older than this belongs to a dead worker.
pub const LOCK_STALE_MS: u64 = 120_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLock {
    pub run_id: String,
    pub heartbeat_ms: u64,
}

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
}
