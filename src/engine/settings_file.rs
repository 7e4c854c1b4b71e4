//! The settings file: the merchant's setup as one JSON file, so that a second browser or a
//! reinstall keeps it ("Eksportuj ustawienia" / "Importuj ustawienia", `docs/messages.md`).
//!
//! ```json
//! {"format": "shoper-systim-settings", "version": 1, "exported": "2026-12-05", "app": "0.1.0",
//!  "keys": false, "settings": {…Settings…},
//!  "connection": {"shopUrl", "shoperAuth", "shoperLogin", "systimAccount", "systimLogin"
//!                 (+ "shoperPassword", "shoperToken", "systimKey" only when "keys" is true)}}
//! ```
//!
//! Reading is all or nothing: a file that is not one, of a newer format, or with any value this
//! version cannot use is refused with a Polish message naming what is wrong, and nothing changes.
//! Fields this version does not know are named (`ignored`), not guessed at.

use super::connection::{Connection, FieldError};
use crate::plan::Lang;
use crate::settings::Settings;
use crate::texts;
use serde_json::{json, Map, Value};

/// The `format` every settings file carries.
pub const FORMAT: &str = "shoper-systim-settings";
/// The file format this version writes and reads. A later format that this one cannot read is
/// refused; an older one is read field by field (settings keep their defaults where missing).
pub const VERSION: u64 = 1;
/// Larger files are refused unread (a settings file is a few kilobytes).
pub const MAX_BYTES: usize = 512 * 1024;

/// The connection's fields that are keys.
const SECRETS: [&str; 3] = ["shoperPassword", "shoperToken", "systimKey"];

/// The file's JSON text: the settings, the connection (its keys only when `with_keys`), the day.
pub fn export(settings: &Settings, connection: &Connection, with_keys: bool, day: &str) -> String {
    let mut conn = match serde_json::to_value(connection) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if !with_keys {
        for key in SECRETS {
            conn.remove(key);
        }
    }
    let file = json!({
        "format": FORMAT,
        "version": VERSION,
        "exported": day,
        "app": env!("CARGO_PKG_VERSION"),
        "keys": with_keys,
        "settings": settings,
        "connection": conn,
    });
    // (`{:#}`: serde_json's indented text, written by `Value`'s own writer, the one every JSON
    // text of the wasm goes through)
    format!("{file:#}")
}

/// A settings file that can be applied.
#[derive(Debug)]
pub struct SettingsFile {
    pub settings: Settings,
    /// `None` when the file names no shop and no Systim account.
    pub connection: Option<Connection>,
    /// The file carries the keys.
    pub keys: bool,
    pub exported: String,
    /// Setting fields of the file this version does not know (left aside).
    pub ignored: Vec<String>,
}

/// Why a file was refused: a code, both texts, and the fields at fault (if any).
#[derive(Debug, PartialEq, Eq)]
pub struct FileError {
    pub code: &'static str,
    pub message_pl: String,
    pub message_en: String,
    pub fields: Vec<FieldError>,
}

const NOTHING_CHANGED_PL: &str = "Nic nie zmieniono.";
const NOTHING_CHANGED_EN: &str = "Nothing was changed.";

fn refused(code: &'static str, pl: &str, en: &str) -> FileError {
    FileError { code, message_pl: format!("{pl} {NOTHING_CHANGED_PL}"), message_en: format!("{en} {NOTHING_CHANGED_EN}"), fields: Vec::new() }
}

fn field(field: &str, pl: &str, en: &str) -> FieldError {
    FieldError { field: field.to_string(), message_pl: pl.to_string(), message_en: en.to_string() }
}

/// Read a settings file, checking everything before anything is applied.
pub fn parse(content: &str) -> Result<SettingsFile, FileError> {
    let not_ours =
        || refused("settings_file_unreadable", texts::t(Lang::Pl, "core_eng_this_is_not_a_shoper"), texts::t(Lang::En, "core_eng_this_is_not_a_shoper"));
    if content.len() > MAX_BYTES {
        return Err(not_ours());
    }
    let Ok(Value::Object(file)) = serde_json::from_str::<Value>(content.trim_start_matches('\u{feff}')) else { return Err(not_ours()) };
    if file.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(not_ours());
    }
    let version = file.get("version").and_then(Value::as_u64).filter(|v| *v >= 1).ok_or_else(not_ours)?;
    if version > VERSION {
        return Err(refused(
            "settings_file_version",
            &format!("Plik pochodzi z nowszej wersji rozszerzenia (format {version}); ta wersja zna format {VERSION}. Zaktualizuj rozszerzenie i wczytaj plik ponownie."),
            &format!("The file comes from a newer version of the extension (format {version}); this version knows format {VERSION}. Update the extension and import the file again."),
        ));
    }
    let stored = file.get("settings").filter(|s| s.is_object()).ok_or_else(not_ours)?;
    let (settings, refused_fields) = Settings::from_stored(stored);
    let mut fields: Vec<FieldError> = refused_fields
        .iter()
        .map(|f| {
            field(
                &format!("settings.{f}"),
                &texts::fill(Lang::Pl, "core_eng_invalid_value_of_the_setting", &[&f.to_string()]),
                &texts::fill(Lang::En, "core_eng_invalid_value_of_the_setting", &[&f.to_string()]),
            )
        })
        .collect();
    if fields.is_empty() {
        fields.extend(settings.validate().into_iter().map(|e| field(&format!("settings.{}", e.field), &e.message_pl, &e.message_en)));
    }
    let connection = match file.get("connection") {
        None | Some(Value::Null) => None,
        Some(c @ Value::Object(_)) => match crate::json::from_value::<Connection>(c.clone()) {
            Ok(conn) if conn.shop_url.trim().is_empty() && conn.systim_account.trim().is_empty() => None,
            Ok(conn) => Some(conn),
            Err(_) => {
                fields.push(field(
                    "connection",
                    texts::t(Lang::Pl, "core_eng_the_connection_in_the_file"),
                    texts::t(Lang::En, "core_eng_the_connection_in_the_file"),
                ));
                None
            }
        },
        Some(_) => {
            fields.push(field(
                "connection",
                texts::t(Lang::Pl, "core_eng_the_connection_in_the_file"),
                texts::t(Lang::En, "core_eng_the_connection_in_the_file"),
            ));
            None
        }
    };
    if !fields.is_empty() {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        return Err(FileError {
            code: "settings_file_invalid",
            message_pl: format!("Plik zawiera wartości, których ta wersja nie może użyć: {}. {NOTHING_CHANGED_PL}", names.join(", ")),
            message_en: format!("The file holds values this version cannot use: {}. {NOTHING_CHANGED_EN}", names.join(", ")),
            fields,
        });
    }
    let keys = file.get("keys").and_then(Value::as_bool).unwrap_or(false) && connection.as_ref().is_some_and(|c| !c.secrets().is_empty());
    Ok(SettingsFile {
        settings,
        connection,
        keys,
        exported: file.get("exported").and_then(Value::as_str).unwrap_or("").to_string(),
        ignored: unknown_fields(stored),
    })
}

/// Setting fields (top level and one level down, where `Settings` has its sections) that this
/// version does not have.
fn unknown_fields(stored: &Value) -> Vec<String> {
    let known = serde_json::to_value(Settings::default()).unwrap_or_default();
    let mut out = Vec::new();
    for (key, value) in stored.as_object().into_iter().flatten() {
        match known.get(key) {
            None => out.push(key.clone()),
            Some(Value::Object(section)) => {
                for sub in value.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if !section.contains_key(sub) {
                        out.push(format!("{key}.{sub}"));
                    }
                }
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{OrderDiscountPolicy, StartPoint};

    fn connection() -> Connection {
        Connection {
            shop_url: "https://sklep.example.pl".into(),
            shoper_login: "webapi".into(),
            shoper_password: "Tajne!Haslo123".into(),
            systim_account: "firma".into(),
            systim_login: "ja@firma.pl".into(),
            systim_key: "0123456789abcdef".into(),
            ..Connection::default()
        }
    }

    fn settings() -> Settings {
        let mut s = Settings { interval_minutes: 15, ..Settings::default() };
        s.orders.start = StartPoint::Date("2026-11-01".into());
        s.orders.order_discount = OrderDiscountPolicy::Hold;
        s.orders.shipping_product_id = Some(42);
        s
    }

    #[test]
    fn a_file_reads_back_what_was_exported_and_keys_only_when_asked() {
        let without = export(&settings(), &connection(), false, "2026-12-05");
        for secret in connection().secrets() {
            assert!(!without.contains(secret), "a key in a file without keys");
        }
        let file = parse(&without).unwrap();
        assert_eq!(file.settings, settings());
        assert!(!file.keys);
        let conn = file.connection.unwrap();
        assert_eq!((conn.shop_url.as_str(), conn.systim_login.as_str(), conn.systim_key.as_str()), ("https://sklep.example.pl", "ja@firma.pl", ""));
        assert_eq!(file.exported, "2026-12-05");
        assert!(file.ignored.is_empty());
        // A file a person can read: serde_json's indented text, one field a line.
        assert_eq!(without, serde_json::to_string_pretty(&serde_json::from_str::<Value>(&without).unwrap()).unwrap());

        let with = parse(&export(&settings(), &connection(), true, "2026-12-05")).unwrap();
        assert!(with.keys);
        assert_eq!(with.connection.unwrap(), connection());
    }

    #[test]
    fn anything_but_a_settings_file_is_refused_in_polish() {
        let file = export(&settings(), &connection(), false, "2026-12-05");
        let cases = [
            ("", "settings_file_unreadable"),
            ("nie json", "settings_file_unreadable"),
            ("[1, 2]", "settings_file_unreadable"),
            (r#"{"orders": {}}"#, "settings_file_unreadable"),
            (&file.replace(FORMAT, "inny-format"), "settings_file_unreadable"),
            (&file.replace("\"version\": 1", "\"version\": 0"), "settings_file_unreadable"),
            (&file.replace("\"version\": 1", "\"version\": 2"), "settings_file_version"),
            (&file.replace("\"interval_minutes\": 15", "\"interval_minutes\": \"często\""), "settings_file_invalid"),
            (&file.replace("\"interval_minutes\": 15", "\"interval_minutes\": 0"), "settings_file_invalid"),
            (&file.replace("\"order_discount\": \"hold\"", "\"order_discount\": \"czasem\""), "settings_file_invalid"),
            (&file.replace("\"shopUrl\": \"https://sklep.example.pl\"", "\"shopUrl\": 5"), "settings_file_invalid"),
        ];
        for (content, code) in cases {
            let e = parse(content).unwrap_err();
            assert_eq!(e.code, code, "{content}");
            assert!(e.message_pl.ends_with("Nic nie zmieniono."), "{}", e.message_pl);
        }
        let newer = parse(&file.replace("\"version\": 1", "\"version\": 2")).unwrap_err();
        assert!(newer.message_pl.contains("nowszej wersji") && newer.message_pl.contains("format 2"), "{}", newer.message_pl);
        let bad = parse(&file.replace("\"interval_minutes\": 15", "\"interval_minutes\": 0")).unwrap_err();
        assert_eq!(bad.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["settings.interval_minutes"]);
        assert!(bad.fields[0].message_pl.contains("1 do 1440"), "{}", bad.fields[0].message_pl);
        let unknown = parse(&file.replace("\"order_discount\": \"hold\"", "\"order_discount\": \"czasem\"")).unwrap_err();
        assert!(unknown.message_pl.contains("orders.order_discount"), "{}", unknown.message_pl);
    }

    #[test]
    fn fields_of_a_later_version_are_named_and_left_aside() {
        let file =
            export(&settings(), &connection(), false, "2026-12-05").replace("\"interval_minutes\": 15", "\"interval_minutes\": 15, \"night_mode\": true");
        let file = file.replace("\"push_zeros\": true", "\"push_zeros\": true, \"round_up\": false");
        let read = parse(&file).unwrap();
        assert_eq!(read.ignored, ["night_mode", "stock.round_up"]);
        assert_eq!(read.settings, settings());
    }

    #[test]
    fn an_older_file_without_newer_settings_takes_their_defaults() {
        let old =
            r#"{"format": "shoper-systim-settings", "version": 1, "settings": {"interval_minutes": 30, "orders": {"missing_product": "import_without_line"}}}"#;
        let read = parse(old).unwrap();
        assert_eq!(read.settings.interval_minutes, 30);
        assert_eq!(read.settings.orders.order_discount, OrderDiscountPolicy::Spread);
        assert!(read.connection.is_none() && !read.keys);
    }
}
