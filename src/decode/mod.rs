//! Lenient decoders: wire JSON of both APIs → the domain. They never panic. A value that cannot
//! be read becomes a [`DecodeError`] naming the record and the field; it either costs the whole
//! record (the record is left out and reported) or only that field (the record is kept with the
//! field unset and the problem reported). The per-field tables are in [`shoper`] and [`systim`];
//! the context-free value readers in [`lenient`].
//!
//! The rule of thumb: numbers the plans compute with (prices, quantities, sums), ids and the
//! fields filters depend on cost the record, so nothing is ever computed from a guessed value —
//! in particular an unreadable stock quantity is never taken as 0. Descriptive fields (EAN,
//! names, references to dictionaries, flags that only inform) cost only the field.
//!
//! List decoders return `(records, problems)` ([`DecodedList`]) so one bad record never loses the
//! others.

pub mod lenient;
pub mod shoper;
pub mod stream;
pub mod systim;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod systim_before;
#[cfg(test)]
pub(crate) mod testkit;

use crate::domain::VatRate;
use lenient::WireError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use stream::Kept;

/// One problem met while decoding, for the run report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeError {
    /// Which record, in words: `produkt Systim id 12`, `zamówienie Shoper 1023`.
    pub record: String,
    /// The field as named on the wire, dotted for nested ones (`stock.price`,
    /// `translations.pl_PL.name`). Never empty.
    pub field: String,
    /// What is wrong, in Polish.
    pub problem: String,
    /// `true` when the record was left out; `false` when it was kept (this field ignored, or a
    /// stated fallback used).
    pub record_skipped: bool,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let effect = if self.record_skipped { "rekord pominięty" } else { "rekord zachowany" };
        write!(f, "{}, pole „{}”: {} ({effect})", self.record, self.field, self.problem)
    }
}

impl std::error::Error for DecodeError {}

/// A decoded list: the records that could be read and the problems met (both the records left
/// out and the fields ignored in kept records).
pub type DecodedList<T> = (Vec<T>, Vec<DecodeError>);

/// A reader of one wire value.
pub(crate) type Reader<T> = fn(&Value) -> Result<Option<T>, WireError>;

/// What kind of record is read: how it is called in reports, where its id is, whether its texts
/// carry HTML entities.
pub(crate) struct Kind {
    /// `zamówienie Shoper`, `produkt Systim id`: the id is appended.
    pub name: &'static str,
    /// Fields holding the id, tried in order. Empty for singletons.
    pub id_fields: &'static [&'static str],
    /// Texts are HTML-escaped on the wire (Systim).
    pub entities: bool,
}

/// Where a record sits in its list: the position, and the key when the list was an object.
#[derive(Clone, Copy, Debug, Default)]
pub struct At<'a> {
    pub pos: usize,
    pub key: Option<&'a str>,
}

impl At<'_> {
    fn describe(&self) -> String {
        match self.key {
            Some(key) => format!("(klucz „{}”)", lenient::shown(key)),
            None => format!("(pozycja {})", self.pos + 1),
        }
    }
}

/// One record of a list as a decoder gets it: a JSON value, or — read straight from an answer's
/// text by [`stream`] — only the fields the decoder reads (the others skipped, never kept).
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    Value(&'a Value),
    Fields(&'a [(&'static str, Kept)]),
}

impl<'a> From<&'a Value> for Record<'a> {
    fn from(value: &'a Value) -> Self {
        Record::Value(value)
    }
}

/// The fields of a record: a whole JSON object, or the fields read of one (of a repeated key the
/// last counts, as in a JSON object).
#[derive(Clone, Copy)]
enum Fields<'a> {
    Map(&'a Map<String, Value>),
    Some(&'a [(&'static str, Kept)]),
}

impl<'a> Fields<'a> {
    fn kept(self, name: &str) -> Option<&'a Kept> {
        match self {
            Fields::Map(_) => None,
            Fields::Some(fields) => fields.iter().rev().find(|(key, _)| *key == name).map(|(_, kept)| kept),
        }
    }

    fn get(self, name: &str) -> Option<&'a Value> {
        match self {
            Fields::Map(map) => map.get(name),
            Fields::Some(_) => self.kept(name).map(Kept::as_value),
        }
    }
}

impl Kept {
    /// As a JSON value: an object read field by field stands as an (empty) object, rows as a
    /// list (empty or not) — all a reader of a value can say of them; [`Rec::object`] reads an
    /// object's fields.
    fn as_value(&self) -> &Value {
        static KINDS: std::sync::OnceLock<[Value; 3]> = std::sync::OnceLock::new();
        let [object, empty, list] = KINDS.get_or_init(|| [Value::Object(Map::new()), Value::Array(Vec::new()), Value::Array(vec![Value::Null])]);
        match self {
            Kept::Value(value) => value,
            Kept::Fields(_) => object,
            Kept::Rows(rows) if rows.is_empty() => empty,
            Kept::Rows(_) => list,
        }
    }
}

/// A JSON object being read as one record, with the record's label for errors and the path of
/// the object inside the record (for nested objects).
#[derive(Clone)]
pub(crate) struct Rec<'a> {
    map: Fields<'a>,
    label: Label,
    path: String,
    entities: bool,
}

/// A record's label, put into words only when a problem is reported (most records have none).
#[derive(Clone)]
enum Label {
    Text(String),
    /// `<kind> <id>`.
    Kind(&'static str, u64),
}

impl Label {
    fn words(&self) -> String {
        match self {
            Label::Text(text) => text.clone(),
            Label::Kind(name, id) => format!("{name} {id}"),
        }
    }
}

/// Pseudo-field naming the record as a whole (for "not an object").
pub(crate) const WHOLE_RECORD: &str = "(cały rekord)";

/// The problem of a record that is not an object.
fn not_an_object(label: String, value: &Value) -> DecodeError {
    DecodeError {
        record: label,
        field: WHOLE_RECORD.into(),
        problem: WireError::WrongType { expected: "obiekt", found: lenient::kind(value) }.to_string(),
        record_skipped: true,
    }
}

impl<'a> Rec<'a> {
    /// A record without an id (a singleton such as application-config).
    pub fn root(value: impl Into<Record<'a>>, label: &str, entities: bool) -> Result<Rec<'a>, DecodeError> {
        Rec::root_of(value.into(), label, entities)
    }

    fn root_of(value: Record<'a>, label: &str, entities: bool) -> Result<Rec<'a>, DecodeError> {
        let map = match value {
            Record::Value(Value::Object(map)) => Fields::Map(map),
            Record::Fields(fields) => Fields::Some(fields),
            Record::Value(other) => return Err(not_an_object(label.to_string(), other)),
        };
        Ok(Rec { map, label: Label::Text(label.to_string()), path: String::new(), entities })
    }

    /// A list record: opened, its id read (from the id fields, else from the list key) and the
    /// label set to `<kind> <id>` (`<kind> (klucz „…”)` / `(pozycja …)` when there is no id).
    pub fn open(value: impl Into<Record<'a>>, kind: &Kind, at: At<'_>) -> Result<(Rec<'a>, u64), DecodeError> {
        Rec::open_of(value.into(), kind, at)
    }

    fn open_of(value: Record<'a>, kind: &Kind, at: At<'_>) -> Result<(Rec<'a>, u64), DecodeError> {
        let where_it_is = || format!("{} {}", kind.name, at.describe());
        let map = match value {
            Record::Value(Value::Object(map)) => Fields::Map(map),
            Record::Fields(fields) => Fields::Some(fields),
            Record::Value(other) => return Err(not_an_object(where_it_is(), other)),
        };
        let mut rec = Rec { map, label: Label::Text(String::new()), path: String::new(), entities: kind.entities };
        let id = rec.id(kind.id_fields, at.key).map_err(|e| DecodeError { record: where_it_is(), ..e })?;
        rec.label = Label::Kind(kind.name, id);
        Ok((rec, id))
    }

    fn id(&self, fields: &[&str], key: Option<&str>) -> Result<u64, DecodeError> {
        let present = fields.iter().find(|f| self.get(f).is_some_and(|v| !v.is_null()));
        let first = fields.first().copied().unwrap_or("id");
        let parsed = match (present, key) {
            (Some(field), _) => self.read(field, lenient::uint).map_err(|e| self.err(field, e, true))?,
            (None, Some(key)) => lenient::uint(&Value::String(key.into())).map_err(|e| self.err(first, e, true))?,
            (None, None) => None,
        };
        match parsed {
            Some(id) if id > 0 => Ok(id),
            Some(_) => Err(self.err(present.copied().unwrap_or(first), "identyfikator 0", true)),
            None => Err(self.err(present.copied().unwrap_or(first), WireError::Missing, true)),
        }
    }

    #[cfg(test)]
    pub fn label(&self) -> String {
        self.label.words()
    }

    /// The same record under another label (when the kind alone does not say enough).
    #[cfg(test)]
    pub fn relabel(mut self, label: String) -> Self {
        self.label = Label::Text(label);
        self
    }

    /// The wire name of a field of this object, dotted from the record's root.
    pub fn field(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    /// The object's own fields (of a record read in part, the fields read).
    pub fn entries(&self) -> Box<dyn Iterator<Item = (&'a str, &'a Value)> + 'a> {
        match self.map {
            Fields::Map(map) => Box::new(map.iter().map(|(k, v)| (k.as_str(), v))),
            Fields::Some(fields) => Box::new(fields.iter().map(|(k, v)| (*k, v.as_value()))),
        }
    }

    pub fn err(&self, name: &str, problem: impl fmt::Display, record_skipped: bool) -> DecodeError {
        DecodeError { record: self.label.words(), field: self.field(name), problem: problem.to_string(), record_skipped }
    }

    fn read<T>(&self, name: &str, reader: Reader<T>) -> Result<Option<T>, WireError> {
        self.get(name).map_or(Ok(None), reader)
    }

    /// A field the record cannot do without: unset or bad costs the record.
    pub fn req<T>(&self, name: &str, reader: Reader<T>) -> Result<T, DecodeError> {
        self.maybe(name, reader)?.ok_or_else(|| self.err(name, WireError::Missing, true))
    }

    /// A field that may be unset but must not be bad: bad costs the record.
    pub fn maybe<T>(&self, name: &str, reader: Reader<T>) -> Result<Option<T>, DecodeError> {
        self.read(name, reader).map_err(|e| self.err(name, e, true))
    }

    /// A field that only costs itself: bad is noted and treated as unset.
    pub fn opt<T>(&self, name: &str, reader: Reader<T>, notes: &mut Vec<DecodeError>) -> Option<T> {
        self.read(name, reader).unwrap_or_else(|e| {
            notes.push(self.err(name, e, false));
            None
        })
    }

    /// A text field ("" when unset or bad), HTML entities decoded for sides that escape.
    pub fn text(&self, name: &str, notes: &mut Vec<DecodeError>) -> String {
        let raw = self.opt(name, lenient::text, notes).unwrap_or_default();
        // (A text without `&` holds no entity: kept as it is, not copied.)
        if self.entities && raw.contains('&') {
            lenient::unescape(&raw)
        } else {
            raw
        }
    }

    /// A text field that must be there (locales, …).
    pub fn req_text(&self, name: &str) -> Result<String, DecodeError> {
        let raw = self.req(name, lenient::text)?;
        Ok(if self.entities && raw.contains('&') { lenient::unescape(&raw) } else { raw })
    }

    /// A reference to another record: `0`, `""` and `null` are none; bad is noted.
    pub fn reference(&self, name: &str, notes: &mut Vec<DecodeError>) -> Option<u64> {
        self.opt(name, lenient::uint, notes).filter(|id| *id != 0)
    }

    /// A flag that only informs: unset gives `default`, bad is noted and gives `default`.
    pub fn flag(&self, name: &str, default: bool, notes: &mut Vec<DecodeError>) -> bool {
        self.opt(name, lenient::flag, notes).unwrap_or(default)
    }

    /// A nested object. Unset (`null`, `false`, `[]`, absent) is `Ok(None)`; another type is an
    /// error the caller files as it sees fit.
    pub fn object(&self, name: &str) -> Result<Option<Rec<'a>>, DecodeError> {
        if let Some(Kept::Fields(fields)) = self.map.kept(name) {
            return Ok(Some(Rec { map: Fields::Some(fields), label: self.label.clone(), path: self.field(name), entities: self.entities }));
        }
        match self.get(name) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
            Some(Value::Array(a)) if a.is_empty() => Ok(None),
            Some(Value::Object(map)) => Ok(Some(self.nested(map, name))),
            Some(other) => Err(self.err(name, WireError::WrongType { expected: "obiekt", found: lenient::kind(other) }, false)),
        }
    }

    /// An array field the record cannot do without (`list`, `items`).
    pub fn array(&self, name: &str) -> Result<&'a [Value], DecodeError> {
        match self.get(name) {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.err(name, WireError::WrongType { expected: "lista", found: lenient::kind(other) }, true)),
            None => Err(self.err(name, WireError::Missing, true)),
        }
    }

    fn nested(&self, map: &'a Map<String, Value>, name: &str) -> Rec<'a> {
        Rec { map: Fields::Map(map), label: self.label.clone(), path: self.field(name), entities: self.entities }
    }

    /// A nested object only informing the record: a wrong type is noted and treated as absent.
    pub fn object_or_note(&self, name: &str, notes: &mut Vec<DecodeError>) -> Option<Rec<'a>> {
        self.object(name).unwrap_or_else(|e| {
            notes.push(e);
            None
        })
    }

    /// A VAT rate given by its name and cross-checked against its numeric value. The name decides
    /// (0 %, `zw.` and `np.` all have value 0); a value alone is used only when it is not 0. A
    /// contradiction or an unknown name is noted and gives no rate.
    pub fn vat(&self, name_field: &str, value_field: &str, notes: &mut Vec<DecodeError>) -> Option<VatRate> {
        let name = self.text(name_field, notes);
        let value = self.opt(value_field, lenient::number_text, notes);
        let by_value = value.as_deref().map(|v| (v, VatRate::parse_name(v)));
        let named = match (name.trim(), by_value) {
            ("", None) => return None,
            ("", Some((_, Some(rate)))) if rate.percent() > 0 => return Some(rate),
            ("", Some((v, _))) => {
                notes.push(self.err(value_field, format!("stawka „{}” bez nazwy jest niejednoznaczna", lenient::shown(v)), false));
                return None;
            }
            (n, _) => VatRate::parse_name(n),
        };
        let Some(rate) = named else {
            notes.push(self.err(name_field, format!("nieznana stawka VAT „{}”", lenient::shown(&name)), false));
            return None;
        };
        match by_value {
            Some((v, parsed)) if parsed.map(VatRate::percent) != Some(rate.percent()) => {
                let problem = format!("wartość „{}” nie zgadza się ze stawką „{}”", lenient::shown(v), rate.label());
                notes.push(self.err(value_field, problem, false));
                None
            }
            _ => Some(rate),
        }
    }
}

/// Decode every record of a list, collecting what could be read and every problem. The field
/// notes of a record that is left out are dropped with it (its one error says why).
pub(crate) fn decode_each<'a, T>(
    records: impl IntoIterator<Item = (At<'a>, &'a Value)>,
    mut one: impl FnMut(&'a Value, At<'a>, &mut Vec<DecodeError>) -> Result<T, DecodeError>,
) -> DecodedList<T> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (at, value) in records {
        let mut notes = Vec::new();
        match one(value, at, &mut notes) {
            Ok(item) => {
                items.push(item);
                errors.append(&mut notes);
            }
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}

/// [`decode_each`] for records of one [`Kind`]: each is opened (id read, label set) and handed
/// to `build`.
pub(crate) fn decode_records<'a, T>(
    records: impl IntoIterator<Item = (At<'a>, &'a Value)>,
    kind: &Kind,
    mut build: impl FnMut(&Rec<'a>, u64, &mut Vec<DecodeError>) -> Result<T, DecodeError>,
) -> DecodedList<T> {
    decode_each(records, |value, at, notes| {
        let (rec, id) = Rec::open(value, kind, at)?;
        build(&rec, id, notes)
    })
}

/// A dictionary indexed by id: positions in one `HashMap<u64, u64>` (a map type the wasm carries
/// anyway) rather than a map of references per dictionary type.
pub(crate) struct ById<'a, T> {
    items: &'a [T],
    index: HashMap<u64, u64>,
}

impl<'a, T> ById<'a, T> {
    pub(crate) fn get(&self, id: u64) -> Option<&'a T> {
        self.index.get(&id).map(|&i| &self.items[i as usize])
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// Index a dictionary by id (a later record with the same id wins, as in a map filled in order).
pub(crate) fn by_id<T>(items: &[T], id: impl Fn(&T) -> u64) -> ById<'_, T> {
    let mut index = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        index.insert(id(item), i as u64);
    }
    ById { items, index }
}

/// Read a reference and look it up in a dictionary. An id the dictionary does not know is noted
/// — only when the dictionary was read at all, so a missing dictionary does not flood the report.
pub(crate) fn lookup<'m, T>(map: &ById<'m, T>, rec: &Rec, field: &str, notes: &mut Vec<DecodeError>) -> (Option<u64>, Option<&'m T>) {
    let id = rec.reference(field, notes);
    let found = id.and_then(|id| map.get(id));
    if let (Some(id), None, false) = (id, found, map.is_empty()) {
        notes.push(rec.err(field, format!("nieznany identyfikator {id} (brak w słowniku)"), false));
    }
    (id, found)
}

/// Move a decoded list's problems into `errors` and keep its records.
pub(crate) fn keep<T>((items, mut problems): DecodedList<T>, errors: &mut Vec<DecodeError>) -> Vec<T> {
    errors.append(&mut problems);
    items
}

/// The records of a JSON array (Shoper `list`).
pub(crate) fn positions(values: &[Value]) -> impl Iterator<Item = (At<'_>, &Value)> {
    values.iter().enumerate().map(|(pos, v)| (At { pos, key: None }, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const THING: Kind = Kind { name: "rzecz", id_fields: &["thing_id", "id"], entities: true };

    #[test]
    fn records_are_labelled_by_id_or_position() {
        let v = json!({"thing_id": "7"});
        let (rec, id) = Rec::open(&v, &THING, At::default()).unwrap();
        assert_eq!((rec.label().as_str(), id), ("rzecz 7", 7));
        let (_, id) = Rec::open(&json!({"id": 8}), &THING, At::default()).unwrap();
        assert_eq!(id, 8);
        let (_, id) = Rec::open(&json!({}), &THING, At { pos: 0, key: Some("9") }).unwrap();
        assert_eq!(id, 9);
        let e = Rec::open(&json!({"thing_id": "x"}), &THING, At { pos: 2, key: None }).err().unwrap();
        assert_eq!((e.record.as_str(), e.field.as_str()), ("rzecz (pozycja 3)", "thing_id"));
        assert!(e.record_skipped);
        let e = Rec::open(&json!("zzz"), &THING, At::default()).err().unwrap();
        assert_eq!(e.field, WHOLE_RECORD);
        let e = Rec::open(&json!({"thing_id": "0"}), &THING, At::default()).err().unwrap();
        assert_eq!(e.field, "thing_id");
    }

    #[test]
    fn errors_read_in_polish_with_record_and_field() {
        let v = json!({"id": 12, "cena": "abc", "ean": "1"});
        let (rec, _) = Rec::open(&v, &THING, At::default()).unwrap();
        let e = rec.req("cena", lenient::money).unwrap_err();
        assert_eq!(e.to_string(), "rzecz 12, pole „cena”: „abc”: to nie jest liczba (rekord pominięty)");
        let mut notes = Vec::new();
        assert_eq!(rec.opt("ean", lenient::gtin, &mut notes), None);
        assert_eq!(notes[0].to_string(), "rzecz 12, pole „ean”: „1”: niepoprawny kod EAN (rekord zachowany)");
    }

    #[test]
    fn vat_is_read_by_name_and_cross_checked() {
        let read = |v: Value| {
            let (rec, _) = Rec::open(&v, &THING, At::default()).unwrap();
            let mut notes = Vec::new();
            (rec.vat("name", "value", &mut notes), notes.len())
        };
        assert_eq!(read(json!({"id":1,"name":"23%","value":"23"})), (Some(VatRate::Percent(23)), 0));
        assert_eq!(read(json!({"id":1,"name":"zw.","value":"0"})), (Some(VatRate::Exempt), 0));
        assert_eq!(read(json!({"id":1,"name":"np.","value":"0.00"})), (Some(VatRate::NotSubject), 0));
        assert_eq!(read(json!({"id":1,"name":"0%"})), (Some(VatRate::Percent(0)), 0));
        assert_eq!(read(json!({"id":1,"value":"8"})), (Some(VatRate::Percent(8)), 0));
        assert_eq!(read(json!({"id":1,"value":"0"})), (None, 1));
        assert_eq!(read(json!({"id":1,"name":"23%","value":"8"})), (None, 1));
        assert_eq!(read(json!({"id":1,"name":"zw.","value":"23"})), (None, 1));
        assert_eq!(read(json!({"id":1,"name":"VAT-X","value":"23"})), (None, 1));
        assert_eq!(read(json!({"id":1})), (None, 0));
    }

    #[test]
    fn nested_objects_name_their_path() {
        let v = json!({"id": 1, "stock": {"price": "x"}, "main_image": false, "options": []});
        let (rec, _) = Rec::open(&v, &THING, At::default()).unwrap();
        let stock = rec.object("stock").unwrap().unwrap();
        assert_eq!(stock.req("price", lenient::money).unwrap_err().field, "stock.price");
        assert!(rec.object("main_image").unwrap().is_none());
        assert!(rec.object("options").unwrap().is_none());
        assert!(rec.object("absent").unwrap().is_none());
    }
}
