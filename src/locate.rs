//! From a plugin's finding (rule, document, JSON pointer) to what a user
//! sees: a rule id with severity, file:line:column, and a code frame.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tenken_formats::span::{Span, resolve_pointer};
use tenken_formats::{Document, ParsedFile};
use tenken_host::{LoadedPlugin, RawFinding};
use tenken_report::{Category, Excerpt, Finding, Location, RuleLabel, Severity};

use crate::builtin::BuiltinRule;

/// Turns plugins' findings into located ones for one run.
///
/// What every finding of a rule repeats (its full id, its plugin and its
/// title) is made once per run and shared by the findings, which a large
/// run has hundreds of thousands of.
pub(crate) struct Locator {
    /// Per plugin id, its rules by their id within the plugin.
    by_plugin: HashMap<String, HashMap<String, KnownRule>>,
    /// Whether findings get code frames. Only the text and SARIF outputs
    /// show them.
    code_frames: bool,
    /// Messages and pointers, each text held once.
    texts: Interner<str>,
    /// Code frames, each held once.
    frames: Interner<Excerpt>,
}

#[derive(Clone)]
struct KnownRule {
    label: Arc<RuleLabel>,
    severity: Severity,
    category: Category,
}

impl Locator {
    pub(crate) fn new(plugins: &[LoadedPlugin], code_frames: bool) -> Self {
        let by_plugin = plugins
            .iter()
            .map(|plugin| {
                let rules = plugin
                    .info
                    .rules
                    .iter()
                    .map(|rule| {
                        let known = KnownRule {
                            label: RuleLabel::new(
                                format!("{}/{}", plugin.info.id, rule.id),
                                plugin.info.id.as_str(),
                                rule.title.as_str(),
                            ),
                            severity: rule.default_severity,
                            category: rule.category,
                        };
                        (rule.id.clone(), known)
                    })
                    .collect();
                (plugin.info.id.clone(), rules)
            })
            .collect();
        Self { by_plugin, code_frames, texts: Interner::default(), frames: Interner::default() }
    }

    /// The rule `rule` of `plugin`. The host validated every finding's rule
    /// against the plugin's info, so the fallback, a label made on the
    /// spot, is there only so that a mismatch cannot panic.
    fn rule(&self, plugin: &LoadedPlugin, rule: &str) -> KnownRule {
        let known = self.by_plugin.get(&plugin.info.id).and_then(|rules| rules.get(rule));
        known.cloned().unwrap_or_else(|| KnownRule {
            label: RuleLabel::new(format!("{}/{rule}", plugin.info.id), plugin.info.id.as_str(), ""),
            severity: Severity::Medium,
            category: Category::Reliability,
        })
    }

    /// Turns a plugin's finding into a located one.
    pub(crate) fn finding(
        &self,
        plugin: &LoadedPlugin,
        parsed: &ParsedFile,
        document: &Document,
        raw: RawFinding,
    ) -> Finding {
        let resolved = resolve_pointer(&document.tree, &document.spans, &raw.pointer);
        let mut finding = self.finding_at(plugin, parsed, document.index, resolved.span, raw);
        finding.rendered_from = document.rendered_from.clone();
        finding
    }

    /// Turns a plugin's finding into one located at `span` of document
    /// `document` of `parsed` (whose documents need not be there: only its
    /// text is read).
    pub(crate) fn finding_at(
        &self,
        plugin: &LoadedPlugin,
        parsed: &ParsedFile,
        document: u32,
        span: Span,
        raw: RawFinding,
    ) -> Finding {
        let rule = self.rule(plugin, &raw.rule);
        let source = &parsed.source;
        let start = source.lines.line_column(&source.text, span.start);
        let end = source.lines.line_column(&source.text, span.end);
        Finding {
            rule: rule.label,
            severity: rule.severity,
            category: rule.category,
            message: self.texts.intern(raw.message),
            location: Location {
                path: source.path.clone(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            },
            document,
            pointer: self.texts.intern(raw.pointer),
            excerpt: self.code_frames.then(|| self.frames.intern(excerpt(parsed, span))),
            suppressed: None,
            note: None,
            rendered_from: None,
        }
    }
}

impl Locator {
    /// A finding of one of tenken's own rules at `span` of `parsed`, such
    /// as a syntax error.
    pub(crate) fn builtin(&self, rule: &BuiltinRule, parsed: &ParsedFile, span: Span, message: &str) -> Finding {
        let source = &parsed.source;
        let start = source.lines.line_column(&source.text, span.start);
        let end = source.lines.line_column(&source.text, span.end);
        let location = Location {
            path: source.path.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        };
        let mut finding = rule.finding(self.texts.intern(message), location);
        finding.excerpt = self.code_frames.then(|| self.frames.intern(excerpt(parsed, span)));
        finding
    }
}

/// One shared copy of each distinct value. Findings repeat their texts a
/// lot: the 305,232 findings of the generated 50,000-file corpus hold
/// 91,412 distinct messages and 212 distinct pointers, and real
/// repositories' manifests, often rendered from one template, are similar.
/// Sharing messages and pointers takes 24 MB off the peak on that corpus,
/// and sharing code frames 40 MB more when an output shows them.
struct Interner<T: ?Sized> {
    shared: Mutex<HashSet<Arc<T>>>,
}

impl<T: ?Sized> Default for Interner<T> {
    fn default() -> Self {
        Self { shared: Mutex::default() }
    }
}

impl<T: ?Sized + Eq + Hash> Interner<T> {
    fn intern<V: Borrow<T> + Into<Arc<T>>>(&self, value: V) -> Arc<T> {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = shared.get(value.borrow()) {
            return existing.clone();
        }
        let new: Arc<T> = value.into();
        shared.insert(new.clone());
        new
    }
}

/// The line of `span`'s start, with the line before it for context unless
/// that is blank; the highlight stops at the end of the start line for spans
/// over several lines.
pub(crate) fn excerpt(parsed: &ParsedFile, span: Span) -> Excerpt {
    let source = &parsed.source;
    let start = source.lines.line_column(&source.text, span.start);
    let previous_is_blank =
        start.line <= 1 || source.text[source.lines.line_range(&source.text, start.line - 1)].trim().is_empty();
    let first_line = if previous_is_blank { start.line } else { start.line - 1 };
    let mut text = String::new();
    let mut highlight = 0..0;
    for line in first_line..=start.line {
        let range = source.lines.line_range(&source.text, line);
        if line == start.line {
            let span_start = (span.start as usize).clamp(range.start, range.end);
            let span_end = (span.end as usize).clamp(span_start, range.end);
            let offset = text.len();
            highlight = offset + span_start - range.start..offset + span_end - range.start;
            if highlight.is_empty() && span_end < range.end {
                highlight.end += source.text[span_end..].chars().next().map_or(0, char::len_utf8);
            }
        }
        text.push_str(&source.text[range]);
        if line != start.line {
            text.push('\n');
        }
    }
    Excerpt { first_line, text, highlight }
}
