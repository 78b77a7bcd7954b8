//! Exceptions written next to the config they excuse, in every format:
//!
//! ```yaml
//! # tenken:ignore k8s-probes/missing-liveness-probe -- batch worker, restarted by the queue
//! - name: worker
//!   image: registry.example.com/worker:2.1.0
//! hostNetwork: true  # tenken:ignore k8s-host-isolation/host-network until=2027-03-31 -- CNI agent
//! # tenken:ignore-file dockerfile-healthcheck -- a CLI image, nothing to probe
//! ```
//!
//! and, on Kubernetes objects, `metadata.annotations["tenken.dev/ignore"]:
//! "rule: reason; other-rule: reason"`.
//!
//! A comment on a line of its own covers the node that starts on the next
//! line, whole: a container, a Terraform block, a Dockerfile instruction.
//! At the end of a line it covers that line. `ignore-file` covers the file.
//! An annotation covers the object (or pod template) that carries it, and
//! nothing outside it. Rules are named in full (`plugin/rule`) or by plugin
//! (every rule of it). A reason after `--` is required; `until=YYYY-MM-DD`
//! makes the exception lapse after that day (UTC).
//!
//! Nothing is dropped: covered findings stay in the report, marked
//! suppressed with the reason. Exceptions that are malformed, or that cover
//! nothing, become findings of their own.

use std::collections::HashMap;
use std::sync::Arc;

use tenken_formats::span::{LineIndex, SpanNode, resolve_pointer};
use tenken_formats::{Format, ParsedFile};
use tenken_report::{Excerpt, Finding, Location, Suppression, SuppressionKind};

use crate::builtin::{self, BuiltinRule};
use crate::locate::excerpt;

/// The annotation Kubernetes objects and pod templates carry exceptions in.
pub(crate) const ANNOTATION: &str = "tenken.dev/ignore";

/// One exception, as written.
#[derive(Debug, Clone)]
pub(crate) struct Exception {
    kind: SuppressionKind,
    /// Full rule ids or plugin ids.
    rules: Vec<String>,
    reason: String,
    until: Option<jiff::civil::Date>,
    coverage: Coverage,
    /// Where it is written, for messages and for findings about it.
    origin: Location,
    origin_excerpt: Option<Excerpt>,
    /// Why it cannot apply, if it is malformed.
    invalid: Option<String>,
}

impl Exception {
    /// The displayed path of the file it is written in.
    pub(crate) fn path(&self) -> &str {
        &self.origin.path
    }
}

/// What an exception covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Coverage {
    /// Findings starting on these lines of the file (inclusive).
    Lines { first: u32, last: u32 },
    /// Every finding of the file.
    File,
    /// Findings in one document whose pointer is this one or below it.
    Subtree { document: u32, pointer: String },
}

/// The exceptions of one file: comments in its source, and annotations in
/// its Kubernetes documents.
pub(crate) fn collect(parsed: &ParsedFile) -> Vec<Exception> {
    let mut exceptions = comments(parsed);
    exceptions.extend(annotations(parsed));
    exceptions
}

/// Comment markers of each format. Dockerfile comments only start lines.
fn comment_markers(format: Format) -> &'static [&'static str] {
    match format {
        Format::Yaml | Format::Toml | Format::Env | Format::Dockerfile => &["#"],
        Format::Hcl => &["#", "//"],
        Format::Properties => &["#", "!"],
        Format::Ini => &["#", ";"],
        Format::Json => &["//"],
    }
}

/// The comment text after `tenken:ignore` on a line, whether the comment is
/// the whole line, and whether it is the file-wide form.
fn directive(line: &str, format: Format) -> Option<(usize, &str, bool, bool)> {
    let at = line.find("tenken:ignore")?;
    let before = line[..at].trim_end();
    let marker = comment_markers(format).iter().find(|marker| before.ends_with(**marker))?;
    let marker_start = before.len() - marker.len();
    let whole_line = line[..marker_start].trim().is_empty();
    if format == Format::Dockerfile && !whole_line {
        return None; // `#` later in a Dockerfile line is an argument, not a comment
    }
    if marker_start > 0 && !line[..marker_start].ends_with(char::is_whitespace) {
        return None; // `url#tenken:ignore` is not a comment
    }
    let rest = &line[at + "tenken:ignore".len()..];
    let (file_wide, body) = match rest.strip_prefix("-file") {
        Some(body) => (true, body),
        None => (false, rest),
    };
    Some((marker_start, body.trim(), whole_line, file_wide))
}

/// `rule[, rule...] [until=YYYY-MM-DD] -- reason` → (rules, until, reason,
/// what is wrong with it).
fn parse_body(body: &str) -> (Vec<String>, Option<jiff::civil::Date>, String, Option<String>) {
    let (spec, reason) = match body.split_once("--") {
        Some((spec, reason)) => (spec, reason.trim().to_owned()),
        None => (body, String::new()),
    };
    let mut rules = Vec::new();
    let mut until = None;
    let mut problem = None;
    for token in spec.split([' ', ',', '\t']).filter(|token| !token.is_empty()) {
        match token.strip_prefix("until=") {
            Some(date) => match date.parse::<jiff::civil::Date>() {
                Ok(date) => until = Some(date),
                Err(_) => problem = Some(format!("`until={date}` is not a date; write until=YYYY-MM-DD")),
            },
            None => rules.push(crate::aliases::current(token).to_owned()),
        }
    }
    if rules.is_empty() {
        problem = Some("names no rule; write `tenken:ignore <plugin>/<rule> -- <reason>`".to_owned());
    } else if reason.is_empty() && problem.is_none() {
        problem = Some("gives no reason; add `-- <why this is acceptable>`".to_owned());
    }
    (rules, until, reason, problem)
}

fn is_comment_or_blank(line: &str, format: Format) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || comment_markers(format).iter().any(|marker| trimmed.starts_with(marker))
}

/// The form every directive takes, for messages about those that miss it.
const DIRECTIVE_FORM: &str = "`tenken:ignore <plugin>/<rule> -- <reason>` (or `tenken:ignore-file`)";

/// A comment that starts like a tenken directive but is not one
/// (`# tenken: ignore`, `# tenken:ignroe`, `# tenken:ignore-fiel`), or a
/// directive where the format has no comment (`RUN make # tenken:ignore`
/// in a Dockerfile, where `#` later in a line belongs to the instruction):
/// the byte where its comment starts, and what is wrong. Such a line would
/// otherwise be a plain comment, and the exception its author meant would
/// silently not exist.
fn misfired_directive(line: &str, format: Format) -> Option<(usize, String)> {
    for marker in comment_markers(format) {
        for (marker_start, _) in line.match_indices(marker) {
            if marker_start > 0 && !line[..marker_start].ends_with(char::is_whitespace) {
                continue; // `url#fragment` is not a comment
            }
            let text = line[marker_start + marker.len()..].trim_start();
            let Some(rest) = text.strip_prefix("tenken") else { continue };
            let whole_line = line[..marker_start].trim().is_empty();
            if let Some(after) = rest.strip_prefix(":ignore") {
                let well_formed = after.is_empty()
                    || after.starts_with(char::is_whitespace)
                    || after
                        .strip_prefix("-file")
                        .is_some_and(|tail| tail.is_empty() || tail.starts_with(char::is_whitespace));
                if !well_formed {
                    let word: String = text.chars().take_while(|c| !c.is_whitespace()).collect();
                    return Some((marker_start, format!("`{word}` is not a tenken directive; write {DIRECTIVE_FORM}")));
                }
                if format == Format::Dockerfile && !whole_line {
                    return Some((
                        marker_start,
                        "is at the end of a Dockerfile instruction, where `#` is part of the instruction, not a \
                         comment; put it on a line of its own above the instruction"
                            .to_owned(),
                    ));
                }
                return None;
            }
            // `tenken: ignore`, `tenken ignore`, `tenken-ignore`, and the
            // namespaced `tenken:disable`; a sentence such as `tenken: see
            // docs/ci.md` is a plain comment.
            let separated = rest.trim_start_matches([':', '-', '_', ' ', '\t']);
            let explicit = rest.starts_with(':') && !rest[1..].starts_with(char::is_whitespace);
            let word: String = separated
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
                .to_lowercase();
            let near = crate::suggest::closest(&word, ["ignore", "ignore-file"]);
            if separated.len() < rest.len() && (explicit || near.is_some()) {
                let written: String =
                    text.chars().take("tenken".len() + (rest.len() - separated.len()) + word.len()).collect();
                return Some((
                    marker_start,
                    format!("`{}` is not a tenken directive; write {DIRECTIVE_FORM}", written.trim_end()),
                ));
            }
        }
    }
    None
}

fn comments(parsed: &ParsedFile) -> Vec<Exception> {
    let source = &parsed.source;
    // Every directive, well-formed or not, names tenken: one search of the
    // whole text spares the line-by-line scan of almost every file.
    if !source.text.contains("tenken") {
        return Vec::new();
    }
    let lines: Vec<&str> = source.text.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let number = index as u32 + 1;
        if let Some((marker_start, problem)) = misfired_directive(line, parsed.format) {
            let start = source.lines.line_range(&source.text, number).start + marker_start;
            let span = tenken_formats::span::Span::new(start, start + line.len() - marker_start);
            found.push(Exception {
                kind: SuppressionKind::Comment,
                rules: Vec::new(),
                reason: String::new(),
                until: None,
                coverage: Coverage::Lines { first: number, last: number },
                origin: location(parsed, span),
                origin_excerpt: Some(excerpt(parsed, span)),
                invalid: Some(problem),
            });
            continue;
        }
        let Some((marker_start, body, whole_line, file_wide)) = directive(line, parsed.format) else { continue };
        let coverage = if file_wide {
            Coverage::File
        } else if whole_line {
            let target = lines[index + 1..]
                .iter()
                .position(|next| !is_comment_or_blank(next, parsed.format))
                .map(|offset| number + 1 + offset as u32);
            match target {
                Some(target) => Coverage::Lines { first: target, last: node_end_line(parsed, target) },
                None => Coverage::Lines { first: number, last: number },
            }
        } else {
            Coverage::Lines { first: number, last: number }
        };
        let (rules, until, reason, invalid) = parse_body(body);
        let start = source.lines.line_range(&source.text, number).start + marker_start;
        let span = tenken_formats::span::Span::new(start, start + line.len() - marker_start);
        found.push(Exception {
            kind: if file_wide { SuppressionKind::FileComment } else { SuppressionKind::Comment },
            rules,
            reason,
            until,
            coverage,
            origin: location(parsed, span),
            origin_excerpt: Some(excerpt(parsed, span)),
            invalid,
        });
    }
    found
}

fn location(parsed: &ParsedFile, span: tenken_formats::span::Span) -> Location {
    let source = &parsed.source;
    let start = source.lines.line_column(&source.text, span.start);
    let end = source.lines.line_column(&source.text, span.end);
    Location {
        path: source.path.clone(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// The last line of the node that opens on `line`: the smallest node
/// starting there that spans further lines, such as a list item's mapping
/// rather than its first key, or a Terraform block rather than every block
/// of its type (which share the same labels' line). A line that opens no
/// multi-line node covers itself.
fn node_end_line(parsed: &ParsedFile, line: u32) -> u32 {
    let source = &parsed.source;
    let mut best: Option<(u32, u32)> = None; // (length, end line)
    for document in &parsed.documents {
        smallest_multiline(&document.spans, &source.lines, &source.text, line, &mut best);
    }
    best.map_or(line, |(_, end_line)| end_line)
}

fn smallest_multiline(node: &SpanNode, lines: &LineIndex, text: &str, line: u32, best: &mut Option<(u32, u32)>) {
    // A node opens on the line if its key is there, or, without a key (a
    // list item, a document), its value. A value whose key sits on an
    // earlier line (`containers:` above its first item) belongs there.
    let starts_here = |offset: u32| lines.line_column(text, offset).line == line;
    let opens_here = match node.key {
        Some(key) => starts_here(key.start),
        None => starts_here(node.value.start),
    };
    if opens_here && node.value.end > node.value.start {
        let end_line = lines.line_column(text, node.value.end - 1).line;
        let length = node.value.end - node.value.start;
        if end_line > line && best.is_none_or(|(shortest, _)| length < shortest) {
            *best = Some((length, end_line));
        }
    }
    for child in &node.children {
        smallest_multiline(child, lines, text, line, best);
    }
}

/// `tenken.dev/ignore` annotations on any object or template of a
/// Kubernetes document: each covers the mapping whose metadata carries it.
fn annotations(parsed: &ParsedFile) -> Vec<Exception> {
    let mut found = Vec::new();
    for document in
        parsed.documents.iter().filter(|document| matches!(document.kind, "kubernetes" | "kubernetes-patch"))
    {
        let mut holders = Vec::new();
        annotated_mappings(&document.tree, String::new(), &mut holders);
        for (holder, text) in holders {
            let annotation_pointer =
                format!("{holder}/metadata/annotations/{}", ANNOTATION.replace('~', "~0").replace('/', "~1"));
            let resolved = resolve_pointer(&document.tree, &document.spans, &annotation_pointer);
            for entry in text.split(';').map(str::trim).filter(|entry| !entry.is_empty()) {
                let (rule, reason) = entry.split_once(':').unwrap_or((entry, ""));
                let (rules, until, reason, invalid) = parse_body(&format!("{} -- {}", rule.trim(), reason.trim()));
                // Name the entry: an annotation holds several.
                let invalid = invalid.map(|problem| {
                    format!("entry `{entry}` {}", problem.replace("`-- <why this is acceptable>`", "`rule: reason`"))
                });
                found.push(Exception {
                    kind: SuppressionKind::Annotation,
                    rules,
                    reason,
                    until,
                    coverage: Coverage::Subtree { document: document.index, pointer: holder.clone() },
                    origin: location(parsed, resolved.span),
                    origin_excerpt: Some(excerpt(parsed, resolved.span)),
                    invalid,
                });
            }
        }
    }
    found
}

/// Pointers of every mapping with `metadata.annotations["tenken.dev/ignore"]`,
/// with the annotation's text.
fn annotated_mappings(value: &serde_json::Value, pointer: String, found: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(text) = value
                .pointer("/metadata/annotations")
                .and_then(|annotations| annotations.get(ANNOTATION))
                .and_then(|v| v.as_str())
            {
                found.push((pointer.clone(), text.to_owned()));
            }
            for (key, child) in map {
                annotated_mappings(child, format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                annotated_mappings(child, format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

impl Exception {
    fn names(&self, finding: &Finding) -> bool {
        self.rules.iter().any(|rule| **rule == *finding.rule.id || **rule == *finding.rule.plugin)
    }

    fn covers(&self, finding: &Finding) -> bool {
        if finding.location.path != self.origin.path || !self.names(finding) {
            return false;
        }
        match &self.coverage {
            Coverage::File => true,
            Coverage::Lines { first, last } => (*first..=*last).contains(&finding.location.line),
            Coverage::Subtree { document, pointer } => {
                finding.document == *document
                    && (pointer.is_empty()
                        || *finding.pointer == **pointer
                        || finding.pointer.strip_prefix(pointer.as_str()).is_some_and(|rest| rest.starts_with('/')))
            }
        }
    }

    fn source(&self) -> String {
        format!("{}:{}", self.origin.path, self.origin.line)
    }

    fn meta_finding(&self, rule: &BuiltinRule, message: String) -> Finding {
        let mut finding = rule.finding(message, self.origin.clone());
        finding.excerpt = self.origin_excerpt.clone().map(Arc::new);
        finding
    }
}

/// One file's exceptions, indexed by what they cover.
#[derive(Default)]
struct FileExceptions {
    /// `tenken:ignore-file`: every finding of the file.
    whole_file: Vec<usize>,
    /// Annotations: findings in one document.
    by_document: HashMap<u32, Vec<usize>>,
    /// Comments: (first line, last line, exception), by first line and
    /// then the widest first.
    lines: Vec<(u32, u32, usize)>,
    /// For each entry of `lines`, the nearest earlier entry still open
    /// where it starts: its enclosing range, since comment ranges are the
    /// lines of nodes, which nest.
    enclosing: Vec<Option<usize>>,
}

impl FileExceptions {
    fn add(&mut self, index: usize, coverage: &Coverage) {
        match coverage {
            Coverage::File => self.whole_file.push(index),
            Coverage::Subtree { document, .. } => self.by_document.entry(*document).or_default().push(index),
            Coverage::Lines { first, last } => self.lines.push((*first, *last, index)),
        }
    }

    fn index_lines(&mut self) {
        self.lines.sort_unstable_by_key(|&(first, last, index)| (first, std::cmp::Reverse(last), index));
        let mut open: Vec<usize> = Vec::new();
        self.enclosing = Vec::with_capacity(self.lines.len());
        for (position, &(first, _, _)) in self.lines.iter().enumerate() {
            while open.last().is_some_and(|&top| self.lines[top].1 < first) {
                open.pop();
            }
            self.enclosing.push(open.last().copied());
            open.push(position);
        }
    }

    /// The exceptions that may cover `finding`, in the order they were
    /// collected (the first that applies wins).
    fn candidates(&self, finding: &Finding, into: &mut Vec<usize>) {
        into.clear();
        into.extend_from_slice(&self.whole_file);
        if let Some(in_document) = self.by_document.get(&finding.document) {
            into.extend_from_slice(in_document);
        }
        // Every range that covers the line encloses the last range that
        // starts on or before it, so the walk is as long as the nesting is
        // deep, however many ranges the file has.
        let line = finding.location.line;
        let mut next = self.lines.partition_point(|&(first, _, _)| first <= line).checked_sub(1);
        while let Some(position) = next {
            let (_, last, index) = self.lines[position];
            if last >= line {
                into.push(index);
            }
            next = self.enclosing[position];
        }
        into.sort_unstable();
    }
}

/// Marks the findings that exceptions cover, notes lapsed exceptions on
/// the findings they no longer cover, and returns findings about
/// exceptions that are malformed or cover nothing. Files in `unreliable`
/// (where a plugin or parse failed) get no unused-exception findings: what
/// they would have covered may simply not have been reported.
pub(crate) fn apply(
    findings: &mut [Finding],
    exceptions: &[Exception],
    today: jiff::civil::Date,
    unreliable: &[String],
    known_rule: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut meta = Vec::new();
    let mut used = vec![false; exceptions.len()];
    // An exception only covers findings in its own file, and only those in
    // its document or on its lines: look up the few that may cover a
    // finding rather than test every exception of the file against it.
    let mut by_path: HashMap<&str, FileExceptions> = HashMap::new();
    for (index, exception) in exceptions.iter().enumerate() {
        by_path.entry(&exception.origin.path).or_default().add(index, &exception.coverage);
    }
    for file in by_path.values_mut() {
        file.index_lines();
    }
    let mut candidates = Vec::new();
    for finding in findings.iter_mut() {
        let Some(file) = by_path.get(&*finding.location.path) else { continue };
        file.candidates(finding, &mut candidates);
        for &index in &candidates {
            let exception = &exceptions[index];
            if exception.invalid.is_some() || !exception.covers(finding) {
                continue;
            }
            used[index] = true;
            match exception.until {
                Some(until) if until < today => {
                    finding.note = Some(
                        format!(
                            "an exception for this expired on {until} ({}): {}",
                            exception.source(),
                            exception.reason
                        )
                        .into(),
                    );
                }
                _ => {
                    finding.suppressed = Some(Box::new(Suppression {
                        kind: exception.kind,
                        reason: exception.reason.clone(),
                        until: exception.until.map(|until| until.to_string()),
                        source: exception.source(),
                    }));
                    break;
                }
            }
        }
    }
    for (exception, used) in exceptions.iter().zip(used) {
        if let Some(problem) = &exception.invalid {
            meta.push(exception.meta_finding(
                &builtin::INVALID_SUPPRESSION,
                format!("this exception {problem}; it suppresses nothing until fixed"),
            ));
        } else if !used && !unreliable.iter().any(|path| **path == *exception.origin.path) {
            let unknown: Vec<&str> =
                exception.rules.iter().map(String::as_str).filter(|rule| !known_rule(rule)).collect();
            let elsewhere = findings
                .iter()
                .filter(|finding| *finding.location.path == *exception.origin.path && exception.names(finding))
                .filter(|finding| finding.suppressed.is_none())
                .min_by_key(|finding| finding.location.line.abs_diff(exception.origin.line));
            let message = if let Some(finding) = elsewhere {
                format!(
                    "this exception for {} covers no finding where it stands; the finding of {} is at line {}: \
                     put the exception on its own line above that line, or at the end of it",
                    exception.rules.join(", "),
                    finding.rule.id,
                    finding.location.line
                )
            } else if unknown.is_empty() {
                format!("this exception for {} covers no finding; remove it", exception.rules.join(", "))
            } else {
                format!(
                    "this exception names {}, which no loaded plugin reports; check the rule id or remove it",
                    unknown.iter().map(|rule| format!("`{rule}`")).collect::<Vec<_>>().join(", ")
                )
            };
            meta.push(exception.meta_finding(&builtin::UNUSED_SUPPRESSION, message));
        }
    }
    meta
}

/// Today's date in UTC, against which `until=` dates are compared.
pub(crate) fn today() -> jiff::civil::Date {
    jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_dates_and_reasons() {
        let (rules, until, reason, invalid) =
            parse_body("k8s-probes/missing-liveness-probe, k8s-replicas until=2027-03-31 -- batch worker");
        assert_eq!(rules, vec!["k8s-probes/missing-liveness-probe", "k8s-replicas"]);
        assert_eq!(until.map(|date| date.to_string()).as_deref(), Some("2027-03-31"));
        assert_eq!(reason, "batch worker");
        assert!(invalid.is_none());
        assert!(parse_body("k8s-probes").3.unwrap().contains("no reason"));
        assert!(parse_body("-- why").3.unwrap().contains("names no rule"));
        assert!(parse_body("x until=2027-13-01 -- y").3.unwrap().contains("not a date"));
    }

    fn finding_at(document: u32, line: u32) -> Finding {
        let location = Location { path: "a.yaml".into(), line, column: 1, end_line: line, end_column: 2 };
        let mut finding = builtin::UNUSED_SUPPRESSION.finding("m", location);
        finding.document = document;
        finding
    }

    #[test]
    fn candidates_are_the_ranges_around_the_line_and_the_document() {
        let mut file = FileExceptions::default();
        // 0: lines 1-100 (a list), 1..=3: items inside it, 4: one line,
        // 5: an annotation in document 2, 6: the whole file.
        for (index, (first, last)) in [(1, 100), (2, 10), (11, 20), (21, 30), (15, 15)].into_iter().enumerate() {
            file.add(index, &Coverage::Lines { first, last });
        }
        file.add(5, &Coverage::Subtree { document: 2, pointer: String::new() });
        file.add(6, &Coverage::File);
        file.index_lines();
        let mut found = Vec::new();
        file.candidates(&finding_at(0, 15), &mut found);
        assert_eq!(found, vec![0, 2, 4, 6]);
        file.candidates(&finding_at(2, 25), &mut found);
        assert_eq!(found, vec![0, 3, 5, 6]);
        file.candidates(&finding_at(0, 101), &mut found);
        assert_eq!(found, vec![6]);
    }

    #[test]
    fn recognises_comments_per_format() {
        assert_eq!(
            directive("  # tenken:ignore a/b -- c", Format::Yaml).map(|d| (d.1, d.2, d.3)),
            Some(("a/b -- c", true, false))
        );
        assert_eq!(directive("x: 1  # tenken:ignore a -- c", Format::Yaml).map(|d| d.2), Some(false));
        assert_eq!(directive("// tenken:ignore-file a -- c", Format::Hcl).map(|d| d.3), Some(true));
        assert!(directive("RUN echo # tenken:ignore a -- c", Format::Dockerfile).is_none());
        assert!(directive("url: http://x/#tenken:ignore", Format::Yaml).is_none());
        assert!(directive("// tenken:ignore a -- b", Format::Yaml).is_none());
    }
}

#[cfg(test)]
mod misfire_tests {
    use super::*;

    #[test]
    fn near_misses_are_told_from_comments_that_mention_tenken() {
        let misfires = [
            "# tenken: ignore x -- y",
            "# tenken ignore x",
            "# tenken:ignroe x",
            "# tenken:disable x",
            "  - a  # tenken:ignore-fiel x",
        ];
        for line in misfires {
            assert!(misfired_directive(line, Format::Yaml).is_some(), "{line}");
        }
        let comments = [
            "# tenken: see docs/ci.md",
            "# tenken checks this file",
            "# tenken-managed",
            "# url https://x/#tenken:ignore",
            "# tenken:ignore x -- y",
            "# tenken:ignore-file x -- y",
        ];
        for line in comments {
            assert!(misfired_directive(line, Format::Yaml).is_none(), "{line}");
        }
        assert!(misfired_directive("RUN make # tenken:ignore x -- y", Format::Dockerfile).is_some());
        assert!(misfired_directive("# tenken:ignore x -- y", Format::Dockerfile).is_none());
    }
}
