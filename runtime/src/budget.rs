//! Model spend: what each workspace may spend on model calls in a calendar month (UTC),
//! and what it has spent.
//!
//! The workspace actor owns the month and its warnings; a [`Budget`] (two atomics) is
//! shared with the workspace's running attempts, so an `llm` attempt adds its spend the
//! moment a call ends and checks what is left before the next one, without a message.
//! Amounts are in micro-dollars (a price in US dollars per million tokens is exactly
//! micro-dollars per token).

use std::sync::atomic::{AtomicU64, Ordering};

/// Micro-dollars (1e-6 USD).
pub type Micros = u64;

/// A workspace's spend this month against its limit.
#[derive(Debug)]
pub struct Budget {
    limit: AtomicU64,
    spent: AtomicU64,
}

/// Where a spend leaves the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Under,
    /// At or past 80 %: a warning.
    Warning,
    /// At or past 100 %: new model tasks are refused, running ones stop at their next call.
    Exhausted,
}

impl Budget {
    pub fn new(limit: Micros, spent: Micros) -> Self {
        Self {
            limit: AtomicU64::new(limit),
            spent: AtomicU64::new(spent),
        }
    }

    pub fn limit(&self) -> Micros {
        self.limit.load(Ordering::Acquire)
    }

    /// A new limit (the workspace's tier changed).
    pub fn set_limit(&self, limit: Micros) {
        self.limit.store(limit, Ordering::Release);
    }

    pub fn spent(&self) -> Micros {
        self.spent.load(Ordering::Acquire)
    }

    /// Adds a spend; answers the level before and after it.
    pub fn spend(&self, amount: Micros) -> (Level, Level) {
        let before = self.spent.fetch_add(amount, Ordering::AcqRel);
        let limit = self.limit();
        (
            level(before, limit),
            level(before.saturating_add(amount), limit),
        )
    }

    pub fn level(&self) -> Level {
        level(self.spent(), self.limit())
    }

    /// A new month: nothing spent yet.
    pub fn reset(&self) {
        self.spent.store(0, Ordering::Release);
    }
}

/// Where `spent` stands against `limit`.
pub fn level(spent: Micros, limit: Micros) -> Level {
    // 80 % in integers: spent × 5 ≥ limit × 4.
    if spent >= limit {
        Level::Exhausted
    } else if u128::from(spent) * 5 >= u128::from(limit) * 4 {
        Level::Warning
    } else {
        Level::Under
    }
}

/// Dollars for people: `$4.00`; under a dollar with four decimals (`$0.0042`), as model
/// calls cost fractions of a cent.
pub fn dollars(micros: Micros) -> String {
    let usd = micros as f64 / 1e6;
    if micros < 1_000_000 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// The first day (days since the Unix epoch) of the calendar month holding `day`.
pub fn month_start(day: i64) -> i64 {
    let (_, _, day_of_month) = crate::task::civil(day);
    day - (i64::from(day_of_month) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_cross_the_warning_then_the_limit() {
        let budget = Budget::new(1_000, 0);
        assert_eq!(budget.spend(700), (Level::Under, Level::Under));
        assert_eq!(budget.spend(100), (Level::Under, Level::Warning));
        assert_eq!(budget.spend(199), (Level::Warning, Level::Warning));
        assert_eq!(budget.spend(1), (Level::Warning, Level::Exhausted));
        assert_eq!(budget.level(), Level::Exhausted);
        budget.reset();
        assert_eq!(budget.level(), Level::Under);
        assert_eq!(
            Budget::new(0, 0).level(),
            Level::Exhausted,
            "a zero budget allows nothing"
        );
    }

    #[test]
    fn a_day_belongs_to_its_calendar_month() {
        // 2026-11-23 is day 20 780; 2026-11-01 is 20 758; 2024-02-29 is 19 782.
        assert_eq!(month_start(20_780), 20_758);
        assert_eq!(month_start(20_758), 20_758);
        assert_eq!(month_start(20_757), 20_727, "October 31 is in October");
        assert_eq!(month_start(19_782), 19_754, "a leap day");
        assert_eq!(dollars(4_000_000), "$4.00");
        assert_eq!(dollars(4_200), "$0.0042");
    }
}
