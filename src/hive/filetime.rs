//! Windows FILETIME (100 ns ticks since 1601-01-01 UTC) from and to RFC 3339 text.

use crate::error::Error;

/// 100 ns ticks between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_AS_FILETIME: i128 = 116_444_736_000_000_000;

/// Parse e.g. "2024-05-01T12:00:00Z" into a FILETIME.
pub fn filetime_from_rfc3339(text: &str) -> Result<u64, Error> {
    let timestamp: jiff::Timestamp = text.parse().map_err(|e| Error::InvalidTime {
        text: text.to_string(),
        problem: format!("not an RFC 3339 time: {e}"),
    })?;
    let ticks = timestamp.as_nanosecond().div_euclid(100) + UNIX_EPOCH_AS_FILETIME;
    u64::try_from(ticks).map_err(|_| Error::InvalidTime {
        text: text.to_string(),
        problem: "before the year 1601".to_string(),
    })
}

/// The FILETIME of this moment (the clock read as a number, not through text).
pub fn filetime_now() -> u64 {
    let ticks = jiff::Timestamp::now().as_nanosecond().div_euclid(100) + UNIX_EPOCH_AS_FILETIME;
    u64::try_from(ticks).unwrap_or(0)
}

/// Whole seconds since 1970-01-01 UTC (negative before), as bodyfiles count time.
pub fn filetime_to_unix_seconds(filetime: u64) -> i64 {
    // A u64 of 100 ns ticks is at most ~1.8e12 seconds: it always fits.
    ((i128::from(filetime) - UNIX_EPOCH_AS_FILETIME).div_euclid(10_000_000)) as i64
}

/// `2012-04-07T13:05:14.5115030Z`: UTC, with the FILETIME's full 100 ns precision. A time past
/// what RFC 3339 can write (year 9999) is shown as the raw number.
pub fn filetime_to_rfc3339(filetime: u64) -> String {
    let nanos = (i128::from(filetime) - UNIX_EPOCH_AS_FILETIME) * 100;
    match jiff::Timestamp::from_nanosecond(nanos) {
        Ok(t) => format!("{}Z", t.strftime("%Y-%m-%dT%H:%M:%S%.7f")),
        Err(_) => format!("FILETIME {filetime:#x}"),
    }
}

/// Serialize an optional FILETIME as RFC 3339 text (or null).
pub fn serialize_filetime<S: serde::Serializer>(
    filetime: &Option<u64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match filetime {
        Some(t) => serializer.serialize_str(&filetime_to_rfc3339(*t)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_times_convert() {
        assert_eq!(
            filetime_from_rfc3339("1970-01-01T00:00:00Z").unwrap(),
            116_444_736_000_000_000
        );
        assert_eq!(filetime_from_rfc3339("1601-01-01T00:00:00Z").unwrap(), 0);
        // 2009-07-14T04:58:10.1234567Z, an offset-written equivalent.
        assert_eq!(
            filetime_from_rfc3339("2009-07-14T06:58:10.1234567+02:00").unwrap(),
            filetime_from_rfc3339("2009-07-14T04:58:10.1234567Z").unwrap()
        );
        assert_eq!(
            filetime_from_rfc3339("2009-07-14T04:58:10.1234567Z").unwrap() % 10_000_000,
            1_234_567
        );
    }

    #[test]
    fn filetimes_print_as_rfc3339_and_unix_seconds() {
        let t = filetime_from_rfc3339("2009-07-14T04:58:10.1234567Z").unwrap();
        assert_eq!(filetime_to_rfc3339(t), "2009-07-14T04:58:10.1234567Z");
        assert_eq!(filetime_to_rfc3339(0), "1601-01-01T00:00:00.0000000Z");
        assert_eq!(filetime_to_unix_seconds(t), 1_247_547_490);
        assert_eq!(filetime_to_unix_seconds(0), -11_644_473_600);
        assert!(filetime_to_rfc3339(u64::MAX).starts_with("FILETIME"));
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        assert!(matches!(
            filetime_from_rfc3339("yesterday"),
            Err(Error::InvalidTime { .. })
        ));
        assert!(matches!(
            filetime_from_rfc3339("1600-12-31T23:59:59Z"),
            Err(Error::InvalidTime { .. })
        ));
    }
}
