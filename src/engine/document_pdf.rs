//! The PDF of an order's sales document (issue #16): the admin panel's badge offers it, an
//! extension page (`document.html`) asks for it by the order's id, the background fetches it from
//! Systim (`getSellInvoicePDF`) with the stored keys and hands it to that page only — never to the
//! shop's page, which sees the document's number and nothing more.

use super::api::{error, ok};
use super::Engine;
use crate::io::{Clock, Http, Storage};
use crate::plan::invoice::DocumentKind;
use serde_json::{json, Value};

/// A document's PDF as the page gets it: its file name and the PDF as base64 (as Systim sends it).
#[derive(Debug, PartialEq, Eq)]
pub struct DocumentPdf {
    pub name: String,
    pub base64: String,
}

/// `{file, name}` → the PDF. `file` must be base64 of a PDF (`%PDF` is `JVBER` in base64); the
/// name is Systim's when it gives one ending in `.pdf`, else made of the document's number.
pub fn read_pdf(result: &Value, kind: DocumentKind, number: &str) -> Option<DocumentPdf> {
    let file: String = result.get("file")?.as_str()?.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let base64_text = file.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !(file.starts_with("JVBER") && base64_text) {
        return None;
    }
    let given = result.get("name").and_then(Value::as_str).map(file_name).filter(|n| n.to_ascii_lowercase().ends_with(".pdf") && n.len() > 4);
    let name = given.unwrap_or_else(|| {
        let word = match kind {
            DocumentKind::VatInvoice => "faktura",
            DocumentKind::Receipt => "paragon",
        };
        file_name(&format!("{word} {number}.pdf"))
    });
    Some(DocumentPdf { name, base64: file })
}

/// A name a download may carry: no path, no control characters, `/` of a number as `_`.
fn file_name(name: &str) -> String {
    let name: String = name.trim().chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    name.trim_start_matches('.').chars().take(120).collect()
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// `documentPdf`: the PDF of the sales document issued for a Shoper order.
    pub async fn document_pdf(&self, order_id: u64) -> Value {
        let Some(doc) = self.issued_document(order_id).await else {
            let (pl, en) = crate::texts::both_fill("core_msg_no_document", &[&order_id.to_string()]);
            return error("no_document", &pl, &en);
        };
        let conn = self.connection().await;
        let mut session = match super::session::Session::open(&self.http, &self.clock, &conn) {
            Ok(s) => s,
            Err(e) => return error(e.code(), &e.message_pl(), &e.message_en()),
        };
        session.restore_tokens(&self.store).await;
        let read = session.systim.sell_invoice_pdf(doc.systim_id).await;
        session.save_tokens(&self.store).await;
        let number = super::invoices::ledger::document_label(&doc.number, doc.systim_id);
        match read {
            Ok(result) => match read_pdf(&result, doc.kind, &number) {
                Some(pdf) => ok(json!({"pdf": {"name": pdf.name, "base64": pdf.base64}, "number": number})),
                None => {
                    let (pl, en) = crate::texts::both_fill("core_msg_pdf_malformed", &[&number]);
                    error("pdf_malformed", &pl, &en)
                }
            },
            Err(e) => error(e.code(), &e.message_pl(), &e.message_en()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_comes_with_a_safe_name() {
        let pdf = read_pdf(&json!({"file": "JVBERi0xLjQK\nJSVFT0YK", "name": "FV 1/12/2026.pdf"}), DocumentKind::VatInvoice, "FV 1/12/2026").unwrap();
        assert_eq!(pdf, DocumentPdf { name: "FV 1_12_2026.pdf".into(), base64: "JVBERi0xLjQKJSVFT0YK".into() });
        let unnamed = read_pdf(&json!({"file": "JVBERi0xLjQK"}), DocumentKind::Receipt, "PA/3/2026").unwrap();
        assert_eq!(unnamed.name, "paragon PA_3_2026.pdf");
        let odd_name = read_pdf(&json!({"file": "JVBERi0xLjQK", "name": "../../x.exe"}), DocumentKind::VatInvoice, "FV/2").unwrap();
        assert_eq!(odd_name.name, "faktura FV_2.pdf");
    }

    #[test]
    fn anything_but_a_pdf_is_refused() {
        for result in [
            json!({"file": ""}),
            json!({"file": "PGh0bWw+"}),
            json!({"file": "JVBER<script>"}),
            json!({"name": "a.pdf"}),
            json!("JVBERi0x"),
            json!({"file": 5}),
        ] {
            assert_eq!(read_pdf(&result, DocumentKind::VatInvoice, "FV/1"), None, "{result}");
        }
    }
}
