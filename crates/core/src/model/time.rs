//! Timestamps: milliseconds since the Unix epoch, written as RFC 3339 UTC.
//!
//! The model never reads a clock; callers pass the time in, so that the core stays
//! pure and tests are deterministic.

use std::time::{Duration, UNIX_EPOCH};

/// A point in time, in whole milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-25T20:04:00.000Z`.
    /// Times before the epoch are written as the epoch.
    pub fn to_rfc3339(self) -> String {
        let ms = u64::try_from(self.0).unwrap_or(0);
        humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
    }

    /// Parses RFC 3339 (with or without fractional seconds).
    ///
    /// # Errors
    /// A message naming the text if it is not an RFC 3339 time after the epoch.
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, String> {
        let t = humantime::parse_rfc3339_weak(s).map_err(|e| format!("\"{s}\" is not an RFC 3339 time: {e}"))?;
        let d = t.duration_since(UNIX_EPOCH).map_err(|_| format!("\"{s}\" is before 1970"))?;
        i64::try_from(d.as_millis()).map(Timestamp).map_err(|_| format!("\"{s}\" is too far in the future"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp(1_795_636_800_123);
        let s = t.to_rfc3339();
        assert_eq!(s, "2026-11-25T20:00:00.123Z");
        assert_eq!(Timestamp::parse_rfc3339(&s), Ok(t));
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }
}
