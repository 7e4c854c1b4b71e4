//! Settings of the sales document issued in Systim for a Shoper order (issue #16,
//! `docs/invoicing.md`) and of what is written back to the shop (`Settings::invoicing`,
//! `Settings::write_back`). Both groups are off or empty by default; settings stored before them
//! read with these defaults.

use super::SettingsError;
use serde::Serialize;

/// Systim's standard print template and numbering of a VAT invoice (`rodzaj` 0) on a fresh
/// account (`systim-public-code.md` §3).
pub const STANDARD_INVOICE_TEMPLATE: u64 = 43;
pub const STANDARD_INVOICE_NUMBERING: u64 = 1;
/// …and of a (non-fiscal) receipt (`rodzaj` 15).
pub const STANDARD_RECEIPT_TEMPLATE: u64 = 15;
pub const STANDARD_RECEIPT_NUMBERING: u64 = 9;

/// The longest payment term allowed, in days.
pub const MAX_PAYMENT_TERM_DAYS: u32 = 365;

/// The document a buyer without a NIP gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivateBuyerDocument {
    /// A receipt (`paragon`, Systim `rodzaj` 15; not the fiscal receipt, which needs the Pro plan).
    Receipt,
    /// A VAT invoice, as for companies.
    Invoice,
}

crate::read_unit_enum!(PrivateBuyerDocument { Receipt = "receipt", Invoice = "invoice" });

/// "Wystawiaj dokument sprzedaży": the document issued in Systim when a Shoper order reaches one of
/// the chosen statuses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct InvoicingSettings {
    /// Off until the merchant switches it on.
    pub enabled: bool,
    /// A buyer without a NIP gets this; a buyer with a NIP always gets a VAT invoice.
    pub private_buyer_document: PrivateBuyerDocument,
    /// Shoper status ids that trigger the document (a pick list; none chosen = nothing issued).
    pub trigger_statuses: Vec<u64>,
    /// Systim print template (`id_szablonu`) and numbering (`id_numeracji`) of the VAT invoice…
    pub invoice_template_id: u64,
    pub invoice_numbering_id: u64,
    /// …and of the receipt. Each is bound to its kind in Systim: a wrong pair is refused.
    pub receipt_template_id: u64,
    pub receipt_numbering_id: u64,
    /// Days to pay (`termin_platnosci`); 0 = paid.
    pub payment_term_days: u32,
    /// Systim e-mails the document to the buyer (`email_wyslij`).
    pub send_email: bool,
    /// Systim sends the VAT invoice to KSeF (`wyslij_do_ksef`).
    pub send_to_ksef: bool,
    /// Issue the warehouse issue (WZ, `addStoreDocument` `rodzaj` 4, `id_faktury`) for the document.
    pub issue_wz: bool,
    /// The Systim store (`id_magazynu`) the WZ takes the goods from; required with `issue_wz`.
    pub wz_store_id: Option<u64>,
}

crate::read_over_default!(InvoicingSettings {
    enabled,
    private_buyer_document,
    trigger_statuses,
    invoice_template_id,
    invoice_numbering_id,
    receipt_template_id,
    receipt_numbering_id,
    payment_term_days,
    send_email,
    send_to_ksef,
    issue_wz,
    wz_store_id,
});

impl Default for InvoicingSettings {
    fn default() -> Self {
        InvoicingSettings {
            enabled: false,
            private_buyer_document: PrivateBuyerDocument::Receipt,
            trigger_statuses: Vec::new(),
            invoice_template_id: STANDARD_INVOICE_TEMPLATE,
            invoice_numbering_id: STANDARD_INVOICE_NUMBERING,
            receipt_template_id: STANDARD_RECEIPT_TEMPLATE,
            receipt_numbering_id: STANDARD_RECEIPT_NUMBERING,
            payment_term_days: 0,
            send_email: false,
            send_to_ksef: false,
            issue_wz: false,
            wz_store_id: None,
        }
    }
}

/// What the extension writes back to the Shoper order. Nothing by default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct WriteBackSettings {
    /// The Shoper status an order gets once imported into Systim; none = left as it is.
    pub status_after_import: Option<u64>,
    /// The Shoper status an order gets once its sales document is issued; none = left as it is.
    pub status_after_invoice: Option<u64>,
    /// Append the Systim order and document numbers to the order's private admin note
    /// (`notes_priv`), never overwriting what is there.
    pub numbers_in_notes: bool,
}

crate::read_over_default!(WriteBackSettings { status_after_import, status_after_invoice, numbers_in_notes });

impl InvoicingSettings {
    pub fn validate(&self, errors: &mut Vec<SettingsError>) {
        if self.enabled && self.trigger_statuses.is_empty() {
            errors.push(SettingsError::new("invoicing.trigger_statuses", "core_setting_invoicing_trigger_statuses", &[]));
        }
        let ids = [
            ("invoicing.invoice_template_id", self.invoice_template_id),
            ("invoicing.invoice_numbering_id", self.invoice_numbering_id),
            ("invoicing.receipt_template_id", self.receipt_template_id),
            ("invoicing.receipt_numbering_id", self.receipt_numbering_id),
        ];
        for (field, id) in ids {
            if id == 0 {
                errors.push(SettingsError::new(field, "core_setting_invoicing_systim_id", &[]));
            }
        }
        if self.payment_term_days > MAX_PAYMENT_TERM_DAYS {
            errors.push(SettingsError::new("invoicing.payment_term_days", "core_setting_invoicing_payment_term_days", &[]));
        }
        if (self.issue_wz && self.wz_store_id.is_none()) || self.wz_store_id == Some(0) {
            errors.push(SettingsError::new("invoicing.wz_store_id", "core_setting_invoicing_wz_store", &[]));
        }
    }

    /// The WZ takes its goods off one store, and the order stops reserving them: every warehouse
    /// link of the stock push must count that store (a link without it would offer the issued
    /// goods again).
    pub fn validate_wz_store(&self, links: &[crate::settings::WarehouseLink], errors: &mut Vec<SettingsError>) {
        let Some(store) = self.wz_store_id.filter(|s| self.issue_wz && *s > 0) else { return };
        if links.iter().any(|l| !l.systim_stores.is_empty() && !l.systim_stores.contains(&store)) {
            errors.push(SettingsError::new("invoicing.wz_store_id", "core_setting_invoicing_wz_store_unlinked", &[&store.to_string()]));
        }
    }
}

impl WriteBackSettings {
    pub fn validate(&self, errors: &mut Vec<SettingsError>) {
        for (field, id) in [("write_back.status_after_import", self.status_after_import), ("write_back.status_after_invoice", self.status_after_invoice)] {
            if id == Some(0) {
                errors.push(SettingsError::new(field, "core_setting_write_back_status", &[]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both groups as the settings will hold them once the engine issues documents.
    #[derive(Default)]
    struct Both {
        invoicing: InvoicingSettings,
        write_back: WriteBackSettings,
    }

    impl Both {
        fn validate(&self) -> Vec<SettingsError> {
            let mut errors = Vec::new();
            self.invoicing.validate(&mut errors);
            self.write_back.validate(&mut errors);
            errors
        }
    }

    #[test]
    fn off_by_default_with_the_standard_ids_and_nothing_written_back() {
        let s = Both::default();
        assert!(!s.invoicing.enabled && !s.invoicing.send_email && !s.invoicing.send_to_ksef && !s.invoicing.issue_wz);
        assert_eq!((s.invoicing.invoice_template_id, s.invoicing.invoice_numbering_id), (43, 1));
        assert_eq!((s.invoicing.receipt_template_id, s.invoicing.receipt_numbering_id), (15, 9));
        assert_eq!(s.invoicing.private_buyer_document, PrivateBuyerDocument::Receipt);
        assert_eq!(s.write_back, WriteBackSettings { status_after_import: None, status_after_invoice: None, numbers_in_notes: false });
    }

    #[test]
    fn bad_values_are_named_with_polish_messages() {
        type Edit = fn(&mut Both);
        let cases: [(Edit, &str, &str); 8] = [
            (
                |s| {
                    s.invoicing.enabled = true;
                    s.invoicing.trigger_statuses.clear()
                },
                "invoicing.trigger_statuses",
                "wybierz co najmniej jeden status",
            ),
            (|s| s.invoicing.invoice_template_id = 0, "invoicing.invoice_template_id", "numer z Systim"),
            (|s| s.invoicing.receipt_numbering_id = 0, "invoicing.receipt_numbering_id", "numer z Systim"),
            (|s| s.invoicing.payment_term_days = 366, "invoicing.payment_term_days", "od 0 do 365"),
            (|s| s.invoicing.issue_wz = true, "invoicing.wz_store_id", "magazyn Systim"),
            (|s| s.invoicing.wz_store_id = Some(0), "invoicing.wz_store_id", "magazyn Systim"),
            (|s| s.write_back.status_after_import = Some(0), "write_back.status_after_import", "status"),
            (|s| s.write_back.status_after_invoice = Some(0), "write_back.status_after_invoice", "status"),
        ];
        for (edit, field, words) in cases {
            let mut s = Both::default();
            edit(&mut s);
            let errors = s.validate();
            assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), [field], "{errors:?}");
            let e = &errors[0];
            assert!(e.message_pl.contains(field) && e.message_pl.contains(words), "{}", e.message_pl);
            assert_ne!(e.message_pl, e.message_en);
        }
        // Switched off, an empty list of statuses is no problem; switched on with one, none either.
        let mut s = Both::default();
        assert!(s.validate().is_empty());
        s.invoicing.enabled = true;
        s.invoicing.trigger_statuses = vec![3];
        s.invoicing.payment_term_days = MAX_PAYMENT_TERM_DAYS;
        s.invoicing.issue_wz = true;
        s.invoicing.wz_store_id = Some(2);
        assert!(s.validate().is_empty(), "{:?}", s.validate());
    }

    #[test]
    fn the_wz_store_must_feed_every_warehouse_link() {
        use crate::settings::WarehouseLink;
        let link = |stores: &[u64]| WarehouseLink { systim_stores: stores.to_vec(), shop_warehouse: None };
        let mut s = InvoicingSettings { issue_wz: true, wz_store_id: Some(2), ..InvoicingSettings::default() };
        let check = |s: &InvoicingSettings, links: &[WarehouseLink]| {
            let mut errors = Vec::new();
            s.validate_wz_store(links, &mut errors);
            errors
        };
        // Every store (an empty list), or the store named: the WZ lowers what the link counts.
        assert!(check(&s, &[link(&[])]).is_empty());
        assert!(check(&s, &[link(&[1, 2]), link(&[2])]).is_empty());
        let errors = check(&s, &[link(&[2]), link(&[3])]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "invoicing.wz_store_id");
        assert!(errors[0].message_pl.contains("magazyn 2 nie należy do każdego powiązania"), "{}", errors[0].message_pl);
        // No WZ: the links are the stock push's own business.
        s.issue_wz = false;
        assert!(check(&s, &[link(&[3])]).is_empty());
    }
}
