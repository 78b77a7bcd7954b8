//! Leniency for indentation inside flow collections and quoted scalars.
//!
//! The YAML spec asks every line of a flow collection (`[ … ]`, `{ … }`) and
//! every continuation line of a quoted scalar to be indented deeper than the
//! block that holds it. libyaml does not enforce this, and neither do the
//! tools built on it or ported from it: PyYAML, Go's yaml.v2 and yaml.v3,
//! and so kubectl, Helm and docker compose. Real files rely on it, most often
//! a healthcheck `test: [` whose closing `]` sits at the key's column, or a
//! quoted `args` item whose continuation lines start left of its `- `.
//!
//! saphyr enforces the rule. Where it reports one of these errors, the
//! offending lines are indented further in a copy of the text and the
//! document is parsed again. Inside a flow collection or a quoted scalar
//! leading white space carries no meaning (it separates tokens, or is folded
//! away), so the tree is the one libyaml builds. Every span is mapped back
//! to the original text afterwards, so locations are exact.

use std::borrow::Cow;

use crate::span::{LineIndex, Span, SpanNode};

/// The text saphyr parses: the source, or a copy of it with some lines
/// indented further.
pub(crate) struct Reindented<'a> {
    text: Cow<'a, str>,
    /// The copy's line index; `None` while the text is the source itself.
    lines: Option<LineIndex>,
    /// Spaces inserted: (offset in the source, how many), by offset.
    insertions: Vec<(usize, usize)>,
}

/// Spaces to insert at the start of a line, as an offset in the current
/// text and a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Padding {
    pub(crate) line_start: usize,
    pub(crate) spaces: usize,
}

impl<'a> Reindented<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        Self { text: Cow::Borrowed(source), lines: None, insertions: Vec::new() }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The line index of [`Self::text`]; `source_lines` while nothing was
    /// inserted. Inserting spaces never adds lines.
    pub(crate) fn lines<'s>(&'s self, source_lines: &'s LineIndex) -> &'s LineIndex {
        self.lines.as_ref().unwrap_or(source_lines)
    }

    pub(crate) fn is_reindented(&self) -> bool {
        !self.insertions.is_empty()
    }

    /// Inserts the paddings, given in the current text's offsets.
    pub(crate) fn insert(&mut self, source: &str, paddings: &[Padding]) {
        for padding in paddings {
            let at = self.to_source(padding.line_start);
            match self.insertions.binary_search_by_key(&at, |&(offset, _)| offset) {
                Ok(index) => self.insertions[index].1 += padding.spaces,
                Err(index) => self.insertions.insert(index, (at, padding.spaces)),
            }
        }
        let added: usize = self.insertions.iter().map(|&(_, spaces)| spaces).sum();
        let mut text = String::with_capacity(source.len() + added);
        let mut copied = 0;
        for &(offset, spaces) in &self.insertions {
            text.push_str(&source[copied..offset]);
            text.extend(std::iter::repeat_n(' ', spaces));
            copied = offset;
        }
        text.push_str(&source[copied..]);
        self.lines = Some(LineIndex::new(&text));
        self.text = Cow::Owned(text);
    }

    /// The source offset of an offset in the current text. Offsets inside
    /// inserted spaces map to the line start they were inserted at.
    pub(crate) fn to_source(&self, offset: usize) -> usize {
        let mut inserted_before = 0;
        for &(at, spaces) in &self.insertions {
            let in_text = at + inserted_before;
            if offset < in_text {
                break;
            }
            if offset < in_text + spaces {
                return at;
            }
            inserted_before += spaces;
        }
        offset - inserted_before
    }

    /// Maps a span of the current text back to the source.
    pub(crate) fn span_to_source(&self, span: Span) -> Span {
        Span::new(self.to_source(span.start as usize), self.to_source(span.end as usize))
    }

    /// Maps every span of a tree back to the source.
    pub(crate) fn spans_to_source(&self, root: &mut SpanNode) {
        let mut pending = vec![root];
        while let Some(node) = pending.pop() {
            node.key = node.key.map(|key| self.span_to_source(key));
            node.value = self.span_to_source(node.value);
            pending.extend(node.children.iter_mut());
        }
    }
}

/// The paddings that make a flow collection's line acceptable: the line
/// holding `error` (where saphyr stopped, at the line's first token) is
/// indented one column past the opening bracket of the outermost flow
/// collection, `opener`. Empty when the error is not at the start of its
/// line, or the line is indented enough already.
pub(crate) fn flow_line(text: &str, opener: usize, error: usize) -> Vec<Padding> {
    let wanted = column_of(text, opener) + 1;
    let line_start = line_start_of(text, error);
    let indent = indentation(&text[line_start..]);
    if line_start + indent.bytes != error || indent.columns >= wanted {
        return Vec::new();
    }
    vec![Padding { line_start, spaces: wanted - indent.columns }]
}

/// The paddings that make a multi-line quoted scalar acceptable: every
/// continuation line is indented one column past the opening quote at
/// `quote`. Empty when `quote` is not a quote, the scalar does not end, or
/// a continuation line starts with a document marker (which libyaml
/// rejects as well).
pub(crate) fn quoted_scalar(text: &str, quote: usize) -> Vec<Padding> {
    let Some(end) = quoted_scalar_end(text, quote) else { return Vec::new() };
    let wanted = column_of(text, quote) + 1;
    let mut paddings = Vec::new();
    let mut line_start = match text[quote..end].find('\n') {
        Some(newline) => quote + newline + 1,
        None => return Vec::new(),
    };
    while line_start <= end {
        let line = &text[line_start..];
        if line.starts_with("---") || line.starts_with("...") {
            return Vec::new();
        }
        let indent = indentation(line);
        let blank = line[indent.bytes..].starts_with(['\n', '\r']) || indent.bytes == line.len();
        if !blank && indent.columns < wanted {
            paddings.push(Padding { line_start, spaces: wanted - indent.columns });
        }
        match line.find('\n') {
            Some(newline) => line_start += newline + 1,
            None => break,
        }
    }
    paddings
}

/// The offset of the quote that closes the scalar opened at `quote`.
fn quoted_scalar_end(text: &str, quote: usize) -> Option<usize> {
    let mut chars = text.get(quote..)?.char_indices();
    let (_, opening) = chars.next()?;
    match opening {
        '"' => {
            while let Some((offset, ch)) = chars.next() {
                match ch {
                    '\\' => {
                        chars.next();
                    }
                    '"' => return Some(quote + offset),
                    _ => {}
                }
            }
            None
        }
        '\'' => {
            let mut chars = chars.peekable();
            while let Some((offset, ch)) = chars.next() {
                if ch == '\'' {
                    // `''` is an escaped quote.
                    if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                        chars.next();
                    } else {
                        return Some(quote + offset);
                    }
                }
            }
            None
        }
        _ => None,
    }
}

struct Indentation {
    bytes: usize,
    columns: usize,
}

/// Leading spaces and tabs of a line, in bytes and columns (both one per
/// character).
fn indentation(line: &str) -> Indentation {
    let bytes = line.len() - line.trim_start_matches([' ', '\t']).len();
    Indentation { bytes, columns: bytes }
}

fn line_start_of(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |newline| newline + 1)
}

/// The 0-based column, in characters, of `offset`.
fn column_of(text: &str, offset: usize) -> usize {
    text[line_start_of(text, offset)..offset].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_across_insertions() {
        let source = "a\nbb\nccc\n";
        let mut text = Reindented::new(source);
        text.insert(source, &[Padding { line_start: 5, spaces: 3 }]);
        text.insert(source, &[Padding { line_start: 2, spaces: 2 }]);
        assert_eq!(text.text(), "a\n  bb\n   ccc\n");
        // `c` is at 10 in the text and 5 in the source; a space inserted
        // before it maps to its line start.
        assert_eq!(text.to_source(10), 5);
        assert_eq!(text.to_source(8), 5);
        assert_eq!(text.to_source(4), 2);
        assert_eq!(text.to_source(1), 1);
        assert_eq!(text.to_source(13), 8);
    }

    #[test]
    fn flow_lines_are_indented_past_the_opening_bracket() {
        let text = "test: [\n  \"CMD\",\n]\n";
        let error = text.rfind(']').unwrap();
        assert_eq!(flow_line(text, 6, error), vec![Padding { line_start: error, spaces: 7 }]);
        // Not at the line's first token: nothing to do.
        assert!(flow_line(text, 6, error - 1).is_empty());
    }

    #[test]
    fn quoted_continuations_are_indented_past_the_quote() {
        let text = "  - \"one\n two\\\" \n\n three\"\nnext: 1\n";
        let paddings = quoted_scalar(text, 4);
        let starts: Vec<usize> = paddings.iter().map(|padding| padding.line_start).collect();
        assert_eq!(starts, vec![9, 18]);
        assert!(paddings.iter().all(|padding| padding.spaces == 4));
        assert!(quoted_scalar("a: 'it''s\n---\n'", 3).is_empty());
        assert!(quoted_scalar("a: \"open\n", 3).is_empty());
    }
}
