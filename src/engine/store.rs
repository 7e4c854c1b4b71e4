//! Typed JSON records on top of the string [`Storage`], and the storage layout.
//!
//! | key | value |
//! |---|---|
//! | `schema_version` | `{version, by, at_ms}`; migrations run when it is older than [`SCHEMA_VERSION`] ([`super::migrate`]) |
//! | `connection` | shop URL, credentials, Systim account and key (secrets: never sent anywhere but to those two services) |
//! | `settings` | [`crate::settings::Settings`] |
//! | `tokens` | cached Shoper/Systim session tokens with expiry |
//! | `lock` | the run lock ([`super::lock`]) |
//! | `progress` | the running run's progress |
//! | `history` | run summaries, newest first, bounded; `report:<run id>` the full reports |
//! | `shop:<host>:cursor` | order feed position |
//! | `shop:<host>:order:<id>` | the order ledger entry ([`super::ledger`]) |
//! | `shop:<host>:open` | ids of orders whose ledger entry is not final (intent, held, waiting) |
//! | `shop:<host>:checkpoint` | where an interrupted run stopped |
//! | `panel` | the shop's other addresses proposed, the admin-panel pages not recognised ([`super::panel`]) |
//! | `shop:<host>:pruned` | what ledger pruning did last ([`super::prune`]) |

use crate::io::{Storage, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The schema this version reads and writes (`super::migrate` lists what each version changed).
pub const SCHEMA_VERSION: u32 = 2;

/// A stored record could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateError {
    Store(StoreError),
    /// The record exists but is not what this version expects; it is left untouched.
    Corrupt {
        key: String,
        detail: String,
    },
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Store(StoreError::Quota(_)) => {
                write!(f, "Brak miejsca w pamięci rozszerzenia (limit przeglądarki). Usuń starą historię synchronizacji w ustawieniach.")
            }
            StateError::Store(StoreError::Other(e)) => write!(f, "Błąd pamięci rozszerzenia: {e}"),
            StateError::Corrupt { key, detail } => write!(f, "Zapisany stan '{key}' jest nieczytelny ({detail}); nie został zmieniony."),
        }
    }
}

impl From<StoreError> for StateError {
    fn from(e: StoreError) -> Self {
        StateError::Store(e)
    }
}

/// A stored JSON record. Read as a [`serde_json::Value`] first, then as `T` by [`crate::json`]:
/// every type is deserialised from one kind of source, which keeps the wasm small (a typed
/// reader per type and per source otherwise). The read is one future type for every record type,
/// kept on the heap (one allocation per read); only [`Load`]'s conversion is typed — a state
/// machine per record type otherwise (measured: 1 KB of the gzipped wasm).
pub fn load<'a, T: DeserializeOwned + 'a, S: Storage>(store: &'a S, key: &'a str) -> impl Future<Output = Result<Option<T>, StateError>> + 'a {
    Load { read: Box::pin(load_value(store, key)), key, record: PhantomData }
}

/// [`load`]'s future: the boxed read, then the record out of its value.
struct Load<'a, F, T> {
    read: Pin<Box<F>>,
    key: &'a str,
    record: PhantomData<fn() -> T>,
}

impl<F: Future<Output = Result<Option<Value>, StateError>>, T: DeserializeOwned> Future for Load<'_, F, T> {
    type Output = Result<Option<T>, StateError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let key = self.key;
        self.read.as_mut().poll(cx).map(|read| match read? {
            None => Ok(None),
            Some(value) => crate::json::from_value(value).map(Some).map_err(|e| corrupt(key, &e)),
        })
    }
}

async fn load_value<S: Storage>(store: &S, key: &str) -> Result<Option<Value>, StateError> {
    match store.get(key).await? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| corrupt(key, &e)),
    }
}

/// Written through a [`serde_json::Value`] too (keys of objects in sorted order): the types the
/// replies already turn into values need no second, text serialiser each. The record is turned
/// into text when `save` is called; the future that writes it is one type for every record type
/// (one state machine in the wasm instead of one per type).
pub fn save<'a, T: Serialize + ?Sized, S: Storage>(store: &'a S, key: &'a str, value: &T) -> impl Future<Output = Result<(), StateError>> + 'a {
    save_text(store, key, serde_json::to_value(value).map(|v| v.to_string()).map_err(|e| corrupt(key, &e)))
}

async fn save_text<S: Storage>(store: &S, key: &str, text: Result<String, StateError>) -> Result<(), StateError> {
    store.set(key, &text?).await.map_err(StateError::from)
}

fn corrupt(key: &str, e: &dyn std::fmt::Display) -> StateError {
    StateError::Corrupt { key: key.to_string(), detail: e.to_string() }
}

/// Keys of one shop's records (a shop is identified by its host name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopKeys {
    host: String,
}

impl ShopKeys {
    pub fn new(host: &str) -> Self {
        ShopKeys { host: host.to_ascii_lowercase() }
    }
    pub fn host(&self) -> &str {
        &self.host
    }
    pub fn cursor(&self) -> String {
        format!("shop:{}:cursor", self.host)
    }
    pub fn order(&self, order_id: u64) -> String {
        format!("shop:{}:order:{order_id}", self.host)
    }
    pub fn open_orders(&self) -> String {
        format!("shop:{}:open", self.host)
    }
    /// Codes of products whose creation in the shop was sent and not yet seen by a look-up
    /// (see `products`): a later run checks them for copies.
    pub fn creating(&self) -> String {
        format!("shop:{}:creating", self.host)
    }
    /// Codes of products the order part created in Systim (or tried to) that the next product
    /// list must confirm (see `orders`).
    pub fn systim_creating(&self) -> String {
        format!("shop:{}:systim_creating", self.host)
    }
    /// NIPs of contractors the order part created in Systim (or tried to) that the next
    /// contractor list must confirm (see `orders`).
    pub fn systim_contractors_creating(&self) -> String {
        format!("shop:{}:systim_contractors_creating", self.host)
    }
    /// Ids of imported orders found in Systim more than once (see `ledger`).
    pub fn doubled(&self) -> String {
        format!("shop:{}:doubled", self.host)
    }
    pub fn checkpoint(&self) -> String {
        format!("shop:{}:checkpoint", self.host)
    }
}
