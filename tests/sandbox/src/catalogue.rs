//! Seed scenarios as neutral data: one list of catalogue items, each present in the shop, in
//! Systim, or in both, with the traps a real merchant has. The Shoper and Systim stand-ins each
//! build their own state from the same [`Scenario`], so the two catalogues overlap by code exactly
//! as described here.
//!
//! Money is integer grosze (gross unless named `net`), quantities are integer thousandths
//! (`1000` = 1 unit), so the seed itself is exact.

/// A VAT rate by its name on each side. Shoper names: `23%`, `8%`, `5%`, `0%`, `zw.`, `np.`;
/// Systim names: `23%`, `8%`, `5%`, `0%`, `zw`, `np`, `oo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vat {
    R23,
    R8,
    R5,
    R0,
    Zw,
    Np,
    Oo,
}

impl Vat {
    pub fn shoper_name(self) -> &'static str {
        match self {
            Vat::R23 => "23%",
            Vat::R8 => "8%",
            Vat::R5 => "5%",
            Vat::R0 => "0%",
            Vat::Zw => "zw.",
            Vat::Np => "np.",
            // Shoper has no "oo" (reverse charge) tax row; the stand-in maps it to np.
            Vat::Oo => "np.",
        }
    }
    pub fn systim_name(self) -> &'static str {
        match self {
            Vat::R23 => "23%",
            Vat::R8 => "8%",
            Vat::R5 => "5%",
            Vat::R0 => "0%",
            Vat::Zw => "zw",
            Vat::Np => "np",
            Vat::Oo => "oo",
        }
    }
    /// Percent value (0 for the three zero rates).
    pub fn percent(self) -> i64 {
        match self {
            Vat::R23 => 23,
            Vat::R8 => 8,
            Vat::R5 => 5,
            _ => 0,
        }
    }
    pub const SHOPER_ALL: [Vat; 6] = [Vat::R23, Vat::R8, Vat::R5, Vat::R0, Vat::Zw, Vat::Np];
    pub const SYSTIM_ALL: [Vat; 7] = [Vat::R23, Vat::R8, Vat::R5, Vat::R0, Vat::Zw, Vat::Np, Vat::Oo];
}

/// Net price in grosze from a gross price, rounded half away from zero.
pub fn net_from_gross(gross: i64, vat: Vat) -> i64 {
    let p = vat.percent();
    let num = gross * 100;
    let den = 100 + p;
    (num + den / 2) / den
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    /// Active shop locales; the first is the shop's default language.
    pub shop_locales: Vec<String>,
    /// Shoper warehouses (module on when non-empty); the first is the default warehouse.
    pub shop_warehouses: Vec<String>,
    /// Systim warehouses ("magazyny"); at least one.
    pub systim_stores: Vec<String>,
    /// Systim in advanced warehouse mode (stock only from documents) instead of simplified.
    pub systim_advanced_warehouse: bool,
    pub items: Vec<Item>,
    pub orders: Vec<OrderSeed>,
    /// Shoper credentials for the WebAPI user and the static token.
    pub shoper_login: String,
    pub shoper_password: String,
    pub shoper_token: String,
    pub systim_login: String,
    pub systim_key: String,
}

#[derive(Clone, Debug, Default)]
pub struct Item {
    /// A short human note saying which trap this item is (kept in the sandbox state for tests).
    pub note: &'static str,
    pub shop: Option<ShopProduct>,
    pub systim: Option<SystimProduct>,
}

#[derive(Clone, Debug)]
pub struct ShopProduct {
    /// Code of the default (base) stock row.
    pub code: String,
    pub ean: String,
    /// Name per locale; a locale may be missing (trap: missing translation).
    pub names: Vec<(String, String)>,
    /// Main category name (Polish).
    pub category: String,
    pub vat: Vat,
    pub price: i64,
    /// Stock of the base row in thousandths; with warehouses on, per warehouse in `warehouse_stock`.
    pub stock: i64,
    /// Per shop warehouse stock (thousandths), same order as `Scenario::shop_warehouses`.
    pub warehouse_stock: Vec<i64>,
    /// Unit name: `szt.` (integer), `kg` (fractional), `zestaw` (integer)…
    pub unit: String,
    pub active: bool,
    pub variants: Vec<ShopVariant>,
    /// The product was deleted from the catalogue (it only survives in old orders).
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct ShopVariant {
    pub code: String,
    pub ean: String,
    /// Option label as shown on order lines, e.g. `Rozmiar: M`.
    pub option: String,
    /// Own gross price of the variant.
    pub price: i64,
    pub stock: i64,
    pub warehouse_stock: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct SystimProduct {
    /// `kod_produktu`; may be empty (trap: product without a code).
    pub code: String,
    pub ean: String,
    pub name: String,
    pub category: String,
    pub vat: Vat,
    pub price_gross: i64,
    pub price_net: i64,
    pub unit: String,
    /// Quantity per Systim store (thousandths), same order as `Scenario::systim_stores`.
    pub stock: Vec<i64>,
    /// 0 product, 1 service.
    pub kind: u8,
    pub hidden: bool,
}

#[derive(Clone, Debug)]
pub struct Address {
    pub firstname: String,
    pub lastname: String,
    pub company: String,
    /// NIP exactly as the customer typed it (any spelling).
    pub nip: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub country_code: String,
    pub phone: String,
}

#[derive(Clone, Debug)]
pub struct OrderLineSeed {
    /// Index into `Scenario::items` (its shop side), or `None` for a line of a product that
    /// never existed in the catalogue.
    pub item: Option<usize>,
    /// Index of the variant within the shop product, `None` = base row.
    pub variant: Option<usize>,
    pub quantity: i64,
    /// Gross unit price at order time, before any discount on the whole order (how the shop
    /// shows such a discount on the lines is the stand-in's `order_discounts` knob), grosze.
    pub price: i64,
}

/// Discounts on a whole order (shoper-api.md §13.1).
#[derive(Clone, Debug, Default)]
pub struct SeedDiscounts {
    /// The customer's own discount, in hundredths of a percent (500 = 5 %).
    pub client: i64,
    /// Their group's discount, in hundredths of a percent.
    pub group: i64,
    /// The value-threshold discount ("progi rabatowe"), in hundredths of a percent.
    pub levels: i64,
    /// One of the shop's promotion codes (`ZIMA10` 10 %, `RABAT20` 20 zł, `DARMOWA` free
    /// shipping, `GRATIS100` 100 %, `LATO15` 15 % and free shipping), or "".
    pub promo_code: String,
}

#[derive(Clone, Debug)]
pub struct OrderSeed {
    /// Shoper `origin`: 0 storefront, 3 Allegro, 4 WebAPI, 5 admin panel, 6 admin as customer…
    pub origin: u8,
    /// Status id among the shop's default statuses (1 złożone … 8 anulowane).
    pub status_id: u32,
    /// Naive shop-local date `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
    pub email: String,
    pub billing: Address,
    pub delivery: Address,
    pub lines: Vec<OrderLineSeed>,
    /// Gross shipping cost, grosze.
    pub shipping_cost: i64,
    /// Shoper shipping id / payment id (the stand-in seeds shippings 1..=4, payments 1..=4).
    pub shipping_id: u32,
    pub payment_id: u32,
    pub notes: String,
    /// Locale of the order (lang).
    pub locale: String,
    /// Discounts on the whole order.
    pub discounts: SeedDiscounts,
}

fn s(x: &str) -> String {
    x.to_string()
}

fn shop(code: &str, name: &str, category: &str, vat: Vat, price: i64, stock: i64, unit: &str) -> ShopProduct {
    ShopProduct {
        code: s(code),
        ean: String::new(),
        names: vec![(s("pl_PL"), s(name))],
        category: s(category),
        vat,
        price,
        stock,
        warehouse_stock: Vec::new(),
        unit: s(unit),
        active: true,
        variants: Vec::new(),
        deleted: false,
    }
}

fn sys(code: &str, name: &str, category: &str, vat: Vat, price: i64, stock: i64, unit: &str) -> SystimProduct {
    SystimProduct {
        code: s(code),
        ean: String::new(),
        name: s(name),
        category: s(category),
        vat,
        price_gross: price,
        price_net: net_from_gross(price, vat),
        unit: s(unit),
        stock: vec![stock],
        kind: 0,
        hidden: false,
    }
}

#[allow(clippy::too_many_arguments)] // a catalogue row, read as one line per product
fn both(note: &'static str, code: &str, name: &str, category: &str, vat: Vat, price: i64, shop_stock: i64, sys_stock: i64, unit: &str) -> Item {
    Item { note, shop: Some(shop(code, name, category, vat, price, shop_stock, unit)), systim: Some(sys(code, name, category, vat, price, sys_stock, unit)) }
}

#[allow(clippy::too_many_arguments)] // an address, read as one line per buyer
fn addr(first: &str, last: &str, company: &str, nip: &str, street: &str, postcode: &str, city: &str, phone: &str) -> Address {
    Address {
        firstname: s(first),
        lastname: s(last),
        company: s(company),
        nip: s(nip),
        street: s(street),
        postcode: s(postcode),
        city: s(city),
        country: s("Polska"),
        country_code: s("PL"),
        phone: s(phone),
    }
}

/// Deterministic pseudo-random numbers (xorshift64*), so every scenario is reproducible.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `p` (0.0..=1.0).
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }
}

const CATEGORIES: [&str; 8] = ["Kubki i filiżanki", "Herbaty", "Kawy", "Przyprawy", "Słodycze", "Akcesoria kuchenne", "Zestawy prezentowe", "Odzież"];

const NOUNS: [&str; 12] = ["Kubek", "Herbata", "Kawa", "Pieprz", "Czekolada", "Młynek", "Zestaw", "Koszulka", "Filiżanka", "Miód", "Żurawina", "Łyżeczka"];
const ADJS: [&str; 12] =
    ["zielona", "świąteczny", "ręcznie malowany", "łagodna", "gorzka", "żeliwny", "bawełniana", "porcelanowa", "leśny", "suszona", "srebrna", "ekologiczna"];
const FIRST: [&str; 8] = ["Jan", "Anna", "Piotr", "Katarzyna", "Michał", "Małgorzata", "Łukasz", "Zofia"];
const LAST: [&str; 8] = ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowska", "Zieliński", "Szymańska"];
const CITIES: [(&str, &str); 6] =
    [("Kraków", "30-718"), ("Gdańsk", "80-001"), ("Łódź", "90-001"), ("Wrocław", "50-001"), ("Poznań", "60-001"), ("Zielona Góra", "65-001")];

/// A valid EAN-13 from its first twelve digits (the check digit appended).
pub fn ean13(first12: &str) -> String {
    let sum: u32 = first12.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

/// The generic, trap-free part of a catalogue: `n` products matched on both sides, plus their
/// share of shop-only and Systim-only products. Codes `KAT-00001`…
fn regular_items(rng: &mut Rng, n: usize, first_index: usize) -> Vec<Item> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let k = first_index + i;
        let code = format!("KAT-{k:05}");
        let name = format!("{} {} {}", NOUNS[k % NOUNS.len()], ADJS[(k / 3) % ADJS.len()], k);
        let category = CATEGORIES[k % CATEGORIES.len()];
        let vat = match k % 10 {
            0..=6 => Vat::R23,
            7 => Vat::R8,
            8 => Vat::R5,
            _ => Vat::R23,
        };
        let price = 500 + (rng.below(40_000) as i64 / 10) * 10 + 9; // …,x9 zł-ish prices
        let sys_stock = rng.below(60) as i64 * 1000;
        // The shop mostly agrees with Systim already; ~30 % differ (what a stock sync changes).
        let shop_stock = if rng.chance(0.3) { rng.below(60) as i64 * 1000 } else { sys_stock };
        let mut item = both("regular", &code, &name, category, vat, price, shop_stock, sys_stock, "szt.");
        if let Some(sy) = item.systim.as_mut() {
            sy.ean = ean13(&format!("590{:09}", 1_000_000 + k));
        }
        if let Some(sh) = item.shop.as_mut() {
            sh.ean = ean13(&format!("590{:09}", 1_000_000 + k));
        }
        out.push(item);
    }
    out
}

/// The hand-made traps of the demo scenario. Returns items; their indices are used by orders.
#[allow(clippy::vec_init_then_push)] // one push per trap, each with its comment
fn trap_items() -> Vec<Item> {
    let mut v = Vec::new();
    // 0..: clean matches used by the hand-made orders.
    v.push(both("order product (mug)", "KUB-300", "Kubek ceramiczny 300 ml", "Kubki i filiżanki", Vat::R23, 3_000, 17_000, 20_000, "szt."));
    v.push(both("order product (tea)", "HER-ZIE-100", "Herbata zielona liściasta 100 g", "Herbaty", Vat::R5, 1_899, 40_000, 35_000, "szt."));
    v.push(both("order product (coffee)", "KAW-ETI-250", "Kawa Etiopia Yirgacheffe 250 g", "Kawy", Vat::R23, 4_950, 12_000, 12_000, "szt."));
    v.push(both("fractional unit kg", "PIE-CZA-KG", "Pieprz czarny ziarnisty (na wagę)", "Przyprawy", Vat::R8, 8_990, 2_500, 3_750, "kg"));
    v.push(both("book at 5 %", "KSI-HERB", "Książka: Herbaciane rytuały", "Herbaty", Vat::R5, 5_990, 3_000, 5_000, "szt."));
    // Traps.
    let mut t = both("trailing space in Systim code", "MLY-ZEL", "Młynek żeliwny do pieprzu", "Akcesoria kuchenne", Vat::R23, 12_900, 4_000, 6_000, "szt.");
    t.systim.as_mut().unwrap().code = s("MLY-ZEL ");
    v.push(t);
    let mut t = both("case-only code difference", "czek-gorz-70", "Czekolada gorzka 70%", "Słodycze", Vat::R23, 1_290, 30_000, 25_000, "szt.");
    t.systim.as_mut().unwrap().code = s("CZEK-GORZ-70");
    v.push(t);
    // Duplicated code in Systim (two Systim products share it).
    v.push(both("duplicated code in Systim (1/2)", "MIOD-LIP", "Miód lipowy 400 g", "Słodycze", Vat::R5, 3_490, 10_000, 8_000, "szt."));
    v.push(Item {
        note: "duplicated code in Systim (2/2)",
        shop: None,
        systim: Some(sys("MIOD-LIP", "Miód lipowy 400 g (stara karta)", "Słodycze", Vat::R5, 3_490, 2_000, "szt.")),
    });
    // Duplicated code in the shop.
    v.push(both("duplicated code in shop (1/2)", "LYZ-SRE", "Łyżeczka srebrna", "Akcesoria kuchenne", Vat::R23, 4_500, 5_000, 9_000, "szt."));
    v.push(Item {
        note: "duplicated code in shop (2/2)",
        shop: Some(shop("LYZ-SRE", "Łyżeczka srebrna (kopia)", "Akcesoria kuchenne", Vat::R23, 4_500, 1_000, "szt.")),
        systim: None,
    });
    // Empty codes on both sides (never matched).
    v.push(Item { note: "empty code in shop", shop: Some(shop("", "Torba bawełniana", "Akcesoria kuchenne", Vat::R23, 1_500, 10_000, "szt.")), systim: None });
    v.push(Item {
        note: "no code in Systim (product push creates SYSTIM-<id>)",
        shop: None,
        systim: Some(sys("", "Zestaw prezentowy Zima", "Zestawy prezentowe", Vat::R23, 14_900, 7_000, "szt.")),
    });
    // Zero prices.
    v.push(both("zero price in Systim", "GRAT-KUB", "Kubek gratisowy", "Kubki i filiżanki", Vat::R23, 1_000, 50_000, 40_000, "szt."));
    v.last_mut().unwrap().systim.as_mut().unwrap().price_gross = 0;
    v.last_mut().unwrap().systim.as_mut().unwrap().price_net = 0;
    v.push(both("zero price in shop", "PROBKA-HER", "Próbka herbaty", "Herbaty", Vat::R23, 0, 100_000, 80_000, "szt."));
    v.last_mut().unwrap().systim.as_mut().unwrap().price_gross = 200;
    v.last_mut().unwrap().systim.as_mut().unwrap().price_net = net_from_gross(200, Vat::R23);
    // Category named differently.
    let mut t = both("category named differently", "FIL-POR", "Filiżanka porcelanowa", "Kubki i filiżanki", Vat::R23, 3_900, 6_000, 11_000, "szt.");
    t.systim.as_mut().unwrap().category = s("Kubki i filizanki");
    v.push(t);
    // VAT mismatch.
    let mut t = both("VAT rate differs", "ZUR-SUSZ", "Żurawina suszona 200 g", "Słodycze", Vat::R5, 1_590, 20_000, 15_000, "szt.");
    t.systim.as_mut().unwrap().vat = Vat::R8;
    v.push(t);
    // 0% vs zw. — both "zero" but different rates.
    let mut t = both("0% in shop vs zw in Systim", "VOUCH-50", "Bon podarunkowy 50 zł", "Zestawy prezentowe", Vat::R0, 5_000, 100_000, 90_000, "szt.");
    t.systim.as_mut().unwrap().vat = Vat::Zw;
    v.push(t);
    // zw. on both sides: a real match of an exempt product.
    v.push(both("zw. on both sides", "KURS-PARZ", "Kurs parzenia kawy (voucher)", "Kawy", Vat::Zw, 19_900, 10_000, 12_000, "szt."));
    // Fractional stock in Systim for an integer unit.
    v.push(both("fractional Systim stock for integer unit", "KOSZ-BAW-L", "Koszulka bawełniana L", "Odzież", Vat::R23, 5_900, 3_000, 7_500, "szt."));
    // Zero stock in Systim.
    v.push(both("zero stock in Systim", "KAW-KOL-1KG", "Kawa Kolumbia 1 kg", "Kawy", Vat::R23, 11_900, 4_000, 0, "szt."));
    // Negative stock in Systim (allowed in Systim when overselling).
    v.push(both("negative stock in Systim", "HER-CZA-50", "Herbata czarna 50 torebek", "Herbaty", Vat::R23, 990, 5_000, -2_000, "szt."));
    // Products only in Systim (product push creates them).
    for (code, name, cat, vat, price, stock, unit) in [
        ("NOW-KUB-450", "Kubek termiczny 450 ml", "Kubki i filiżanki", Vat::R23, 6_900i64, 15_000i64, "szt."),
        ("NOW-HER-MAT", "Herbata Matcha ceremonialna 30 g", "Herbaty", Vat::R5, 8_900, 8_000, "szt."),
        ("NOW-PRZ-KUR", "Kurkuma mielona (na wagę)", "Przyprawy", Vat::R5, 4_990, 1_250, "kg"),
        ("NOW-SLO-MAK", "Makaroniki \"Paryż\"; 12 szt.", "Słodycze", Vat::R8, 3_990, 6_000, "szt."),
        ("NOW-NOWA-KAT", "Dzbanek szklany 1 l", "Szkło", Vat::R23, 7_900, 4_000, "szt."),
    ] {
        v.push(Item { note: "only in Systim", shop: None, systim: Some(sys(code, name, cat, vat, price, stock, unit)) });
    }
    // A Systim service product used as the shipping line.
    let mut dostawa = sys("DOSTAWA", "Dostawa", "Usługi", Vat::R23, 1_499, 0, "usł.");
    dostawa.kind = 1;
    v.push(Item { note: "shipping service product in Systim", shop: None, systim: Some(dostawa) });
    // Only in the shop.
    v.push(Item {
        note: "only in shop",
        shop: Some(shop("SKL-TYLKO", "Produkt tylko w sklepie", "Akcesoria kuchenne", Vat::R23, 2_500, 3_000, "szt.")),
        systim: None,
    });
    // Variants: a shirt with sizes; variant codes match Systim products.
    let mut shirt = shop("KOSZ-LEN", "Koszula lniana", "Odzież", Vat::R23, 12_900, 0, "szt.");
    for (size, code, stock) in [("S", "KOSZ-LEN-S", 2_000i64), ("M", "KOSZ-LEN-M", 5_000), ("L", "KOSZ-LEN-L", 1_000)] {
        shirt.variants.push(ShopVariant {
            code: s(code),
            ean: String::new(),
            option: format!("Rozmiar: {size}"),
            price: 12_900,
            stock,
            warehouse_stock: Vec::new(),
        });
    }
    v.push(Item { note: "shop product with variants (base row)", shop: Some(shirt), systim: None });
    for (size, code, stock) in [("S", "KOSZ-LEN-S", 4_000i64), ("M", "KOSZ-LEN-M", 5_000), ("L", "KOSZ-LEN-L", 0)] {
        v.push(Item {
            note: "Systim product for a shop variant",
            shop: None,
            systim: Some(sys(code, &format!("Koszula lniana {size}"), "Odzież", Vat::R23, 12_900, stock, "szt.")),
        });
    }
    // A deleted shop product (survives only in old orders); Systim still has it.
    let mut del =
        both("deleted in shop, still in old orders", "OLD-KUB-200", "Kubek 200 ml (wycofany)", "Kubki i filiżanki", Vat::R23, 1_990, 0, 3_000, "szt.");
    del.shop.as_mut().unwrap().deleted = true;
    v.push(del);
    // In an order but missing in Systim.
    v.push(Item {
        note: "ordered, missing in Systim",
        shop: Some(shop("TYLKO-SKLEP-ZAM", "Serwetki lniane (tylko sklep)", "Akcesoria kuchenne", Vat::R23, 2_900, 20_000, "szt.")),
        systim: None,
    });
    // Missing pl_PL translation is added by the multilang scenario; HTML/entities in names:
    v.push(both("name with entities", "HER-AMP", "Herbata \"Earl Grey\" & bergamotka <100 g>", "Herbaty", Vat::R23, 2_290, 10_000, 14_000, "szt."));
    v
}

fn find(items: &[Item], code: &str) -> usize {
    items.iter().position(|it| it.shop.as_ref().is_some_and(|p| p.code == code)).expect("seed code")
}

fn line(items: &[Item], code: &str, qty: i64, price: i64) -> OrderLineSeed {
    OrderLineSeed { item: Some(find(items, code)), variant: None, quantity: qty, price }
}

/// Hand-made demo orders covering origins, B2B with NIP spellings, discounts on the whole order
/// (each kind: percent, amount and free-shipping codes, a 100 % code, the customer's, group and
/// threshold discounts), shipping, variants, a deleted product and a product missing in Systim.
fn demo_orders(items: &[Item]) -> Vec<OrderSeed> {
    let person = addr("Adam", "Nowak", "", "", "Myśliwska 98", "30-718", "Kraków", "640432543");
    let base = |origin: u8, date: &str, email: &str, billing: Address, lines: Vec<OrderLineSeed>, shipping: i64| OrderSeed {
        origin,
        status_id: 1,
        date: s(date),
        email: s(email),
        delivery: billing.clone(),
        billing,
        lines,
        shipping_cost: shipping,
        shipping_id: 1,
        payment_id: 1,
        notes: String::new(),
        locale: s("pl_PL"),
        discounts: SeedDiscounts::default(),
    };
    let code = |promo: &str| SeedDiscounts { promo_code: s(promo), ..SeedDiscounts::default() };
    let mut o = Vec::new();
    // 1: plain storefront order, one line, shipping.
    o.push(base(0, "2026-11-20 09:15:00", "adam.nowak@example.pl", person.clone(), vec![line(items, "KUB-300", 2_000, 3_000)], 1_499));
    // 2: B2B with NIP with dashes and a company.
    let firm = addr("Ewa", "Zielińska", "Herbaciarnia Zielińska Sp. z o.o.", "586-212-09-28", "al. Zwycięstwa 96/98", "81-451", "Gdynia", "587001122");
    o.push(base(
        0,
        "2026-11-20 10:02:11",
        "biuro@herbaciarnia.example.pl",
        firm,
        vec![line(items, "HER-ZIE-100", 10_000, 1_899), line(items, "KAW-ETI-250", 3_000, 4_950)],
        0,
    ));
    // 3: B2B, NIP with PL prefix and spaces, separate delivery address, customer note.
    let mut firm2 = addr("Tomasz", "Wójcik", "Kawiarnia \"Pod Lipą\" & Wspólnicy", "PL 525 000 12 33", "ul. Długa 5", "00-238", "Warszawa", "221234567");
    firm2.nip = s("PL 525 000 12 33");
    let mut ord = base(0, "2026-11-21 14:30:00", "zamowienia@podlipa.example.pl", firm2, vec![line(items, "KAW-ETI-250", 5_000, 4_950)], 2_000);
    ord.delivery = addr("Tomasz", "Wójcik", "", "", "ul. Magazynowa 12", "05-800", "Pruszków", "221234567");
    ord.notes = s("Proszę o fakturę VAT & dostawę przed 10:00.");
    o.push(ord);
    // 4: order placed in the admin panel (not imported by default).
    o.push(base(
        5,
        "2026-11-21 15:00:00",
        "telefoniczne@example.pl",
        addr("Zofia", "Kamińska", "", "", "Polna 1", "90-001", "Łódź", "600700800"),
        vec![line(items, "KUB-300", 1_000, 3_000)],
        1_499,
    ));
    // 5: a 10 % code (ZIMA10) on two VAT rates, with a fractional quantity in kg.
    let mut ord = base(
        0,
        "2026-11-22 08:00:00",
        "kucharz@example.pl",
        addr("Łukasz", "Wiśniewski", "", "", "Ogrodowa 3/4", "50-001", "Wrocław", "501501501"),
        vec![line(items, "PIE-CZA-KG", 750, 8_990), line(items, "KUB-300", 3_000, 3_000)],
        1_499,
    );
    ord.discounts = code("ZIMA10");
    o.push(ord);
    // 6: a variant line (size M) and a line of a product missing in Systim.
    let shirt = items.iter().position(|it| it.shop.as_ref().is_some_and(|p| p.code == "KOSZ-LEN")).expect("shirt");
    o.push(base(
        0,
        "2026-11-22 12:45:00",
        "moda@example.pl",
        addr("Katarzyna", "Lewandowska", "", "", "Słoneczna 7", "60-001", "Poznań", "777888999"),
        vec![OrderLineSeed { item: Some(shirt), variant: Some(1), quantity: 1_000, price: 12_900 }, line(items, "TYLKO-SKLEP-ZAM", 2_000, 2_900)],
        1_499,
    ));
    // 7: an old order of a product since deleted from the shop.
    o.push(base(0, "2026-11-23 09:00:00", "stały.klient@example.pl", person.clone(), vec![line(items, "OLD-KUB-200", 4_000, 1_990)], 0));
    // 8: Allegro order and 9: WebAPI order (not imported by default).
    o.push(base(3, "2026-11-23 11:11:11", "allegro-user@allegromail.pl", person.clone(), vec![line(items, "HER-ZIE-100", 1_000, 1_899)], 999));
    o.push(base(4, "2026-11-23 12:00:00", "api@example.pl", person.clone(), vec![line(items, "KAW-ETI-250", 1_000, 4_950)], 0));
    // 10: NIP without dashes, company; zw. product; name with entities.
    o.push(base(
        0,
        "2026-11-24 16:20:00",
        "szkolenia@example.pl",
        addr("Michał", "Zieliński", "Akademia Baristy Zieliński", "5252248481", "Kawowa 1", "65-001", "Zielona Góra", "605605605"),
        vec![line(items, "KURS-PARZ", 1_000, 19_900), line(items, "HER-AMP", 2_000, 2_290)],
        0,
    ));
    // 11: cancelled storefront order (status 8).
    let mut ord = base(0, "2026-11-24 18:00:00", "rezygnacja@example.pl", person.clone(), vec![line(items, "KSI-HERB", 1_000, 5_990)], 1_499);
    ord.status_id = 8;
    o.push(ord);
    // 12: a customer with no street (incomplete address), phone only.
    o.push(base(
        0,
        "2026-11-25 07:30:00",
        "bezadresu@example.pl",
        addr("Anna", "Szymańska", "", "", "", "", "", "600100200"),
        vec![line(items, "KUB-300", 1_000, 3_000)],
        0,
    ));
    // 13: a 20 zł amount code (RABAT20) over three VAT rates, shipping paid.
    let mut ord = base(
        0,
        "2026-11-25 10:10:00",
        "agata.dabrowska@example.pl",
        addr("Agata", "Dąbrowska", "", "", "ul. Piotrkowska 120", "90-006", "Łódź", "606111222"),
        vec![line(items, "KUB-300", 2_000, 3_000), line(items, "HER-ZIE-100", 3_000, 1_899), line(items, "PIE-CZA-KG", 1_250, 8_990)],
        1_499,
    );
    ord.discounts = code("RABAT20");
    o.push(ord);
    // 14: a free-shipping code (DARMOWA): the courier costs 14,99 zł, the order shows 0,00.
    let mut ord = base(
        0,
        "2026-11-25 12:40:00",
        "pawel.mazur@example.pl",
        addr("Paweł", "Mazur", "", "", "ul. Mickiewicza 9/2", "31-120", "Kraków", "512345678"),
        vec![line(items, "HER-AMP", 2_000, 2_290)],
        1_499,
    );
    ord.discounts = code("DARMOWA");
    o.push(ord);
    // 15: the customer's own 5 % and a code (LATO15: 15 % and free shipping), B2B with a NIP.
    let firm3 = addr("Joanna", "Kaczmarek", "Kawiarnia Pod Zegarem s.c.", "7792433421", "Stary Rynek 41", "61-772", "Poznań", "618520000");
    let mut ord =
        base(0, "2026-11-26 09:05:00", "zegar@example.pl", firm3, vec![line(items, "HER-ZIE-100", 2_000, 1_899), line(items, "KUB-300", 1_000, 3_000)], 1_499);
    ord.discounts = SeedDiscounts { client: 500, ..code("LATO15") };
    o.push(ord);
    // 16: a 100 % code (GRATIS100): the goods cost nothing, the shipping is paid.
    let mut ord = base(
        0,
        "2026-11-26 11:30:00",
        "konkurs@example.pl",
        addr("Marek", "Pawlak", "", "", "ul. Słowackiego 3", "80-257", "Gdańsk", "698765432"),
        vec![line(items, "KUB-300", 1_000, 3_000)],
        1_499,
    );
    ord.discounts = code("GRATIS100");
    o.push(ord);
    // 17: the group's 3 % and a 2 % value threshold, three books (a line of 3 cannot carry every
    // grosz: the single pack of tea at the same 5 % takes what it cannot).
    let mut ord = base(
        0,
        "2026-11-26 15:45:00",
        "hurt@example.pl",
        addr("Krzysztof", "Zając", "", "", "ul. Długa 17", "85-034", "Bydgoszcz", "523456789"),
        vec![line(items, "KSI-HERB", 3_000, 5_990), line(items, "HER-ZIE-100", 1_000, 1_899)],
        0,
    );
    ord.discounts = SeedDiscounts { group: 300, levels: 200, ..SeedDiscounts::default() };
    o.push(ord);
    o
}

/// A random NIP with a correct check digit.
pub fn valid_nip(rng: &mut Rng) -> String {
    const W: [u64; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    loop {
        let body = 100_000_000 + rng.below(899_999_999);
        let digits: Vec<u64> = body.to_string().bytes().map(|b| u64::from(b - b'0')).collect();
        let check = W.iter().zip(&digits).map(|(w, d)| w * d).sum::<u64>() % 11;
        if check < 10 {
            return format!("{body}{check}");
        }
    }
}

fn random_orders(rng: &mut Rng, items: &[Item], m: usize) -> Vec<OrderSeed> {
    let orderable: Vec<usize> =
        items.iter().enumerate().filter(|(_, it)| it.shop.as_ref().is_some_and(|p| !p.deleted && p.price > 0 && it.systim.is_some())).map(|(i, _)| i).collect();
    if orderable.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(m);
    for k in 0..m {
        let (city, post) = CITIES[k % CITIES.len()];
        let first = FIRST[rng.below(8) as usize];
        let last = LAST[rng.below(8) as usize];
        let b2b = rng.chance(0.2);
        let billing = Address {
            firstname: s(first),
            lastname: s(last),
            company: if b2b { format!("{last} i Synowie Sp. z o.o.") } else { String::new() },
            nip: if b2b { valid_nip(rng) } else { String::new() },
            street: format!("ul. Lipowa {}", 1 + rng.below(120)),
            postcode: s(post),
            city: s(city),
            country: s("Polska"),
            country_code: s("PL"),
            phone: format!("5{:08}", rng.below(99_999_999)),
        };
        let n_lines = 1 + rng.below(5) as usize; // 1..=5, mean 3
        let mut lines = Vec::with_capacity(n_lines);
        for _ in 0..n_lines {
            let idx = orderable[rng.below(orderable.len() as u64) as usize];
            let p = items[idx].shop.as_ref().expect("shop");
            lines.push(OrderLineSeed { item: Some(idx), variant: None, quantity: (1 + rng.below(3) as i64) * 1000, price: p.price });
        }
        out.push(OrderSeed {
            origin: 0,
            status_id: 1,
            date: format!("2026-11-{:02} {:02}:{:02}:00", 1 + (k * 27 / m.max(1)) % 27, 8 + k % 12, k % 60),
            email: format!("klient{k}@example.pl"),
            delivery: billing.clone(),
            billing,
            lines,
            shipping_cost: if rng.chance(0.5) { 1_499 } else { 0 },
            shipping_id: 1 + rng.below(4) as u32,
            payment_id: 1 + rng.below(4) as u32,
            notes: String::new(),
            locale: s("pl_PL"),
            discounts: SeedDiscounts::default(),
        });
    }
    out
}

fn base_scenario(name: &str, items: Vec<Item>, orders: Vec<OrderSeed>) -> Scenario {
    Scenario {
        name: s(name),
        shop_locales: vec![s("pl_PL")],
        shop_warehouses: Vec::new(),
        systim_stores: vec![s("Magazyn główny")],
        systim_advanced_warehouse: false,
        items,
        orders,
        shoper_login: s("webapi"),
        shoper_password: s("Sklep!Haslo2026"),
        shoper_token: s("b3f1c0de5a5a5a5a0123456789abcdef0123456789abcdef0123456789abcdef"),
        systim_login: s("integracja@przyklad.pl"),
        systim_key: s("c45lcd45e8a1"),
    }
}

/// The demo shop: hand-made traps plus ~300 regular products in categories.
pub fn demo() -> Scenario {
    let mut rng = Rng::new(2026);
    let mut items = trap_items();
    let first = items.len();
    items.extend(regular_items(&mut rng, 300, first));
    let orders = demo_orders(&items);
    base_scenario("demo", items, orders)
}

/// Two active shop languages (pl_PL default, en_US); one product lacks its pl_PL name.
pub fn multilang() -> Scenario {
    let mut sc = demo();
    sc.name = s("multilang");
    sc.shop_locales = vec![s("pl_PL"), s("en_US")];
    for it in sc.items.iter_mut() {
        if let Some(p) = it.shop.as_mut() {
            let pl = p.names[0].1.clone();
            p.names.push((s("en_US"), format!("{pl} (EN)")));
        }
    }
    // Trap: a product with only an English name.
    sc.items.push(Item {
        note: "missing pl_PL translation",
        shop: Some(ShopProduct { names: vec![(s("en_US"), s("Tea strainer"))], ..shop("SITKO-EN", "", "Akcesoria kuchenne", Vat::R23, 1_900, 4_000, "szt.") }),
        systim: Some(sys("SITKO-EN", "Sitko do herbaty", "Akcesoria kuchenne", Vat::R23, 1_900, 6_000, "szt.")),
    });
    sc
}

/// Shoper multi-warehouse module on (two warehouses), Systim with two stores.
pub fn warehouses() -> Scenario {
    let mut sc = demo();
    sc.name = s("warehouses");
    sc.shop_warehouses = vec![s("Magazyn Kraków"), s("Magazyn Gdańsk")];
    sc.systim_stores = vec![s("Magazyn główny"), s("Magazyn zewnętrzny")];
    for it in sc.items.iter_mut() {
        if let Some(p) = it.shop.as_mut() {
            let half = p.stock / 2000 * 1000;
            p.warehouse_stock = vec![p.stock - half, half];
            for v in p.variants.iter_mut() {
                v.warehouse_stock = vec![v.stock, 0];
            }
        }
        if let Some(y) = it.systim.as_mut() {
            let main = y.stock[0];
            y.stock = vec![main, if main > 0 { 1_000 } else { 0 }];
        }
    }
    sc
}

/// `big:N,M` — N products on both sides (with 1 % Systim-only), M storefront orders.
pub fn big(n: usize, m: usize) -> Scenario {
    let mut rng = Rng::new(0xB16 ^ n as u64 ^ ((m as u64) << 32));
    let mut items = regular_items(&mut rng, n, 0);
    for it in items.iter_mut().step_by(100) {
        it.shop = None; // 1 % only in Systim: what a product push creates
        it.note = "only in Systim";
    }
    let orders = random_orders(&mut rng, &items, m);
    base_scenario(&format!("big:{n},{m}"), items, orders)
}

/// Parse a scenario name: `demo`, `multilang`, `warehouses`, `empty`, `big:N,M`.
pub fn by_name(name: &str) -> Result<Scenario, String> {
    match name {
        "demo" => Ok(demo()),
        "multilang" => Ok(multilang()),
        "warehouses" => Ok(warehouses()),
        "empty" => Ok(base_scenario("empty", Vec::new(), Vec::new())),
        _ => {
            if let Some(rest) = name.strip_prefix("big:") {
                let (n, m) = rest.split_once(',').ok_or_else(|| format!("big:N,M expected, got {name}"))?;
                let n: usize = n.trim().parse().map_err(|_| format!("bad N in {name}"))?;
                let m: usize = m.trim().parse().map_err(|_| format!("bad M in {name}"))?;
                Ok(big(n, m))
            } else {
                Err(format!("unknown scenario '{name}' (demo, multilang, warehouses, empty, big:N,M)"))
            }
        }
    }
}

/// Random orders over an existing scenario's items (used by the control API and the soak).
pub fn random_order(rng: &mut Rng, items: &[Item]) -> Option<OrderSeed> {
    let mut v = random_orders(rng, items, 1);
    v.pop()
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_eans_carry_a_valid_check_digit() {
        assert_eq!(super::ean13("590123412345"), "5901234123457");
        assert_eq!(super::ean13("400638133393"), "4006381333931");
    }
}
