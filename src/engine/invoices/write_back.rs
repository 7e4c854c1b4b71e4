//! What the extension writes back to the Shoper order (settings `write_back.*`): a status after
//! the import or after the document (`PUT /orders/<id>` `status_id`), and the Systim numbers in
//! the order's private note (`notes_priv`): read, appended, written — never overwriting what the
//! merchant wrote, never the same line twice (each line is known by its start, so a run that
//! repeats the write-back changes nothing).

use crate::client::error::ApiError;
use crate::client::shoper::ShoperClient;
use crate::io::{Clock, Http};
use serde_json::{json, Map, Value};

/// One write-back to an order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBack {
    /// The status the order gets (none: left as it is).
    pub status: Option<u64>,
    /// A line for the private note: `(its start, the whole line)`; none: the note is left alone.
    pub line: Option<(String, String)>,
}

impl WriteBack {
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.line.is_none()
    }
}

/// The note line of an imported order: `Systim: zamówienie ZAM/3/2026` (its id while Systim's
/// number is not known).
pub fn order_line(number: &str, systim_id: u64) -> (String, String) {
    let start = "Systim: zamówienie".to_string();
    let what = super::ledger::document_label(number, systim_id);
    (start.clone(), format!("{start} {what}"))
}

/// The note line of a document: `Systim: faktura FV/12/2026` or `Systim: paragon PAR/3/2026`.
pub fn document_line(invoice: bool, number: &str, systim_id: u64) -> (String, String) {
    let start = if invoice { "Systim: faktura" } else { "Systim: paragon" }.to_string();
    let what = super::ledger::document_label(number, systim_id);
    (start.clone(), format!("{start} {what}"))
}

/// The note with `line` appended, unless a line with its start is there already (`None`: nothing
/// to change).
pub fn appended(notes: &str, (start, line): (&str, &str)) -> Option<String> {
    if notes.lines().any(|l| l.trim_start().starts_with(start)) {
        return None;
    }
    let trimmed = notes.trim_end_matches(['\n', '\r']);
    Some(if trimmed.trim().is_empty() { line.to_string() } else { format!("{trimmed}\n{line}") })
}

/// The body of the `PUT` that brings `order` (as Shoper sends it) to what `wb` asks; `None` when
/// it is there already.
pub fn update_body(order: &Value, wb: &WriteBack) -> Option<Value> {
    let mut body = Map::new();
    if let Some(status) = wb.status {
        let current = match order.get("status_id") {
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        if current != Some(status) {
            body.insert("status_id".into(), json!(status));
        }
    }
    if let Some((start, line)) = &wb.line {
        let notes = order.get("notes_priv").and_then(Value::as_str).unwrap_or_default();
        if let Some(new) = appended(notes, (start, line)) {
            body.insert("notes_priv".into(), Value::String(new));
        }
    }
    (!body.is_empty()).then_some(Value::Object(body))
}

/// Read the order, then write what is missing. `Ok(true)`: the order is as asked.
pub async fn write_back<H: Http, C: Clock>(shoper: &mut ShoperClient<'_, H, C>, order_id: u64, wb: &WriteBack) -> Result<bool, ApiError> {
    if wb.is_empty() {
        return Ok(true);
    }
    let path = format!("orders/{order_id}");
    let order = shoper.get(&path, &[]).await?;
    if let Some(body) = update_body(&order, wb) {
        shoper.put(&path, &body).await?;
    }
    Ok(true)
}

/// After the order part: the orders this run imported get the status and the note line the
/// settings ask for. A failure is noted on the section (the order is in Systim either way).
pub(in crate::engine) async fn after_import<H: Http, S: crate::io::Storage, C: Clock>(
    cx: &mut crate::engine::context::RunContext<'_, H, S, C>,
    section: &mut crate::engine::report::Section,
) -> Result<(), crate::engine::store::StateError> {
    use crate::engine::ledger::{Ledger, OrderState};
    use crate::engine::report::{entry, keyed_group};
    let imported = std::mem::take(&mut cx.imported);
    let wb = &cx.settings.write_back;
    if imported.is_empty() || (wb.status_after_import.is_none() && !wb.numbers_in_notes) {
        return Ok(());
    }
    let (status, notes) = (wb.status_after_import, wb.numbers_in_notes);
    let ledger = Ledger::new(cx.store, cx.keys.clone());
    let mut failed = Vec::new();
    for id in imported {
        let Some(OrderState::Imported { systim_id, number, .. }) = ledger.get(id).await?.map(|e| e.state) else { continue };
        let asked = WriteBack { status, line: notes.then(|| order_line(&number, systim_id)) };
        if let Err(e) = write_back(&mut cx.session.shoper, id, &asked).await {
            failed.push(entry(crate::engine::orders::order_ref(id), e.message_pl(), e.message_en()));
        }
    }
    if !failed.is_empty() {
        section.notes.push(keyed_group("write_back_import_failed", failed));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_appended_once_and_the_merchants_note_is_kept() {
        let line = document_line(true, "FV/3/2026", 9);
        assert_eq!(appended("", (&line.0, &line.1)).as_deref(), Some("Systim: faktura FV/3/2026"));
        assert_eq!(appended("Klient prosi o fakturę\n", (&line.0, &line.1)).as_deref(), Some("Klient prosi o fakturę\nSystim: faktura FV/3/2026"));
        assert_eq!(appended("Klient prosi\nSystim: faktura FV/3/2026", (&line.0, &line.1)), None);
        let order = order_line("", 41);
        assert_eq!(order.1, "Systim: zamówienie id 41");
        let with_order = appended("uwaga", (&order.0, &order.1)).unwrap();
        assert_eq!(appended(&with_order, (&order.0, &order_line("ZAM/1/2026", 41).1)), None, "the order's line is not added twice");
        let wb = WriteBack { status: Some(7), line: Some(line) };
        let body = update_body(&json!({"status_id": "2", "notes_priv": "mine"}), &wb).unwrap();
        assert_eq!(body, json!({"status_id": 7, "notes_priv": "mine\nSystim: faktura FV/3/2026"}));
        assert_eq!(update_body(&json!({"status_id": "7", "notes_priv": "mine\nSystim: faktura FV/3/2026"}), &wb), None);
    }
}
