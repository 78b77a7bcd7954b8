//! `--statistics`: how many active findings each rule has, most first,
//! instead of the findings themselves, to see where a repository stands
//! or which rules to look at before adopting tenken.

use serde::Serialize;

use crate::{Report, Severity, untrusted};

/// One rule's count.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RuleCount<'a> {
    /// Full rule id.
    pub rule: &'a str,
    /// Active findings of the rule.
    pub count: usize,
    /// The rule's severity (after configuration).
    pub severity: Severity,
    /// What the rule asks, in one line.
    pub title: &'a str,
}

/// The active findings' counts per rule, most first, then by rule id.
pub fn counts(report: &Report) -> Vec<RuleCount<'_>> {
    let mut counts: Vec<RuleCount<'_>> = Vec::new();
    for finding in report.active_findings() {
        match counts.iter_mut().find(|count| *count.rule == *finding.rule.id) {
            Some(count) => count.count += 1,
            None => counts.push(RuleCount {
                rule: &finding.rule.id,
                count: 1,
                severity: finding.severity,
                title: &finding.rule.title,
            }),
        }
    }
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(b.rule)));
    counts
}

/// `  12  medium    k8s-probes/missing-liveness-probe  Give every ...`,
/// one line per rule, then the total.
pub fn write_text(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let counts = counts(report);
    let count_width = counts.iter().map(|count| count.count.to_string().len()).max().unwrap_or(1);
    let rule_width = counts.iter().map(|count| count.rule.len()).max().unwrap_or(0);
    for count in &counts {
        writeln!(
            out,
            "{:>count_width$}  {:8}  {:rule_width$}  {}",
            count.count,
            count.severity.as_str(),
            untrusted::one_line(count.rule),
            untrusted::one_line(count.title)
        )?;
    }
    let total: usize = counts.iter().map(|count| count.count).sum();
    writeln!(out, "{total} findings of {} rules", counts.len())
}

/// The counts as a JSON array.
pub fn write_json(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(report))?;
    writeln!(out)
}
