//! One line per finding or error, `path:line:col: severity rule message`,
//! for grep, editors and quick scans.

use std::fmt::Write as _;

use crate::Report;

/// Renders findings, then errors, then warnings, then the summary.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in report.active_findings() {
        let at = &finding.location;
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {} {}",
            at.path,
            at.line,
            at.column,
            finding.severity,
            finding.rule.id,
            one_line(&finding.message)
        );
    }
    for (label, problems) in [("error", &report.errors), ("warning", &report.warnings)] {
        for problem in problems {
            let position = match (problem.line, problem.column) {
                (Some(line), Some(column)) => format!(":{line}:{column}"),
                (Some(line), None) => format!(":{line}"),
                _ => String::new(),
            };
            let _ = writeln!(out, "{}{position}: {label} {}", problem.path, one_line(&problem.full_message()));
        }
    }
    out.push_str(&crate::text::summary(report));
    out.push('\n');
    out
}

/// The first line of a message: one finding must stay one line.
fn one_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}
