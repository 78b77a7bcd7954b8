//! From a plugin's finding (rule, document, JSON pointer) to what a user
//! sees: a rule id with severity, file:line:column, and a code frame.

use tenken_formats::span::{Span, resolve_pointer};
use tenken_formats::{Document, ParsedFile};
use tenken_host::{LoadedPlugin, RawFinding};
use tenken_report::{Excerpt, Finding, Location};

/// Turns a plugin's finding into a located one.
pub(crate) fn finding(plugin: &LoadedPlugin, parsed: &ParsedFile, document: &Document, raw: RawFinding) -> Finding {
    // The rule exists: the host validated every finding against the info.
    let rule = plugin.info.rule(&raw.rule);
    let resolved = resolve_pointer(&document.tree, &document.spans, &raw.pointer);
    let source = &parsed.source;
    let start = source.lines.line_column(&source.text, resolved.span.start);
    let end = source.lines.line_column(&source.text, resolved.span.end);
    Finding {
        rule: format!("{}/{}", plugin.info.id, raw.rule),
        plugin: plugin.info.id.clone(),
        severity: rule.map_or(tenken_report::Severity::Medium, |rule| rule.default_severity),
        category: rule.map_or(tenken_report::Category::Reliability, |rule| rule.category),
        message: raw.message,
        location: Location {
            path: source.path.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        },
        document: document.index,
        pointer: raw.pointer,
        help: rule.map(|rule| rule.title.clone()).unwrap_or_default(),
        excerpt: Some(excerpt(parsed, resolved.span)),
        suppressed: None,
        note: None,
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
