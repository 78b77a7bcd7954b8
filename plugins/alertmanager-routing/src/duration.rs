//! Prometheus durations, as Alertmanager's timers are written: `30s`,
//! `5m`, `1h30m`, `1d`, `1w`, `500ms`.

/// The whole seconds in `text`, or `None` if it is not a duration.
pub fn seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if text == "0" {
        return Some(0);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_length = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_length];
        rest = &rest[unit_length..];
        let milliseconds: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(milliseconds)?)?;
    }
    Some(total / 1_000)
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn durations_read_as_alertmanager_reads_them() {
        assert_eq!(seconds("30s"), Some(30));
        assert_eq!(seconds("5m"), Some(300));
        assert_eq!(seconds("1h30m"), Some(5_400));
        assert_eq!(seconds("1d"), Some(86_400));
        assert_eq!(seconds("1500ms"), Some(1));
        assert_eq!(seconds("0"), Some(0));
        for invalid in ["", "5", "m5", "5 minutes", "1.5h", "99999999999999999999y"] {
            assert_eq!(seconds(invalid), None, "{invalid}");
        }
    }
}
