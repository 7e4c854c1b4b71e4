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
//!    before the discount. When no such prices exist (rare: only quantities that share no step),
//!    the answer is `None` and the order is held, never imported with another total.

use crate::domain::VatRate;
use crate::money::{Money, Qty};
use std::collections::BTreeMap;

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
    let mut by_size: Vec<usize> = (0..weights.len()).collect();
    by_size.sort_by_key(|&i| (std::cmp::Reverse(weights[i]), i));
    for i in by_size {
        if rest == 0 {
            break;
        }
        let take = (weights[i] - shares[i]).min(rest);
        shares[i] += take;
        rest -= take;
    }
    shares
}

/// The lines' indices grouped by VAT rate (rates in their natural order).
fn by_rate(lines: &[Line]) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<Option<VatRate>, Vec<usize>> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        groups.entry(l.vat).or_default().push(i);
    }
    groups.into_values().collect()
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
/// value, nearest first (at least the nearest below and above, where they exist).
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
    found.sort_by_key(|c| (c.offset.abs(), c.offset));
    found
}

/// How far partial sums may stray from the targets while searching (bounds the work on orders
/// of huge quantities; such an order may be held where a spread existed, never mispriced).
const MAX_DRIFT: i64 = 5_000;

/// The final partial sums the coarse lines can reach, each with its cheapest choice per line
/// (cost = Σ |offset|; the first found among equals): a shortest path over the partial sums.
fn reachable(lines: &[Vec<Choice>]) -> BTreeMap<i64, (i64, Vec<usize>)> {
    struct Step {
        cost: i64,
        parent: usize,
        pick: usize,
    }
    let reach: i64 = lines.iter().map(|c| c.iter().map(|x| x.offset.abs()).max().unwrap_or(0)).sum();
    let bound = reach.min(MAX_DRIFT);
    let mut steps = vec![Step { cost: 0, parent: usize::MAX, pick: 0 }];
    let mut layer: BTreeMap<i64, usize> = BTreeMap::from([(0, 0)]);
    for options in lines {
        let mut next: BTreeMap<i64, usize> = BTreeMap::new();
        for (&sum, &at) in &layer {
            for (pick, c) in options.iter().enumerate() {
                let s = sum + c.offset;
                let cost = steps[at].cost + c.offset.abs();
                if s.abs() > bound || next.get(&s).is_some_and(|&j| steps[j].cost <= cost) {
                    continue;
                }
                steps.push(Step { cost, parent: at, pick });
                next.insert(s, steps.len() - 1);
            }
        }
        layer = next;
    }
    let path = |mut at: usize| {
        let mut picks = vec![0; lines.len()];
        for slot in picks.iter_mut().rev() {
            *slot = steps[at].pick;
            at = steps[at].parent;
        }
        picks
    };
    layer.iter().map(|(&s, &at)| (s, (steps[at].cost, path(at)))).collect()
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
    let (miss, (_, picks)) = reachable(&options)
        .into_iter()
        .filter(|(s, _)| (-down..=up).contains(&-s))
        .min_by_key(|(s, (cost, _))| (cost + s.abs(), s.abs(), *s))?;
    let mut out: Vec<(usize, Money)> = coarse.iter().zip(&picks).zip(&options).map(|((&i, &k), o)| (i, o[k].price)).collect();
    // The fine lines make up `-miss`, the largest first, each within 0..=its value.
    let mut rest = -miss;
    let mut by_size = fine.clone();
    by_size.sort_by_key(|&i| (std::cmp::Reverse(lines[i].value()), i));
    for i in by_size {
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
    let per_rate: Option<Vec<Vec<(usize, Money)>>> = by_rate(lines).iter().map(|g| settle(lines, targets, g)).collect();
    let chosen = match per_rate {
        Some(p) => p.concat(),
        None => settle(lines, targets, &(0..lines.len()).collect::<Vec<_>>())?,
    };
    let mut out = vec![Money::ZERO; lines.len()];
    for (i, p) in chosen {
        out[i] = p;
    }
    Some(out)
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
    fn quantities_without_a_common_step_are_refused() {
        // Two lines of 2 pieces can never add up to an odd number of grosze.
        let lines = [line(1_000, 2_000, 23), line(1_000, 2_000, 8)];
        assert_eq!(prices(&lines, &[1_000, 999]), None);
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

        /// Whatever the lines and the discount: either unit prices whose values add up to the
        /// lines' value minus the discount exactly, every line between 0 and its own value —
        /// or `None` (the order is held).
        #[test]
        fn the_total_always_matches_or_nothing_is_imported(lines in prop::collection::vec(any_line(), 1..12), share in 0..=1_000i64) {
            let values: i64 = lines.iter().map(Line::value).sum();
            let discount = values * share / 1_000;
            let targets = proportional(&lines, discount).unwrap();
            prop_assert_eq!(targets.iter().sum::<i64>(), values - discount);
            for (t, l) in targets.iter().zip(&lines) {
                prop_assert!(*t >= 0 && *t <= l.value());
            }
            if let Some(p) = prices(&lines, &targets) {
                prop_assert_eq!(total(&lines, &p), values - discount);
                for (price, l) in p.iter().zip(&lines) {
                    prop_assert!(price.0 >= 0);
                    let v = price.times(l.quantity).0;
                    prop_assert!(v >= 0 && v <= l.value(), "{v} outside 0..={}", l.value());
                }
            } else {
                // Held only when no line of one unit or less has room for what the other lines
                // may miss (each misses less than its quantity in grosze).
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
