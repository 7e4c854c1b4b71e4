//! The merchant's texts the core renders (reasons, advice, badges, error messages…), in Polish
//! and English, as data with one source: the extension's `_locales/{pl,en}/messages.json`, keys
//! `core_…` (`docs/ARCHITECTURE.md`, "Texts"). A text may hold `$1`…`$9` (filled in order by
//! [`fill`]) and `$$` (a dollar sign), as in `chrome.i18n`; `extension/tools/check-locales.mjs`
//! checks both files have the same keys and the same placeholders, and that every `"core_…"` key
//! the Rust sources name exists.
//!
//! Natively (tests, benches, soaks) the table is the two files as built into the binary. In the
//! wasm it is handed over once by the background (`init_core`), which fetched the same two files:
//! the wasm's engine exists only after that, so no run can render a text before the table is
//! there. Were a text asked for without it all the same, its key is given back (never an empty
//! text).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Which language a text is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Pl,
    En,
}

/// The core's texts of both languages: key → text.
pub struct Texts {
    pl: Map<String, Value>,
    en: Map<String, Value>,
}

static TEXTS: OnceLock<Texts> = OnceLock::new();

impl Texts {
    /// The `core_…` texts out of the two `messages.json` files (their text). Refused: a file that
    /// is not a JSON object, a text that is not a string or is empty, a key only one file has.
    pub fn parse(pl: &str, en: &str) -> Result<Texts, String> {
        let texts = Texts { pl: core_texts(pl, "pl")?, en: core_texts(en, "en")? };
        if let Some(key) = texts.pl.keys().find(|k| !texts.en.contains_key(*k)).or_else(|| texts.en.keys().find(|k| !texts.pl.contains_key(*k))) {
            return Err(format!("the core's text {key} is in one language only"));
        }
        if texts.pl.is_empty() {
            return Err("no core texts (keys core_…) in messages.json".into());
        }
        Ok(texts)
    }

    fn get(&self, lang: Lang, key: &str) -> Option<&str> {
        let map = match lang {
            Lang::Pl => &self.pl,
            Lang::En => &self.en,
        };
        map.get(key).and_then(Value::as_str)
    }
}

fn core_texts(file: &str, lang: &str) -> Result<Map<String, Value>, String> {
    let Ok(Value::Object(all)) = serde_json::from_str::<Value>(file) else {
        return Err(format!("_locales/{lang}/messages.json is not a JSON object"));
    };
    let mut out = Map::new();
    for (key, entry) in all {
        if !key.starts_with("core_") {
            continue;
        }
        match entry.get("message").and_then(Value::as_str) {
            Some(text) if !text.trim().is_empty() => out.insert(key, Value::String(text.to_string())),
            _ => return Err(format!("_locales/{lang}/messages.json: {key} has no text")),
        };
    }
    Ok(out)
}

/// Hands the table over (the wasm's `init_core`, the wasm tests). The first table stays: a
/// second call changes nothing (the files are the extension's own and cannot change while it
/// runs).
pub fn load(pl: &str, en: &str) -> Result<(), String> {
    let texts = Texts::parse(pl, en)?;
    let _ = TEXTS.set(texts);
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn table() -> Option<&'static Texts> {
    Some(TEXTS.get_or_init(|| {
        Texts::parse(include_str!("../extension/_locales/pl/messages.json"), include_str!("../extension/_locales/en/messages.json"))
            .unwrap_or_else(|e| panic!("extension/_locales: {e}"))
    }))
}

#[cfg(target_arch = "wasm32")]
fn table() -> Option<&'static Texts> {
    TEXTS.get()
}

/// Whether the table is there (the wasm: after `init_core`; natively always).
pub fn loaded() -> bool {
    table().is_some()
}

/// The text of `key` in `lang`, if the table has it.
pub fn get(lang: Lang, key: &str) -> Option<&'static str> {
    table().and_then(|t| t.get(lang, key))
}

/// The text of `key` in `lang` (its key if it has none: a test then fails, a page shows the key).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    get(lang, key).unwrap_or(key)
}

/// The text of `key` with `$1`…`$9` replaced by `args` in order (`$$`: a dollar sign).
pub fn fill(lang: Lang, key: &str, args: &[&str]) -> String {
    substitute(get(lang, key).unwrap_or(key), args)
}

fn substitute(text: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        match rest.as_bytes().get(at + 1).copied() {
            Some(b'$') => out.push('$'),
            Some(d @ b'1'..=b'9') => out.push_str(args.get(usize::from(d - b'1')).copied().unwrap_or("")),
            _ => {
                out.push('$');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// Both languages of `key`: (Polish, English).
pub fn both(key: &'static str) -> (String, String) {
    (t(Lang::Pl, key).to_string(), t(Lang::En, key).to_string())
}

/// Both languages of `key` filled with the same `args`.
pub fn both_fill(key: &str, args: &[&str]) -> (String, String) {
    (fill(Lang::Pl, key, args), fill(Lang::En, key, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_order_and_dollars_kept() {
        assert_eq!(substitute("a $2 b $1 c $$ d $3 e $", &["x", "y"]), "a y b x c $ d  e $");
        assert_eq!(substitute("$1$1", &["ź"]), "źź");
        assert_eq!(substitute("no placeholder", &["x"]), "no placeholder");
    }

    #[test]
    fn only_the_core_keys_are_kept_and_both_languages_read() {
        let texts =
            Texts::parse(r#"{"core_x": {"message": "po polsku"}, "ui": {"message": "x"}}"#, r#"{"core_x": {"message": "in English"}, "ui": {"message": "y"}}"#)
                .unwrap();
        assert_eq!(texts.get(Lang::Pl, "core_x"), Some("po polsku"));
        assert_eq!(texts.get(Lang::En, "core_x"), Some("in English"));
        assert_eq!(texts.get(Lang::Pl, "ui"), None);
        // the built-in table is the extension's files
        assert_eq!(t(Lang::Pl, "core_reason_blank_code"), "Brak kodu produktu");
        assert_eq!(t(Lang::En, "core_reason_blank_code"), "No product code");
        assert_eq!(t(Lang::En, "core_no_such_key"), "core_no_such_key", "a missing text shows its key, never nothing");
    }

    #[test]
    fn a_key_in_one_language_only_or_an_empty_text_is_refused() {
        assert!(Texts::parse(r#"{"core_a": {"message": "x"}}"#, r#"{"core_b": {"message": "x"}}"#).is_err());
        assert!(Texts::parse(r#"{"core_a": {"message": " "}}"#, r#"{"core_a": {"message": "x"}}"#).is_err());
        assert!(Texts::parse(r#"{"core_a": {"message": "x"}}"#, r#"{"core_a": {}}"#).is_err());
        assert!(Texts::parse("[]", "{}").is_err());
        assert!(Texts::parse("{}", "{}").is_err(), "a file without the core's texts");
    }
}
