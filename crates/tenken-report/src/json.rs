//! The JSON report: a stable, versioned schema for tools.
//!
//! Bump [`SCHEMA_VERSION`] on any change that removes or renames a field;
//! adding a field is not a breaking change.

use serde::Serialize;

use crate::{FileOutcome, Finding, PluginSummary, Problem, Report, Severity};

/// Version of the JSON report schema.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool<'a>,
    summary: Summary,
    findings: &'a [Finding],
    errors: &'a [Problem],
    warnings: &'a [Problem],
    files: &'a [FileOutcome],
    plugins: &'a [PluginSummary],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary {
    /// Findings that count (not suppressed).
    findings: usize,
    /// Findings an exception covers; they are listed with `suppressed`.
    suppressed: usize,
    /// Most severe first.
    by_severity: serde_json::Map<String, serde_json::Value>,
    files_checked: usize,
    files_skipped: usize,
    files_errored: usize,
    errors: usize,
    plugins: usize,
    /// With `--baseline`: entries that matched no finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_unmatched: Option<usize>,
}

/// Writes `report` as pretty-printed JSON, ending in a newline, straight to
/// `out`: a report with hundreds of thousands of findings is never held
/// in memory a second time as text.
pub fn write(report: &Report, tool_version: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let (checked, skipped, errored) = report.file_counts();
    let by_severity =
        Severity::ALL.iter().map(|severity| (severity.as_str().to_owned(), report.count(*severity).into())).collect();
    let document = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "tenken", version: tool_version },
        summary: Summary {
            findings: report.active_count(),
            suppressed: report.suppressed_count(),
            by_severity,
            files_checked: checked,
            files_skipped: skipped,
            files_errored: errored,
            errors: report.errors.len(),
            plugins: report.plugins.len(),
            baseline_unmatched: report.baseline_unmatched,
        },
        findings: &report.findings,
        errors: &report.errors,
        warnings: &report.warnings,
        files: &report.files,
        plugins: &report.plugins,
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
