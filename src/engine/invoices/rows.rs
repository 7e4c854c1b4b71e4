//! `listSellInvoices` rows as the invoices part reads them, and which of them may be the document
//! of an intent (pure: unit-tested below).
//!
//! Confirmed row fields: `id`, `numer`, `data_wystawienia`, `kwota_brutto`. Assumed ones —
//! `id_kontrahenta`, `rodzaj`, `uwagi` — narrow the candidates only where a row carries them (the
//! strict profile's rows lack all three).

use crate::money::Money;
use crate::plan::invoice::DocumentKind;
use serde_json::Value;

/// One document as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: u64,
    pub number: String,
    pub issue_date: String,
    pub gross: Option<Money>,
    /// `None`: the row has no such field (not: the field is empty).
    pub contractor: Option<Option<u64>>,
    pub rodzaj: Option<u64>,
    pub notes: Option<String>,
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The rows of a `listSellInvoices` result (an object keyed by id, or an array); rows without a
/// readable id are left out.
pub fn rows(result: &Value) -> Vec<Row> {
    let items: Vec<&Value> = match result {
        Value::Object(m) => m.values().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|r| {
            let r = r.as_object()?;
            Some(Row {
                id: r.get("id").and_then(id_of)?,
                number: r.get("numer").map(text_of).unwrap_or_default(),
                issue_date: r.get("data_wystawienia").map(text_of).unwrap_or_default().chars().take(10).collect(),
                gross: r.get("kwota_brutto").and_then(|v| Money::parse(&text_of(v)).ok()),
                contractor: r.get("id_kontrahenta").map(id_of),
                rodzaj: r.get("rodzaj").and_then(id_of),
                notes: r.get("uwagi").map(text_of),
            })
        })
        .collect()
}

/// What a document of ours looks like in the list.
pub struct Wanted<'a> {
    pub kind: DocumentKind,
    pub issue_date: &'a str,
    pub gross: Money,
    pub contractor: Option<u64>,
    /// The order's import marker, printed in `uwagi`.
    pub marker: &'a str,
}

impl Wanted<'_> {
    /// The row may be this document: same issue date and gross; same kind, buyer (when known) and
    /// marker where the row shows them.
    pub fn fits(&self, row: &Row) -> bool {
        row.issue_date == self.issue_date
            && row.gross == Some(self.gross)
            && row.rodzaj.is_none_or(|r| r == self.kind.rodzaj())
            && (self.contractor.is_none() || row.contractor.is_none_or(|c| c == self.contractor))
            && row.notes.as_deref().is_none_or(|n| n == self.marker)
    }

    /// The row carries the marker: it is certainly this order's.
    pub fn marked(&self, row: &Row) -> bool {
        row.notes.as_deref() == Some(self.marker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_rows_narrow_by_date_and_total_only_generous_ones_by_buyer_kind_and_marker() {
        let strict = rows(&json!({"7": {"id": "7", "numer": "FV/1/2026", "data_wystawienia": "2026-12-05", "kwota_brutto": "123.00"}}));
        assert_eq!(strict[0].gross, Some(Money(12_300)));
        assert_eq!((strict[0].contractor, strict[0].notes.as_deref()), (None, None));
        let wanted = Wanted { kind: DocumentKind::VatInvoice, issue_date: "2026-12-05", gross: Money(12_300), contractor: Some(4), marker: "Shoper 9 @ s.pl" };
        assert!(wanted.fits(&strict[0]) && !wanted.marked(&strict[0]));
        assert!(!Wanted { gross: Money(12_301), ..wanted }.fits(&strict[0]));
        assert!(!Wanted { issue_date: "2026-12-06", ..wanted }.fits(&strict[0]));
        let generous = rows(&json!([
            {"id": 8, "numer": "", "data_wystawienia": "2026-12-05", "kwota_brutto": 123, "id_kontrahenta": "4", "rodzaj": "0", "uwagi": "Shoper 9 @ s.pl"},
            {"id": 9, "data_wystawienia": "2026-12-05", "kwota_brutto": "123.00", "id_kontrahenta": "5", "rodzaj": 0, "uwagi": "Shoper 9 @ s.pl"},
            {"id": 10, "data_wystawienia": "2026-12-05", "kwota_brutto": "123.00", "id_kontrahenta": "4", "rodzaj": 15, "uwagi": ""},
            {"id": 11, "data_wystawienia": "2026-12-05", "kwota_brutto": "123.00", "id_kontrahenta": "4", "rodzaj": 0, "uwagi": "Shoper 19 @ s.pl"},
            {"numer": "no id"}
        ]));
        assert_eq!(generous.len(), 4);
        let fitting: Vec<u64> = generous.iter().filter(|r| wanted.fits(r)).map(|r| r.id).collect();
        assert_eq!(fitting, [8]);
        assert!(wanted.marked(&generous[0]));
    }
}
