//! Lists read record by record straight from an answer's text: Systim sends a whole catalogue in
//! one answer (no pagination; a careful client allows 64 MiB), so its lists are never turned into
//! one `serde_json::Value` tree. A [`ListSeed`] walks the `result` of an answer with serde_json's
//! streaming deserializer and hands each record — one small `Value`, read and dropped in turn — to
//! a [`Records`] sink together with where it sits (its key when the list is an object keyed by
//! id, else its position). The sinks are the same lenient decoders that read a whole `Value`
//! (`decode::systim`), so a record decodes exactly as it would inside a tree.
//!
//! A list is an object keyed by id, an array, or `[]`/`{}`; `null`, `""` and `false` are empty
//! (as [`lenient::entries`]); anything else is one "not a list" problem.

use super::{lenient, At};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Where the records of a list go, one at a time.
pub trait Records {
    /// One record of the list (any JSON value: the sink decides what a non-object costs).
    fn record(&mut self, at: At<'_>, value: &Value);
    /// The list was not a list at all: `found` is the Polish name of what came instead.
    fn not_a_list(&mut self, found: &'static str);
}

/// Reads a list result into `R` record by record. Its value is `()`: what was read is in the sink.
pub struct ListSeed<'r, R: ?Sized>(pub &'r mut R);

impl<'de, R: Records + ?Sized> DeserializeSeed<'de> for ListSeed<'_, R> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, R: Records + ?Sized> Visitor<'de> for ListSeed<'_, R> {
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
        let mut pos = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            self.0.record(At { pos, key: None }, &value);
            pos += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut pos = 0;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Value>()?;
            self.0.record(At { pos, key: Some(&key) }, &value);
            pos += 1;
        }
        Ok(())
    }
}

/// Feed a list already held as a `Value` to a sink, as [`ListSeed`] would from its text (small
/// lists and tests).
pub fn feed<R: Records + ?Sized>(result: &Value, sink: &mut R) {
    match lenient::entries(result) {
        Ok(entries) => {
            for (pos, (key, value)) in entries.into_iter().enumerate() {
                sink.record(At { pos, key }, value);
            }
        }
        Err(lenient::WireError::WrongType { found, .. }) => sink.not_a_list(found),
        Err(_) => sink.not_a_list(lenient::kind(result)),
    }
}

/// Read a list from the text of a JSON value (not an envelope) into `sink`. `Err` when the text is
/// not JSON.
pub fn from_text<R: Records + ?Sized>(text: &str, sink: &mut R) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    ListSeed(sink).deserialize(&mut de)?;
    de.end()
}

/// Skips a value without keeping it, telling only whether it was `null` (the judge of an answer
/// needs no more of its `result`).
pub struct SkipSeed;

impl<'de> DeserializeSeed<'de> for SkipSeed {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        <IgnoredAny as serde::Deserialize>::deserialize(d).map(drop)
    }
}

/// A seed that also says whether the value was `null`: `null` is handed to the inner seed as a
/// unit, so a list reads it as empty and a `Value` as `Value::Null`.
pub struct NullAware<S>(pub S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for NullAware<S> {
    type Value = (S::Value, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for NullAware<S> {
    type Value = (S::Value, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        let unit = serde::de::value::UnitDeserializer::<E>::new();
        Ok((self.0.deserialize(unit)?, true))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok((self.0.deserialize(d)?, false))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_none()
    }
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
        fn record(&mut self, at: At<'_>, value: &Value) {
            self.0.push((at.pos, at.key.map(str::to_string), value.clone()));
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
        let tree: Value = serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap();
        let mut seen = Seen::default();
        feed(&tree, &mut seen);
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
        for (other, found) in [(json!("Brak danych"), "tekst"), (json!(5), "liczba"), (json!(-5), "liczba"), (json!(1.5), "liczba"), (json!(true), "wartość logiczna")] {
            assert_eq!(streamed(&other).1, [found], "{other}");
        }
    }

    #[test]
    fn null_aware_tells_null_apart() {
        let read = |text: &str| {
            let mut de = serde_json::Deserializer::from_str(text);
            NullAware(std::marker::PhantomData::<Value>).deserialize(&mut de).unwrap()
        };
        assert_eq!(read("null"), (Value::Null, true));
        assert_eq!(read("[1]"), (json!([1]), false));
        assert_eq!(read("0"), (json!(0), false));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Read from its text, a list gives the very records (and problems) a `Value` tree of it
        /// gives, in the same order.
        #[test]
        fn streaming_equals_the_tree(value in any_json()) {
            prop_assert_eq!(streamed(&value), fed(&value));
        }
    }
}
