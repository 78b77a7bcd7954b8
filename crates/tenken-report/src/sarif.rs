//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
//!
//! - `tool.driver.rules` describes every rule of the plugins that ran, with
//!   help text and Markdown, a help URI, the default level, and for
//!   security rules a `security-severity` so GitHub ranks alerts.
//! - Results carry the rule, level, message, a relative artifact URI under
//!   `%SRCROOT%`, a full region (columns counted in Unicode code points, as
//!   `columnKind` says), and a `partialFingerprints` entry that does not
//!   change when lines move.
//! - Files that could not be checked become tool execution notifications,
//!   and `executionSuccessful` is false.
//!
//! The output is validated against the SARIF 2.1.0 JSON schema in tests.

use std::collections::HashMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Category, Finding, Location, Problem, Report, RuleDescriptor, Severity, SuppressionKind};

/// Characters escaped in a URI path: controls, space and the characters
/// that end or delimit a path (`%`, `#`, `?`), plus those some consumers
/// mishandle.
const PATH_SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>').add(b'?').add(b'`').add(b'{').add(b'}');

/// The `partialFingerprints` key; bump the version if the hash changes.
const FINGERPRINT_KEY: &str = "tenken/v1";

/// Writes the report as one SARIF run. Results are made and written one at
/// a time, so a report with hundreds of thousands of findings is never
/// held in memory a second time.
pub fn write(report: &Report, tool_version: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = report.rules.iter().map(rule).collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|problem| notification(problem, "error"))
        .chain(report.warnings.iter().map(|problem| notification(problem, "warning")))
        .chain(report.skipped_by_reason().into_iter().map(|(reason, count)| {
            let files = if count == 1 { "file" } else { "files" };
            json!({ "level": "note", "message": { "text": format!("{count} {files} skipped: {reason}") } })
        }))
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({
                "driver": {
                    "name": "tenken",
                    "version": tool_version,
                    "semanticVersion": tool_version,
                    "rules": rules,
                }
            }),
            invocations: json!([{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }]),
            original_uri_base_ids: json!({
                "%SRCROOT%": { "description": { "text": "The directory tenken was run from." } }
            }),
            column_kind: "unicodeCodePoints",
            results: Results::new(report),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// The SARIF log, with its fields in the order the format lists them.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    invocations: Value,
    original_uri_base_ids: Value,
    column_kind: &'static str,
    results: Results<'a>,
}

/// The findings as SARIF results, each made as it is written.
struct Results<'a> {
    report: &'a Report,
    /// Each rule's index in `tool.driver.rules`.
    rule_index: HashMap<&'a str, usize>,
}

impl<'a> Results<'a> {
    fn new(report: &'a Report) -> Self {
        let rule_index = report.rules.iter().enumerate().map(|(index, rule)| (rule.id.as_str(), index)).collect();
        Self { report, rule_index }
    }
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.report.findings.iter().map(|finding| result(finding, self.rule_index.get(&*finding.rule.id).copied())),
        )
    }
}

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a CVSS-like score whose bands (9.0+
/// critical, 7.0+ high, 4.0+ medium, else low) match our severities.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule(rule: &RuleDescriptor) -> Value {
    let category = match rule.category {
        Category::Security => "security",
        Category::Reliability => "reliability",
    };
    let mut properties = json!({ "tags": [category, rule.plugin], "precision": "high" });
    if rule.category == Category::Security {
        properties["security-severity"] = json!(security_severity(rule.severity));
    }
    let references: String = rule.references.iter().map(|reference| format!("\n- <{reference}>")).collect();
    let mut descriptor = json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": rule.rationale },
        "help": {
            "text": format!("{}\n\nHow to fix: {}\n\nExplain: tenken explain {}", rule.rationale, rule.fix, rule.id),
            "markdown": format!(
                "## Why it matters\n\n{}\n\n## How to fix it\n\n{}\n\n## References\n{}",
                rule.rationale, rule.fix, references
            ),
        },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": properties,
    });
    if let Some(uri) = rule.references.first() {
        descriptor["helpUri"] = json!(uri);
    }
    descriptor
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let mut value = json!({
        "ruleId": finding.rule.id,
        "level": level(finding.severity),
        "message": { "text": finding.message },
        "locations": [{ "physicalLocation": physical_location(&finding.location) }],
        "partialFingerprints": { FINGERPRINT_KEY: finding.fingerprint() },
        "properties": { "severity": finding.severity.as_str(), "pointer": finding.pointer },
    });
    if let Some(index) = rule_index {
        value["ruleIndex"] = json!(index);
    }
    if let Some(excerpt) = &finding.excerpt {
        let snippet = excerpt.text.lines().last().unwrap_or_default();
        value["locations"][0]["physicalLocation"]["region"]["snippet"] = json!({ "text": snippet });
    }
    if let Some(suppression) = &finding.suppressed {
        // An exception written in the file is `inSource`; one kept outside
        // it (the baseline) is `external`.
        let kind = match suppression.kind {
            SuppressionKind::Baseline => "external",
            SuppressionKind::Comment | SuppressionKind::FileComment | SuppressionKind::Annotation => "inSource",
        };
        let mut entry = json!({ "kind": kind, "status": "accepted", "justification": suppression.reason });
        entry["properties"] = json!({ "source": suppression.source });
        if let Some(until) = &suppression.until {
            entry["properties"]["until"] = json!(until);
        }
        value["suppressions"] = json!([entry]);
    }
    if let Some(note) = &finding.note {
        value["properties"]["note"] = json!(note);
    }
    if let Some(template) = &finding.rendered_from {
        // The checked line is in the rendered text; the template it came
        // from is where the fix goes, so code-scanning UIs link it too.
        value["relatedLocations"] = json!([{
            "id": 1,
            "physicalLocation": { "artifactLocation": artifact(template) },
            "message": { "text": "the template this document was rendered from" },
        }]);
        value["properties"]["renderedFrom"] = json!(template);
    }
    value
}

fn physical_location(location: &Location) -> Value {
    json!({
        "artifactLocation": artifact(&location.path),
        "region": {
            "startLine": location.line,
            "startColumn": location.column,
            "endLine": location.end_line,
            "endColumn": location.end_column,
        }
    })
}

/// A relative path becomes a URI under `%SRCROOT%`; an absolute one a
/// `file://` URI.
fn artifact(path: &str) -> Value {
    let encoded = utf8_percent_encode(path, PATH_SEGMENT).to_string();
    if path.starts_with('/') {
        json!({ "uri": format!("file://{encoded}") })
    } else {
        json!({ "uri": encoded, "uriBaseId": "%SRCROOT%" })
    }
}

fn notification(problem: &Problem, level: &str) -> Value {
    let text = problem.full_message();
    let mut region = json!({});
    if let Some(line) = problem.line {
        region["startLine"] = json!(line);
    }
    if let Some(column) = problem.column {
        region["startColumn"] = json!(column);
    }
    let mut physical = json!({ "artifactLocation": artifact(&problem.path) });
    if problem.line.is_some() {
        physical["region"] = region;
    }
    json!({
        "level": level,
        "message": { "text": text },
        "descriptor": { "id": format!("{:?}", problem.kind).to_lowercase() },
        "locations": [{ "physicalLocation": physical }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_relative_and_encoded() {
        assert_eq!(artifact("k8s/my app.yaml"), json!({"uri": "k8s/my%20app.yaml", "uriBaseId": "%SRCROOT%"}));
        assert_eq!(artifact("/abs/a#b.yaml"), json!({"uri": "file:///abs/a%23b.yaml"}));
    }
}
