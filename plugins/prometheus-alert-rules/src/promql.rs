//! Just enough of PromQL to tell whether an expression reads a counter as
//! it is, rather than through a function that turns it into a rate.
//!
//! A full PromQL parser (the `promql-parser` crate) made this plugin 2 MB
//! of WebAssembly against about 300 KB, with a regex engine and parser
//! tables, for a question that the tokens answer: which metric names
//! appear, and inside which function calls. Label matchers (`{…}`), ranges
//! (`[5m]`), strings and the label lists of `by`, `without`, `on`,
//! `ignoring`, `group_left` and `group_right` hold no metric names and are
//! skipped whole.

/// Functions whose argument may be a counter: they make a rate or a count
/// of it, or ask whether it exists, which is what alerting on a counter
/// means.
const COUNTER_SAFE: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "resets",
    "changes",
    "absent",
    "absent_over_time",
    "present_over_time",
    "count_over_time",
    "count",
    "group",
    "count_values",
    "timestamp",
];

/// Words that name label lists after them.
const LABEL_LISTS: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right"];

/// Words of the language that are not metric names.
const KEYWORDS: &[&str] = &["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "start", "end"];

/// Metric name suffixes of counters: OpenMetrics' `_total`, and the
/// cumulative series of summaries and histograms.
const COUNTER_SUFFIXES: &[&str] = &["_total", "_count", "_sum", "_bucket"];

/// The counters `expression` reads outside any [`COUNTER_SAFE`] function,
/// in order, each once. Names with `:` are recorded series, named for
/// what they hold, and are not judged.
pub fn raw_counters(expression: &str) -> Vec<&str> {
    let bytes = expression.as_bytes();
    let mut found: Vec<&str> = Vec::new();
    // The function (or "" for grouping) of each open parenthesis.
    let mut calls: Vec<&str> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b'#' => at = skip_line(bytes, at),
            b'"' | b'\'' | b'`' => at = skip_string(bytes, at),
            b'{' => at = skip_to_close(bytes, at, b'{', b'}'),
            b'[' => at = skip_to_close(bytes, at, b'[', b']'),
            b'(' => {
                calls.push("");
                at += 1;
            }
            b')' => {
                calls.pop();
                at += 1;
            }
            b'0'..=b'9' | b'.' => {
                // Numbers, durations (`5m`), hexadecimals: no names.
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'.' || bytes[at] == b'_')
                {
                    at += 1;
                }
            }
            _ if byte.is_ascii_alphabetic() || byte == b'_' || byte == b':' => {
                let start = at;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || bytes[at] == b':')
                {
                    at += 1;
                }
                let word = &expression[start..at];
                let next = skip_spaces(bytes, at);
                let opens = bytes.get(next) == Some(&b'(');
                if opens && LABEL_LISTS.contains(&word) {
                    at = skip_to_close(bytes, next, b'(', b')');
                } else if opens {
                    calls.push(word);
                    at = next + 1;
                } else if let Some(argument) = grouped_aggregation(bytes, next) {
                    // `count without (cpu) (…)`: the modifier comes first.
                    calls.push(word);
                    at = argument + 1;
                } else if !KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
                    && !word.contains(':')
                    && COUNTER_SUFFIXES.iter().any(|suffix| word.ends_with(suffix))
                    && !calls.iter().any(|call| COUNTER_SAFE.contains(call))
                    && !is_presence_check(bytes, at)
                    && !found.contains(&word)
                {
                    found.push(word);
                }
            }
            _ => at += 1,
        }
    }
    found
}

/// Where the argument of an aggregation opens, when `at` is at its
/// `by (…)` or `without (…)` modifier.
fn grouped_aggregation(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = &bytes[at..];
    let keyword = [&b"by"[..], &b"without"[..]].into_iter().find(|keyword| rest.starts_with(keyword))?;
    let list = skip_spaces(bytes, at + keyword.len());
    if bytes.get(list) != Some(&b'(') {
        return None;
    }
    let argument = skip_spaces(bytes, skip_to_close(bytes, list, b'(', b')'));
    (bytes.get(argument) == Some(&b'(')).then_some(argument)
}

/// Whether the selector that ends at `at` is compared with `> 0`: a
/// check that the series exists and has counted anything, which a raw
/// value answers.
fn is_presence_check(bytes: &[u8], at: usize) -> bool {
    let mut next = skip_spaces(bytes, at);
    if bytes.get(next) == Some(&b'{') {
        next = skip_spaces(bytes, skip_to_close(bytes, next, b'{', b'}'));
    }
    let rest = &bytes[next..];
    let Some(rest) = rest.strip_prefix(b">").or_else(|| rest.strip_prefix(b"!=")) else { return false };
    let value = &rest[skip_spaces(rest, 0)..];
    value.first() == Some(&b'0') && !value.get(1).is_some_and(|byte| byte.is_ascii_digit() || *byte == b'.')
}

/// Whether `expression` is a multiwindow alert: conditions over two or
/// more windows joined by `and`, as burn-rate alerts are. The short
/// window already keeps a blip from paging, which is what `for:` is for.
pub fn is_multiwindow(expression: &str) -> bool {
    let lower = expression.to_ascii_lowercase();
    let has_and = lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| word == "and");
    if !has_and {
        return false;
    }
    let mut windows: Vec<&str> = Vec::new();
    // `[5m]` ranges, and windows in recorded names (`…:ratio_rate5m`).
    for (at, _) in expression.match_indices('[') {
        let inside = &expression[at + 1..];
        let end = inside.find([']', ':']).unwrap_or(inside.len());
        windows.push(inside[..end].trim());
    }
    for word in expression.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
        if let Some((_, tail)) = word.rsplit_once("rate")
            && tail.len() >= 2
            && tail.starts_with(|c: char| c.is_ascii_digit())
            && tail.ends_with(['s', 'm', 'h', 'd', 'w'])
        {
            windows.push(tail);
        }
    }
    windows.sort_unstable();
    windows.dedup();
    windows.len() >= 2
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

fn skip_line(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |end| at + end + 1)
}

/// Past the string that starts at `at`; backticks take no escapes.
fn skip_string(bytes: &[u8], at: usize) -> usize {
    let quote = bytes[at];
    let mut at = at + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote != b'`' => at += 2,
            byte if byte == quote => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Past the bracket that closes the one at `at`, skipping strings inside.
fn skip_to_close(bytes: &[u8], at: usize, open: u8, close: u8) -> usize {
    let mut depth = 0;
    let mut at = at;
    while at < bytes.len() {
        match bytes[at] {
            b'"' | b'\'' | b'`' => {
                at = skip_string(bytes, at);
                continue;
            }
            byte if byte == open => depth += 1,
            byte if byte == close => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::{is_multiwindow, raw_counters};

    #[test]
    fn burn_rate_alerts_are_multiwindow() {
        assert!(is_multiwindow(
            "(slo:sli_error:ratio_rate5m{sloth_id=\"a\"} > (14.4 * 0.001)) and ignoring (sloth_window) \
             (slo:sli_error:ratio_rate1h{sloth_id=\"a\"} > (14.4 * 0.001))"
        ));
        assert!(is_multiwindow("rate(errors_total[5m]) > 0.1 and rate(errors_total[1h]) > 0.1"));
        assert!(!is_multiwindow("rate(errors_total[5m]) > 0.1 and up == 1"));
        assert!(!is_multiwindow("rate(errors_total[5m]) > 0.1 or rate(errors_total[1h]) > 0.1"));
    }

    #[test]
    fn counters_through_rates_are_fine() {
        for expression in [
            "rate(http_requests_total[5m]) > 10",
            "sum by (job) (increase(errors_total{code=~\"5..\"}[1h])) / sum by (job) (increase(requests_total[1h])) > 0.01",
            "histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m]))) > 1",
            "absent(up_total{job=\"api\"})",
            "count(kube_pod_info_total) > 100",
            "label_replace(rate(x_total[5m]), \"a\", \"$1\", \"b\", \"(.*)\") > 1",
            "job:http_requests_total:rate5m > 100",
            "up == 0",
            "kube_deployment_status_replicas_available < 2",
            "sum(rate(a_total[5m])) by (job) > 0 # errors_total in a comment",
            // Counting CPUs, with the modifier before the argument.
            "node_load1 / count without (cpu, mode) (node_cpu_seconds_total{mode=\"idle\"}) > 2",
            // Whether the series has counted anything at all.
            "cert_expiration_seconds_count{job=\"apiserver\"} > 0 and on (job) histogram_quantile(0.01, \
             sum by (job, le) (rate(cert_expiration_seconds_bucket[5m]))) < 604800",
        ] {
            assert!(raw_counters(expression).is_empty(), "{expression}: {:?}", raw_counters(expression));
        }
    }

    #[test]
    fn raw_counters_are_named() {
        assert_eq!(raw_counters("http_requests_total > 1000"), ["http_requests_total"]);
        assert_eq!(
            raw_counters("errors_total / ignoring(code) requests_total > 0.1"),
            ["errors_total", "requests_total"]
        );
        assert_eq!(raw_counters("sum(request_duration_seconds_count) > 5"), ["request_duration_seconds_count"]);
        assert_eq!(raw_counters("sum without (cpu) (node_cpu_seconds_total) > 5"), ["node_cpu_seconds_total"]);
        assert_eq!(raw_counters("x_total - x_total offset 1h > 5"), ["x_total"]);
        // A counter inside a label matcher's value is no metric.
        assert_eq!(raw_counters("up{job=\"errors_total\"} == 0"), Vec::<&str>::new());
    }
}
