//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request's diff.
//!
//! Escaping follows the runner's rules: in the message, `%`, CR and LF are
//! percent-encoded; in properties (file, title) also `:` and `,`, which
//! would otherwise end the property.

use std::fmt::Write as _;

use crate::{Report, Severity, untrusted};

/// Writes one `::error`/`::warning`/`::notice` command per finding and
/// error, a notice per reason files were skipped for, then the summary as
/// plain log text.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for finding in report.active_findings() {
        let at = &finding.location;
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(finding.severity),
            escape_property(&at.path),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            escape_property(&format!("{} ({})", finding.rule.id, finding.severity)),
            escape_data(&format!(
                "{}\n{}{}; see `tenken explain {}`",
                finding.message,
                rendered_from_line(finding),
                finding.rule.title,
                finding.rule.id
            )),
        )?;
    }
    for (kind, problems) in [("error", &report.errors), ("warning", &report.warnings)] {
        for problem in problems {
            let mut properties = format!("file={}", escape_property(&problem.path));
            if let Some(line) = problem.line {
                let _ = write!(properties, ",line={line}");
            }
            if let Some(column) = problem.column {
                let _ = write!(properties, ",col={column}");
            }
            writeln!(out, "::{kind} {properties},title=tenken::{}", escape_data(&problem.full_message()))?;
        }
    }
    for (reason, count) in report.skipped_by_reason() {
        let files = if count == 1 { "file" } else { "files" };
        writeln!(out, "::notice title=tenken::{}", escape_data(&format!("{count} {files} skipped: {reason}")))?;
    }
    writeln!(out, "{}", crate::text::summary(report))
}

/// "Rendered from TEMPLATE." and a line break, or nothing.
fn rendered_from_line(finding: &crate::Finding) -> String {
    finding.rendered_from.as_ref().map(|template| format!("Rendered from {template}.\n")).unwrap_or_default()
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message. Line breaks are the runner's to encode;
/// other control characters would reach the log as they are, so they are
/// escaped first (see [`crate::untrusted`]).
pub fn escape_data(text: &str) -> String {
    untrusted::keep_line_breaks(text).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property's value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner_rules() {
        let message = "100% sure: a, b\r\nnext";
        assert_eq!(escape_data(message), "100%25 sure: a, b%0D%0Anext");
        assert_eq!(escape_property(message), "100%25 sure%3A a%2C b%0D%0Anext");
        assert_eq!(escape_data("red \u{1b}[31m"), "red \\u{1b}[31m");
    }
}
