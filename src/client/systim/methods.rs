//! Systim methods that are documented or seen in working clients (systim-contract.md: DOC/CODE).
//! Each returns the envelope's `result` as sent; `crate::decode` turns it into domain types.

use super::SystimClient;
use crate::client::error::ApiError;
use crate::client::form::Form;
use crate::decode::stream::Records;
use crate::io::{Clock, Http};
use serde_json::Value;

impl<H: Http, C: Clock> SystimClient<'_, H, C> {
    /// Map id → product.
    pub async fn list_products(&mut self) -> Result<Value, ApiError> {
        self.list("listProducts", &Form::new()).await
    }

    /// `listProducts` read record by record into `sink` (the whole catalogue comes in one answer;
    /// see [`SystimClient::list_into`]).
    pub async fn list_products_into<R: Records>(&mut self, sink: R) -> Result<R, ApiError> {
        self.list_into("listProducts", &Form::new(), sink).await
    }

    /// Map id → `{id, nazwa, stawka}`; the id is what `stawka_vat` / `id_stawki_vat` take.
    pub async fn list_vat_rates(&mut self) -> Result<Value, ApiError> {
        self.list("listVatRates", &Form::new()).await
    }

    /// Stock of one warehouse: rows `{nazwa_produktu, kod_kreskowy, ilosc}` (public code reads
    /// these; `ilosc` and `kod_kreskowy` may be `null`), keyed by something — probably the product
    /// id — or in an array; `id_produktu` has never been seen (see `decode::systim::StoreRows`).
    pub async fn list_pquantities(&mut self, store_id: u64) -> Result<Value, ApiError> {
        self.list("listPQuantities", &Self::store(store_id)).await
    }

    /// [`Self::list_pquantities`] read row by row into `sink`.
    pub async fn list_pquantities_into<R: Records>(&mut self, store_id: u64, sink: R) -> Result<R, ApiError> {
        self.list_into("listPQuantities", &Self::store(store_id), sink).await
    }

    fn store(store_id: u64) -> Form {
        Form::new().field("id_magazynu", store_id.to_string())
    }

    /// Contractors, optionally by NIP (digits; the filter itself is ASSUMED — check the result).
    pub async fn list_companies(&mut self, nip: Option<&str>) -> Result<Value, ApiError> {
        let params = nip.map_or_else(Form::new, |nip| Form::new().field("nip", nip));
        self.list("listCompanies", &params).await
    }

    /// A sales document's PDF: `{file: <base64>, name}` (`getSellInvoicePDF`, seen in mcpsystim).
    pub async fn sell_invoice_pdf(&mut self, id: u64) -> Result<Value, ApiError> {
        self.call("getSellInvoicePDF", &Form::new().field("id", id.to_string())).await
    }

    /// Create a contractor (systim-api.md §4.1); returns the new id. Non-idempotent.
    pub async fn add_company(&mut self, params: &Value) -> Result<Value, ApiError> {
        self.call("addCompany", &Form::new().object(params)).await
    }

    /// Create a product (systim-api.md §3.1); returns the new id. Non-idempotent.
    pub async fn add_product(&mut self, params: &Value) -> Result<Value, ApiError> {
        self.call("addProduct", &Form::new().object(params)).await
    }

    /// Create an order (systim-contract.md "addOrder as this project sends it"); `params` is a
    /// JSON object, nested lines as `{"produkty": [{"id": …, "ilosc": …}]}`. Returns the new
    /// id. Never repeated after an interruption: that gives `ApiError::OutcomeUnknown`, and the
    /// caller reconciles through the import marker in `uwagi`.
    pub async fn add_order(&mut self, params: &Value) -> Result<Value, ApiError> {
        self.call("addOrder", &Form::new().object(params)).await
    }
}
