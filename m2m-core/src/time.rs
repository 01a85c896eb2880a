//! Wall-clock time as the protocols carry it.

use core::fmt;
use core::time::Duration;

/// Milliseconds since the Unix epoch (1970-01-01T00:00:00Z), as in Sparkplug B timestamps
/// (Sparkplug 3.0 §6.4.2) and LwM2M time values scaled to milliseconds.
///
/// Sans-IO code never reads a clock: time comes in as an argument of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(u64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// From milliseconds since the epoch.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Timestamp(ms)
    }

    /// From whole seconds since the epoch; `None` if the milliseconds overflow `u64`.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Option<Self> {
        match secs.checked_mul(1000) {
            Some(ms) => Some(Timestamp(ms)),
            None => None,
        }
    }

    /// Milliseconds since the epoch.
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down).
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// `self + d`, or `None` on overflow. Sub-millisecond parts of `d` are dropped.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let ms = u64::try_from(d.as_millis()).ok()?;
        self.0.checked_add(ms).map(Timestamp)
    }

    /// `self - d`, or `None` before the epoch.
    #[must_use]
    pub fn checked_sub(self, d: Duration) -> Option<Self> {
        let ms = u64::try_from(d.as_millis()).ok()?;
        self.0.checked_sub(ms).map(Timestamp)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    #[must_use]
    pub fn duration_since(self, earlier: Timestamp) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration::from_millis)
    }

    /// The milliseconds since `start` on the monotonic clock, as a `Timestamp` (saturating):
    /// the `now` that sans-IO endpoints take from a runner.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn since(start: std::time::Instant) -> Self {
        Timestamp(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// The current system time (`None` before the epoch; past `u64` milliseconds, some 584
    /// million years on, `u64::MAX`).
    #[cfg(feature = "std")]
    #[must_use]
    pub fn now() -> Option<Self> {
        Self::try_from(std::time::SystemTime::now()).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// An error before the epoch; a time past `u64` milliseconds is `u64::MAX` milliseconds.
#[cfg(feature = "std")]
impl TryFrom<std::time::SystemTime> for Timestamp {
    type Error = std::time::SystemTimeError;
    fn try_from(t: std::time::SystemTime) -> Result<Self, Self::Error> {
        let d = t.duration_since(std::time::UNIX_EPOCH)?;
        Ok(Timestamp(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
    }
}

/// A [`Timestamp`] past the latest time the platform's `SystemTime` holds (on Windows, about
/// 30 000 years after 1601: a timestamp from the wire can be any `u64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{0} is past the latest SystemTime of this platform")]
pub struct SystemTimeRange(pub Timestamp);

#[cfg(feature = "std")]
impl TryFrom<Timestamp> for std::time::SystemTime {
    type Error = SystemTimeRange;
    fn try_from(t: Timestamp) -> Result<Self, Self::Error> {
        std::time::UNIX_EPOCH
            .checked_add(Duration::from_millis(t.0))
            .ok_or(SystemTimeRange(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        let t = Timestamp::from_millis(1_500);
        assert_eq!(t.as_secs(), 1);
        assert_eq!(
            t.checked_add(Duration::from_millis(250)),
            Some(Timestamp::from_millis(1_750))
        );
        assert_eq!(t.checked_sub(Duration::from_secs(2)), None);
        assert_eq!(
            Timestamp::from_millis(u64::MAX).checked_add(Duration::from_millis(1)),
            None
        );
        assert_eq!(Timestamp::from_secs(u64::MAX), None);
        assert_eq!(
            Timestamp::from_millis(3_000).duration_since(t),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(t.duration_since(Timestamp::from_millis(3_000)), None);
    }

    #[test]
    fn displays_seconds_and_millis() {
        assert_eq!(
            std::format!("{}", Timestamp::from_millis(1_234_005)),
            "1234.005s"
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn system_time_both_ways() {
        let t = Timestamp::from_millis(1_700_000_000_123);
        let st = std::time::SystemTime::try_from(t).unwrap();
        assert_eq!(Timestamp::try_from(st).unwrap(), t);
        // Fine wherever SystemTime counts seconds in an i64 (later than the first); an error,
        // not a panic, where it holds less (Windows).
        let far = Timestamp::from_millis(u64::MAX);
        match std::time::SystemTime::try_from(far) {
            Ok(t) => assert!(t > st),
            Err(e) => assert_eq!(e, SystemTimeRange(far)),
        }
    }
}
