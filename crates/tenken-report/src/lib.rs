//! tenken's report model and its renderers.
//!
//! Everything a run produces ends up in one [`Report`]: findings with their
//! resolved locations and source excerpts, the outcome of every input file,
//! and every error. Each output format renders that one model, so the
//! formats never disagree, and the exit code is derived from it too.
#![warn(missing_docs)]

pub mod concise;
pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;
pub mod text;
pub mod untrusted;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use tenken_types::{Category, Severity};

/// A place in a file: 1-based lines, 1-based columns in characters. The
/// end is exclusive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Display path, `/`-separated. Shared by every finding in the file.
    pub path: Arc<str>,
    /// First line.
    pub line: u32,
    /// First column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end.
    pub end_column: u32,
}

/// The lines of source around a location, for code frames.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Excerpt {
    /// Line number of the first line of `text`.
    pub first_line: u32,
    /// Whole lines of source, joined by `\n`.
    pub text: String,
    /// The byte range within `text` to underline.
    pub highlight: std::ops::Range<usize>,
}

/// What every finding of one rule repeats, made once per run and shared.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleLabel {
    /// Full rule id: `<plugin>/<rule>`.
    pub id: Box<str>,
    /// The plugin that reports it.
    pub plugin: Box<str>,
    /// The rule's title: what to do, in one line.
    pub title: Box<str>,
}

impl RuleLabel {
    /// A shared label for the rule `id` of `plugin`.
    pub fn new(id: impl Into<Box<str>>, plugin: impl Into<Box<str>>, title: impl Into<Box<str>>) -> Arc<Self> {
        Arc::new(Self { id: id.into(), plugin: plugin.into(), title: title.into() })
    }
}

/// A violation of one rule.
///
/// A large run holds hundreds of thousands of these, so what findings of
/// one rule, one file or one text have in common is shared, not copied,
/// and the rare parts are boxed: 112 bytes a finding, plus its excerpt
/// when an output shows code frames.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule: its id, plugin and title.
    pub rule: Arc<RuleLabel>,
    /// Effective severity.
    pub severity: Severity,
    /// Reliability or security.
    pub category: Category,
    /// What is wrong at this node. Shared between findings that say the
    /// same thing, as many in a large repository do.
    pub message: Arc<str>,
    /// Where.
    pub location: Location,
    /// Index of the document within the file.
    pub document: u32,
    /// The JSON pointer the plugin reported. Shared like the message.
    pub pointer: Arc<str>,
    /// Source lines for a code frame, for the outputs that show one.
    /// Shared between findings that show the same lines, as findings on
    /// one node do, and those in files made from one template.
    pub excerpt: Option<Arc<Excerpt>>,
    /// The exception that keeps this finding from counting, if any.
    /// Suppressed findings are reported, never dropped, but do not fail the
    /// run.
    pub suppressed: Option<Box<Suppression>>,
    /// Something the reader should know, such as an exception that expired.
    pub note: Option<Box<str>>,
    /// The file the checked document was rendered from, such as the chart
    /// template named by Helm's `# Source:` comment: where the fix goes,
    /// while `location` is the line in the rendered text that was checked.
    pub rendered_from: Option<Arc<str>>,
}

/// A finding as the JSON report writes it: the rule's parts as fields of
/// their own, in this order.
#[derive(Serialize)]
struct SerializedFinding<'a> {
    rule: &'a str,
    plugin: &'a str,
    severity: Severity,
    category: Category,
    message: &'a str,
    #[serde(flatten)]
    location: &'a Location,
    document: u32,
    pointer: &'a str,
    help: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered_from: Option<&'a str>,
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SerializedFinding {
            rule: &self.rule.id,
            plugin: &self.rule.plugin,
            severity: self.severity,
            category: self.category,
            message: &self.message,
            location: &self.location,
            document: self.document,
            pointer: &self.pointer,
            help: &self.rule.title,
            suppressed: self.suppressed.as_deref(),
            note: self.note.as_deref(),
            rendered_from: self.rendered_from.as_deref(),
        }
        .serialize(serializer)
    }
}

/// Where an exception was written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A `tenken:ignore` comment on or above the node.
    Comment,
    /// A `tenken:ignore-file` comment.
    FileComment,
    /// A `tenken.dev/ignore` annotation on a Kubernetes object.
    Annotation,
    /// An entry of the baseline file.
    Baseline,
}

/// An exception that covers a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// How it was written.
    pub kind: SuppressionKind,
    /// Why the exception is acceptable.
    pub reason: String,
    /// The last day it applies (`YYYY-MM-DD`), if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Where it is written, e.g. `k8s/agent.yaml:12`.
    pub source: String,
}

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum FileStatus {
    /// Parsed, and every applicable plugin ran on it.
    Checked,
    /// Deliberately not checked.
    Skipped {
        /// Why, for the user.
        reason: String,
    },
    /// Could not be (fully) checked; see the report's errors.
    Error,
}

/// One input file's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    /// Display path.
    pub path: String,
    /// Checked, skipped or error.
    #[serde(flatten)]
    pub status: FileStatus,
    /// The format it was parsed as, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Kinds of its documents, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentSummary>,
}

/// One document of a checked file.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentSummary {
    /// Position within the file.
    pub index: u32,
    /// Classified kind.
    pub kind: String,
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// The file could not be read.
    Read,
    /// The file (or part of it) could not be parsed.
    Parse,
    /// A plugin failed on the file.
    Plugin,
}

/// An error or warning that is not a finding: something tenken itself
/// could not do, or noticed while reading.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Read, parse or plugin.
    pub kind: ProblemKind,
    /// The file concerned.
    pub path: String,
    /// Where in the file, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The plugin, for plugin errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// What happened.
    pub message: String,
    /// Source lines for a code frame, if the problem has a place.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
}

impl Problem {
    /// The message as users read it, naming the plugin for plugin errors:
    /// "plugin `x` crashed: ...".
    pub fn full_message(&self) -> String {
        match &self.plugin {
            Some(plugin) => format!("plugin `{plugin}` {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// What a rule is, for formats that describe rules (SARIF) and for help.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDescriptor {
    /// Full rule id: `<plugin>/<rule>`.
    pub id: String,
    /// The plugin that defines it.
    pub plugin: String,
    /// What the rule asks for, in one line.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Reliability or security.
    pub category: Category,
    /// Why the practice matters (Markdown).
    pub rationale: String,
    /// How to fix a finding (Markdown).
    pub fix: String,
    /// Further reading.
    pub references: Vec<String>,
}

/// A plugin that took part in the run.
#[derive(Debug, Clone, Serialize)]
pub struct PluginSummary {
    /// Plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// sha256 of the component.
    pub sha256: String,
}

/// Everything one run produced.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings, sorted by location then rule.
    pub findings: Vec<Finding>,
    /// Every input file, sorted by path.
    pub files: Vec<FileOutcome>,
    /// Errors: files or parts of files that were not checked.
    pub errors: Vec<Problem>,
    /// Warnings: things that were checked but look wrong (duplicate keys).
    pub warnings: Vec<Problem>,
    /// The plugins that ran.
    pub plugins: Vec<PluginSummary>,
    /// Every rule of the plugins that ran, sorted by id.
    pub rules: Vec<RuleDescriptor>,
    /// Wall-clock time of the run, shown in the text summary.
    pub elapsed: Option<Duration>,
    /// With a baseline: how many of its entries matched no finding (fixed
    /// since, so the baseline can be pruned).
    pub baseline_unmatched: Option<usize>,
}

impl Report {
    /// Puts findings, files and problems into a stable order, so output is
    /// identical whatever the thread count.
    pub fn sort(&mut self) {
        // The key orders every field a reader can tell findings apart by, so
        // an unstable sort gives the same output, without the stable sort's
        // buffer of half the findings.
        self.findings.sort_unstable_by(|a, b| {
            (&a.location, &a.rule.id, &a.pointer, &a.message).cmp(&(&b.location, &b.rule.id, &b.pointer, &b.message))
        });
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        let problem_key = |p: &Problem| (p.path.clone(), p.line, p.column, p.plugin.clone(), p.message.clone());
        self.errors.sort_by_key(problem_key);
        self.warnings.sort_by_key(problem_key);
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// The findings that count: those no exception covers.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|finding| finding.suppressed.is_none())
    }

    /// Number of findings that count.
    pub fn active_count(&self) -> usize {
        self.active_findings().count()
    }

    /// Number of findings an exception covers.
    pub fn suppressed_count(&self) -> usize {
        self.findings.len() - self.active_count()
    }

    /// Number of findings of `severity` that count.
    pub fn count(&self, severity: Severity) -> usize {
        self.active_findings().filter(|finding| finding.severity == severity).count()
    }

    /// Number of files with each status: (checked, skipped, errored).
    pub fn file_counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for file in &self.files {
            match file.status {
                FileStatus::Checked => counts.0 += 1,
                FileStatus::Skipped { .. } => counts.1 += 1,
                FileStatus::Error => counts.2 += 1,
            }
        }
        counts
    }

    /// The reasons files were skipped for, each with how many files, by
    /// reason. Every output shows them, so that no file goes unchecked
    /// without the user being told.
    pub fn skipped_by_reason(&self) -> Vec<(&str, usize)> {
        let mut by_reason: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for file in &self.files {
            if let FileStatus::Skipped { reason } = &file.status {
                *by_reason.entry(reason).or_default() += 1;
            }
        }
        by_reason.into_iter().collect()
    }

    /// The process exit code: 2 if anything could not be checked, else 1 if
    /// any finding is at or above `fail_on`, else 0. A crash is never
    /// hidden behind "findings" or "clean".
    pub fn exit_code(&self, fail_on: Severity) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.active_findings().any(|finding| finding.severity <= fail_on) {
            1
        } else {
            0
        }
    }
}

impl Finding {
    /// A fingerprint that survives unrelated edits: it hashes the rule, the
    /// file, the JSON pointer and the message, never line numbers or the
    /// document's position, so inserting lines or documents above a finding
    /// does not change it.
    pub fn fingerprint(&self) -> String {
        self.fingerprint_as(&self.rule.id)
    }

    /// The fingerprint the finding had under another rule id: a rule that
    /// was renamed still matches the baseline entries recorded under its
    /// old id.
    pub fn fingerprint_as(&self, rule_id: &str) -> String {
        let mut hasher = Sha256::new();
        for part in [rule_id, &*self.location.path, &*self.pointer, &*self.message] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        // Documents of one rendered stream differ by their template; a
        // finding without one keeps the fingerprint baselines recorded.
        if let Some(template) = &self.rendered_from {
            hasher.update(template.as_bytes());
            hasher.update([0]);
        }
        hasher.finalize()[..16].iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Diagnostics with code frames.
    Text,
    /// One line per finding.
    Concise,
    /// The versioned JSON report.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl OutputFormat {
    /// Whether the format shows source lines around findings: code frames
    /// in text, snippets in SARIF.
    pub fn shows_code_frames(self) -> bool {
        matches!(self, OutputFormat::Text | OutputFormat::Sarif)
    }
}

/// Options that affect rendering.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colours in text output.
    pub color: bool,
    /// List every skipped file with its reason in text and concise output,
    /// rather than one line per reason.
    pub each_skipped_file: bool,
    /// Text and concise output show findings, errors and warnings only:
    /// no skipped-file lines and no summary (`--quiet`).
    pub quiet: bool,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: OutputFormat, options: RenderOptions, tool_version: &str) -> String {
    let mut text = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(report, format, options, tool_version, &mut text);
    String::from_utf8(text).unwrap_or_default()
}

/// Writes `report` in `format` to `out`, as it goes: no format holds the
/// whole output in memory.
pub fn write(
    report: &Report,
    format: OutputFormat,
    options: RenderOptions,
    tool_version: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Text => text::write(report, options, out),
        OutputFormat::Concise => concise::write(report, options, out),
        OutputFormat::Json => json::write(report, tool_version, out),
        OutputFormat::Sarif => sarif::write(report, tool_version, out),
        OutputFormat::Junit => junit::write(report, out),
        OutputFormat::Github => github::write(report, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity) -> Finding {
        Finding {
            rule: RuleLabel::new("p/r", "p", ""),
            severity,
            category: Category::Security,
            message: "m".into(),
            location: Location { path: "a".into(), line: 1, column: 1, end_line: 1, end_column: 2 },
            document: 0,
            pointer: "".into(),
            excerpt: None,
            suppressed: None,
            note: None,
            rendered_from: None,
        }
    }

    #[test]
    fn a_finding_stays_small() {
        // A 50,000-file run holds 300,000 findings until the report is
        // written; each byte here is 0.3 MB there. Grow it knowingly: the
        // template a finding was rendered from took 16 bytes (4.8 MB there).
        assert_eq!(std::mem::size_of::<Finding>(), 128);
    }

    #[test]
    fn fingerprints_ignore_lines_but_not_content() {
        let original = finding(Severity::High);
        let mut moved = original.clone();
        moved.location.line += 3;
        moved.location.end_line += 3;
        assert_eq!(original.fingerprint(), moved.fingerprint());
        let mut other = original.clone();
        other.pointer = "/spec".into();
        assert_ne!(original.fingerprint(), other.fingerprint());
        assert_eq!(original.fingerprint().len(), 32);
    }

    #[test]
    fn exit_codes() {
        let mut report = Report::default();
        assert_eq!(report.exit_code(Severity::Low), 0);
        report.findings.push(finding(Severity::Medium));
        assert_eq!(report.exit_code(Severity::Low), 1);
        assert_eq!(report.exit_code(Severity::Medium), 1);
        assert_eq!(report.exit_code(Severity::High), 0);
        // A suppressed finding is reported but does not fail the run.
        let mut excepted = finding(Severity::Critical);
        excepted.suppressed = Some(Box::new(Suppression {
            kind: SuppressionKind::Comment,
            reason: "accepted".into(),
            until: None,
            source: "a:1".into(),
        }));
        report.findings.push(excepted);
        assert_eq!(report.exit_code(Severity::High), 0);
        assert_eq!((report.active_count(), report.suppressed_count()), (1, 1));
        report.errors.push(Problem {
            kind: ProblemKind::Plugin,
            path: "a".into(),
            line: None,
            column: None,
            plugin: Some("p".into()),
            message: "crashed".into(),
            excerpt: None,
        });
        assert_eq!(report.exit_code(Severity::High), 2);
    }
}
