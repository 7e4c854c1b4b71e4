//! `application/x-www-form-urlencoded` bodies with PHP bracket keys, as Systim's `jsonAPI.php`
//! reads them: `produkty[0][id]=12&produkty[0][ilosc]=2`. Nested JSON flattens the way PHP's
//! `http_build_query` does: objects and arrays become bracketed keys, `null` and empty
//! containers are left out, booleans become `1`/`0`. Brackets are percent-encoded on the wire
//! (PHP decodes both forms).

use serde_json::Value;
use std::fmt;

/// Keys whose values never show in `Debug`.
const SECRET_KEYS: &[&str] = &["pass", "token", "password", "api_key"];

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub fn new() -> Self {
        Form::default()
    }

    /// One plain field (the key may already carry brackets: `produkty[0][id]`).
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.pairs.push((key.into(), value.into()));
        self
    }

    /// A JSON value under `key`, flattened into bracket keys.
    pub fn value(mut self, key: &str, value: &Value) -> Self {
        flatten(key, value, &mut self.pairs);
        self
    }

    /// Every member of a JSON object as a top-level field (non-objects add nothing).
    pub fn object(mut self, object: &Value) -> Self {
        if let Value::Object(map) = object {
            for (key, value) in map {
                flatten(key, value, &mut self.pairs);
            }
        }
        self
    }

    /// All fields of `other` after this form's.
    pub fn extend(mut self, other: &Form) -> Self {
        self.pairs.extend(other.pairs.iter().cloned());
        self
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The URL-encoded body (UTF-8, spaces as `+`).
    pub fn encode(&self) -> String {
        encode_pairs(&self.pairs)
    }
}

/// `key=value&…` in `application/x-www-form-urlencoded` (as the `form_urlencoded` crate writes
/// it: `A-Z a-z 0-9 * - . _` as they are, a space as `+`, every other byte as `%XX`). Also the
/// query strings of URLs.
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    fn push_encoded(out: &mut String, text: &str) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for b in text.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(b)),
                b' ' => out.push('+'),
                _ => {
                    out.push('%');
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 15)]));
                }
            }
        }
    }
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(&mut out, key);
        out.push('=');
        push_encoded(&mut out, value);
    }
    out
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.pairs.iter().map(|(k, v)| {
            let hidden = SECRET_KEYS.contains(&k.as_str());
            (k.as_str(), if hidden { "***" } else { v.as_str() })
        });
        f.debug_map().entries(shown).finish()
    }
}

fn flatten(key: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((key.to_string(), if *b { "1" } else { "0" }.to_string())),
        Value::Number(n) => out.push((key.to_string(), n.to_string())),
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{key}[{i}]"), item, out);
            }
        }
        Value::Object(map) => {
            for (sub, item) in map {
                flatten(&format!("{key}[{sub}]"), item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encoding_is_the_form_urlencoded_crates() {
        let texts = ["", "a b", "Jan & Syn", "żółw=100%", "*-._~!'()+,/:;?@[]#$\"", "\u{0}\u{7f}\u{80}€𝄞", "ascii09AZaz"];
        let pairs: Vec<(String, String)> = texts.iter().flat_map(|k| texts.iter().map(move |v| (k.to_string(), v.to_string()))).collect();
        let mut theirs = form_urlencoded::Serializer::new(String::new());
        theirs.extend_pairs(pairs.iter());
        assert_eq!(encode_pairs(&pairs), theirs.finish());
        assert_eq!(encode_pairs(&[]), "");
        let decoded: Vec<(String, String)> = form_urlencoded::parse(encode_pairs(&pairs).as_bytes()).into_owned().collect();
        assert_eq!(decoded, pairs);
    }

    #[test]
    fn nested_values_become_php_brackets() {
        let order = json!({
            "nazwa": "Jan & Syn",
            "naliczanie_brutto": true,
            "uwagi": null,
            "puste": [],
            "produkty": [{"id": 12, "ilosc": "2", "cena": "30.00"}, {"id": 13, "ilosc": "1.5"}],
        });
        let form = Form::new().field("act", "addOrder").object(&order);
        let keys: Vec<&str> = form.pairs().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["act", "nazwa", "naliczanie_brutto", "produkty[0][id]", "produkty[0][ilosc]", "produkty[0][cena]", "produkty[1][id]", "produkty[1][ilosc]"]
        );
        assert_eq!(form.get("naliczanie_brutto"), Some("1"));
        assert_eq!(form.get("produkty[1][ilosc]"), Some("1.5"));
    }

    #[test]
    fn encoding_percent_encodes_brackets_and_utf8() {
        let form = Form::new().field("produkty[0][nazwa]", "Żółw ą").value("x", &json!({"a": [1]}));
        assert_eq!(form.encode(), "produkty%5B0%5D%5Bnazwa%5D=%C5%BB%C3%B3%C5%82w+%C4%85&x%5Ba%5D%5B0%5D=1");
        let decoded: Vec<(String, String)> = form_urlencoded::parse(form.encode().as_bytes()).into_owned().collect();
        assert_eq!(decoded, form.pairs());
    }

    #[test]
    fn debug_hides_secrets() {
        let form = Form::new().field("login", "jan").field("pass", "tajny-klucz").field("token", "abc123abc");
        let shown = format!("{form:?}");
        assert!(!shown.contains("tajny-klucz") && !shown.contains("abc123abc"), "{shown}");
        assert!(shown.contains("jan"));
    }
}
