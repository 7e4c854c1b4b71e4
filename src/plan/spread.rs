//! An order-level discount spread over the order's lines (`docs/rules.md`, "Order-level
//! discounts"), to the grosz.
//!
//! Systim's `addOrder` takes a gross **unit** price and a quantity per line and books
//! `price × quantity` rounded to the grosz. So a spread is two steps:
//! 1. [`proportional`]: the discount split over the VAT rates in proportion to their value, then
//!    within each rate over its lines in proportion to theirs — rounded down, the grosze left over
//!    on the largest line (group) that can still take them — giving each line a target value,
//!    never below 0;
//! 2. [`prices`]: unit prices whose `price × quantity` add up to exactly the targets' total. A
//!    line of 3 pieces cannot be worth 10,00 zł; its grosze move to lines that can carry them —
//!    first within its VAT rate, then across rates — keeping every line between 0 and its value
//!    before the discount. When no such prices exist (only quantities that share no step, e.g.
//!    two lines of 2 pieces and an odd number of grosze), [`spread`] splits the largest line of
//!    several units into its quantity less one unit and one unit — the same product on two lines,
//!    a few grosze apart — and tries again. Only when even that fails is the answer `None`: the
//!    order is held, never imported with another total.

use crate::domain::VatRate;
use crate::money::{Money, Qty};

/// A product line as the spread sees it: unit price, quantity (above 0) and VAT rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub price: Money,
    pub quantity: Qty,
    pub vat: Option<VatRate>,
}

impl Line {
    /// Price × quantity, to the grosz.
    pub fn value(&self) -> i64 {
        self.price.times(self.quantity).0
    }
}

/// Split `amount` (0 ≤ amount ≤ Σ weights) in proportion to `weights` (each ≥ 0): each share
/// rounded down, the grosze left over given to the largest weight that still has room (the
/// first of equal ones), then the next. No share exceeds its weight.
fn split(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if total <= 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<i64> = weights.iter().map(|w| (i128::from(amount) * i128::from(*w) / total) as i64).collect();
    let mut rest = amount - shares.iter().sum::<i64>();
    for i in largest_first(weights.len(), |i| weights[i]) {
        if rest == 0 {
            break;
        }
        let take = (weights[i] - shares[i]).min(rest);
        shares[i] += take;
        rest -= take;
    }
    shares
}

/// Indices `0..n` by `size`, largest first (the first of equal ones first). A selection, not a
/// sort: the lists are an order's lines, and each sort instantiated costs the extension's wasm
/// more than it saves here.
fn largest_first(n: usize, size: impl Fn(usize) -> i64) -> Vec<usize> {
    let mut left: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(at) = (0..left.len()).reduce(|best, j| if size(left[j]) > size(left[best]) { j } else { best }) {
        out.push(left.remove(at));
    }
    out
}

/// The lines' indices grouped by VAT rate (in the order the rates first appear).
fn by_rate(lines: &[Line]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<VatRate>, Vec<usize>)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match groups.iter_mut().find(|g| g.0 == l.vat) {
            Some(g) => g.1.push(i),
            None => groups.push((l.vat, vec![i])),
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

/// Each line's value once `discount` grosze are taken off the lines: per VAT rate, in proportion
/// to value, the remainder on the largest line. `None` when the discount is negative or larger
/// than the lines are worth.
pub fn proportional(lines: &[Line], discount: i64) -> Option<Vec<i64>> {
    let values: Vec<i64> = lines.iter().map(Line::value).collect();
    if discount < 0 || values.iter().any(|v| *v < 0) || discount > values.iter().sum::<i64>() {
        return None;
    }
    let groups = by_rate(lines);
    let group_values: Vec<i64> = groups.iter().map(|g| g.iter().map(|&i| values[i]).sum()).collect();
    let mut targets = values.clone();
    for (group, share) in groups.iter().zip(split(discount, &group_values)) {
        let weights: Vec<i64> = group.iter().map(|&i| values[i]).collect();
        for (&i, cut) in group.iter().zip(split(share, &weights)) {
            targets[i] -= cut;
        }
    }
    Some(targets)
}

/// A value a line can take, with the unit price that gives it.
#[derive(Clone, Copy, Debug)]
struct Choice {
    /// Value minus the target.
    offset: i64,
    price: Money,
}

/// A line of at most one unit reaches every value in grosze (each step of its price moves its
/// value by at most a grosz); a larger quantity only some.
fn is_fine(line: &Line) -> bool {
    line.quantity <= Qty(1_000)
}

/// The unit price whose value is exactly `value`, the one nearest `value / quantity` (for a line
/// of at most one unit there always is one). A value equal to the line's own keeps its price.
fn price_for(line: &Line, value: i64) -> Option<Money> {
    if value == line.value() {
        return Some(line.price);
    }
    let q = i128::from(line.quantity.0);
    let base = (i128::from(value) * 1000 / q.max(1)) as i64;
    (base - 1..=base + 1)
        .filter(|p| *p >= 0 && Money(*p).times(line.quantity).0 == value)
        .min_by_key(|p| (i128::from(*p) * q - i128::from(value) * 1000).abs())
        .map(Money)
}

/// The values near `target` that `price × quantity` can reach, between 0 and the line's own
/// value, in increasing order (at least the nearest below and above, where they exist).
fn choices(line: &Line, target: i64) -> Vec<Choice> {
    let cap = line.value();
    let base = (i128::from(target) * 1000 / i128::from(line.quantity.0).max(1)) as i64;
    let mut found: Vec<Choice> = Vec::new();
    for p in base - 2..=base + 2 {
        let v = Money(p).times(line.quantity).0;
        if p < 0 || v < 0 || v > cap || found.iter().any(|c| c.offset == v - target) {
            continue;
        }
        if let Some(price) = price_for(line, v) {
            found.push(Choice { offset: v - target, price });
        }
    }
    found
}

/// How far partial sums may stray from the targets while searching (bounds the work on orders
/// of huge quantities; such an order may be held where a spread existed, never mispriced).
const MAX_DRIFT: i64 = 5_000;

/// One step of the search: the cheapest way found to a partial sum.
struct Step {
    cost: i64,
    parent: usize,
    pick: usize,
}

/// The partial sums the coarse lines can reach, each with the cheapest choice per line (cost =
/// Σ |offset|; the first found among equals): a shortest path over the partial sums. Gives the
/// steps and the final sums with their last step.
fn reachable(lines: &[Vec<Choice>]) -> (Vec<Step>, Vec<(i64, usize)>) {
    let reach: i64 = lines.iter().map(|c| c.iter().map(|x| x.offset.abs()).max().unwrap_or(0)).sum();
    let bound = reach.min(MAX_DRIFT);
    let mut steps = vec![Step { cost: 0, parent: usize::MAX, pick: 0 }];
    let mut layer: Vec<(i64, usize)> = vec![(0, 0)];
    // The step of each partial sum of the layer being built (`usize::MAX`: none yet).
    let mut slot = vec![usize::MAX; (2 * bound + 1) as usize];
    for options in lines {
        let mut next: Vec<(i64, usize)> = Vec::new();
        for &(sum, at) in &layer {
            for (pick, c) in options.iter().enumerate() {
                let s = sum + c.offset;
                if s.abs() > bound {
                    continue;
                }
                let step = Step { cost: steps[at].cost + c.offset.abs(), parent: at, pick };
                let k = (s + bound) as usize;
                match slot[k] {
                    usize::MAX => {
                        steps.push(step);
                        slot[k] = steps.len() - 1;
                        next.push((s, slot[k]));
                    }
                    j if steps[j].cost > step.cost => steps[j] = step,
                    _ => {}
                }
            }
        }
        for &(s, _) in &next {
            slot[(s + bound) as usize] = usize::MAX;
        }
        layer = next;
    }
    (steps, layer)
}

/// The choice per line along the path ending at step `at`.
fn path(steps: &[Step], mut at: usize, lines: usize) -> Vec<usize> {
    let mut picks = vec![0; lines];
    for slot in picks.iter_mut().rev() {
        *slot = steps[at].pick;
        at = steps[at].parent;
    }
    picks
}

/// Prices for the lines `indices` whose values add up to exactly their targets' total: the
/// coarse lines (more than one unit) take reachable values near their targets, the fine ones
/// (one unit or less) absorb what the coarse ones miss — the largest fine line first.
fn settle(lines: &[Line], targets: &[i64], indices: &[usize]) -> Option<Vec<(usize, Money)>> {
    let (fine, coarse): (Vec<usize>, Vec<usize>) = indices.iter().partition(|&&i| is_fine(&lines[i]));
    let options: Vec<Vec<Choice>> = coarse.iter().map(|&i| choices(&lines[i], targets[i])).collect();
    // What the fine lines can give up (down to 0) and take (up to their own value).
    let down: i64 = fine.iter().map(|&i| targets[i]).sum();
    let up: i64 = fine.iter().map(|&i| lines[i].value() - targets[i]).sum();
    let (steps, ends) = reachable(&options);
    let (miss, at) = ends.into_iter().filter(|(s, _)| (-down..=up).contains(&-s)).min_by_key(|(s, at)| (steps[*at].cost + s.abs(), s.abs(), *s))?;
    let picks = path(&steps, at, options.len());
    let mut out: Vec<(usize, Money)> = coarse.iter().zip(&picks).zip(&options).map(|((&i, &k), o)| (i, o[k].price)).collect();
    // The fine lines make up `-miss`, the largest first, each within 0..=its value.
    let mut rest = -miss;
    for i in largest_first(fine.len(), |k| lines[fine[k]].value()).into_iter().map(|k| fine[k]) {
        let room = if rest > 0 { lines[i].value() - targets[i] } else { targets[i] };
        let delta = rest.signum() * rest.abs().min(room);
        rest -= delta;
        out.push((i, price_for(&lines[i], targets[i] + delta)?));
    }
    (rest == 0).then_some(out)
}

/// Unit prices whose values add up to exactly Σ `targets` (each line as close to its target as
/// the quantities allow, every value between 0 and the line's value before the discount; the
/// grosze a line cannot carry go to another line of the same VAT rate, else of another rate).
/// `None` when no such prices exist.
pub fn prices(lines: &[Line], targets: &[i64]) -> Option<Vec<Money>> {
    let valid = |(l, t): (&Line, &i64)| l.quantity > Qty::ZERO && l.price >= Money::ZERO && (0..=l.value()).contains(t);
    if lines.len() != targets.len() || !lines.iter().zip(targets).all(valid) {
        return None;
    }
    // Within each rate first (a loop rather than a collect into an `Option`: smaller in the wasm).
    let mut chosen = Vec::new();
    for group in by_rate(lines) {
        match settle(lines, targets, &group) {
            Some(picks) => chosen.extend(picks),
            None => {
                chosen = settle(lines, targets, &(0..lines.len()).collect::<Vec<_>>())?;
                break;
            }
        }
    }
    let mut out = vec![Money::ZERO; lines.len()];
    for (i, p) in chosen {
        out[i] = p;
    }
    Some(out)
}

/// One line, or the parts of a line split in two: `(quantity, unit price)`.
pub type Parts = Vec<(Qty, Money)>;

/// `line` split so that its parts reach `target` exactly: its whole units at the unit price
/// `target / units` rounded down, the grosze left over carried by as many units one grosz dearer
/// (3 pieces for 10,00 zł: 2 × 3,33 and 1 × 3,34), and a fraction of a unit (`0,5` kg of `2,5`)
/// on a part of its own that can carry any value. `None` for a line of at most one unit, or when
/// the parts would not fit within their own values.
fn split_exact(line: &Line, target: i64) -> Option<Vec<(Line, i64)>> {
    if is_fine(line) {
        return None;
    }
    let (units, fraction) = (line.quantity.0 / 1_000, line.quantity.0 % 1_000);
    let part = |q: i64| Line { quantity: Qty(q), ..*line };
    let mut parts = Vec::new();
    let mut whole_target = target;
    if fraction > 0 {
        let f = part(fraction);
        let t = ((i128::from(target) * i128::from(fraction) / i128::from(line.quantity.0)) as i64).min(f.value());
        parts.push((f, t));
        whole_target -= t;
    }
    let (per_unit, extra) = (whole_target / units, whole_target % units);
    parts.insert(0, (part((units - extra) * 1_000), (units - extra) * per_unit));
    if extra > 0 {
        parts.insert(1, (part(extra * 1_000), extra * (per_unit + 1)));
    }
    parts.iter().all(|(l, t)| (0..=l.value()).contains(t) && (is_fine(l) || choices(l, *t).iter().any(|c| c.offset == 0))).then_some(parts)
}

/// Prices for every line — one price per line when its quantity can carry its share (see
/// [`prices`]); when no such prices exist, the lines whose quantity cannot reach their share
/// exactly are split (the largest first, one more each time, then all) by [`split_exact`]: the same
/// product on two or three lines, their unit prices a grosz apart. `None` only when even that
/// fails.
pub fn spread(lines: &[Line], targets: &[i64]) -> Option<Vec<Parts>> {
    if let Some(p) = prices(lines, targets) {
        return Some(lines.iter().zip(p).map(|(l, p)| vec![(l.quantity, p)]).collect());
    }
    let inexact = |i: usize| !is_fine(&lines[i]) && !choices(&lines[i], targets[i]).iter().any(|c| c.offset == 0);
    let candidates: Vec<usize> = largest_first(lines.len(), |i| lines[i].value()).into_iter().filter(|&i| inexact(i)).collect();
    // One more split line each time, up to three; then every line that needs it (each split
    // line reaches its share exactly, so that always fits).
    let n = candidates.len();
    for k in (1..n.min(4)).chain(std::iter::once(n)) {
        let split = &candidates[..k];
        // (order line, part line, part target)
        let mut parts: Vec<(usize, Line, i64)> = Vec::new();
        for (i, (l, t)) in lines.iter().zip(targets).enumerate() {
            match split.contains(&i).then(|| split_exact(l, *t)).flatten() {
                Some(pieces) => parts.extend(pieces.into_iter().map(|(part, pt)| (i, part, pt))),
                None => parts.push((i, *l, *t)),
            }
        }
        let part_lines: Vec<Line> = parts.iter().map(|p| p.1).collect();
        let part_targets: Vec<i64> = parts.iter().map(|p| p.2).collect();
        if let Some(p) = prices(&part_lines, &part_targets) {
            let mut out: Vec<Parts> = vec![Vec::new(); lines.len()];
            for ((i, part, _), price) in parts.iter().zip(p) {
                out[*i].push((part.quantity, price));
            }
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(price: i64, milli: i64, vat: u8) -> Line {
        Line { price: Money(price), quantity: Qty(milli), vat: Some(VatRate::Percent(vat)) }
    }

    fn total(lines: &[Line], prices: &[Money]) -> i64 {
        lines.iter().zip(prices).map(|(l, p)| p.times(l.quantity).0).sum()
    }

    #[test]
    fn the_remainder_goes_to_the_largest_line() {
        // 10,00 zł off three lines of 10,00 zł: 3,33 each and the grosz left on the first.
        let lines = [line(1_000, 1_000, 23), line(1_000, 1_000, 23), line(1_000, 1_000, 23)];
        assert_eq!(proportional(&lines, 1_000), Some(vec![666, 667, 667]));
        // The largest line takes it, wherever it is.
        let lines = [line(100, 1_000, 23), line(5_000, 1_000, 23), line(200, 1_000, 23)];
        assert_eq!(proportional(&lines, 533), Some(vec![90, 4_497, 180]), "10 + 502 + 20 rounded down, the grosz on 50,00 zł");
    }

    #[test]
    fn each_vat_rate_bears_its_share() {
        // 100 zł at 23 %, 50 zł at 8 %: a 30 zł discount is 20 zł and 10 zł.
        let lines = [line(10_000, 1_000, 23), line(2_500, 2_000, 8)];
        assert_eq!(proportional(&lines, 3_000), Some(vec![8_000, 4_000]));
        let rate_total = |t: &[i64], vat: u8| lines.iter().zip(t).filter(|(l, _)| l.vat == Some(VatRate::Percent(vat))).map(|(_, v)| *v).sum::<i64>();
        let t = proportional(&lines, 3_000).unwrap();
        assert_eq!((rate_total(&t, 23), rate_total(&t, 8)), (8_000, 4_000));
    }

    #[test]
    fn a_discount_larger_than_the_lines_cannot_be_spread() {
        let lines = [line(1_000, 1_000, 23)];
        assert_eq!(proportional(&lines, 1_001), None);
        assert_eq!(proportional(&lines, -1), None);
        assert_eq!(proportional(&lines, 1_000), Some(vec![0]), "a 100 % discount: every line at 0");
    }

    #[test]
    fn grosze_a_line_cannot_carry_move_to_one_that_can() {
        // 3 pieces cannot be worth 10,00 zł (3,33 × 3 = 9,99; 3,34 × 3 = 10,02): the grosz goes
        // to the single piece of the same rate.
        let lines = [line(1_200, 3_000, 23), line(500, 1_000, 23)];
        let targets = [1_000, 400];
        let p = prices(&lines, &targets).unwrap();
        assert_eq!(total(&lines, &p), 1_400);
        assert_eq!(p, [Money(333), Money(401)]);
    }

    #[test]
    fn within_a_rate_first_then_across_rates() {
        // The 23 % line of 2 pieces needs an even value; only the 8 % line can take the grosz.
        let lines = [line(1_000, 2_000, 23), line(300, 1_000, 8)];
        let p = prices(&lines, &[1_501, 250]).unwrap();
        assert_eq!(total(&lines, &p), 1_751);
        let per_line: Vec<i64> = lines.iter().zip(&p).map(|(l, p)| p.times(l.quantity).0).collect();
        assert!(per_line == [1_500, 251] || per_line == [1_502, 249], "{per_line:?}");
    }

    #[test]
    fn quantities_without_a_common_step_split_a_line() {
        // Two lines of 2 pieces can never add up to an odd number of grosze with one price each…
        let lines = [line(1_000, 2_000, 23), line(1_000, 2_000, 8)];
        assert_eq!(prices(&lines, &[1_000, 999]), None);
        // …so the line that cannot reach its share becomes one piece and one piece, a grosz apart.
        let parts = spread(&lines, &[1_000, 999]).unwrap();
        assert_eq!(parts[0], [(Qty(2_000), Money(500))]);
        assert_eq!(parts[1], [(Qty(1_000), Money(499)), (Qty(1_000), Money(500))]);
        // 1000 pieces at 0,97 zł less 11,64 zł: 164 at 0,95 and 836 at 0,96.
        let big = [line(97, 1_000_000, 23)];
        assert_eq!(spread(&big, &[95_836]).unwrap()[0], [(Qty(164_000), Money(95)), (Qty(836_000), Money(96))]);
        // 2,5 kg: the whole kilograms and the half on lines of their own.
        let kg = [line(1_000, 2_500, 8), line(1_000, 2_000, 8)];
        let parts = spread(&kg, &[2_001, 1_999]).unwrap();
        let total: i64 = parts.iter().flatten().map(|(q, p)| p.times(*q).0).sum();
        assert_eq!(total, 4_000);
    }

    #[test]
    fn an_untouched_line_keeps_its_price() {
        // 0,5 kg at 0,09 zł is worth 0,05 zł; so would 0,10 zł/kg be — the line's own price stays.
        let lines = [line(9, 500, 8), line(1_000, 1_000, 23)];
        let p = prices(&lines, &[5, 900]).unwrap();
        assert_eq!(p, [Money(9), Money(900)]);
    }

    fn any_line() -> impl Strategy<Value = Line> {
        let qty = prop_oneof![
            3 => (1..=5i64).prop_map(|n| n * 1_000),
            1 => 1..=3_000i64,
            1 => (1..=20i64).prop_map(|n| n * 250),
            1 => Just(1_000_000i64),
        ];
        let vat = prop_oneof![Just(23u8), Just(8), Just(5), Just(0)];
        (0..50_000i64, qty, vat).prop_map(|(price, milli, vat)| line(price, milli, vat))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the lines and the discount: prices — one per line, or up to three for a line
        /// split — whose values add up to the lines' value minus the discount exactly, every line
        /// between 0 and its own value.
        #[test]
        fn the_total_always_matches_or_nothing_is_imported(lines in prop::collection::vec(any_line(), 1..12), share in 0..=1_000i64) {
            let values: i64 = lines.iter().map(Line::value).sum();
            let discount = values * share / 1_000;
            let targets = proportional(&lines, discount).unwrap();
            prop_assert_eq!(targets.iter().sum::<i64>(), values - discount);
            for (t, l) in targets.iter().zip(&lines) {
                prop_assert!(*t >= 0 && *t <= l.value());
            }
            if let Some(parts) = spread(&lines, &targets) {
                let mut total = 0;
                for (p, l) in parts.iter().zip(&lines) {
                    prop_assert!(!p.is_empty() && p.len() <= 3);
                    prop_assert_eq!(p.iter().map(|(q, _)| *q).sum::<Qty>(), l.quantity, "a split keeps the quantity");
                    let v: i64 = p.iter().map(|(q, price)| price.times(*q).0).sum();
                    prop_assert!(p.iter().all(|(_, price)| price.0 >= 0));
                    prop_assert!(v >= 0 && v <= l.value(), "{v} outside 0..={}", l.value());
                    total += v;
                }
                prop_assert_eq!(total, values - discount);
            } else {
                prop_assert!(false, "refused: {lines:?} {targets:?}");
            }
        }

        /// Unit prices alone (no split) fail only when no line of one unit or less has room for
        /// what the other lines may miss.
        #[test]
        fn unit_prices_alone_fail_only_without_a_roomy_small_line(lines in prop::collection::vec(any_line(), 1..12), share in 0..=1_000i64) {
            let values: i64 = lines.iter().map(Line::value).sum();
            let targets = proportional(&lines, values * share / 1_000).unwrap();
            if prices(&lines, &targets).is_none() {
                let miss: i64 = lines.iter().filter(|l| !is_fine(l)).map(|l| (l.quantity.0 + 999) / 1000).sum();
                let roomy = lines.iter().zip(&targets).any(|(l, t)| is_fine(l) && (*t).min(l.value() - t) >= miss);
                prop_assert!(!roomy || 2 * miss > MAX_DRIFT, "refused although a line could absorb {miss} grosze: {lines:?} {targets:?}");
            }
        }

        /// Each VAT rate's lines carry that rate's share of the discount, give or take the grosze
        /// a quantity could not carry.
        #[test]
        fn rates_keep_their_share(lines in prop::collection::vec(any_line(), 1..8), share in 0..=1_000i64) {
            let values: i64 = lines.iter().map(Line::value).sum();
            prop_assume!(values > 0);
            let discount = values * share / 1_000;
            let targets = proportional(&lines, discount).unwrap();
            for rate in [23u8, 8, 5, 0] {
                let of = |xs: &[i64]| lines.iter().zip(xs).filter(|(l, _)| l.vat == Some(VatRate::Percent(rate))).map(|(_, v)| i128::from(*v)).sum::<i128>();
                let rate_value = of(&lines.iter().map(Line::value).collect::<Vec<_>>());
                let exact = i128::from(discount) * rate_value / i128::from(values);
                let cut = rate_value - of(&targets);
                prop_assert!((cut - exact).abs() <= 4, "rate {rate}: cut {cut}, proportional {exact}");
            }
        }
    }
}
