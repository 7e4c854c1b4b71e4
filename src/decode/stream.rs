//! Lists read record by record straight from an answer's text: Systim sends a whole catalogue in
//! one answer (no pagination; a careful client allows 64 MiB), so its lists are never turned into
//! one `serde_json::Value` tree. A [`ListSeed`] walks the `result` of an answer with serde_json's
//! streaming deserializer and hands each record to a [`Records`] sink, with where it sits (its key
//! when the list is an object keyed by id, else its position), as soon as it is read. A sink that
//! names the fields it reads ([`Records::FIELDS`]) gets only those (the others are skipped
//! without being kept); a record that is not an object comes as a `Value` of its kind (all such a
//! sink can say of it). The sinks are the
//! same lenient decoders that read a whole `Value` (`decode::systim`), so a record decodes exactly
//! as it would inside a tree.
//!
//! A list is an object keyed by id, an array, or `[]`/`{}`; `null`, `""` and `false` are empty
//! (as [`lenient::entries`]); anything else is one "not a list" problem.

use super::{lenient, At, Record};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Where the records of a list go, one at a time. (Used as `dyn Records`: one reader serves
/// every sink, which keeps the wasm small.)
pub trait Records {
    /// The fields the sink reads (`None`: whole records).
    fn fields(&self) -> Option<&'static [&'static str]> {
        None
    }
    /// One record of the list (any JSON value: the sink decides what a non-object costs).
    fn record(&mut self, at: At<'_>, record: Record<'_>);
    /// The list was not a list at all: `found` is the Polish name of what came instead.
    fn not_a_list(&mut self, found: &'static str);
}

/// Reads a list result into a sink record by record. Its value is `()`: what was read is in the
/// sink.
pub struct ListSeed<'r>(pub &'r mut dyn Records);

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, b: bool) -> Result<(), E> {
        if b {
            self.0.not_a_list("wartość logiczna");
        }
        Ok(())
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        if !s.is_empty() {
            self.0.not_a_list("tekst");
        }
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.0.not_a_list("liczba");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.0.not_a_list("liczba");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.0.not_a_list("liczba");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (mut pos, fields) = (0, self.0.fields());
        while let Some(item) = seq.next_element_seed(ItemSeed(fields))? {
            self.0.record(At { pos, key: None }, item.record());
            pos += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut pos, fields) = (0, self.0.fields());
        while let Some(key) = map.next_key::<String>()? {
            let item = map.next_value_seed(ItemSeed(fields))?;
            self.0.record(At { pos, key: Some(&key) }, item.record());
            pos += 1;
        }
        Ok(())
    }
}

/// One record as read: the wanted fields of an object, or a whole value.
enum Item {
    Fields(Vec<(&'static str, Kept)>),
    Value(Value),
}

impl Item {
    fn record(&self) -> Record<'_> {
        match self {
            Item::Fields(fields) => Record::Fields(fields),
            Item::Value(value) => Record::Value(value),
        }
    }
}

/// Reads one record: with `Some(fields)`, an object's fields of those names only.
struct ItemSeed(Option<&'static [&'static str]>);

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = Item;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        match self.0 {
            Some(fields) => d.deserialize_any(FieldsVisitor(fields)),
            None => serde::Deserialize::deserialize(d).map(Item::Value),
        }
    }
}

/// An object's wanted fields; any other value whole.
struct FieldsVisitor(&'static [&'static str]);

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let mut fields = Vec::with_capacity(self.0.len());
        while let Some(name) = map.next_key_seed(FieldName(self.0))? {
            match name {
                Some(name) => fields.push((name, Kept::Value(map.next_value::<Value>()?))),
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(Item::Fields(fields))
    }

    // Not an object: a decoder reading fields only says what came instead, so a value of the
    // same kind stands for it.

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Item::Value(Value::Array(Vec::new())))
    }

    fn visit_unit<E>(self) -> Result<Item, E> {
        Ok(Item::Value(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Item, E> {
        Ok(Item::Value(Value::Bool(b)))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Item, E> {
        Ok(Item::Value(Value::Number(0.into())))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Item, E> {
        Ok(Item::Value(Value::Number(0.into())))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Item, E> {
        Ok(Item::Value(Value::Number(0.into())))
    }

    fn visit_str<E>(self, _: &str) -> Result<Item, E> {
        Ok(Item::Value(Value::String(String::new())))
    }
}

/// A key: the wanted field it names, if any.
pub struct FieldName(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldName {
    type Value = Option<&'static str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldName {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|name| same_key(name, key)).copied())
    }
}

/// `name == key`, most keys told apart by their length and first byte before their bytes are
/// compared (a catalogue page's ~50 keys a record are looked up among a shape's ~16 names).
#[inline]
fn same_key(name: &str, key: &str) -> bool {
    name.len() == key.len() && name.as_bytes().first() == key.as_bytes().first() && name == key
}

/// Which parts of a JSON value to keep while reading it ([`pruned`]): a reader that needs a few
/// fields of big records (Shoper's catalogue pages: ~2.5 KB of JSON a product, most of it
/// descriptions) builds only those, and skips the rest without keeping it. Where the value is not
/// of the kind a shape expects (a string where an object was expected), it is kept whole — a
/// decoder then says what came instead, exactly as it would of the whole value.
#[derive(Debug, PartialEq)]
pub enum Shape {
    /// The value as it is.
    Whole,
    /// An object: the named fields in their shapes; the other fields kept whole when `others`,
    /// else skipped.
    Object { fields: &'static [(&'static str, Shape)], others: bool },
    /// An array whose every element, or an object whose every value (its keys all kept), has
    /// this shape.
    Each(&'static Shape),
    /// An array of records read field by field: every element in this shape, kept as read
    /// ([`Kept::Rows`]; a page's rows). Anything else is kept whole.
    Rows(&'static Shape),
}

impl Shape {
    /// [`Shape::Whole`] as a visitor of any value.
    pub const WHOLE: &'static Shape = &Shape::Whole;
}

/// A value read in a [`Shape`] without building JSON objects for it: an object whose shape names
/// its fields ([`Shape::Object`] without `others`) keeps only those fields, by their static
/// names, in the order read (of a repeated key the last counts, as in a JSON object); any other
/// value is kept as [`pruned`] would keep it. A catalogue page's rows (~50 keys each, a dozen
/// read) are read this way: no key is copied, no map is built.
#[derive(Clone, Debug, PartialEq)]
pub enum Kept {
    Value(Value),
    Fields(Vec<(&'static str, Kept)>),
    /// An array read in a [`Shape::Rows`].
    Rows(Vec<Kept>),
}

impl Kept {
    /// The JSON value of what was kept (the fields read of an object as an object).
    pub fn into_value(self) -> Value {
        match self {
            Kept::Value(value) => value,
            Kept::Fields(fields) => {
                // Filled by insert (of a repeated name the last counts), as a JSON object is.
                let mut object = serde_json::Map::new();
                for (name, kept) in fields {
                    object.insert(name.to_string(), kept.into_value());
                }
                Value::Object(object)
            }
            Kept::Rows(rows) => Value::Array(rows.into_iter().map(Kept::into_value).collect()),
        }
    }
}

impl Kept {
    /// The field `name` of an object read field by field (of a repeated name the last).
    pub fn field(&self, name: &str) -> Option<&Kept> {
        match self {
            Kept::Fields(fields) => fields.iter().rev().find(|(key, _)| *key == name).map(|(_, kept)| kept),
            _ => None,
        }
    }

    /// [`Self::field`] taken out (`null` left in its place).
    pub fn take(&mut self, name: &str) -> Option<Kept> {
        match self {
            Kept::Fields(fields) => fields.iter_mut().rev().find(|(key, _)| *key == name).map(|(_, kept)| std::mem::replace(kept, Kept::Value(Value::Null))),
            _ => None,
        }
    }
}

impl<'a> From<&'a Kept> for Record<'a> {
    fn from(kept: &'a Kept) -> Self {
        match kept {
            Kept::Fields(fields) => Record::Fields(fields),
            other => Record::Value(other.as_value()),
        }
    }
}

/// Reads one value into a [`Kept`] in `shape` (the one reader of every shape: one instance of
/// serde_json's reader in the wasm).
#[derive(Clone, Copy)]
pub struct KeptSeed(pub &'static Shape);

impl KeptSeed {
    /// The shape of the value of the field or element `key` (`None`: kept whole).
    fn inner(self, key: &str) -> Option<&'static Shape> {
        match self.0 {
            Shape::Object { fields, .. } => fields.iter().find(|(name, _)| same_key(name, key)).map(|(_, shape)| shape),
            Shape::Each(shape) => Some(shape),
            Shape::Whole | Shape::Rows(_) => None,
        }
    }
}

impl<'de> DeserializeSeed<'de> for KeptSeed {
    type Value = Kept;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kept, D::Error> {
        match self.0 {
            Shape::Whole => serde::Deserialize::deserialize(d).map(Kept::Value),
            _ => d.deserialize_any(self),
        }
    }
}

/// An object: of a [`Shape::Object`] without `others` its named fields; else a JSON object of
/// what the shape keeps. An array: its elements in the shape of an [`Shape::Each`], else whole.
/// Any other value as it is.
impl<'de> Visitor<'de> for KeptSeed {
    type Value = Kept;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kept, A::Error> {
        if let Shape::Object { fields: shapes, others: false } = self.0 {
            let mut fields = Vec::with_capacity(shapes.len());
            while let Some(found) = map.next_key_seed(ShapedName(shapes))? {
                match found {
                    Some((name, shape)) => fields.push((name, map.next_value_seed(KeptSeed(shape))?)),
                    None => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            return Ok(Kept::Fields(fields));
        }
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match self.inner(&key) {
                Some(shape) => map.next_value_seed(KeptSeed(shape))?.into_value(),
                None => map.next_value()?,
            };
            object.insert(key, value);
        }
        Ok(Kept::Value(Value::Object(object)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kept, A::Error> {
        if let Shape::Rows(row) = self.0 {
            let mut rows = Vec::new();
            while let Some(item) = seq.next_element_seed(KeptSeed(row))? {
                rows.push(item);
            }
            return Ok(Kept::Rows(rows));
        }
        let each = match self.0 {
            Shape::Each(shape) => KeptSeed(shape),
            _ => KeptSeed(Shape::WHOLE),
        };
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(each)? {
            out.push(item.into_value());
        }
        Ok(Kept::Value(Value::Array(out)))
    }

    fn visit_unit<E>(self) -> Result<Kept, E> {
        Ok(Kept::Value(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Kept, E> {
        Ok(Kept::Value(Value::Bool(b)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Kept, E> {
        Ok(Kept::Value(Value::Number(n.into())))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Kept, E> {
        Ok(Kept::Value(Value::Number(n.into())))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Kept, E> {
        Ok(Kept::Value(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Kept, E> {
        Ok(Kept::Value(Value::String(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Kept, E> {
        Ok(Kept::Value(Value::String(s)))
    }
}

/// A key: the named field it is, with its shape, if any.
struct ShapedName(&'static [(&'static str, Shape)]);

impl<'de> DeserializeSeed<'de> for ShapedName {
    type Value = Option<(&'static str, &'static Shape)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ShapedName {
    type Value = Option<(&'static str, &'static Shape)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|(name, _)| same_key(name, key)).map(|(name, shape)| (*name, shape)))
    }
}

/// Read the text of a JSON value into a [`Kept`] in `shape`; the text must be JSON all the same
/// (a syntax error anywhere, in a skipped part too, is an error).
pub fn kept(text: &str, shape: &'static Shape) -> Result<Kept, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let kept = KeptSeed(shape).deserialize(&mut de)?;
    de.end()?;
    Ok(kept)
}

/// Read the text of a JSON value keeping what `shape` names ([`Shape`]); the text must be JSON
/// all the same (a syntax error anywhere, in a skipped part too, is an error).
pub fn pruned(text: &str, shape: &'static Shape) -> Result<Value, serde_json::Error> {
    kept(text, shape).map(Kept::into_value)
}

/// Feed a list already held as a `Value` to a sink, as [`ListSeed`] would from its text (small
/// lists and tests).
pub fn feed(result: &Value, sink: &mut dyn Records) {
    match lenient::entries(result) {
        Ok(entries) => {
            for (pos, (key, value)) in entries.into_iter().enumerate() {
                sink.record(At { pos, key }, Record::Value(value));
            }
        }
        Err(lenient::WireError::WrongType { found, .. }) => sink.not_a_list(found),
        Err(_) => sink.not_a_list(lenient::kind(result)),
    }
}

/// Read a list from the text of a JSON value (not an envelope) into `sink`. `Err` when the text is
/// not JSON.
pub fn from_text(text: &str, sink: &mut dyn Records) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    ListSeed(sink).deserialize(&mut de)?;
    de.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testkit::any_json;
    use proptest::prelude::*;
    use serde_json::json;

    /// Every record with its key or position, and the "not a list" problems.
    #[derive(Debug, Default, PartialEq)]
    struct Seen(Vec<(usize, Option<String>, Value)>, Vec<&'static str>);

    impl Records for Seen {
        fn record(&mut self, at: At<'_>, record: Record<'_>) {
            let Record::Value(value) = record else { panic!("whole records asked for") };
            self.0.push((at.pos, at.key.map(str::to_string), value.clone()));
        }
        fn not_a_list(&mut self, found: &'static str) {
            self.1.push(found);
        }
    }

    /// One record as [`Two`] saw it: its index, its key, the two fields or the error.
    type TwoSeen = (usize, Option<String>, Result<[Option<Value>; 2], String>);

    /// Only `id` and `nazwa` of each record, as a decoder reading those two sees them.
    #[derive(Debug, Default, PartialEq)]
    struct Two(Vec<TwoSeen>, Vec<&'static str>);

    impl Records for Two {
        fn fields(&self) -> Option<&'static [&'static str]> {
            Some(&["id", "nazwa"])
        }
        fn record(&mut self, at: At<'_>, record: Record<'_>) {
            let seen = crate::decode::Rec::root(record, "r", false).map(|rec| ["id", "nazwa"].map(|f| rec.get(f).cloned())).map_err(|e| e.problem);
            self.0.push((at.pos, at.key.map(str::to_string), seen));
        }
        fn not_a_list(&mut self, found: &'static str) {
            self.1.push(found);
        }
    }

    fn streamed(value: &Value) -> Seen {
        let mut seen = Seen::default();
        from_text(&serde_json::to_string(value).unwrap(), &mut seen).unwrap();
        seen
    }

    /// The tree of the same text (a float read from text need not be the float written).
    fn fed(value: &Value) -> Seen {
        let mut seen = Seen::default();
        feed(&tree_of(value), &mut seen);
        seen
    }

    #[test]
    fn maps_arrays_and_empty_lists() {
        let map = json!({"12": {"id": "12"}, "3": {"id": 3}});
        assert_eq!(streamed(&map).0, [(0, Some("12".into()), json!({"id": "12"})), (1, Some("3".into()), json!({"id": 3}))]);
        let array = json!([{"id": 1}, "x"]);
        assert_eq!(streamed(&array).0, [(0, None, json!({"id": 1})), (1, None, json!("x"))]);
        for empty in [json!([]), json!({}), json!(null), json!(""), json!(false)] {
            assert_eq!(streamed(&empty), Seen::default(), "{empty}");
        }
        for (other, found) in
            [(json!("Brak danych"), "tekst"), (json!(5), "liczba"), (json!(-5), "liczba"), (json!(1.5), "liczba"), (json!(true), "wartość logiczna")]
        {
            assert_eq!(streamed(&other).1, [found], "{other}");
        }
    }

    #[test]
    fn shapes_keep_what_they_name() {
        const ROW: Shape = Shape::Object {
            fields: &[("id", Shape::Whole), ("t", Shape::Each(&Shape::Object { fields: &[("name", Shape::Whole)], others: false }))],
            others: false,
        };
        const PAGE: Shape = Shape::Object { fields: &[("list", Shape::Each(&ROW))], others: true };
        let text = r#"{"pages": 2, "list": [{"id": "1", "opis": {"x": [1, 2]}, "t": {"pl_PL": {"name": "Kubek", "seo": "…"}, "en_GB": "?"}}, "x", {"t": []}], "error": null}"#;
        let kept = pruned(text, &PAGE).unwrap();
        assert_eq!(kept, json!({"pages": 2, "list": [{"id": "1", "t": {"pl_PL": {"name": "Kubek"}, "en_GB": "?"}}, "x", {"t": []}], "error": null}));
        // Not of the kind a shape expects: kept whole.
        assert_eq!(pruned(r#"{"list": 7, "x": {"list": [{"b": 1}]}}"#, &PAGE).unwrap(), json!({"list": 7, "x": {"list": [{"b": 1}]}}));
        assert_eq!(pruned("[1, {\"a\": 2.5}]", &PAGE).unwrap(), json!([1, {"a": 2.5}]));
        // A fault in a skipped part is a fault of the text.
        assert!(pruned(r#"{"list": [{"id": 1, "opis": [1,]}]}"#, &PAGE).is_err());
        assert!(pruned(r#"{"list": []} x"#, &PAGE).is_err());
    }

    fn tree_of(value: &Value) -> Value {
        serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// A sink reading two fields sees from the text what it sees in the tree: the same values
        /// of those fields (the last of a repeated key), the same non-objects.
        #[test]
        fn wanted_fields_equal_the_tree(value in any_json(), records in prop::collection::vec(crate::decode::testkit::record(&["id", "nazwa", "inne"]), 0..4), repeated in any::<bool>()) {
            let mut text = serde_json::to_string(&Value::Array(records.iter().cloned().chain([value]).collect())).unwrap();
            if repeated {
                text = text.replacen("{\"", "{\"id\":\"pierwszy\",\"", 1);
            }
            let (mut streamed, mut fed) = (Two::default(), Two::default());
            from_text(&text, &mut streamed).unwrap();
            feed(&serde_json::from_str(&text).unwrap(), &mut fed);
            prop_assert_eq!(streamed, fed);
        }

        /// Read from its text, a list gives the very records (and problems) a `Value` tree of it
        /// gives, in the same order.
        #[test]
        fn streaming_equals_the_tree(value in any_json()) {
            prop_assert_eq!(streamed(&value), fed(&value));
        }
    }
}
