//! Typed records out of a [`serde_json::Value`]: what `serde_json::from_value` does, with two
//! differences that make the wasm much smaller and change nothing the extension stores or sends:
//!
//! - a struct is read from a JSON object only (serde_json also reads one from an array of its
//!   fields in order, which costs a second reader for every type and is never written);
//! - the errors are this module's [`Error`], with serde_json's messages word for word but
//!   without serde's generic wording of unexpected values, which brings the standard library's
//!   float formatting into the wasm.

use serde::de::{self, Deserialize, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Number, Value};
use std::fmt;

/// `T` from a JSON value (see the module documentation).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(De(value))
}

/// An adjacently tagged enum's object (`{tag: "variant", content: …}`, other keys ignored): the
/// variant's name and the content, if there is one. For hand-written `Deserialize` impls.
pub fn adjacent<'de, D: de::Deserializer<'de>>(d: D, tag: &'static str, content: &str) -> Result<(String, Option<Value>), D::Error> {
    let mut object = Map::<String, Value>::deserialize(d)?;
    match object.remove(tag) {
        Some(Value::String(variant)) => Ok((variant, object.remove(content))),
        Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"variant identifier")),
        None => Err(de::Error::missing_field(tag)),
    }
}

/// A unit variant's content of an [`adjacent`] enum: none (or `null`).
pub fn no_content<'de, D: de::Deserializer<'de>>(content: Option<Value>) -> Result<(), D::Error> {
    match content {
        None | Some(Value::Null) => Ok(()),
        Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"unit variant")),
    }
}

/// A variant's content of an [`adjacent`] enum, required.
pub fn content<'de, D: de::Deserializer<'de>, T: DeserializeOwned>(content: Option<Value>, name: &'static str) -> Result<T, D::Error> {
    match content {
        Some(value) => from_value(value).map_err(de::Error::custom),
        None => Err(de::Error::missing_field(name)),
    }
}

/// An internally tagged enum's object (`{tag: "variant", ...fields}`): the variant's name and the
/// other fields, to be taken one by one. For hand-written `Deserialize` impls.
pub fn internal<'de, D: de::Deserializer<'de>>(d: D, tag: &'static str) -> Result<(String, Fields), D::Error> {
    let mut object = Map::<String, Value>::deserialize(d)?;
    match object.remove(tag) {
        Some(Value::String(variant)) => Ok((variant, Fields(object))),
        Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"variant identifier")),
        None => Err(de::Error::missing_field(tag)),
    }
}

/// The fields of an [`internal`] variant; the ones never taken are ignored.
pub struct Fields(Map<String, Value>);

impl Fields {
    /// A required field.
    pub fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T, Error> {
        match self.0.remove(name) {
            Some(value) => from_value(value),
            None => Err(de::Error::missing_field(name)),
        }
    }
    /// A field with `#[serde(default)]`.
    pub fn take_or_default<T: DeserializeOwned + Default>(&mut self, name: &'static str) -> Result<T, Error> {
        self.0.remove(name).map_or_else(|| Ok(T::default()), from_value)
    }
}

/// A struct's object, read field by field through a table (name → what to do with the value) by
/// one generic reader instead of a derived reader per struct: what serde's derive reads, with its
/// messages. For the [`read_over_default!`](crate::read_over_default) impls and hand-written ones.
pub struct Object(Map<String, Value>);

impl Object {
    /// The object `d` holds (anything else is an error, as for a derived struct).
    pub fn of<'de, D: de::Deserializer<'de>>(d: D) -> Result<Object, D::Error> {
        Map::<String, Value>::deserialize(d).map(Object)
    }
    /// The fields as serde's derive reads them: in the object's order, each known one by its
    /// entry in `table` (the first that is not a value of its type is the error), the others
    /// ignored. A missing one keeps its default ([`over`]) or is then [`required`] by the
    /// caller, in the struct's order.
    pub fn fields(self, table: &mut [(&'static str, &mut ReadField)]) -> Result<(), Error> {
        for (key, value) in self.0 {
            if let Some((_, read)) = table.iter_mut().find(|(name, _)| *name == key) {
                read(value)?;
            }
        }
        Ok(())
    }
}

/// A [`Object::fields`] entry of a struct with `#[serde(default)]`: the field's value read over
/// its default.
pub fn over<T: DeserializeOwned>(field: &mut T) -> impl FnMut(Value) -> Result<(), Error> + '_ {
    move |value| {
        *field = from_value(value)?;
        Ok(())
    }
}

/// What [`Object::fields`] does with a field's value.
pub type ReadField<'a> = dyn FnMut(Value) -> Result<(), Error> + 'a;

/// A [`Object::fields`] entry: the field's value read into `slot`.
pub fn slot<T: DeserializeOwned>(slot: &mut Option<T>) -> impl FnMut(Value) -> Result<(), Error> + '_ {
    move |value| {
        *slot = Some(from_value(value)?);
        Ok(())
    }
}

/// A field [`Object::fields`] found, or serde's "missing field" error.
pub fn required<T>(field: Option<T>, name: &'static str) -> Result<T, Error> {
    field.ok_or_else(|| de::Error::missing_field(name))
}

/// `Deserialize` for a struct with `#[serde(default)]` (and `Default`) from the list of its
/// fields, each read under its own name (or the name written after it: `shop_url = "shopUrl"`)
/// by [`Object::fields`]: every field must be listed (the settings' test
/// `every_stored_field_is_read` finds one that is not).
#[macro_export]
macro_rules! read_over_default {
    ($ty:ident { $($field:ident $(= $name:literal)?),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut out = $ty::default();
                $crate::json::Object::of(d)?
                    .fields(&mut [$(($crate::read_over_default!(@name $field $($name)?), &mut $crate::json::over(&mut out.$field))),*])
                    .map_err(<D::Error as serde::de::Error>::custom)?;
                Ok(out)
            }
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $name:literal) => { $name };
}

/// `Deserialize` for a struct without `#[serde(default)]` from the list of its fields in the
/// struct's order, each with its name as written and, for a field the derive lets be missing
/// (`#[serde(default)]`, an `Option`), `= default`; a last `..` gives the fields serde skips
/// (`#[serde(skip)]`) their default. Read by [`Object::fields`] as the derive reads it: the fields in
/// the object's order (the first of the wrong type is the error, unknown ones are ignored), then
/// the first missing required one in the struct's order, with the derive's messages.
#[macro_export]
macro_rules! read_fields {
    (@take $field:ident $name:literal) => { $crate::json::required($field, $name)? };
    (@take $field:ident $name:literal default) => { $field.unwrap_or_default() };
    (@impl $ty:ident { $($field:ident : $name:literal $(= $default:ident)?),* } $($rest:tt)*) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $(let mut $field = None;)*
                let object = $crate::json::Object::of(d)?;
                (|| {
                    object.fields(&mut [$(($name, &mut $crate::json::slot(&mut $field))),*])?;
                    Ok($ty { $($field: $crate::read_fields!(@take $field $name $($default)?),)* $($rest)* })
                })()
                .map_err(|e: $crate::json::Error| <D::Error as serde::de::Error>::custom(e))
            }
        }
    };
    ($ty:ident { $($field:ident : $name:literal $(= $default:ident)?),* , .. }) => {
        $crate::read_fields!(@impl $ty { $($field : $name $(= $default)?),* } ..Default::default());
    };
    ($ty:ident { $($field:ident : $name:literal $(= $default:ident)?),* $(,)? }) => {
        $crate::read_fields!(@impl $ty { $($field : $name $(= $default)?),* });
    };
}

/// A unit-only enum read as serde's derive reads it (`"name"`, or `{"name": null}`): the index of
/// its variant in `variants` (the names as written). One reader for every such enum instead of a
/// derived one each; for the [`read_unit_enum!`](crate::read_unit_enum) impls.
pub fn unit_variant<'de, D: de::Deserializer<'de>>(d: D, name: &'static str, variants: &'static [&'static str]) -> Result<usize, D::Error> {
    struct Unit(&'static str, &'static [&'static str]);
    impl<'de> Visitor<'de> for Unit {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "enum {}", self.0)
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
            let (index, access) = data.variant_seed(VariantName(self.1))?;
            de::VariantAccess::unit_variant(access)?;
            Ok(index)
        }
    }
    d.deserialize_enum(name, variants, Unit(name, variants))
}

/// An enum of unit variants and a last newtype variant read as serde's derive reads it (`"name"`,
/// `{"name": null}`, `{"last": content}`): the index of a unit variant, or the last one's content.
pub fn unit_or_newtype_variant<'de, D: de::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<Result<usize, T>, D::Error> {
    struct Either<T>(&'static str, &'static [&'static str], std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Either<T> {
        type Value = Result<usize, T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "enum {}", self.0)
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
            let (index, access) = data.variant_seed(VariantName(self.1))?;
            if index + 1 == self.1.len() {
                de::VariantAccess::newtype_variant(access).map(Err)
            } else {
                de::VariantAccess::unit_variant(access).map(|()| Ok(index))
            }
        }
    }
    d.deserialize_enum(name, variants, Either(name, variants, std::marker::PhantomData))
}

/// A variant's name, as its index in the names as written.
struct VariantName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantName {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0.iter().position(|n| *n == v).ok_or_else(|| E::unknown_variant(v, self.0))
    }
}

/// `Deserialize` for a unit-only enum from its variants and their names as written (see
/// [`unit_variant`]).
#[macro_export]
macro_rules! read_unit_enum {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                $crate::json::unit_variant(d, stringify!($ty), &[$($name),*]).map(|i| ALL[i])
            }
        }
    };
}

/// Why a value is not a `T`. The text is serde_json's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
    fn invalid_type(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Error(format!("invalid type: {}, expected {}", Shown(unexp), exp))
    }
    fn invalid_value(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Error(format!("invalid value: {}, expected {}", Shown(unexp), exp))
    }
}

/// serde_json's wording of an [`Unexpected`] (serde's, with `null` and its own number format).
struct Shown<'a>(Unexpected<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(i) => write!(f, "integer `{i}`"),
            Unexpected::Signed(i) => write!(f, "integer `{i}`"),
            // serde_json's own wording; its number format (not the standard library's).
            Unexpected::Float(x) => match Number::from_f64(x) {
                Some(n) => write!(f, "floating point `{n}`"),
                None => write!(
                    f,
                    "floating point `{}`",
                    if x.is_nan() {
                        "NaN"
                    } else if x > 0.0 {
                        "inf"
                    } else {
                        "-inf"
                    }
                ),
            },
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => number_unexpected(n),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn number_unexpected(n: &Number) -> Unexpected<'static> {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => Unexpected::Unsigned(u),
        (None, Some(i)) => Unexpected::Signed(i),
        _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

fn invalid_type<'de, V: Visitor<'de>>(value: &Value, visitor: &V) -> Error {
    de::Error::invalid_type(unexpected(value), visitor)
}

fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => visitor.visit_u64(u),
        (None, Some(i)) => visitor.visit_i64(i),
        _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
    }
}

fn visit_array<'de, V: Visitor<'de>>(array: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = array.len();
    let mut seq = Seq(array.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_object<'de, V: Visitor<'de>>(object: Map<String, Value>, visitor: V) -> Result<V::Value, Error> {
    let len = object.len();
    let mut map = Entries { iter: object.into_iter(), value: None };
    let out = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

/// The deserialiser over an owned value.
struct De(Value);

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match &self.0 {
                Value::Number(n) => visit_number(n, visitor),
                other => Err(invalid_type(other, &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(a) => visit_array(a, visitor),
            Value::Object(o) => visit_object(o, visitor),
        }
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16
        deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Array(a) => visit_array(a, visitor),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => visit_array(a, visitor),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(o) => visit_object(o, visitor),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    /// From an object only (serde_json also takes an array of the fields).
    fn deserialize_struct<V: Visitor<'de>>(self, _name: &'static str, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(Variant { variant, value: None }),
            Value::Object(o) => {
                let mut iter = o.into_iter();
                match (iter.next(), iter.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(Variant { variant, value: Some(value) }),
                    _ => Err(de::Error::invalid_value(Unexpected::Map, &"map with a single key")),
                }
            }
            other => Err(de::Error::invalid_type(unexpected(&other), &"string or map")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        drop(self);
        visitor.visit_unit()
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(De(v))).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        match self.0.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

struct Entries {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(De(value)),
            None => Err(de::Error::custom("value is missing")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        match self.iter.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

/// An object's key: text, or a number or boolean written as text (`{"12": …}` for a map keyed
/// by integers), as serde_json reads keys.
struct Key(String);

macro_rules! integer_keys {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.number() {
                Some(n) => visit_number(&n, visitor),
                None => Err(de::Error::custom("invalid value: expected key to be a number in quotes")),
            }
        }
    )*};
}

impl Key {
    /// The key as a JSON number, if it is one (and nothing else: no spaces, no sign but `-`).
    fn number(&self) -> Option<Number> {
        if !self.0.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            return None;
        }
        match serde_json::from_str::<Value>(&self.0) {
            Ok(Value::Number(n)) => Some(n),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for Key {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    integer_keys!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16
        deserialize_u32 deserialize_u64 deserialize_u128);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Keys are never null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        visitor.visit_enum(Variant { variant: self.0, value: None })
    }

    forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An enum's variant: its name and, unless it was written as a bare name, its content.
struct Variant {
    variant: String,
    value: Option<Value>,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Content;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Content), Error> {
        let variant = seed.deserialize(IntoDeserializer::<Error>::into_deserializer(self.variant))?;
        Ok((variant, Content(self.value)))
    }
}

struct Content(Option<Value>);

impl<'de> de::VariantAccess<'de> for Content {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Some(value) => de::Deserialize::deserialize(De(value)),
            None => Ok(()),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.0 {
            Some(value) => seed.deserialize(De(value)),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Array(a)) if a.is_empty() => visitor.visit_unit(),
            Some(Value::Array(a)) => visit_array(a, visitor),
            Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"tuple variant")),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }
    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Object(o)) => visit_object(o, visitor),
            Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"struct variant")),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}

/// For tests: a record read by [`read_fields!`](crate::read_fields) or
/// [`read_over_default!`](crate::read_over_default) (`Ours`) reads as its twin with serde's
/// derive (`Twin`: the same fields and attributes; `wording`, how the derive's messages name the
/// twins, e.g. `("struct Twin", "a map")`, and how ours name the same) does — each stored form in
/// `stored`, and each with an unknown field more, with a field left out, `null` or of another
/// type, and values that are no object: the same record (compared as written back), or the same
/// message; serde_json's own reader takes the same objects.
#[cfg(test)]
pub(crate) fn assert_reads_as_derive<Ours, Twin>(wording: &[(&str, &str)], stored: &[Value])
where
    Ours: DeserializeOwned + serde::Serialize + fmt::Debug,
    Twin: DeserializeOwned + serde::Serialize + fmt::Debug,
{
    let mut inputs = vec![Value::Null, Value::from("x"), Value::Array(vec![]), Value::Object(Map::new())];
    for good in stored {
        inputs.push(good.clone());
        let object = good.as_object().expect("a stored record is an object");
        let mut more = object.clone();
        more.insert("unknownField".into(), serde_json::json!({"a": [1]}));
        inputs.push(Value::Object(more));
        for (key, value) in object {
            let other = if value.is_string() { Value::from(5) } else { Value::from("x") };
            for replaced in [None, Some(Value::Null), Some(other)] {
                let mut changed = object.clone();
                match replaced {
                    None => changed.remove(key),
                    Some(v) => changed.insert(key.clone(), v),
                };
                inputs.push(Value::Object(changed));
            }
        }
    }
    for input in &inputs {
        match (from_value::<Ours>(input.clone()), from_value::<Twin>(input.clone())) {
            (Ok(a), Ok(b)) => assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap(), "{input}"),
            (Err(a), Err(b)) => {
                let mut b = b.to_string();
                let mut wording = wording.to_vec();
                wording.sort_by_key(|(theirs, _)| std::cmp::Reverse(theirs.len()));
                for (theirs, ours) in wording {
                    b = b.replace(theirs, ours);
                }
                assert_eq!(a.to_string(), b, "{input}")
            }
            (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
        }
        // serde_json's reader also takes a struct from an array of its fields, which ours never
        // does (see the module's documentation) and nothing writes.
        if input.is_object() {
            assert_eq!(serde_json::from_value::<Ours>(input.clone()).is_ok(), serde_json::from_value::<Twin>(input.clone()).is_ok(), "{input}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Record {
        id: u64,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        price: Option<i64>,
        kind: Kind,
        #[serde(default)]
        pair: Option<(u32, bool)>,
        #[serde(default)]
        by_id: BTreeMap<u64, String>,
        #[serde(default)]
        wrapped: Option<Wrapped>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        #[default]
        Plain,
        Dated(String),
        Pair(u32, u32),
        Full {
            at: u64,
            #[serde(default)]
            note: String,
        },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Wrapped(u8);

    /// Same result as serde_json: equal values, or errors with the same text.
    fn same<T: DeserializeOwned + PartialEq + fmt::Debug>(value: Value) {
        let ours = from_value::<T>(value.clone());
        let theirs = serde_json::from_value::<T>(value.clone());
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{value}"),
            // serde_json places an integer key's error at its own parse of the key's text.
            (Err(a), Err(b)) => {
                let b = b.to_string();
                let b = b.split(" at line 1 column ").next().unwrap_or_default();
                assert_eq!(a.to_string(), b, "{value}")
            }
            _ => panic!("{value}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads_with_its_messages() {
        let good = json!({"id": 7, "name": "Ż", "tags": ["a"], "price": -5, "kind": "plain", "pair": [1, true], "byId": {"3": "c", "12": "l"}, "wrapped": 9});
        same::<Record>(good.clone());
        for (key, bad) in [
            ("id", json!(-1)),
            ("id", json!("7")),
            ("id", json!(1.5)),
            ("id", json!(1e300)),
            ("name", json!(5)),
            ("name", json!(null)),
            ("tags", json!("a")),
            ("tags", json!([1])),
            ("price", json!(true)),
            ("price", json!(2.0)),
            ("kind", json!("other")),
            ("kind", json!({"dated": "2026-01-01"})),
            ("kind", json!({"dated": 5})),
            ("kind", json!({"pair": [1, 2]})),
            ("kind", json!({"pair": [1]})),
            ("kind", json!({"pair": [1, 2, 3]})),
            ("kind", json!({"pair": 1})),
            ("kind", json!({"full": {"at": 3}})),
            ("kind", json!({"full": {"note": "x"}})),
            ("kind", json!({"full": [3]})),
            ("kind", json!({"full": null})),
            ("kind", json!("full")),
            ("kind", json!({"plain": null})),
            ("kind", json!({"plain": 1})),
            ("kind", json!({"a": 1, "b": 2})),
            ("kind", json!({})),
            ("kind", json!(3)),
            ("pair", json!([1])),
            ("pair", json!([1, true, 3])),
            ("pair", json!({"a": 1})),
            ("byId", json!({"x": "a"})),
            ("byId", json!({"-1": "a"})),
            ("byId", json!({"1.5": "a"})),
            ("byId", json!([])),
            ("wrapped", json!(300)),
            ("wrapped", json!("9")),
        ] {
            let mut v = good.clone();
            v[key] = bad;
            same::<Record>(v);
        }
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("name");
        same::<Record>(missing);
        let mut extra = good.clone();
        extra["unknown"] = json!({"deep": [1, 2]});
        same::<Record>(extra);
        same::<Record>(json!("x"));
        same::<Vec<u64>>(json!([1, 2, 3]));
        same::<Vec<u64>>(json!([1, "2"]));
        same::<BTreeSet<u64>>(json!([3, 1]));
        same::<HashMap<String, Vec<Option<bool>>>>(json!({"a": [true, null], "b": []}));
        same::<(u64, String)>(json!([1, "a"]));
        same::<Value>(json!({"a": [1, -2, 2.5, "x", null, {"b": false}]}));
        same::<Option<String>>(json!(null));
        same::<()>(json!(null));
        same::<()>(json!(0));
        same::<char>(json!("c"));
        same::<char>(json!("cd"));
        same::<f64>(json!(1));
        same::<i8>(json!(-200));
        same::<u128>(json!(12));
    }

    /// [`read_over_default!`] reads what serde's derive with `#[serde(default)]` reads.
    #[test]
    fn fields_over_a_default_read_as_the_derive_does() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(default)]
        struct Derived {
            on: bool,
            count: u32,
            ids: Vec<u64>,
            name: Option<String>,
            kind: Kind,
            inner: Inner,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(default)]
        struct Inner {
            level: u8,
        }
        #[derive(Debug, PartialEq)]
        struct Listed {
            on: bool,
            count: u32,
            ids: Vec<u64>,
            name: Option<String>,
            kind: Kind,
            inner: ListedInner,
        }
        #[derive(Debug, PartialEq)]
        struct ListedInner {
            level: u8,
        }
        impl Default for Derived {
            fn default() -> Self {
                Derived { on: true, count: 5, ids: vec![1], name: Some("a".into()), kind: Kind::Plain, inner: Inner::default() }
            }
        }
        impl Default for Inner {
            fn default() -> Self {
                Inner { level: 3 }
            }
        }
        impl Default for Listed {
            fn default() -> Self {
                Listed { on: true, count: 5, ids: vec![1], name: Some("a".into()), kind: Kind::Plain, inner: ListedInner::default() }
            }
        }
        impl Default for ListedInner {
            fn default() -> Self {
                ListedInner { level: 3 }
            }
        }
        crate::read_over_default!(Listed { on, count, ids, name, kind, inner });
        crate::read_over_default!(ListedInner { level });
        let inputs = [
            json!({}),
            json!({"on": false, "count": 9, "ids": [], "name": null, "kind": {"dated": "x"}, "inner": {"level": 200}}),
            json!({"count": 7, "unknown": [1, 2], "inner": {}}),
            json!({"name": "b", "inner": {"other": 1}}),
            json!({"on": null}),
            json!({"count": -1}),
            json!({"count": 1.5}),
            json!({"ids": [1, "2"]}),
            json!({"kind": "later"}),
            json!({"inner": {"level": 300}}),
            json!({"inner": 4}),
            json!({"name": 5}),
        ];
        for input in inputs {
            let derived = from_value::<Derived>(input.clone());
            let listed = from_value::<Listed>(input.clone());
            let theirs = serde_json::from_value::<Derived>(input.clone());
            assert_eq!(derived.is_ok(), theirs.is_ok(), "{input}");
            match (derived, listed) {
                (Ok(d), Ok(l)) => {
                    let Derived { on, count, ids, name, kind, inner } = d;
                    assert_eq!(Listed { on, count, ids, name, kind, inner: ListedInner { level: inner.level } }, l, "{input}");
                }
                // The same message, but for an object's type: the derive names its struct.
                (Err(d), Err(l)) => assert_eq!(d.to_string().replace("struct Inner", "a map"), l.to_string(), "{input}"),
                (d, l) => panic!("{input}: derive {d:?}, listed {l:?}"),
            }
        }
        // Not an object: refused by both (the derive's message names the struct).
        for input in [json!(null), json!([true]), json!("x")] {
            assert!(from_value::<Derived>(input.clone()).is_err() && from_value::<Listed>(input.clone()).is_err(), "{input}");
        }
    }

    /// [`read_fields!`] reads what serde's derive reads: required fields, defaulted and optional
    /// ones, a renamed one and a skipped one; unknown fields ignored; the first wrong field in
    /// the object's order, else the first missing one in the struct's, with the derive's message.
    #[test]
    fn listed_fields_read_as_the_derive_reads_them() {
        #[derive(Debug, serde::Serialize, Deserialize)]
        struct Derived {
            id: u64,
            #[serde(rename = "runId")]
            run_id: String,
            #[serde(default)]
            tags: Vec<String>,
            note: Option<String>,
            kind: Kind,
            #[serde(skip)]
            #[allow(dead_code)]
            seen: bool,
        }
        #[derive(Debug, Default, serde::Serialize)]
        struct Listed {
            id: u64,
            #[serde(rename = "runId")]
            run_id: String,
            tags: Vec<String>,
            note: Option<String>,
            kind: Kind,
            #[serde(skip)]
            seen: bool,
        }
        crate::read_fields!(Listed { id: "id", run_id: "runId", tags: "tags" = default, note: "note" = default, kind: "kind", .. });
        let stored = [
            json!({"id": 1, "runId": "r", "tags": ["a"], "note": "n", "kind": "plain"}),
            json!({"kind": {"full": {"at": 3}}, "note": null, "runId": "r", "id": 2}),
            json!({"tags": 1, "id": "x", "kind": "later"}),
        ];
        crate::json::assert_reads_as_derive::<Listed, Derived>(&[("struct Derived", "a map")], &stored);
        let read = from_value::<Listed>(json!({"id": 1, "runId": "r", "kind": "plain", "seen": true})).unwrap();
        assert_eq!((read.kind, read.seen, read.tags.len(), read.note), (Kind::Plain, false, 0, None));
    }

    /// [`read_unit_enum!`] reads what serde's derive reads, with its messages.
    #[test]
    fn unit_enums_read_as_the_derive_reads_them() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Derived {
            First,
            SecondOne,
        }
        #[derive(Debug, PartialEq, Clone, Copy)]
        enum Listed {
            First,
            SecondOne,
        }
        crate::read_unit_enum!(Listed { First = "first", SecondOne = "second_one" });
        for input in [
            json!("first"),
            json!("second_one"),
            json!("SecondOne"),
            json!("third"),
            json!({"first": null}),
            json!({"second_one": 1}),
            json!({"first": null, "second_one": null}),
            json!({}),
            json!(0),
            json!(null),
            json!(["first"]),
        ] {
            let ours = from_value::<Listed>(input.clone());
            let derived = from_value::<Derived>(input.clone());
            match (ours, derived) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{input}"),
                (Err(a), Err(b)) => assert_eq!(a, b, "{input}"),
                (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
            }
            // And through serde_json's own reader (its messages name the enum as the derive does).
            let ours = serde_json::from_value::<Listed>(input.clone()).map_err(|e| e.to_string());
            let derived = serde_json::from_value::<Derived>(input.clone()).map_err(|e| e.to_string().replace("Derived", "Listed"));
            match (ours, derived) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{input}"),
                (Err(a), Err(b)) => assert_eq!(a, b, "{input}"),
                (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
            }
        }
    }

    #[test]
    fn structs_come_from_objects_only() {
        // serde_json would read `[7, "x", …]` as the fields in order; nothing here writes that.
        assert!(from_value::<Wrapped>(json!([9])).is_err());
        let err = from_value::<Record>(json!([7, "x", [], null, "plain"])).unwrap_err();
        assert_eq!(err.to_string(), "invalid type: sequence, expected struct Record");
    }

    #[test]
    fn floats_in_messages_read_like_serde_json_ones() {
        for (value, text) in [(json!(1.5), "floating point `1.5`"), (json!(2.0), "floating point `2.0`"), (json!(-0.25), "floating point `-0.25`")] {
            let err = from_value::<u64>(value.clone()).unwrap_err().to_string();
            assert_eq!(err, format!("invalid type: {text}, expected u64"));
            assert_eq!(err, serde_json::from_value::<u64>(value).unwrap_err().to_string());
        }
    }
}
