//! Suggested mappings: which Systim entry a shop's payment, delivery or warehouse most likely is,
//! by name. Pure. The options page shows each pair as a proposal the merchant accepts — nothing
//! here is ever applied unseen.
//!
//! Names are compared Polish-aware: letter case (the Unicode tables of [`crate::case`]) and
//! diacritics (`ą ć ę ł ń ó ś ź ż`) do not count, punctuation separates words. A pair is proposed
//! when both names are the same after that, or when both name the same kind of thing (Kurier,
//! Paczkomat, Odbiór osobisty, Poczta; Przelew, Pobranie, Gotówka, Karta…), or when most of their
//! words agree — and only when one Systim entry is clearly the best.

/// Which mapping a proposal is for: it chooses the words that name a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    Payment,
    Delivery,
    Warehouse,
}

/// Why a pair is proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The same name (case and diacritics aside).
    SameName,
    /// Both name this kind (`kurier`, `przelew`…).
    SameKind(&'static str),
    /// Most of their words agree.
    SimilarName,
}

/// One proposed pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub shop_id: u64,
    pub systim_id: u64,
    pub why: Why,
}

/// A kind and the ways of naming it: each alternative is a set of word stems that must all be
/// there (a word matches a stem it starts with). The first kind that matches wins, so the more
/// specific come first.
type Kinds = &'static [(&'static str, &'static [&'static [&'static str]])];

const DELIVERY: Kinds = &[
    ("odbior_osobisty", &[&["odbior", "osobist"], &["odbior", "sklep"], &["odbior", "wlasn"], &["osobist"], &["pickup"]]),
    ("paczkomat", &[&["paczkomat"], &["locker"], &["automat"]]),
    ("poczta", &[&["poczt"], &["pocztex"], &["post"]]),
    ("kurier", &[&["kurier"], &["courier"], &["dpd"], &["dhl"], &["ups"], &["gls"], &["fedex"], &["geis"]]),
];

const PAYMENT: Kinds = &[
    ("pobranie", &[&["pobran"], &["przy", "odbior"], &["cod"], &["cash", "delivery"]]),
    ("kompensata", &[&["kompensat"], &["saldami"], &["potraceni"]]),
    ("barter", &[&["barter"]]),
    ("karta", &[&["kart"], &["card"]]),
    ("gotowka", &[&["gotowk"], &["cash"]]),
    ("przelew", &[&["przelew"], &["transfer"], &["bank"], &["payu"], &["blik"], &["p24"], &["tpay"], &["dotpay"], &["paynow"], &["online"]]),
];

/// Polish letters without their marks (lower case).
fn plain(c: char) -> char {
    match c {
        'ą' => 'a',
        'ć' => 'c',
        'ę' => 'e',
        'ł' => 'l',
        'ń' => 'n',
        'ó' => 'o',
        'ś' => 's',
        'ź' | 'ż' => 'z',
        'ä' | 'á' | 'à' | 'â' => 'a',
        'é' | 'è' | 'ë' | 'ě' => 'e',
        'ö' | 'ô' => 'o',
        'ü' | 'ú' | 'ů' => 'u',
        'č' => 'c',
        'š' => 's',
        'ž' => 'z',
        'ř' => 'r',
        other => other,
    }
}

/// The words of a name: lower case, without diacritics, split on anything but letters and digits.
pub fn words(name: &str) -> Vec<String> {
    // letters: ASCII ones and digits, and the Latin letters with marks (U+00C0–U+024F but × and
    // ÷) — dashes, quotes and the like separate words (no Unicode tables needed for that)
    let letter = |c: char| c.is_ascii_alphanumeric() || (('\u{c0}'..='\u{24f}').contains(&c) && c != '×' && c != '÷');
    let folded: String = name.chars().flat_map(crate::case::to_lower).map(plain).map(|c| if letter(c) { c } else { ' ' }).collect();
    folded.split_whitespace().map(str::to_string).collect()
}

fn kind_of(words: &[String], kinds: Kinds) -> Option<&'static str> {
    let has = |stem: &str| words.iter().any(|w| w.starts_with(stem));
    kinds.iter().find(|(_, ways)| ways.iter().any(|stems| stems.iter().all(|s| has(s)))).map(|(kind, _)| *kind)
}

/// Shared words (three letters or more) over the words of the shorter name, in percent.
fn overlap(a: &[String], b: &[String]) -> usize {
    let long = |w: &&String| w.chars().count() >= 3;
    let (a, b): (Vec<&String>, Vec<&String>) = (a.iter().filter(long).collect(), b.iter().filter(long).collect());
    let shorter = a.len().min(b.len());
    if shorter == 0 {
        return 0;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count();
    shared * 100 / shorter
}

/// Proposals for each shop entry (`(id, name)`) among the Systim entries, in the shop's order;
/// an entry with no clear counterpart gets none.
pub fn suggest(mapping: Mapping, shop: &[(u64, &str)], systim: &[(u64, &str)]) -> Vec<Proposal> {
    let kinds: Kinds = match mapping {
        Mapping::Payment => PAYMENT,
        Mapping::Delivery => DELIVERY,
        Mapping::Warehouse => &[],
    };
    let theirs: Vec<(u64, Vec<String>, Option<&str>)> = systim
        .iter()
        .map(|(id, name)| {
            let w = words(name);
            let k = kind_of(&w, kinds);
            (*id, w, k)
        })
        .collect();
    let mut out = Vec::new();
    for (shop_id, name) in shop {
        let ours = words(name);
        if ours.is_empty() {
            continue;
        }
        // 3: the same name; 2: the same kind; 1: similar words — then the share of shared words
        let score = |(_, w, k): &(u64, Vec<String>, Option<&str>)| -> (u8, usize) {
            let shared = overlap(&ours, w);
            if *w == ours {
                (3, 100)
            } else if k.is_some() && *k == kind_of(&ours, kinds) {
                (2, shared)
            } else if shared >= 50 {
                (1, shared)
            } else {
                (0, 0)
            }
        };
        // the best one, when it is the only one that good
        let mut best = ((0, 0), None);
        let mut tied = false;
        for t in &theirs {
            let s = score(t);
            if s > best.0 {
                best = (s, Some(t));
                tied = false;
            } else if s == best.0 {
                tied = true;
            }
        }
        let (best, Some((systim_id, _, kind))) = best else { continue };
        if tied {
            continue; // two entries equally likely: the merchant chooses
        }
        let why = match best.0 {
            3 => Why::SameName,
            2 => Why::SameKind(kind.unwrap_or_default()),
            _ => Why::SimilarName,
        };
        out.push(Proposal { shop_id: *shop_id, systim_id: *systim_id, why });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(mapping: Mapping, shop: &[(u64, &str)], systim: &[(u64, &str)]) -> Vec<(u64, u64)> {
        suggest(mapping, shop, systim).iter().map(|p| (p.shop_id, p.systim_id)).collect()
    }

    /// A Polish shop's delivery methods against a Systim account's.
    #[test]
    fn deliveries_pair_by_kind() {
        let shop = [
            (1, "Kurier InPost"),
            (2, "Paczkomat InPost 24/7"),
            (3, "Poczta Polska — Pocztex"),
            (4, "Odbiór osobisty w sklepie"),
            (5, "Kurier DPD"),
            (6, "Kurier DPD — pobranie"),
            (7, "Dostawa własna ciężarówką"),
        ];
        let systim = [(1, "Przesyłka kurierska"), (2, "Odbiór osobisty"), (3, "Paczkomat InPost"), (4, "Poczta Polska")];
        assert_eq!(pairs(Mapping::Delivery, &shop, &systim), vec![(1, 1), (2, 3), (3, 4), (4, 2), (5, 1), (6, 1)]);
        let odbior = suggest(Mapping::Delivery, &shop[3..4], &systim);
        assert_eq!(odbior[0].why, Why::SameKind("odbior_osobisty"));
    }

    /// Shoper's payment titles against Systim's standard forms of payment.
    #[test]
    fn payments_pair_by_kind() {
        let shop = [
            (1, "Przelew tradycyjny"),
            (2, "Płatność przy odbiorze (pobranie)"),
            (3, "Płatności online PayU"),
            (4, "BLIK"),
            (5, "Przelewy24"),
            (6, "PayPo — kup teraz, zapłać za 30 dni"),
            (7, "Karta płatnicza w punkcie odbioru"),
            (8, "GOTÓWKA"),
        ];
        let systim = [(1, "przelew"), (2, "gotówka"), (3, "barter"), (4, "za pobraniem"), (5, "rozliczenie saldami"), (6, "karta płatnicza")];
        assert_eq!(pairs(Mapping::Payment, &shop, &systim), vec![(1, 1), (2, 4), (3, 1), (4, 1), (5, 1), (7, 6), (8, 2)]);
    }

    #[test]
    fn case_and_diacritics_do_not_count() {
        assert_eq!(words("ODBIÓR Osobisty — ŁÓDŹ"), vec!["odbior", "osobisty", "lodz"]);
        let p = suggest(Mapping::Warehouse, &[(7, "MAGAZYN GŁÓWNY")], &[(1, "Magazyn zewnętrzny"), (2, "Magazyn główny")]);
        assert_eq!(p, vec![Proposal { shop_id: 7, systim_id: 2, why: Why::SameName }]);
    }

    #[test]
    fn similar_names_pair_only_when_one_is_best() {
        let systim = [(1, "Magazyn Kraków — hala A"), (2, "Magazyn Gdańsk")];
        assert_eq!(pairs(Mapping::Warehouse, &[(1, "Kraków hala A"), (2, "Magazyn Gdańsk Port")], &systim), vec![(1, 1), (2, 2)]);
        // "Magazyn" alone is in both Systim names: no proposal
        assert_eq!(pairs(Mapping::Warehouse, &[(3, "Magazyn Wrocław")], &systim), vec![]);
        // two couriers in Systim: the one whose words agree is chosen; none when neither does
        let couriers = [(1, "Kurier DPD"), (2, "Kurier InPost")];
        assert_eq!(pairs(Mapping::Delivery, &[(1, "Kurier InPost"), (2, "Kurier UPS")], &couriers), vec![(1, 2)]);
    }
}
