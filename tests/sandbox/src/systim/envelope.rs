//! The `{"error":{…},"result":…}` envelope, error codes and list rendering.
//!
//! Methods return `Result<Outcome, Fault>`; everything about how it looks on the wire (HTML
//! escaping, keyed maps or arrays, `code` as a string, the shape of `fields`, empty lists) is
//! decided here, from the configuration knobs.

use serde_json::{json, Map, Value};

use super::config::{Config, EmptyList, FieldsAs};

/// One scalar of a list record before rendering.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Free text: HTML-escaped on output; `""` is "unset".
    Text(String),
    /// A number already formatted with a dot (`"3.00"`, `"12"`).
    Num(String),
    /// Unset, printed as `null`.
    Null,
}

/// A list record: field names in output order.
pub type Record = Vec<(&'static str, Cell)>;

/// What a method answers on success.
#[derive(Debug)]
pub enum Outcome {
    /// Any JSON value, sent as is (ids, `{"token":…}`).
    Value(Value),
    /// A list keyed by record id.
    List(Vec<(u64, Record)>),
    /// The backend crashed: a PHP fatal-error page instead of JSON (status `error_page_status`),
    /// nothing done.
    Page(String),
}

/// A logical failure: `error.code > 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub code: u32,
    pub message: &'static str,
    pub fields: Vec<String>,
}

impl Fault {
    fn new(code: u32, message: &'static str) -> Fault {
        Fault { code, message, fields: Vec::new() }
    }
    /// Code 1, the contract's old guess for an unknown `act` (kept behind a knob).
    pub fn unknown_method() -> Fault {
        Fault::new(1, "Nieznana metoda")
    }
    /// Code 6 naming `act`: how the strict account refuses an `act` it does not have.
    pub fn unknown_act() -> Fault {
        Fault { fields: vec!["act".into()], ..Fault::new(6, "Nieprawidłowe wartości pól") }
    }
    /// A refusal set by the `refuse` knob, with Systim-like Polish texts.
    pub fn refused(code: u32) -> Fault {
        match code {
            2 => Fault::throttled(),
            4 => Fault::bad_login(),
            6 => Fault { fields: vec!["othr".into()], ..Fault::new(6, "Funkcja dostępna tylko w wersji Pro programu") },
            8 => Fault::no_data(),
            10 => Fault::new(10, "Ta wersja programu nie pozwala na wykonanie tej operacji"),
            13 => Fault::no_session(),
            16 => Fault::new(16, "Miesiąc księgowy jest zamknięty. Zmień datę dokumentu lub otwórz miesiąc"),
            other => Fault::new(other, "Operacja nie może zostać wykonana"),
        }
    }
    /// A numbering or template of another document kind (mcpsystim's author).
    pub fn numbering_mismatch() -> Fault {
        Fault { fields: vec!["id_numeracji".into()], ..Fault::new(6, "błędne przypisanie rodzaju dokumentu do numeracji") }
    }
    pub fn throttled() -> Fault {
        Fault::new(2, "Brak dostępu: zbyt wiele zapytań, spróbuj ponownie później")
    }
    pub fn bad_login() -> Fault {
        Fault::new(4, "Nieprawidłowy login lub hasło")
    }
    pub fn no_data() -> Fault {
        Fault::new(8, "Brak danych")
    }
    pub fn no_session() -> Fault {
        Fault::new(13, "Brak sesji użytkownika")
    }
    /// `result` beside the error: `[]` for "no data" (as the real API), `null` otherwise.
    fn result(&self) -> Value {
        if self.code == 8 {
            json!([])
        } else {
            Value::Null
        }
    }
    /// Code 6. `missing` are required fields not sent; `invalid` are wrong values or unknown ids.
    pub fn fields(missing: Vec<String>, invalid: Vec<String>) -> Fault {
        let message = if missing.is_empty() { "Nieprawidłowe wartości pól" } else { "Nie wypełniono wymaganych pól" };
        let mut fields = missing;
        fields.extend(invalid);
        Fault { fields, ..Fault::new(6, message) }
    }
}

/// The whole answer body for one call.
pub fn render(cfg: &Config, act: &str, outcome: Result<Outcome, Fault>) -> Value {
    let outcome = outcome.and_then(|o| empty_list_rule(cfg, o));
    let (error, result) = match outcome {
        Ok(Outcome::Value(v)) => (error_object(cfg, 0, "", &[]), v),
        Ok(Outcome::List(rows)) => (error_object(cfg, 0, "", &[]), list_value(cfg, rows)),
        // Served as a page by the caller (`SystimState::dispatch`); never an envelope.
        Ok(Outcome::Page(_)) => (error_object(cfg, 0, "", &[]), Value::Null),
        Err(f) => (error_object(cfg, f.code, f.message, &f.fields), f.result()),
    };
    let mut body = Map::new();
    body.insert("error".into(), error);
    if cfg.echo_method {
        body.insert("method".into(), Value::String(act.to_string()));
    }
    body.insert("result".into(), result);
    Value::Object(body)
}

fn empty_list_rule(cfg: &Config, outcome: Outcome) -> Result<Outcome, Fault> {
    match (&outcome, cfg.empty_list) {
        (Outcome::List(rows), EmptyList::Code8) if rows.is_empty() => Err(Fault::no_data()),
        (Outcome::List(rows), EmptyList::Array) if rows.is_empty() => Ok(Outcome::Value(json!([]))),
        (Outcome::List(rows), EmptyList::Object) if rows.is_empty() => Ok(Outcome::Value(json!({}))),
        _ => Ok(outcome),
    }
}

fn error_object(cfg: &Config, code: u32, message: &str, fields: &[String]) -> Value {
    let code = if cfg.code_as_string { Value::String(code.to_string()) } else { json!(code) };
    let mut err = Map::new();
    err.insert("code".into(), code);
    err.insert("message".into(), Value::String(message.to_string()));
    let fields = match cfg.fields_as {
        FieldsAs::Array => Some(json!(fields)),
        FieldsAs::Object => Some(Value::Object(fields.iter().map(|f| (f.clone(), Value::String(message.to_string()))).collect())),
        FieldsAs::String => Some(Value::String(fields.join(","))),
        FieldsAs::Absent => None,
    };
    if let Some(f) = fields {
        err.insert("fields".into(), f);
    }
    Value::Object(err)
}

fn list_value(cfg: &Config, rows: Vec<(u64, Record)>) -> Value {
    let records = rows.into_iter().map(|(id, rec)| (id, record_value(cfg, rec)));
    if cfg.lists_as_arrays {
        Value::Array(records.map(|(_, v)| v).collect())
    } else {
        Value::Object(records.map(|(id, v)| (id.to_string(), v)).collect())
    }
}

fn record_value(cfg: &Config, rec: Record) -> Value {
    let cells = rec.into_iter().map(|(name, cell)| (name.to_string(), cell_value(cfg, cell)));
    Value::Object(cells.collect())
}

fn cell_value(cfg: &Config, cell: Cell) -> Value {
    match cell {
        Cell::Text(t) if t.is_empty() && cfg.unset_as_null => Value::Null,
        Cell::Text(t) => Value::String(html_escape(&t)),
        Cell::Num(n) if cfg.decimal_comma => Value::String(n.replace('.', ",")),
        Cell::Num(n) => Value::String(n),
        Cell::Null => Value::Null,
    }
}

/// The PHP fatal-error page an `act` the account does not have may produce.
pub fn undefined_method_page(act: &str) -> String {
    let act: String = act.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
    format!(
        "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined method SystimAPI::{act}() in /var/www/systim/jsonAPI.php:57\nStack trace:\n#0 {{main}}\n  thrown in <b>/var/www/systim/jsonAPI.php</b> on line <b>57</b><br />\n"
    )
}

/// PHP `htmlspecialchars(…, ENT_QUOTES)`.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Helpers for building records.
pub fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub fn num(n: impl ToString) -> Cell {
    Cell::Num(n.to_string())
}

/// A text that is `null` when empty (fields Systim leaves NULL in the database).
pub fn text_or_null(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Null
    } else {
        text(s)
    }
}
