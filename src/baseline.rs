//! Baselines: adopting tenken in a repository that already has findings.
//!
//! `--write-baseline FILE` records the fingerprints of today's findings;
//! `--baseline FILE` then marks those findings suppressed (kind `baseline`)
//! so that only new ones fail the run. Fingerprints hash the rule, the
//! path, the JSON pointer and the message, never line numbers, so moving
//! lines or adding documents does not resurrect a recorded finding. A fixed
//! finding simply stops matching; the number of entries that match nothing
//! is reported so the file can be pruned by writing it again.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tenken_report::{Finding, Report, Suppression, SuppressionKind};

/// Version of the baseline file format.
const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    /// One entry per recorded finding, sorted.
    findings: Vec<Entry>,
}

/// A recorded finding. Only the fingerprint is matched; the rest is there
/// for people reading a diff of the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    message: String,
}

/// Writes the fingerprints of the findings that count today.
pub(crate) fn write(report: &Report, path: &Path) -> anyhow::Result<usize> {
    let mut findings: Vec<Entry> = report
        .active_findings()
        .map(|finding| Entry {
            fingerprint: finding.fingerprint(),
            rule: finding.rule.id.to_string(),
            path: finding.location.path.to_string(),
            message: finding.message.to_string(),
        })
        .collect();
    findings.sort();
    let count = findings.len();
    let mut text = serde_json::to_string_pretty(&BaselineFile { version: BASELINE_VERSION, findings })?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write the baseline to {}", path.display()))?;
    Ok(count)
}

/// Marks the findings recorded in the baseline at `path` as suppressed and
/// returns how many recorded entries matched no finding.
pub(crate) fn apply(report: &mut Report, path: &Path) -> anyhow::Result<usize> {
    let bytes = crate::read::read_bounded(path, crate::read::BASELINE_LIMIT)
        .with_context(|| format!("cannot read the baseline {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not a tenken baseline", path.display()))?;
    let file: BaselineFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a tenken baseline", path.display()))?;
    if file.version != BASELINE_VERSION {
        anyhow::bail!(
            "{} is a version {} baseline; this tenken reads version {BASELINE_VERSION}",
            path.display(),
            file.version
        );
    }
    // A multiset: two identical findings need two entries.
    let mut remaining: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &file.findings {
        *remaining.entry(entry.fingerprint.clone()).or_default() += 1;
    }
    let source = path.display().to_string();
    for finding in report.findings.iter_mut().filter(|finding| finding.suppressed.is_none()) {
        if take(&mut remaining, finding) {
            finding.suppressed = Some(Box::new(Suppression {
                kind: SuppressionKind::Baseline,
                reason: "recorded in the baseline".to_owned(),
                until: None,
                source: source.clone(),
            }));
        }
    }
    Ok(remaining.values().sum())
}

/// Takes one recorded entry for `finding`: recorded under its rule's id,
/// or under an id the rule had before it was renamed.
fn take(remaining: &mut BTreeMap<String, usize>, finding: &Finding) -> bool {
    let fingerprints = std::iter::once(finding.fingerprint())
        .chain(crate::aliases::former(&finding.rule.id).map(|old| finding.fingerprint_as(old)));
    for fingerprint in fingerprints {
        if let Some(count) = remaining.get_mut(&fingerprint)
            && *count > 0
        {
            *count -= 1;
            return true;
        }
    }
    false
}
