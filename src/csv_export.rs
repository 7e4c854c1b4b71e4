//! Systim products → a Shoper product-import CSV file (shoper-api.md §8, low confidence: the
//! authoritative column list is unknown, so separators are configurable and the columns are
//! documented in `docs/csv-export.md` with their assumptions).
//!
//! One row per product: `product_code` is the key column the import matches on. Code-less Systim
//! products get the generated `SYSTIM-<id>` code, the same the product push gives them, so a later
//! sync recognises them. Fields are quoted RFC-4180 style when they hold the separator, a quote,
//! CR/LF or surrounding white space; text is UTF-8, Polish characters as they are.

use crate::domain::{ProductCode, SystimCategory, SystimProduct};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The header row, in order.
pub const COLUMNS: [&str; 9] = ["product_code", "name", "price", "tax", "category", "unit", "stock", "ean", "active"];

/// How the file is written. The defaults follow what real Shoper exports look like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    /// Column separator (`;`).
    pub field_separator: char,
    /// Decimal separator of prices and quantities (`.`; `,` for Polish spreadsheets).
    pub decimal_separator: char,
    /// Between the levels of a category path (`/`), as chosen in the import profile.
    pub category_separator: String,
    /// Start with a UTF-8 byte-order mark (for spreadsheets; off by default).
    pub bom: bool,
    /// End lines with CR LF (RFC 4180) instead of LF.
    pub crlf: bool,
    /// Systim warehouses whose stock is summed into `stock`; `None` sums all.
    pub stock_stores: Option<Vec<u64>>,
    /// Export services (`rodzaj` 1, e.g. the shipping product) too.
    pub include_services: bool,
    /// Export products hidden in Systim (with `active` 0).
    pub include_hidden: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            field_separator: ';',
            decimal_separator: '.',
            category_separator: "/".into(),
            bom: false,
            crlf: true,
            stock_stores: None,
            include_services: false,
            include_hidden: true,
        }
    }
}

impl CsvOptions {
    /// Polish messages for options that would make an unreadable file.
    pub fn validate(&self) -> Result<(), String> {
        let reserved = |c: char| matches!(c, '"' | '\r' | '\n');
        if reserved(self.field_separator) {
            return Err("Separator kolumn nie może być cudzysłowem ani znakiem nowej linii.".into());
        }
        if !matches!(self.decimal_separator, '.' | ',') {
            return Err("Separator dziesiętny musi być kropką lub przecinkiem.".into());
        }
        if self.category_separator.is_empty() || self.category_separator.chars().any(reserved) {
            return Err("Separator kategorii nie może być pusty ani zawierać cudzysłowu lub nowej linii.".into());
        }
        Ok(())
    }
}

/// The CSV file (header + one row per exported product) as a string.
pub fn export_products(products: &[SystimProduct], categories: &[SystimCategory], options: &CsvOptions) -> String {
    let paths = CategoryPaths::new(categories, &options.category_separator);
    let newline = if options.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    if options.bom {
        out.push('\u{feff}');
    }
    write_row(&mut out, COLUMNS.iter().map(|c| c.to_string()), options.field_separator, newline);
    for product in products.iter().filter(|p| exported(p, options)) {
        write_row(&mut out, row(product, &paths, options), options.field_separator, newline);
    }
    out
}

fn exported(product: &SystimProduct, options: &CsvOptions) -> bool {
    (options.include_services || !product.is_service) && (options.include_hidden || !product.hidden)
}

fn row(product: &SystimProduct, paths: &CategoryPaths, options: &CsvOptions) -> [String; 9] {
    let code = if product.code.is_blank() { ProductCode::generated_for(product.id) } else { product.code.clone() };
    let category = product.category_id.and_then(|id| paths.path(id)).or_else(|| product.category.clone()).unwrap_or_default();
    [
        code.0,
        product.name.clone(),
        decimal(i128::from(product.price_gross.0), 2, false, options.decimal_separator),
        product.vat.map(|v| v.label()).unwrap_or_default(),
        category,
        product.unit.clone(),
        stock(product, options),
        product.ean.clone(),
        if product.hidden { "0" } else { "1" }.to_string(),
    ]
}

/// Sum of the chosen warehouses; "" when Systim gave no figure (unknown is not 0).
fn stock(product: &SystimProduct, options: &CsvOptions) -> String {
    let counted: Vec<i128> = product
        .stock
        .iter()
        .filter(|(store, _)| options.stock_stores.as_ref().is_none_or(|chosen| chosen.contains(store)))
        .map(|(_, qty)| i128::from(qty.0))
        .collect();
    if counted.is_empty() {
        return String::new();
    }
    decimal(counted.iter().sum(), 3, true, options.decimal_separator)
}

/// A scaled integer as a decimal: `places` digits after `separator`, trailing zeros dropped when
/// `trim` (and the separator with them).
fn decimal(value: i128, places: u32, trim: bool, separator: char) -> String {
    let scale = 10u128.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let (int, frac) = (digits(value.unsigned_abs() / scale), value.unsigned_abs() % scale);
    let mut frac = format!("{:0width$}", frac as u64, width = places as usize);
    if trim {
        frac.truncate(frac.trim_end_matches('0').len());
    }
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}{separator}{frac}")
    }
}

/// `n` in decimal digits, written in `u64` pieces: the standard library's `u128` formatting
/// is 0.6 KB of the wasm for this one use.
fn digits(n: u128) -> String {
    const STEP: u128 = 10_000_000_000_000_000_000; // 10^19: what is below it fits a u64
    if n < STEP {
        (n as u64).to_string()
    } else {
        format!("{}{:019}", digits(n / STEP), (n % STEP) as u64)
    }
}

/// Full category paths (`Dom/Kuchnia/Kubki`) from the parent links.
struct CategoryPaths<'a> {
    by_id: crate::decode::ById<'a, SystimCategory>,
    separator: &'a str,
}

impl<'a> CategoryPaths<'a> {
    fn new(categories: &'a [SystimCategory], separator: &'a str) -> Self {
        CategoryPaths { by_id: crate::decode::by_id(categories, |c| c.id), separator }
    }

    /// Root first; a cycle in the parent links stops the walk.
    fn path(&self, id: u64) -> Option<String> {
        let mut names = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(id);
        while let Some(current) = next.filter(|c| seen.insert(*c)) {
            let Some(category) = self.by_id.get(current) else { break };
            names.push(category.name.trim());
            next = category.parent_id;
        }
        if names.is_empty() {
            return None;
        }
        names.reverse();
        Some(names.join(self.separator))
    }
}

fn write_row(out: &mut String, fields: impl IntoIterator<Item = String>, separator: char, newline: &str) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        write_field(out, &field, separator);
    }
    out.push_str(newline);
}

fn write_field(out: &mut String, field: &str, separator: char) {
    let needs_quotes = field.contains([separator, '"', '\r', '\n']) || field.trim() != field;
    if !needs_quotes {
        out.push_str(field);
        return;
    }
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VatRate;
    use crate::money::{Money, Qty};
    use proptest::prelude::*;

    /// The export read back by an independent reader (the `csv` crate), as a spreadsheet or
    /// Shoper's importer would: every row must have been written whole and unambiguous.
    fn parse(text: &str, separator: char) -> Vec<Vec<String>> {
        assert!(text.is_empty() || text.ends_with('\n'), "last line not terminated");
        let mut reader = csv::ReaderBuilder::new().delimiter(separator as u8).has_headers(false).flexible(true).from_reader(text.as_bytes());
        reader.records().map(|r| r.expect("a well-formed CSV row").iter().map(str::to_string).collect()).collect()
    }

    fn kubek() -> SystimProduct {
        SystimProduct {
            id: 12,
            code: ProductCode::new("KUB-300"),
            ean: "5901234123457".into(),
            name: "Kubek 300 ml".into(),
            price_gross: Money(3_000),
            price_net: Money(2_439),
            vat_id: Some(1),
            vat: Some(VatRate::Percent(23)),
            category_id: Some(3),
            category: Some("Kubki".into()),
            unit: "szt.".into(),
            is_service: false,
            hidden: false,
            stock: vec![(1, Qty(17_000)), (2, Qty(2_500))],
        }
    }

    fn categories() -> Vec<SystimCategory> {
        vec![
            SystimCategory { id: 1, name: "Dom".into(), parent_id: None },
            SystimCategory { id: 2, name: "Kuchnia".into(), parent_id: Some(1) },
            SystimCategory { id: 3, name: "Kubki".into(), parent_id: Some(2) },
        ]
    }

    fn rows_of(products: &[SystimProduct], options: &CsvOptions) -> Vec<Vec<String>> {
        let text = export_products(products, &categories(), options);
        parse(text.strip_prefix('\u{feff}').unwrap_or(&text), options.field_separator)
    }

    #[test]
    fn header_and_a_plain_row() {
        let text = export_products(&[kubek()], &categories(), &CsvOptions::default());
        assert_eq!(
            text,
            "product_code;name;price;tax;category;unit;stock;ean;active\r\n\
             KUB-300;Kubek 300 ml;30.00;23%;Dom/Kuchnia/Kubki;szt.;19.5;5901234123457;1\r\n"
        );
    }

    #[test]
    fn awkward_text_is_quoted_and_reads_back_intact() {
        let mut p = kubek();
        p.name = "Zażółć gęślą jaźń; \"ŻÓŁW\"\nlinia 2\r\nlinia 3".into();
        p.code = ProductCode::new(" KUB 300 ");
        p.unit = "op;5".into();
        let rows = rows_of(&[p.clone()], &CsvOptions::default());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], " KUB 300 ");
        assert_eq!(rows[1][1], p.name);
        assert_eq!(rows[1][5], "op;5");
        let text = export_products(&[p], &[], &CsvOptions::default());
        assert!(text.contains("\"Zażółć gęślą jaźń; \"\"ŻÓŁW\"\"\nlinia 2\r\nlinia 3\""));
    }

    #[test]
    fn bom_on_and_off_and_line_ends() {
        let with_bom = export_products(&[kubek()], &[], &CsvOptions { bom: true, ..CsvOptions::default() });
        assert!(with_bom.starts_with("\u{feff}product_code;"));
        assert_eq!(with_bom.as_bytes()[..3], [0xef, 0xbb, 0xbf]);
        let plain = export_products(&[kubek()], &[], &CsvOptions { crlf: false, ..CsvOptions::default() });
        assert!(plain.starts_with("product_code;") && !plain.contains('\r'));
    }

    #[test]
    fn digits_are_the_standard_formatting_of_u128() {
        for n in [
            0,
            7,
            10_000_000_000_000_000_000 - 1,
            10_000_000_000_000_000_000,
            10_000_000_000_000_000_001,
            u128::from(u64::MAX) * 3 + 5,
            i128::MAX as u128 + 1,
            u128::MAX,
        ] {
            assert_eq!(digits(n), n.to_string());
        }
        assert_eq!(decimal(-(i128::from(i64::MAX) * 3), 3, true, ','), format!("-{},{}", i128::from(i64::MAX) * 3 / 1000, i128::from(i64::MAX) * 3 % 1000));
    }

    #[test]
    fn decimal_and_category_separators_are_configurable() {
        let options = CsvOptions { decimal_separator: ',', category_separator: " > ".into(), ..CsvOptions::default() };
        let rows = rows_of(&[kubek()], &options);
        assert_eq!((rows[1][2].as_str(), rows[1][4].as_str(), rows[1][6].as_str()), ("30,00", "Dom > Kuchnia > Kubki", "19,5"));
        // Comma as both field and decimal separator: numbers get quoted and still read back.
        let options = CsvOptions { field_separator: ',', decimal_separator: ',', ..CsvOptions::default() };
        let text = export_products(&[kubek()], &categories(), &options);
        assert!(text.contains(",\"30,00\","));
        assert_eq!(parse(&text, ',')[1][2], "30,00");
    }

    #[test]
    fn code_less_products_get_the_generated_code() {
        let mut p = kubek();
        p.code = ProductCode::new("  ");
        assert_eq!(rows_of(&[p], &CsvOptions::default())[1][0], "SYSTIM-12");
    }

    #[test]
    fn stock_sums_chosen_warehouses_and_unknown_stays_empty() {
        let only_first = CsvOptions { stock_stores: Some(vec![1]), ..CsvOptions::default() };
        assert_eq!(rows_of(&[kubek()], &only_first)[1][6], "17");
        let mut p = kubek();
        p.stock = vec![];
        assert_eq!(rows_of(&[p.clone()], &CsvOptions::default())[1][6], "");
        p.stock = vec![(1, Qty(-1_250)), (2, Qty(i64::MAX)), (3, Qty(i64::MAX))];
        let huge = rows_of(&[p], &CsvOptions::default())[1][6].clone();
        assert_eq!(huge, "18446744073709550.364", "2 × i64::MAX − 1250 thousandths, no overflow");
        assert_eq!(decimal(-7, 2, false, '.'), "-0.07");
        assert_eq!(decimal(5_000, 3, true, ','), "5");
    }

    #[test]
    fn services_and_hidden_products() {
        let mut shipping = kubek();
        shipping.is_service = true;
        shipping.id = 13;
        let mut hidden = kubek();
        hidden.hidden = true;
        hidden.id = 14;
        hidden.code = ProductCode::new("HID");
        let products = [shipping, hidden];
        let rows = rows_of(&products, &CsvOptions::default());
        assert_eq!(rows.iter().skip(1).map(|r| (r[0].as_str(), r[8].as_str())).collect::<Vec<_>>(), [("HID", "0")]);
        let all = CsvOptions { include_services: true, ..CsvOptions::default() };
        assert_eq!(rows_of(&products, &all).len(), 3);
        let visible_only = CsvOptions { include_hidden: false, ..CsvOptions::default() };
        assert_eq!(rows_of(&products, &visible_only).len(), 1);
    }

    #[test]
    fn category_fallbacks_and_cycles() {
        let mut p = kubek();
        p.category_id = Some(99);
        assert_eq!(rows_of(&[p.clone()], &CsvOptions::default())[1][4], "Kubki");
        p.category_id = None;
        p.category = None;
        p.vat = None;
        let row = rows_of(&[p], &CsvOptions::default())[1].clone();
        assert_eq!((row[3].as_str(), row[4].as_str()), ("", ""));
        let cyclic = [SystimCategory { id: 1, name: "A".into(), parent_id: Some(2) }, SystimCategory { id: 2, name: "B".into(), parent_id: Some(1) }];
        assert_eq!(CategoryPaths::new(&cyclic, "/").path(1).as_deref(), Some("B/A"));
    }

    #[test]
    fn exempt_rates_keep_their_names() {
        for (rate, label) in [(VatRate::Exempt, "zw."), (VatRate::NotSubject, "np."), (VatRate::Percent(0), "0%")] {
            let mut p = kubek();
            p.vat = Some(rate);
            assert_eq!(rows_of(&[p], &CsvOptions::default())[1][3], label);
        }
    }

    #[test]
    fn options_are_validated_in_polish() {
        assert!(CsvOptions::default().validate().is_ok());
        assert!(CsvOptions { field_separator: '"', ..CsvOptions::default() }.validate().is_err());
        assert!(CsvOptions { decimal_separator: ';', ..CsvOptions::default() }.validate().is_err());
        assert!(CsvOptions { category_separator: String::new(), ..CsvOptions::default() }.validate().unwrap_err().contains("kategorii"));
        let from_old_settings: CsvOptions = serde_json::from_str(r#"{"bom": true}"#).unwrap();
        assert_eq!(from_old_settings, CsvOptions { bom: true, ..CsvOptions::default() });
    }

    proptest! {
        #[test]
        fn any_text_round_trips(
            name in "\\PC{0,20}|[;\"\r\n ąęłŻ]{0,8}",
            code in "[ A-Za-z0-9;\"\n-]{0,10}",
            unit in "\\PC{0,6}",
            sep in prop::sample::select(vec![';', ',', '\t', '|']),
            bom in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let mut p = kubek();
            p.name = name.clone();
            p.code = ProductCode::new(code.clone());
            p.unit = unit.clone();
            let options = CsvOptions { field_separator: sep, bom, crlf, ..CsvOptions::default() };
            let text = export_products(&[p.clone()], &categories(), &options);
            let rows = parse(text.strip_prefix('\u{feff}').unwrap_or(&text), sep);
            prop_assert_eq!(rows.len(), 2);
            prop_assert_eq!(rows[0].len(), COLUMNS.len());
            prop_assert_eq!(rows[1].len(), COLUMNS.len());
            let expected_code = if p.code.is_blank() { "SYSTIM-12".to_string() } else { code };
            prop_assert_eq!(&rows[1][0], &expected_code);
            prop_assert_eq!(&rows[1][1], &name);
            prop_assert_eq!(&rows[1][5], &unit);
        }
    }
}
