//! Quotas: tasks accepted per day and agent-minutes per calendar month (UTC), against the
//! workspace's tier. The workspace actor owns them: it loads what the store has counted
//! this day and month, counts what it admits and what its agents run, announces 80 % and
//! 100 % once each per period, and refuses submissions past 100 % with
//! [`crate::RuntimeError::QuotaExceeded`] (HTTP 429 `quota_exceeded`, `Retry-After` until
//! the period ends).

use crate::budget::{Level, level, month_start};
use crate::store::UsageRow;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// One workspace's counts in the current periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    day: i64,
    /// Tasks accepted today, and those admitted but not yet stored.
    pub tasks_today: u64,
    month: i64,
    /// Milliseconds agents ran this month.
    pub agent_ms_month: u64,
    pub(crate) announced_tasks: Level,
    pub(crate) announced_minutes: Level,
}

impl Quotas {
    /// From the stored usage rows, as of `today` (days since the Unix epoch).
    pub fn new(rows: &[UsageRow], today: i64) -> Self {
        let month = month_start(today);
        Self {
            day: today,
            tasks_today: rows
                .iter()
                .filter(|r| r.day == today)
                .map(|r| r.usage.submitted)
                .sum(),
            month,
            agent_ms_month: rows
                .iter()
                .filter(|r| r.day >= month)
                .map(|r| r.usage.agent_ms)
                .sum(),
            announced_tasks: Level::Under,
            announced_minutes: Level::Under,
        }
    }

    /// A new day (or month) starts its counts afresh.
    pub fn roll(&mut self, today: i64) {
        if today != self.day {
            self.day = today;
            self.tasks_today = 0;
            self.announced_tasks = Level::Under;
        }
        let month = month_start(today);
        if month != self.month {
            self.month = month;
            self.agent_ms_month = 0;
            self.announced_minutes = Level::Under;
        }
    }

    pub fn tasks_level(&self, per_day: u64) -> Level {
        level(self.tasks_today, per_day)
    }

    pub fn minutes_level(&self, per_month: u64) -> Level {
        level(self.agent_ms_month, per_month.saturating_mul(60_000))
    }

    /// Seconds until the day ends (UTC), from `now_ms`.
    pub fn secs_to_next_day(now_ms: i64) -> u64 {
        let next = (now_ms.div_euclid(DAY_MS) + 1) * DAY_MS;
        ((next - now_ms) as u64).div_ceil(1000)
    }

    /// Seconds until the month ends (UTC), from `now_ms`.
    pub fn secs_to_next_month(now_ms: i64) -> u64 {
        let today = now_ms.div_euclid(DAY_MS);
        // The first of next month: 32 days past this month's first day is in next month.
        let first = month_start(month_start(today) + 32);
        ((first * DAY_MS - now_ms) as u64).div_ceil(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::UsageDelta;

    fn row(day: i64, submitted: u64, agent_ms: u64) -> UsageRow {
        UsageRow {
            day,
            usage: UsageDelta {
                submitted,
                agent_ms,
                ..UsageDelta::default()
            },
        }
    }

    #[test]
    fn counts_start_from_the_store_and_roll_over_with_the_period() {
        // 2026-11-23 is day 20 780; November began on 20 758.
        let rows = [
            row(20_700, 50, 9_000),
            row(20_760, 5, 1_000),
            row(20_780, 7, 2_000),
        ];
        let mut q = Quotas::new(&rows, 20_780);
        assert_eq!((q.tasks_today, q.agent_ms_month), (7, 3_000));
        assert_eq!(q.tasks_level(10), Level::Under);
        q.tasks_today = 8;
        assert_eq!(q.tasks_level(10), Level::Warning);
        q.tasks_today = 10;
        assert_eq!(q.tasks_level(10), Level::Exhausted);
        q.roll(20_781);
        assert_eq!(
            (q.tasks_today, q.agent_ms_month),
            (0, 3_000),
            "a new day, same month"
        );
        q.roll(20_788);
        assert_eq!(q.agent_ms_month, 0, "December");
        assert_eq!(Quotas::new(&[], 20_780).minutes_level(1), Level::Under);
    }

    #[test]
    fn refusals_say_when_the_period_ends() {
        // 2026-11-23 23:59:59.500 UTC.
        let now = 20_780 * DAY_MS + DAY_MS - 500;
        assert_eq!(Quotas::secs_to_next_day(now), 1);
        assert_eq!(Quotas::secs_to_next_month(now), 7 * 86_400 + 1);
    }
}
