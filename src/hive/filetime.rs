//! Windows FILETIME (100 ns ticks since 1601-01-01 UTC) from a time the user writes in RFC 3339.

use crate::error::Error;

/// 100 ns ticks between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_AS_FILETIME: i128 = 116_444_736_000_000_000;

/// Parse e.g. "2024-05-01T12:00:00Z" into a FILETIME.
pub fn filetime_from_rfc3339(text: &str) -> Result<u64, Error> {
    let timestamp: jiff::Timestamp = text
        .parse()
        .map_err(|e| Error::Usage(format!("{text:?} is not an RFC 3339 time: {e}")))?;
    let ticks = timestamp.as_nanosecond().div_euclid(100) + UNIX_EPOCH_AS_FILETIME;
    u64::try_from(ticks).map_err(|_| Error::Usage(format!("{text:?} is before the year 1601")))
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
    fn bad_input_is_a_usage_error() {
        assert!(matches!(
            filetime_from_rfc3339("yesterday"),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            filetime_from_rfc3339("1600-12-31T23:59:59Z"),
            Err(Error::Usage(_))
        ));
    }
}
