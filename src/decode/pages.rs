//! A `/bulk` answer of list pages read row by row. A catalogue read brings 25 pages of 50
//! products a call (~3 MB of JSON, most of it descriptions): each row is read straight from the
//! text into the fields its decoder reads ([`Kept`], in the row's [`Shape`]) — no JSON object is
//! built for a row and no key is copied — while everything else of the answer (ids, codes, page
//! counts, error envelopes) is kept whole, as [`super::stream::pruned`] would keep it.
//!
//! The answer is `{"items": [{"id": "…", "code": 200, "body": {"count", "pages", "page", "list": [rows]}}]}`;
//! what the caller does with an item (matching it to its operation, its status, its error) is
//! the same as for a whole answer (`client::shoper::lists`).

use super::stream::{FieldName, Kept, KeptSeed, Shape};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// One item of the answer: its `id` (when a text), its `code` as sent, its `body` without the
/// page's rows, and the rows — when the body is an object whose `list` is an array (of a
/// repeated key the last counts, as in a JSON object).
#[derive(Debug, Default, PartialEq)]
pub struct PageItem {
    pub id: Option<String>,
    pub code: Option<Value>,
    pub body: Value,
    pub rows: Option<Vec<Kept>>,
}

/// The answer's items; `None` when the answer is not an object with an `items` array. `Err` when
/// the text is not JSON.
pub fn read(text: &str, row: &'static Shape) -> serde_json::Result<Option<Vec<PageItem>>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let items = Answer(row).deserialize(&mut de)?;
    de.end()?;
    Ok(items)
}

/// Every visit of a value of a kind the seed does not read: skipped, `Default` given.
macro_rules! skip_other_kinds {
    () => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

/// The whole answer: its `items`.
struct Answer(&'static Shape);

impl<'de> DeserializeSeed<'de> for Answer {
    type Value = Option<Vec<PageItem>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Answer {
    type Value = Option<Vec<PageItem>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a /bulk answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        while let Some(name) = map.next_key_seed(FieldName(&["items"]))? {
            match name {
                Some(_) => items = map.next_value_seed(Items(self.0))?,
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(items)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| None)
    }

    skip_other_kinds!();
}

/// `items`: `None` unless an array.
struct Items(&'static Shape);

impl<'de> DeserializeSeed<'de> for Items {
    type Value = Option<Vec<PageItem>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items {
    type Value = Option<Vec<PageItem>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the items of a /bulk answer")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Item(self.0))? {
            items.push(item);
        }
        Ok(Some(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| None)
    }

    skip_other_kinds!();
}

/// One item; not an object: an item without a code (which the caller cannot use).
struct Item(&'static Shape);

impl<'de> DeserializeSeed<'de> for Item {
    type Value = PageItem;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PageItem, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item {
    type Value = PageItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item of a /bulk answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageItem, A::Error> {
        let mut item = PageItem::default();
        while let Some(name) = map.next_key_seed(FieldName(&["id", "code", "body"]))? {
            match name {
                Some("id") => item.id = map.next_value::<Value>()?.as_str().map(str::to_string),
                Some("code") => item.code = Some(map.next_value()?),
                Some(_) => (item.body, item.rows) = map.next_value_seed(Body(self.0))?,
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(item)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PageItem, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| PageItem::default())
    }

    skip_other_kinds!();
}

/// An item's body: a page's rows taken out of it; any other body whole.
struct Body(&'static Shape);

impl<'de> DeserializeSeed<'de> for Body {
    type Value = (Value, Option<Vec<Kept>>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Body {
    type Value = (Value, Option<Vec<Kept>>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the body of a /bulk item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut body, mut rows) = (Map::new(), None);
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                match map.next_value_seed(List(self.0))? {
                    Ok(list) => {
                        body.remove("list");
                        rows = Some(list);
                    }
                    Err(other) => {
                        body.insert(key, other);
                        rows = None;
                    }
                }
            } else {
                body.insert(key, map.next_value()?);
            }
        }
        Ok((Value::Object(body), rows))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Shape::WHOLE.visit_seq(seq).map(|v| (v, None))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, None))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(b), None))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok((Value::Number(n.into()), None))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok((Value::Number(n.into()), None))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Shape::WHOLE.visit_f64(n).map(|v| (v, None))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok((Value::String(s.to_string()), None))
    }
}

/// A page's `list`: its rows when an array, else the value whole.
struct List(&'static Shape);

impl<'de> DeserializeSeed<'de> for List {
    type Value = Result<Vec<Kept>, Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for List {
    type Value = Result<Vec<Kept>, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page's list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::new();
        while let Some(row) = seq.next_element_seed(KeptSeed(self.0))? {
            rows.push(row);
        }
        Ok(Ok(rows))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Shape::WHOLE.visit_map(map).map(Err)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Err(Value::Bool(b)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Err(Value::Number(n.into())))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Err(Value::Number(n.into())))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Shape::WHOLE.visit_f64(n).map(Err)
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Err(Value::String(s.to_string())))
    }
}
