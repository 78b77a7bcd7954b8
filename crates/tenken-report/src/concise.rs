//! One line per finding or error, `path:line:col: severity rule message`,
//! for grep, editors and quick scans.

use crate::{RenderOptions, Report, untrusted};

/// Writes findings, then errors, then warnings, then the skipped files and
/// the summary.
pub fn write(report: &Report, options: RenderOptions, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for finding in report.active_findings() {
        let at = &finding.location;
        write!(
            out,
            "{}:{}:{}: {} {} {}",
            untrusted::path(&at.path),
            at.line,
            at.column,
            finding.severity,
            untrusted::one_line(&finding.rule.id),
            untrusted::one_line(first_line(&finding.message))
        )?;
        match &finding.rendered_from {
            Some(template) => writeln!(out, " (rendered from {})", untrusted::path(template))?,
            None => writeln!(out)?,
        }
    }
    for (label, problems) in [("error", &report.errors), ("warning", &report.warnings)] {
        for problem in problems {
            let position = match (problem.line, problem.column) {
                (Some(line), Some(column)) => format!(":{line}:{column}"),
                (Some(line), None) => format!(":{line}"),
                _ => String::new(),
            };
            let message = problem.full_message();
            writeln!(
                out,
                "{}{position}: {label} {}",
                untrusted::path(&problem.path),
                untrusted::one_line(first_line(&message))
            )?;
        }
    }
    if options.quiet {
        return Ok(());
    }
    for line in crate::text::skipped(report, options.each_skipped_file) {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{}", crate::text::summary(report))
}

/// The first line of a message: one finding must stay one line.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}
