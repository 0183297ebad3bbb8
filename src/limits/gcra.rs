//! GCRA arithmetic, shared by the in-process limiter and mirrored by the Redis script.
//!
//! A counter is one time, its "theoretical arrival time" (`tat`). Each failure moves it
//! `interval` forward from the later of itself and now; a caller is over the limit when
//! one more failure would put it more than `count` intervals ahead of now.

/// How far ahead of now a counter may stand and still take one more failure.
fn allowance(interval: u64, count: u32) -> u64 {
    interval.saturating_mul(u64::from(count).saturating_sub(1))
}

/// How long until one more failure fits, or `None` if it fits now.
pub fn wait_ms(tat: Option<u64>, now: u64, interval: u64, count: u32) -> Option<u64> {
    let tat = tat.unwrap_or(now).max(now);
    let allowance = allowance(interval, count);
    let ahead = tat - now;
    (ahead > allowance).then(|| ahead - allowance)
}

/// The time from which one more failure fits again, unless more are counted: a counter
/// is over its limit exactly while now is before it.
pub fn limited_until(tat: u64, interval: u64, count: u32) -> u64 {
    tat.saturating_sub(allowance(interval, count))
}

/// The counter after one more failure.
pub fn charged(tat: Option<u64>, now: u64, interval: u64) -> u64 {
    tat.unwrap_or(now).max(now).saturating_add(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_failures_fit_then_one_interval_must_pass() {
        let (interval, count) = (1000, 5);
        let mut tat = None;
        for _ in 0..count {
            assert_eq!(wait_ms(tat, 0, interval, count), None);
            tat = Some(charged(tat, 0, interval));
        }
        assert_eq!(wait_ms(tat, 0, interval, count), Some(1000));
        assert_eq!(wait_ms(tat, 999, interval, count), Some(1));
        assert_eq!(wait_ms(tat, 1000, interval, count), None, "one drained");
        // Long idle: back to a full budget, not more.
        assert_eq!(charged(tat, 100_000, interval), 101_000);
    }

    #[test]
    fn limited_until_is_where_the_wait_ends() {
        let (interval, count) = (1000, 3);
        let tat = 5000;
        let until = limited_until(tat, interval, count);
        assert_eq!(until, 3000);
        for now in [0, 1000, 2999] {
            assert_eq!(wait_ms(Some(tat), now, interval, count), Some(until - now));
        }
        for now in [3000, 3001, 9000] {
            assert_eq!(wait_ms(Some(tat), now, interval, count), None);
        }
    }
}
