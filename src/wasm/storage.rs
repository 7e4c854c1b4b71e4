//! [`Storage`] over the extension's `storage.local` (through the one JS shim, `ExtApi`, which is
//! the only code touching the `browser`/`chrome` namespace) and over a page's `localStorage`
//! (gloo-storage) for plain pages and tests.

use super::http::js_text;
use crate::io::{Storage, StoreError};
use gloo_storage::errors::StorageError;
use gloo_storage::Storage as _;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ExtApi, js_name = storageGet, catch)]
    async fn ext_storage_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ExtApi, js_name = storageSet, catch)]
    async fn ext_storage_set(key: &str, value: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ExtApi, js_name = storageRemove, catch)]
    async fn ext_storage_remove(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ExtApi, js_name = storageScan, catch)]
    async fn ext_storage_scan(prefix: &str) -> Result<JsValue, JsValue>;
}

fn store_error(text: String) -> StoreError {
    if text.to_ascii_lowercase().contains("quota") {
        StoreError::Quota(text)
    } else {
        StoreError::Other(text)
    }
}

/// The extension's `storage.local` (needs `globalThis.ExtApi` from `ext_api.js`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ExtensionStorage;

impl Storage for ExtensionStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let v = ext_storage_get(key).await.map_err(|e| store_error(js_text(&e)))?;
        Ok(v.as_string())
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        ext_storage_set(key, value).await.map(|_| ()).map_err(|e| store_error(js_text(&e)))
    }
    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        ext_storage_remove(key).await.map(|_| ()).map_err(|e| store_error(js_text(&e)))
    }
    /// `ExtApi.storageScan` answers JSON text `[[key, value], …]`. Every shim must provide it
    /// (the extension's `ext_api.js`, the soak's harness, the wasm tests' fake): a run prunes the
    /// ledger through it, and the browser soak saw a run never end where it was missing.
    async fn scan(&self, prefix: &str) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let text = ext_storage_scan(prefix).await.map_err(|e| store_error(js_text(&e)))?.as_string().unwrap_or_default();
        // Read as a `Value` (the reader the rest of the core uses): a typed reader of its own
        // would cost the wasm kilobytes.
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut out = Vec::new();
        for pair in value.as_array().map(Vec::as_slice).unwrap_or_default() {
            if let (Some(k), Some(v)) = (pair.get(0).and_then(serde_json::Value::as_str), pair.get(1).and_then(serde_json::Value::as_str)) {
                out.push((k.to_string(), v.to_string()));
            }
        }
        Ok(Some(out))
    }
}

/// A page's `localStorage` (window contexts only), namespaced by a prefix.
#[derive(Clone, Debug, Default)]
pub struct PageLocalStorage {
    pub prefix: String,
}

impl PageLocalStorage {
    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

impl Storage for PageLocalStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match gloo_storage::LocalStorage::get::<String>(self.key(key)) {
            Ok(v) => Ok(Some(v)),
            Err(StorageError::KeyNotFound(_)) => Ok(None),
            Err(e) => Err(store_error(e.to_string())),
        }
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        gloo_storage::LocalStorage::set(self.key(key), value).map_err(|e| store_error(e.to_string()))
    }
    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        gloo_storage::LocalStorage::delete(self.key(key));
        Ok(())
    }
}
