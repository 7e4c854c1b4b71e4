//! In-memory implementations of the I/O traits: a `Storage` in a map and a virtual `Clock` whose
//! `sleep` advances time instantly. Used by native tests, the benchmark's planning cases and any
//! caller that wants the engine without a browser. Pure: no real time, no threads.

use crate::io::{Clock, Storage, StoreError};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A string key-value store in memory. Clones share the same map (like two handles on one
/// `storage.local`). `fail_writes_over` simulates a storage quota.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    map: Rc<RefCell<BTreeMap<String, String>>>,
    quota_bytes: Rc<Cell<Option<usize>>>,
    writes: Rc<Cell<u64>>,
}

impl MemStorage {
    pub fn new() -> Self {
        Self::default()
    }
    /// Refuse writes that would make the total size exceed `bytes` (keys + values).
    pub fn set_quota(&self, bytes: Option<usize>) {
        self.quota_bytes.set(bytes);
    }
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }
    pub fn raw(&self, key: &str) -> Option<String> {
        self.map.borrow().get(key).cloned()
    }
    pub fn total_bytes(&self) -> usize {
        self.map.borrow().iter().map(|(k, v)| k.len() + v.len()).sum()
    }
    /// Number of `set` calls so far.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }
    /// Everything stored, concatenated (for "no secret leaked" checks).
    pub fn dump(&self) -> String {
        self.map.borrow().iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }
}

impl Storage for MemStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        if let Some(limit) = self.quota_bytes.get() {
            let current = self.total_bytes() - self.map.borrow().get(key).map_or(0, |v| key.len() + v.len());
            if current + key.len() + value.len() > limit {
                return Err(StoreError::Quota(format!("QUOTA_BYTES quota exceeded ({limit} bytes)")));
            }
        }
        self.writes.set(self.writes.get() + 1);
        self.map.borrow_mut().insert(key.to_string(), value.to_string());
        Ok(())
    }
    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    async fn scan(&self, prefix: &str) -> Result<Option<Vec<(String, String)>>, StoreError> {
        Ok(Some(self.map.borrow().range(prefix.to_string()..).take_while(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect()))
    }
}

/// A clock that only moves when told to or when something sleeps. Clones share the time.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    now: Rc<Cell<u64>>,
    slept: Rc<Cell<u64>>,
    seed: Rc<Cell<u64>>,
}

impl VirtualClock {
    pub fn starting_at(ms: u64) -> Self {
        VirtualClock { now: Rc::new(Cell::new(ms)), slept: Rc::new(Cell::new(0)), seed: Rc::new(Cell::new(0x2545_F491_4F6C_DD1D)) }
    }
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
    /// Total time spent in `sleep`.
    pub fn slept_ms(&self) -> u64 {
        self.slept.get()
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        // 2026-11-28 12:00:00 UTC
        VirtualClock::starting_at(1_795_867_200_000)
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    async fn sleep(&self, ms: u64) {
        self.slept.set(self.slept.get() + ms);
        self.advance(ms);
    }
    fn random(&self) -> f64 {
        // xorshift64*: deterministic jitter for tests.
        let mut x = self.seed.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
