//! Systim methods that are **not published** (systim-contract.md: ASSUMED). They all live here
//! so a live account can confirm or correct them in one place. A live account that does not
//! know one answers code 1, which surfaces as `ApiError::SystimUnknownMethod`: the caller turns
//! off only the feature that needs it.

use super::SystimClient;
use crate::client::error::ApiError;
use crate::client::form::Form;
use crate::io::{Clock, Http};
use serde_json::Value;

/// Every ASSUMED `act`, for the connection test to probe.
pub const ASSUMED_METHODS: &[&str] = &["listCategories", "listStores", "listDeliveryMethods", "listPaymentMethods", "listOrders"];

impl<H: Http, C: Clock> SystimClient<'_, H, C> {
    /// Map id → `{id, nazwa, id_rodzica}`.
    pub async fn list_categories(&mut self) -> Result<Value, ApiError> {
        self.list("listCategories", &Form::new()).await
    }

    /// Warehouses: map id → `{id, nazwa}`.
    pub async fn list_stores(&mut self) -> Result<Value, ApiError> {
        self.list("listStores", &Form::new()).await
    }

    /// Map id → `{id, nazwa}`.
    pub async fn list_delivery_methods(&mut self) -> Result<Value, ApiError> {
        self.list("listDeliveryMethods", &Form::new()).await
    }

    /// Map id → `{id, nazwa}`.
    pub async fn list_payment_methods(&mut self) -> Result<Value, ApiError> {
        self.list("listPaymentMethods", &Form::new()).await
    }

    /// Order headers `{id, numer, data, uwagi, id_statusu, suma_brutto}`, optionally between two
    /// dates (`YYYY-MM-DD`, inclusive). Used to find an import marker again.
    pub async fn list_orders(&mut self, from: Option<&str>, to: Option<&str>) -> Result<Value, ApiError> {
        let dates = [("data_od", from), ("data_do", to)];
        let params = dates.into_iter().fold(Form::new(), |form, (key, date)| match date {
            Some(date) => form.field(key, date),
            None => form,
        });
        self.list("listOrders", &params).await
    }
}
