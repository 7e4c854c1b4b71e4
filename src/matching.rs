//! Product matching by code, at the level of Shoper stock rows (variants carry their own codes).
//!
//! Rules (see `docs/rules.md`):
//! - The code must be identical (the seed's rule). Codes that differ only in white space or letter
//!   case are *near misses*: reported, never matched silently — unless the normalisation setting
//!   is on, in which case they match and the plans note that they matched after normalisation.
//! - Blank codes never match, except that a Shoper code `SYSTIM-<id>` matches the code-less
//!   Systim product with that id.
//! - A code held by more than one item on either side is ambiguous: never guessed, reported with
//!   every id concerned.
//!
//! Everything is hash-based: building the indexes and pairing every item is O(n + m), with one
//! allocation per item at most (and none for codes already in normal form).

use crate::domain::{ProductCode, ShopItem, ShopSnapshot, SystimProduct, SystimSnapshot, VatRate};
use crate::findings::{Finding, ReasonCode};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher: each word is folded in with a 64×64→128-bit multiply whose
/// halves are xored, so every input bit reaches the low bits the table uses (a plain
/// multiply-rotate hash leaves codes with a common prefix, like `KOD-…`, in a few buckets). The
/// keys are the merchant's own data, so hash flooding is not a concern; speed is.
#[derive(Clone, Copy, Default)]
pub struct FoldHasher {
    hash: u64,
}

const FOLD_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

impl FoldHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word) * u128::from(FOLD_SEED);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FoldHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

pub(crate) fn fast_map<K, V>(capacity: usize) -> FastMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default())
}

/// The normal form of a code (trimmed, inner white space collapsed, upper case), borrowed when
/// the code already is in normal form — the common case, which then costs no allocation.
pub fn normalized_key(code: &ProductCode) -> Cow<'_, str> {
    if is_normalized(code.as_str()) {
        Cow::Borrowed(code.as_str())
    } else {
        Cow::Owned(code.normalized())
    }
}

/// Whether `ProductCode::normalized` would return the text unchanged.
fn is_normalized(s: &str) -> bool {
    if s.is_ascii() {
        let b = s.as_bytes();
        let edges_ok = b.first() != Some(&b' ') && b.last() != Some(&b' ');
        return edges_ok
            && !b.windows(2).any(|w| w == b"  ")
            && !b.iter().any(|c| c.is_ascii_lowercase() || (c.is_ascii_whitespace() && *c != b' ') || *c == 0x0b);
    }
    let mut after_space = true; // a leading space is not normal
    for c in s.chars() {
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
            continue;
        }
        after_space = false;
        let mut upper = crate::case::to_upper(c);
        if upper.next() != Some(c) || upper.next().is_some() {
            return false;
        }
    }
    !after_space || s.is_empty()
}

fn to_usize(ix: &[u32]) -> Vec<usize> {
    ix.iter().map(|&i| i as usize).collect()
}

/// The two sides of a [`CodeTable`].
const SHOP: usize = 0;
const SYSTIM: usize = 1;

/// A slot holds no item, one item index, or (high bit set) the number of a list in
/// `CodeTable::overflow` — so a table entry stays small (a key and two `u32`s) and duplicates,
/// which are rare, cost an allocation only when they occur.
const EMPTY: u32 = u32::MAX;
const LIST: u32 = 1 << 31;

/// Codes of both sides keyed by normal form, so one hash lookup answers for both sides; an
/// exact lookup keeps the items spelled identically. Blank codes are not indexed.
struct CodeTable<'a> {
    spelled: [Vec<&'a str>; 2],
    normal: FastMap<Cow<'a, str>, [u32; 2]>,
    overflow: Vec<Vec<u32>>,
}

impl<'a> CodeTable<'a> {
    fn new(capacity: usize) -> Self {
        CodeTable { spelled: [Vec::new(), Vec::new()], normal: fast_map(capacity), overflow: Vec::new() }
    }
    fn add_side<I: ExactSizeIterator<Item = &'a ProductCode>>(&mut self, side: usize, codes: I) {
        self.spelled[side].reserve(codes.len());
        for (i, code) in codes.enumerate() {
            self.spelled[side].push(code.as_str());
            if code.is_blank() {
                continue;
            }
            let slot = &mut self.normal.entry(normalized_key(code)).or_insert([EMPTY; 2])[side];
            let i = i as u32;
            match *slot {
                EMPTY => *slot = i,
                list if list & LIST != 0 => self.overflow[(list & !LIST) as usize].push(i),
                first => {
                    *slot = LIST | self.overflow.len() as u32;
                    self.overflow.push(vec![first, i]);
                }
            }
        }
    }
    /// The item indices a slot stands for.
    fn indices<'s>(&'s self, slot: &'s u32) -> &'s [u32] {
        match *slot {
            EMPTY => &[],
            list if list & LIST != 0 => &self.overflow[(list & !LIST) as usize],
            _ => std::slice::from_ref(slot),
        }
    }
    /// Both sides' slots for this normal form.
    fn entry(&self, key: &str) -> Option<&[u32; 2]> {
        self.normal.get(key)
    }
    /// One side's items whose code has the same normal form as `code`.
    fn near(&self, side: usize, code: &ProductCode) -> &[u32] {
        self.entry(&normalized_key(code)).map_or(&[], |e| self.indices(&e[side]))
    }
    /// Of a slot, the items holding `code` under the active rule: all of them when normalising,
    /// else those spelled identically.
    fn select<'s>(&self, side: usize, slot: &'s [u32], code: &ProductCode, normalize: bool) -> Cow<'s, [u32]> {
        if normalize {
            return Cow::Borrowed(slot);
        }
        let same = |i: &&u32| self.spelled[side][**i as usize] == code.as_str();
        match slot {
            [one] if same(&one) => Cow::Borrowed(slot),
            [_] | [] => Cow::Borrowed(&[]),
            many => Cow::Owned(many.iter().filter(same).copied().collect()),
        }
    }
}

/// One code looked up on both sides with a single hash lookup.
struct Lookup<'i> {
    own: Cow<'i, [u32]>,
    /// Our side's items with the same normal form (spellings of the code on our side).
    own_near: &'i [u32],
    other: Cow<'i, [u32]>,
    /// The other side's items with the same normal form (near-miss candidates).
    other_near: &'i [u32],
}

impl<'i> Lookup<'i> {
    /// `own` is the side the code comes from (`None` for an order line, which has no side).
    fn new(table: &'i CodeTable, code: &ProductCode, own: Option<usize>, other: usize, normalize: bool) -> Self {
        let entry = table.entry(&normalized_key(code));
        let slot = |side: usize| entry.map_or(&[][..], |e| table.indices(&e[side]));
        let own_near = own.map_or(&[][..], slot);
        let own = own.map_or(Cow::Borrowed(&[][..]), |side| table.select(side, own_near, code, normalize));
        Lookup { own, own_near, other: table.select(other, slot(other), code, normalize), other_near: slot(other) }
    }
    /// Identical (or, when normalising, equal-in-normal-form) codes on both sides, each unique.
    fn pair<'c>(&self, code: &ProductCode, other_code: impl Fn(usize) -> &'c ProductCode) -> Match {
        if code.is_blank() {
            return Match::Blank;
        }
        if self.own.len() > 1 || self.other.len() > 1 {
            return Match::Ambiguous { own: to_usize(&self.own), other: to_usize(&self.other) };
        }
        match *self.other {
            [j] => {
                let j = j as usize;
                let kind = if other_code(j) == code { MatchKind::Exact } else { MatchKind::Normalized };
                Match::Found { index: j, kind }
            }
            _ => Match::NotFound,
        }
    }
    /// After no pair: codes differing only in spaces or case (reported when not normalising).
    fn near_miss(&self, normalize: bool) -> Match {
        match self.other_near {
            [] => Match::NotFound,
            _ if normalize => Match::NotFound, // the normal form was the key already
            near => Match::NearMiss(to_usize(near)),
        }
    }
}

/// How a pair was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Identical codes.
    Exact,
    /// Codes equal after normalisation (the setting is on).
    Normalized,
    /// A Shoper `SYSTIM-<id>` code and the code-less Systim product `<id>`.
    Generated,
}

/// The outcome of looking one item up on the other side. Indices point into the snapshots'
/// `items` / `products`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    Found {
        index: usize,
        kind: MatchKind,
    },
    /// The item has no code (and, for a Systim product, no `SYSTIM-<id>` row in the shop).
    Blank,
    NotFound,
    /// No identical code, but these items' codes differ only in white space or case.
    NearMiss(Vec<usize>),
    /// The code is held by several items on our side (`own`) or on the other side (`other`).
    Ambiguous {
        own: Vec<usize>,
        other: Vec<usize>,
    },
}

/// Systim's products by code and id, plus its dictionaries. Alone it serves the order plan
/// (codes from order lines); inside [`Matching`] its table also holds the shop's codes.
pub struct SystimIndex<'a> {
    snapshot: &'a SystimSnapshot,
    normalize: bool,
    codes: CodeTable<'a>,
    by_id: FastMap<u64, u32>,
}

impl<'a> SystimIndex<'a> {
    pub fn new(snapshot: &'a SystimSnapshot, normalize: bool) -> Self {
        Self::with_shop(snapshot, None, normalize)
    }
    fn with_shop(snapshot: &'a SystimSnapshot, shop: Option<&'a ShopSnapshot>, normalize: bool) -> Self {
        let n = snapshot.products.len();
        let mut by_id = fast_map(n);
        for (j, p) in snapshot.products.iter().enumerate() {
            by_id.entry(p.id).or_insert(j as u32);
        }
        let mut codes = CodeTable::new(n + shop.map_or(0, |s| s.items.len()));
        codes.add_side(SYSTIM, snapshot.products.iter().map(|p| &p.code));
        if let Some(shop) = shop {
            codes.add_side(SHOP, shop.items.iter().map(|i| &i.code));
        }
        SystimIndex { snapshot, normalize, codes, by_id }
    }
    pub fn snapshot(&self) -> &'a SystimSnapshot {
        self.snapshot
    }
    pub fn normalize(&self) -> bool {
        self.normalize
    }
    pub fn products(&self) -> &'a [SystimProduct] {
        &self.snapshot.products
    }
    pub fn by_id(&self, id: u64) -> Option<&'a SystimProduct> {
        self.by_id.get(&id).map(|&j| &self.snapshot.products[j as usize])
    }
    /// The Systim product for a code from elsewhere (an order line).
    pub fn find(&self, code: &ProductCode) -> Match {
        let lookup = Lookup::new(&self.codes, code, None, SYSTIM, self.normalize);
        let m = lookup.pair(code, |j| &self.products()[j].code);
        if m != Match::NotFound {
            return m;
        }
        if let Some(j) = self.generated_target(code) {
            return Match::Found { index: j, kind: MatchKind::Generated };
        }
        lookup.near_miss(self.normalize)
    }
    /// The code-less product a `SYSTIM-<id>` code stands for.
    fn generated_target(&self, code: &ProductCode) -> Option<usize> {
        let j = *self.by_id.get(&code.generated_systim_id()?)? as usize;
        self.products()[j].code.is_blank().then_some(j)
    }
    /// Some Systim product already carries this code, or one differing only in spaces or case.
    pub fn holds_code(&self, code: &ProductCode) -> bool {
        !self.codes.near(SYSTIM, code).is_empty()
    }
    /// Systim's VAT-rate id for a rate (by meaning: `zw.` and `zw` are the same rate).
    pub fn vat_id(&self, rate: VatRate) -> Option<u64> {
        self.snapshot.vat_rates.iter().find(|v| v.rate == Some(rate)).map(|v| v.id)
    }
    /// The Systim category with exactly this name (trimmed), when there is exactly one.
    pub fn category_id(&self, name: &str) -> Option<u64> {
        let name = name.trim();
        let mut hits = self.snapshot.categories.iter().filter(|c| c.name.trim() == name);
        match (hits.next(), hits.next()) {
            (Some(c), None) => Some(c.id),
            _ => None,
        }
    }
}

/// The shop's stock rows by stock id and by the Systim id in a `SYSTIM-<id>` code.
pub struct ShopIndex<'a> {
    snapshot: &'a ShopSnapshot,
    generated: FastMap<u64, Vec<u32>>,
    /// Built on first use (only the order plan needs it).
    by_stock_id: OnceCell<FastMap<u64, u32>>,
}

impl<'a> ShopIndex<'a> {
    pub fn new(snapshot: &'a ShopSnapshot) -> Self {
        let mut generated: FastMap<u64, Vec<u32>> = fast_map(0);
        for (i, item) in snapshot.items.iter().enumerate() {
            if let Some(id) = item.code.generated_systim_id() {
                generated.entry(id).or_default().push(i as u32);
            }
        }
        ShopIndex { snapshot, generated, by_stock_id: OnceCell::new() }
    }
    pub fn snapshot(&self) -> &'a ShopSnapshot {
        self.snapshot
    }
    pub fn items(&self) -> &'a [ShopItem] {
        &self.snapshot.items
    }
    pub fn by_stock_id(&self, stock_id: u64) -> Option<&'a ShopItem> {
        let by_stock_id = self.by_stock_id.get_or_init(|| {
            let mut map = fast_map(self.snapshot.items.len());
            for (i, item) in self.snapshot.items.iter().enumerate() {
                map.entry(item.stock_id).or_insert(i as u32);
            }
            map
        });
        by_stock_id.get(&stock_id).map(|&i| &self.snapshot.items[i as usize])
    }
}

/// Both sides indexed, paired in either direction. Pairing is one-to-one: if row `i` finds
/// product `j`, product `j` finds row `i`.
pub struct Matching<'a> {
    pub shop: ShopIndex<'a>,
    /// Its code table holds both sides' codes.
    pub systim: SystimIndex<'a>,
}

impl<'a> Matching<'a> {
    pub fn new(shop: &'a ShopSnapshot, systim: &'a SystimSnapshot, normalize: bool) -> Self {
        Matching { shop: ShopIndex::new(shop), systim: SystimIndex::with_shop(systim, Some(shop), normalize) }
    }
    pub fn normalize(&self) -> bool {
        self.systim.normalize
    }
    /// Some shop row already carries this code, or one differing only in spaces or case.
    pub fn shop_holds_code(&self, code: &ProductCode) -> bool {
        !self.systim.codes.near(SHOP, code).is_empty()
    }

    /// The Systim product for shop row `i`.
    pub fn for_shop_item(&self, i: usize) -> Match {
        let code = &self.shop.items()[i].code;
        let normalize = self.normalize();
        let lookup = Lookup::new(&self.systim.codes, code, Some(SHOP), SYSTIM, normalize);
        let m = lookup.pair(code, |j| &self.systim.products()[j].code);
        if m != Match::NotFound {
            return m;
        }
        if let Some(j) = self.systim.generated_target(code) {
            // Decide from the Systim side so both directions agree.
            return match self.generated_row(j) {
                Match::Found { index, kind } if index == i => Match::Found { index: j, kind },
                Match::Ambiguous { own, other } => Match::Ambiguous { own: other, other: own },
                _ => Match::Ambiguous { own: vec![i], other: vec![j] },
            };
        }
        lookup.near_miss(normalize)
    }

    /// The shop row for Systim product `j`.
    pub fn for_systim_product(&self, j: usize) -> Match {
        self.systim_lookup(j).0
    }

    /// The shop row for Systim product `j`, and every Systim product spelling its code in any
    /// way (itself included) — several spellings mean creating it would make near-duplicates.
    pub(crate) fn systim_lookup(&self, j: usize) -> (Match, Vec<usize>) {
        let code = &self.systim.products()[j].code;
        if code.is_blank() {
            return (self.generated_row(j), Vec::new());
        }
        let normalize = self.normalize();
        let lookup = Lookup::new(&self.systim.codes, code, Some(SYSTIM), SHOP, normalize);
        let spellings = if lookup.own_near.len() > 1 { to_usize(lookup.own_near) } else { Vec::new() };
        let m = lookup.pair(code, |i| &self.shop.items()[i].code);
        if m != Match::NotFound {
            return (m, spellings);
        }
        (lookup.near_miss(normalize), spellings)
    }

    /// The `SYSTIM-<id>` row of code-less product `j`. Ambiguous when several rows carry it or
    /// when a Systim product holds that code literally.
    fn generated_row(&self, j: usize) -> Match {
        let p = &self.systim.products()[j];
        let Some(rows) = self.shop.generated.get(&p.id) else {
            return Match::Blank;
        };
        let generated = ProductCode::generated_for(p.id);
        let codes = &self.systim.codes;
        let literal = codes.select(SYSTIM, codes.near(SYSTIM, &generated), &generated, self.normalize());
        if rows.len() > 1 || !literal.is_empty() {
            let mut own = vec![j];
            own.extend(to_usize(&literal));
            return Match::Ambiguous { own, other: to_usize(rows) };
        }
        Match::Found { index: rows[0] as usize, kind: MatchKind::Generated }
    }
}

/// Where a lookup started, to put indices on the right side of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Shop,
    Systim,
    /// An order line: only the Systim side is indexed.
    OrderLine,
}

/// The report for a near miss or an ambiguity (`None` for other outcomes, which each plan
/// words itself): the code, every id concerned, and the differing codes of a near miss.
pub fn code_problem(m: &Match, code: &ProductCode, from: Side, shop: &[ShopItem], systim: &[SystimProduct]) -> Option<Finding> {
    let (reason, own, other): (ReasonCode, &[usize], &[usize]) = match m {
        Match::NearMiss(other) => (ReasonCode::NearMiss, &[], other),
        Match::Ambiguous { own, other } => (ReasonCode::AmbiguousCode, own, other),
        _ => return None,
    };
    let (shop_ix, systim_ix) = match from {
        Side::Shop => (own, other),
        Side::Systim => (other, own),
        Side::OrderLine => (&[][..], other),
    };
    let mut finding = Finding::new(reason).code(code.as_str());
    finding.shop_stock_ids = shop_ix.iter().map(|&i| shop[i].stock_id).collect();
    finding.systim_ids = systim_ix.iter().map(|&j| systim[j].id).collect();
    if reason == ReasonCode::NearMiss {
        let others: Vec<&ProductCode> = match from {
            Side::Systim => shop_ix.iter().map(|&i| &shop[i].code).collect(),
            _ => systim_ix.iter().map(|&j| &systim[j].code).collect(),
        };
        for c in others {
            if !finding.codes.iter().any(|known| known == c.as_str()) {
                finding.codes.push(c.as_str().to_string());
            }
        }
    }
    Some(finding)
}

/// The note for a pair found only after normalisation: both spellings.
pub fn normalized_note(ours: &ProductCode, theirs: &ProductCode) -> Finding {
    Finding::new(ReasonCode::MatchedAfterNormalization).code(ours.as_str()).code(theirs.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixtures::{item, product, shop, systim};
    use proptest::prelude::*;

    fn found(index: usize, kind: MatchKind) -> Match {
        Match::Found { index, kind }
    }

    /// Shop codes, Systim codes (ids 1, 2, …), normalisation → outcome of each shop row.
    fn shop_side(shop_codes: &[&str], systim_codes: &[&str], normalize: bool) -> Vec<Match> {
        let s = shop(shop_codes.iter().enumerate().map(|(i, c)| item(i as u64 + 1, c)).collect());
        let y = systim(systim_codes.iter().enumerate().map(|(j, c)| product(j as u64 + 1, c)).collect());
        let m = Matching::new(&s, &y, normalize);
        (0..shop_codes.len()).map(|i| m.for_shop_item(i)).collect()
    }

    #[test]
    fn shop_rows_find_systim_products_by_the_rules() {
        use MatchKind::*;
        // (name, shop codes, Systim codes, normalise, outcome per shop row)
        type Case = (&'static str, &'static [&'static str], &'static [&'static str], bool, Vec<Match>);
        let cases: Vec<Case> = vec![
            ("exact", &["ABC"], &["X", "ABC"], false, vec![found(1, Exact)]),
            ("trailing space is a near miss", &["ABC "], &["ABC"], false, vec![Match::NearMiss(vec![0])]),
            ("case is a near miss", &["abc"], &["ABC"], false, vec![Match::NearMiss(vec![0])]),
            ("inner spaces are a near miss", &["A  B"], &["A B"], false, vec![Match::NearMiss(vec![0])]),
            ("normalisation matches them", &["abc "], &["ABC"], true, vec![found(0, Normalized)]),
            ("normalisation keeps exact exact", &["ABC"], &["ABC"], true, vec![found(0, Exact)]),
            ("nothing similar", &["ABC"], &["XYZ"], false, vec![Match::NotFound]),
            ("blank shop code", &["  "], &["", " "], false, vec![Match::Blank]),
            ("blank never matches blank", &[""], &[""], true, vec![Match::Blank]),
            ("generated code", &["SYSTIM-2"], &["A", ""], false, vec![found(1, Generated)]),
            ("generated code for a coded product", &["SYSTIM-1"], &["A"], false, vec![Match::NotFound]),
            ("generated code, unknown id", &["SYSTIM-9"], &[""], false, vec![Match::NotFound]),
            ("literal SYSTIM code wins", &["SYSTIM-2"], &["SYSTIM-2", ""], false, vec![found(0, Exact)]),
            ("duplicate in Systim", &["ABC"], &["ABC", "ABC"], false, vec![Match::Ambiguous { own: vec![0], other: vec![0, 1] }]),
            (
                "duplicate in the shop",
                &["ABC", "ABC"],
                &["ABC"],
                false,
                vec![Match::Ambiguous { own: vec![0, 1], other: vec![0] }, Match::Ambiguous { own: vec![0, 1], other: vec![0] }],
            ),
            ("duplicates after normalisation", &["ABC"], &["ABC", "abc"], true, vec![Match::Ambiguous { own: vec![0], other: vec![0, 1] }]),
            ("near duplicates are fine without normalisation", &["ABC"], &["ABC", "abc"], false, vec![found(0, Exact)]),
            (
                "two rows claim one generated code",
                &["SYSTIM-1", "SYSTIM-01"],
                &[""],
                false,
                vec![Match::Ambiguous { own: vec![0, 1], other: vec![0] }, Match::Ambiguous { own: vec![0, 1], other: vec![0] }],
            ),
        ];
        for (name, shop_codes, systim_codes, normalize, expected) in cases {
            assert_eq!(shop_side(shop_codes, systim_codes, normalize), expected, "{name}");
        }
    }

    #[test]
    fn systim_products_find_shop_rows_symmetrically() {
        let s = shop(vec![item(1, "A"), item(2, "SYSTIM-20"), item(3, "b "), item(4, "D"), item(5, "D")]);
        let y = systim(vec![product(10, "A"), product(20, ""), product(30, "B"), product(40, "D"), product(50, ""), product(60, "E")]);
        let m = Matching::new(&s, &y, false);
        let got: Vec<Match> = (0..6).map(|j| m.for_systim_product(j)).collect();
        assert_eq!(
            got,
            vec![
                found(0, MatchKind::Exact),
                found(1, MatchKind::Generated),
                Match::NearMiss(vec![2]),
                Match::Ambiguous { own: vec![3], other: vec![3, 4] },
                Match::Blank,
                Match::NotFound,
            ]
        );
    }

    #[test]
    fn variants_match_by_their_own_codes() {
        let mut base = item(1, "SUK-1");
        base.product_id = 7;
        let mut small = item(2, "SUK-1-S");
        small.product_id = 7;
        small.is_default = false;
        small.option = "Rozmiar: S".into();
        let mut large = item(3, "SUK-1-L");
        large.product_id = 7;
        large.is_default = false;
        let s = shop(vec![base, small, large]);
        let y = systim(vec![product(1, "SUK-1-L"), product(2, "SUK-1-S")]);
        let m = Matching::new(&s, &y, false);
        assert_eq!(m.for_shop_item(0), Match::NotFound);
        assert_eq!(m.for_shop_item(1), found(1, MatchKind::Exact));
        assert_eq!(m.for_shop_item(2), found(0, MatchKind::Exact));
    }

    #[test]
    fn problems_name_codes_and_every_id() {
        let s = shop(vec![item(1, "ABC "), item(2, "X"), item(3, "X")]);
        let y = systim(vec![product(10, "ABC"), product(11, "X")]);
        let m = Matching::new(&s, &y, false);
        let near = code_problem(&m.for_shop_item(0), &s.items[0].code, Side::Shop, &s.items, &y.products).unwrap();
        assert_eq!(near.reason, ReasonCode::NearMiss);
        assert_eq!(near.codes, vec!["ABC ".to_string(), "ABC".to_string()]);
        assert_eq!(near.systim_ids, vec![10]);
        assert!(near.text_pl().contains("'ABC ' vs 'ABC'"), "{}", near.text_pl());
        let amb = code_problem(&m.for_systim_product(1), &y.products[1].code, Side::Systim, &s.items, &y.products).unwrap();
        assert_eq!(amb.reason, ReasonCode::AmbiguousCode);
        assert_eq!((amb.shop_stock_ids.clone(), amb.systim_ids.clone()), (vec![2, 3], vec![11]));
        assert_eq!(code_problem(&Match::NotFound, &s.items[0].code, Side::Shop, &s.items, &y.products), None);
    }

    #[test]
    fn order_line_codes_look_up_systim_only() {
        let y = systim(vec![product(1, "A"), product(2, ""), product(3, "B"), product(4, "B")]);
        let idx = SystimIndex::new(&y, false);
        assert_eq!(idx.find(&ProductCode::new("A")), found(0, MatchKind::Exact));
        assert_eq!(idx.find(&ProductCode::new("SYSTIM-2")), found(1, MatchKind::Generated));
        assert_eq!(idx.find(&ProductCode::new("a")), Match::NearMiss(vec![0]));
        assert_eq!(idx.find(&ProductCode::new("B")), Match::Ambiguous { own: vec![], other: vec![2, 3] });
        assert_eq!(idx.find(&ProductCode::new("")), Match::Blank);
        assert_eq!(idx.vat_id(VatRate::Exempt), Some(5));
        assert_eq!(idx.category_id(" Odzież "), Some(100));
    }

    proptest! {
        #[test]
        fn normal_form_is_borrowed_only_when_already_normal(s in "[ a-zA-ZąĄß\t-]{0,8}") {
            let code = ProductCode::new(s.clone());
            let key = normalized_key(&code);
            let normal = code.normalized();
            prop_assert_eq!(key.as_ref(), normal.as_str());
            prop_assert_eq!(matches!(key, Cow::Borrowed(_)), code.normalized() == s);
        }

        #[test]
        fn pairing_is_one_to_one_in_both_directions(
            shop_codes in prop::collection::vec("(|A|a|A |B|SYSTIM-[1-4])", 0..8),
            systim_codes in prop::collection::vec("(|A|a|B|b |SYSTIM-1)", 0..8),
            normalize in any::<bool>(),
        ) {
            let s = shop(shop_codes.iter().enumerate().map(|(i, c)| item(i as u64 + 1, c)).collect());
            let y = systim(systim_codes.iter().enumerate().map(|(j, c)| product(j as u64 + 1, c)).collect());
            let m = Matching::new(&s, &y, normalize);
            for i in 0..s.items.len() {
                if let Match::Found { index, kind } = m.for_shop_item(i) {
                    prop_assert_eq!(m.for_systim_product(index), Match::Found { index: i, kind });
                }
            }
            for j in 0..y.products.len() {
                if let Match::Found { index, kind } = m.for_systim_product(j) {
                    prop_assert_eq!(m.for_shop_item(index), Match::Found { index: j, kind });
                }
            }
        }
    }
}
