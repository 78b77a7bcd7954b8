//! YAML 1.2 → document trees with spans, built from saphyr's event parser.
//!
//! The builder is iterative (an explicit stack, never recursion), so deep
//! nesting cannot overflow the stack; depth and alias expansion are bounded
//! by [`Limits`]. Merge keys (`<<: *base`) are applied as Compose and GitLab
//! CI users expect, with explicit keys winning over merged ones.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan, Tag};
use serde_json::{Map, Number, Value};

use crate::reindent::{self, Padding, Reindented};
use crate::span::{LineIndex, Span, SpanNode};
use crate::{Diagnostic, Limits, ParsedTree};

/// The result of parsing one YAML stream: its documents in order, each with
/// its position in the stream, and any problems found.
pub(crate) struct YamlStream {
    pub(crate) documents: Vec<(u32, ParsedTree)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Parses every document of a YAML stream. A syntax error ends the
/// document it is in; parsing resumes at the next `---` line after it, so
/// the documents before and after a broken one are still checked. Where
/// libyaml would have accepted the document, it is re-indented and parsed
/// again instead (see [`crate::reindent`]).
pub(crate) fn parse(source: &str, lines: &LineIndex, limits: &Limits) -> YamlStream {
    let mut stream = YamlStream { documents: Vec::new(), diagnostics: Vec::new() };
    let mut text = Reindented::new(source);
    // Re-parsing after re-indenting is bounded, so that a file made of
    // nothing but such lines costs a few parses of itself, not one per line.
    let mut reparse_budget = source.len().saturating_mul(REPARSE_BUDGET_FACTOR).max(REPARSE_BUDGET_MIN);
    let mut start = 0;
    let mut document_index = 0;
    // Alias expansion over every document of the file.
    let mut expanded_nodes = 0;
    loop {
        let mut builder = Builder::new(text.text(), start, text.lines(lines), limits);
        builder.document_index = document_index;
        builder.expanded_nodes = expanded_nodes;
        let failure = builder.run();
        expanded_nodes = builder.expanded_nodes;
        stream.documents.append(&mut builder.documents);
        let Some(failure) = failure else {
            stream.diagnostics.append(&mut builder.diagnostics);
            break;
        };
        let reparse = text.text().len() - failure.document_start;
        if !failure.paddings.is_empty() && reparse <= reparse_budget {
            reparse_budget -= reparse;
            // The failed document is parsed again from its start: drop what
            // was said about it, keep what came before.
            builder.diagnostics.truncate(failure.diagnostics_before_document);
            stream.diagnostics.append(&mut builder.diagnostics);
            start = failure.document_start;
            document_index = failure.document_index;
            let paddings = failure.paddings;
            text.insert(source, &paddings);
            continue;
        }
        stream.diagnostics.append(&mut builder.diagnostics);
        document_index = builder.document_index;
        match next_document_start(text.text(), failure.offset).filter(|&next| next > start) {
            Some(next) => {
                start = next;
                // The broken document had an index; the next one gets its own.
                document_index += 1;
            }
            None => break,
        }
    }
    if text.is_reindented() {
        for (_, document) in &mut stream.documents {
            text.spans_to_source(&mut document.spans);
        }
        for diagnostic in &mut stream.diagnostics {
            diagnostic.span = diagnostic.span.map(|span| text.span_to_source(span));
        }
    }
    stream
}

/// Re-parsing after re-indenting may cover this many times the file's size.
const REPARSE_BUDGET_FACTOR: usize = 4;
/// … or this many bytes, for small files.
const REPARSE_BUDGET_MIN: usize = 1 << 20;

/// Why and where [`Builder::run`] stopped early.
struct Failure {
    /// Where the syntax error is.
    offset: usize,
    /// Re-indenting that would make the document acceptable, as libyaml
    /// accepts it; empty when the error is a real one.
    paddings: Vec<Padding>,
    /// The start of the line where the failed document starts.
    document_start: usize,
    /// The failed document's position in the stream.
    document_index: u32,
    /// How many diagnostics came before the failed document.
    diagnostics_before_document: usize,
}

/// The start of the first line beginning with a `---` marker, from the
/// line holding `offset` on (an error is often reported at the marker that
/// ends the broken document).
fn next_document_start(source: &str, offset: usize) -> Option<usize> {
    let mut line_start = source[..offset.min(source.len())].rfind('\n').map_or(0, |newline| newline + 1);
    loop {
        let line = &source[line_start..];
        if line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace) {
            return Some(line_start);
        }
        line_start += line.find('\n')? + 1;
    }
}

enum Frame {
    Sequence {
        items: Vec<Value>,
        spans: Vec<SpanNode>,
        start: Span,
        anchor: usize,
        /// The CloudFormation function its tag names, if any.
        intrinsic: Option<&'static str>,
    },
    Mapping {
        map: Map<String, Value>,
        spans: Vec<SpanNode>,
        start: Span,
        anchor: usize,
        /// The CloudFormation function its tag names, if any.
        intrinsic: Option<&'static str>,
        /// The key whose value comes next, with the key's span.
        pending_key: Option<(String, Span)>,
        /// Mappings given through `<<`, applied when the mapping ends.
        merges: Vec<(Value, SpanNode)>,
        /// Key → position among `spans`, made at the first duplicate key,
        /// so that a mapping of many repeated keys is not quadratic.
        positions: Option<HashMap<String, usize>>,
    },
}

struct Anchored {
    value: Value,
    spans: SpanNode,
    nodes: usize,
}

struct Builder<'a> {
    source: &'a str,
    /// Where the text being parsed starts in `source` (non-zero when
    /// resuming after a syntax error).
    base_offset: usize,
    base_line: usize,
    lines: &'a LineIndex,
    limits: &'a Limits,
    ascii: bool,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    expanded_nodes: usize,
    document_index: u32,
    documents: Vec<(u32, ParsedTree)>,
    diagnostics: Vec<Diagnostic>,
    in_document: bool,
    document_has_root: bool,
    /// The start of the line where the current document starts.
    document_start: usize,
    /// How many diagnostics came before the current document.
    diagnostics_before_document: usize,
}

impl<'a> Builder<'a> {
    fn new(source: &'a str, base_offset: usize, lines: &'a LineIndex, limits: &'a Limits) -> Self {
        let base_line = source[..base_offset].matches('\n').count();
        Self {
            source,
            base_offset,
            base_line,
            lines,
            limits,
            ascii: source.is_ascii(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            expanded_nodes: 0,
            document_index: 0,
            documents: Vec::new(),
            diagnostics: Vec::new(),
            in_document: false,
            document_has_root: false,
            document_start: base_offset,
            diagnostics_before_document: 0,
        }
    }

    /// Runs the parser over the source from `base_offset` on. Returns why
    /// it stopped early, if it did.
    fn run(&mut self) -> Option<Failure> {
        let mut parser = Parser::new_from_str(&self.source[self.base_offset..]);
        while let Some(next) = parser.next_event() {
            match next {
                Ok((event, span)) => {
                    if let Err(diagnostic) = self.event(event, span) {
                        self.diagnostics.push(diagnostic);
                        // Limits (depth, aliases) end the stream: resuming
                        // would only meet the same hostile input again.
                        return None;
                    }
                }
                Err(error) => {
                    let marker = error.marker();
                    let at = self.offset(marker.line(), marker.col(), marker.index());
                    let paddings = self.indentation_paddings(error.info(), at);
                    let mut offset = at;
                    if offset >= self.source.len() {
                        // "Unexpected end of input": show the end of the last
                        // line rather than an empty line past it.
                        offset = self.source.trim_end().len();
                    }
                    self.diagnostics.push(Diagnostic::error(
                        format!("YAML syntax error: {}", error.info()),
                        Some(Span::new(offset, offset)),
                    ));
                    return Some(Failure {
                        offset,
                        paddings,
                        document_start: self.document_start,
                        document_index: self.document_index,
                        diagnostics_before_document: self.diagnostics_before_document,
                    });
                }
            }
        }
        None
    }

    /// For the indentation errors that libyaml does not make (see
    /// [`crate::reindent`]), the re-indenting that fixes them.
    fn indentation_paddings(&self, info: &str, at: usize) -> Vec<Padding> {
        match info {
            "invalid indentation in quoted scalar" => reindent::quoted_scalar(self.source, at),
            "invalid indentation" | "invalid indentation in flow construct" => {
                // Only inside a flow collection is the indentation free; in
                // block context it gives the document its structure.
                let outermost_flow = self.stack.iter().find_map(|frame| {
                    let start = match frame {
                        Frame::Sequence { start, .. } | Frame::Mapping { start, .. } => start.start as usize,
                    };
                    self.source[start..].starts_with(['[', '{']).then_some(start)
                });
                outermost_flow.map_or_else(Vec::new, |opener| reindent::flow_line(self.source, opener, at))
            }
            _ => Vec::new(),
        }
    }

    /// Byte offset of a saphyr marker (1-based line, 0-based character
    /// column, character index), relative to the text being parsed.
    fn offset(&self, line: usize, column: usize, char_index: usize) -> usize {
        if self.ascii {
            (self.base_offset + char_index).min(self.source.len())
        } else {
            self.lines.offset_of(self.source, line.saturating_sub(1) + self.base_line, column)
        }
    }

    fn span(&self, span: YamlSpan) -> Span {
        let start = self.offset(span.start.line(), span.start.col(), span.start.index());
        let end = self.offset(span.end.line(), span.end.col(), span.end.index());
        Span::new(start, end)
    }

    fn event(&mut self, event: Event<'_>, span: YamlSpan) -> Result<(), Diagnostic> {
        let span = self.span(span);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                let start = span.start as usize;
                self.document_start = self.source[..start].rfind('\n').map_or(0, |newline| newline + 1);
                self.diagnostics_before_document = self.diagnostics.len();
                self.in_document = true;
                self.document_has_root = false;
                // Anchors are per document; the alias budget is per file,
                // so that many documents cannot each expand to just under it.
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                self.in_document = false;
                self.document_index += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let span = match style {
                    // A block scalar starts at its `|` or `>` header, on the
                    // key's line, not at its first line of content.
                    ScalarStyle::Literal | ScalarStyle::Folded => block_scalar_header(self.source, span.start as usize)
                        .map_or(span, |start| Span::new(start, span.end as usize)),
                    _ => span,
                };
                let value = scalar_value(&text, style, tag.as_deref());
                let spans = SpanNode { key: None, value: span, children: Vec::new() };
                match intrinsic_function(tag.as_deref()) {
                    Some(function) => {
                        let (value, spans) = long_form(function, value, spans);
                        self.push_value(value, spans, anchor, None)?;
                    }
                    None => self.push_value(value, spans, anchor, Some(text.into_owned()))?,
                }
            }
            Event::Alias(anchor) => {
                let Some(anchored) = self.anchors.get(&anchor) else {
                    return Err(Diagnostic::error("YAML alias refers to an unknown anchor", Some(span)));
                };
                self.expanded_nodes += anchored.nodes;
                if self.expanded_nodes > self.limits.max_alias_expansion {
                    return Err(Diagnostic::error(
                        format!(
                            "YAML aliases expand to more than {} nodes in this file; refusing a possible alias bomb",
                            self.limits.max_alias_expansion
                        ),
                        Some(span),
                    ));
                }
                let value = anchored.value.clone();
                let mut spans = anchored.spans.clone();
                spans.value = span;
                spans.key = None;
                let key_text = match &value {
                    Value::String(text) => Some(text.clone()),
                    _ => None,
                };
                self.push_value(value, spans, 0, key_text)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.enter(span)?;
                let intrinsic = intrinsic_function(tag.as_deref());
                self.stack.push(Frame::Sequence {
                    items: Vec::new(),
                    spans: Vec::new(),
                    start: span,
                    anchor,
                    intrinsic,
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.enter(span)?;
                self.stack.push(Frame::Mapping {
                    map: Map::new(),
                    spans: Vec::new(),
                    start: span,
                    anchor,
                    intrinsic: intrinsic_function(tag.as_deref()),
                    pending_key: None,
                    merges: Vec::new(),
                    positions: None,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Sequence { items, spans, start, anchor, intrinsic }) = self.stack.pop() else {
                    return Err(Diagnostic::error("unbalanced YAML sequence", Some(span)));
                };
                let end = spans.last().map_or(start, |last| last.value);
                let node = SpanNode { key: None, value: start.cover(end), children: spans };
                let (value, node) = match intrinsic {
                    Some(function) => long_form(function, Value::Array(items), node),
                    None => (Value::Array(items), node),
                };
                self.push_value(value, node, anchor, None)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Mapping { mut map, mut spans, start, anchor, merges, intrinsic, .. }) =
                    self.stack.pop()
                else {
                    return Err(Diagnostic::error("unbalanced YAML mapping", Some(span)));
                };
                apply_merges(&mut map, &mut spans, merges);
                let end = spans.iter().map(|s| s.value.end).max().map_or(start, |end| Span { start: start.start, end });
                let node = SpanNode { key: None, value: start.cover(end), children: spans };
                let (value, node) = match intrinsic {
                    Some(function) => long_form(function, Value::Object(map), node),
                    None => (Value::Object(map), node),
                };
                self.push_value(value, node, anchor, None)?;
            }
        }
        Ok(())
    }

    fn enter(&self, span: Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Diagnostic::error(
                format!("YAML nesting is deeper than {} levels", self.limits.max_depth),
                Some(span),
            ));
        }
        Ok(())
    }

    /// Places a completed node into its parent, or makes it the document.
    fn push_value(
        &mut self,
        value: Value,
        mut spans: SpanNode,
        anchor: usize,
        key_text: Option<String>,
    ) -> Result<(), Diagnostic> {
        if anchor != 0 {
            let nodes = count_nodes(&spans);
            self.anchors.insert(anchor, Anchored { value: value.clone(), spans: spans.clone(), nodes });
        }
        match self.stack.last_mut() {
            None => {
                if !self.document_has_root {
                    self.document_has_root = true;
                    self.documents.push((self.document_index, ParsedTree { tree: value, spans }));
                }
            }
            Some(Frame::Sequence { items, spans: children, .. }) => {
                items.push(value);
                children.push(spans);
            }
            Some(Frame::Mapping { map, spans: children, pending_key, merges, positions, .. }) => {
                match pending_key.take() {
                    None => {
                        let key = match (key_text, &value) {
                            (Some(text), Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null) => text,
                            _ => value.to_string(),
                        };
                        *pending_key = Some((key, spans.value));
                    }
                    Some((key, key_span)) => {
                        spans.key = Some(key_span);
                        if key == "<<" {
                            merges.push((value, spans));
                            return Ok(());
                        }
                        if map.contains_key(&key) {
                            let positions = positions.get_or_insert_with(|| {
                                map.keys().enumerate().map(|(position, key)| (key.clone(), position)).collect()
                            });
                            let position = positions.get(&key).copied().unwrap_or_default();
                            self.diagnostics.push(Diagnostic::warning(
                                format!("duplicate key `{key}`: the later value wins, as in most YAML tools"),
                                Some(key_span),
                            ));
                            map.insert(key, value);
                            children[position] = spans;
                        } else {
                            if let Some(positions) = positions {
                                positions.insert(key.clone(), children.len());
                            }
                            map.insert(key, value);
                            children.push(spans);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Applies `<<` merge keys: members of the merged mappings are added unless
/// the mapping already defines them. A list of mappings merges in order,
/// earlier ones winning.
fn apply_merges(map: &mut Map<String, Value>, spans: &mut Vec<SpanNode>, merges: Vec<(Value, SpanNode)>) {
    for (value, node) in merges {
        let sources: Vec<(Value, SpanNode)> = match value {
            Value::Object(_) => vec![(value, node)],
            Value::Array(items) => items.into_iter().zip(node.children).collect(),
            _ => continue,
        };
        for (source, source_spans) in sources {
            let Value::Object(members) = source else { continue };
            for ((key, member), member_spans) in members.into_iter().zip(source_spans.children) {
                if !map.contains_key(&key) {
                    map.insert(key, member);
                    spans.push(member_spans);
                }
            }
        }
    }
}

fn count_nodes(spans: &SpanNode) -> usize {
    let mut count = 0;
    let mut pending = vec![spans];
    while let Some(node) = pending.pop() {
        count += 1;
        pending.extend(node.children.iter());
    }
    count
}

/// Resolves a scalar by the YAML 1.2 core schema. Quoted and block scalars
/// are strings; explicit core tags (`!!str`, `!!int`, ...) are honoured.
/// The offset of a block scalar's `|` or `>` header, found on the last
/// non-blank line before its content. `None` when the header is not where
/// it should be, and the content's own start is kept.
fn block_scalar_header(source: &str, content_start: usize) -> Option<usize> {
    let before = source.get(..content_start)?.trim_end();
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let line = &before[line_start..];
    // `|` and `>` are one byte each, so slicing right after them is safe
    // whatever other characters the line holds.
    line.char_indices().find_map(|(index, ch)| {
        let opens = (ch == '|' || ch == '>') && (index == 0 || line[..index].ends_with([' ', '\t', ':', '-']));
        if !opens {
            return None;
        }
        let rest = &line[index + 1..];
        let header = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        header.chars().all(|c| c == '+' || c == '-' || c.is_ascii_digit()).then_some(line_start + index)
    })
}

/// CloudFormation's intrinsic functions, as their short-form tags name
/// them (`!Ref`, `!Sub`, ...), with their long-form keys.
const INTRINSIC_FUNCTIONS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("And", "Fn::And"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Equals", "Fn::Equals"),
    ("FindInMap", "Fn::FindInMap"),
    ("ForEach", "Fn::ForEach"),
    ("GetAZs", "Fn::GetAZs"),
    ("GetAtt", "Fn::GetAtt"),
    ("If", "Fn::If"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Length", "Fn::Length"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
];

/// The long-form key of a CloudFormation short-form tag, such as `Ref` for
/// `!Ref` or `Fn::Sub` for `!Sub`. Other local tags are not functions.
fn intrinsic_function(tag: Option<&Tag>) -> Option<&'static str> {
    let tag = tag.filter(|tag| tag.handle == "!")?;
    INTRINSIC_FUNCTIONS.iter().find(|(short, _)| *short == tag.suffix).map(|(_, long)| *long)
}

/// A short-form function (`!Ref Bucket`) as CloudFormation reads it, in its
/// long form (`{"Ref": "Bucket"}`), so that a template means the same in
/// either form, and the same as its JSON. Both the function and its
/// argument are located at the tagged node, tag included.
fn long_form(function: &str, argument: Value, spans: SpanNode) -> (Value, SpanNode) {
    let at = spans.value;
    // `!GetAtt Resource.Attribute` is `Fn::GetAtt: [Resource, Attribute]`:
    // split at the first `.`, as CloudFormation does.
    let (argument, spans) = match &argument {
        Value::String(text) if function == "Fn::GetAtt" && text.contains('.') => {
            let (resource, attribute) = text.split_once('.').unwrap_or((text, ""));
            let part = SpanNode { key: None, value: at, children: Vec::new() };
            let pair = vec![Value::String(resource.to_owned()), Value::String(attribute.to_owned())];
            (Value::Array(pair), SpanNode { key: None, value: at, children: vec![part.clone(), part] })
        }
        _ => (argument, spans),
    };
    let member = SpanNode { key: Some(at), ..spans };
    let mut object = Map::new();
    object.insert(function.to_owned(), argument);
    (Value::Object(object), SpanNode { key: None, value: at, children: vec![member] })
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag.filter(|tag| tag.is_yaml_core_schema()) {
        return match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => Value::String(text.to_owned()),
            "null" => Value::Null,
            "bool" => parse_bool(text).map_or_else(|| Value::String(text.to_owned()), Value::Bool),
            "int" => parse_int(text).unwrap_or_else(|| Value::String(text.to_owned())),
            "float" => parse_float(text).unwrap_or_else(|| Value::String(text.to_owned())),
            _ => plain_value(text),
        };
    }
    if style != ScalarStyle::Plain || tag.is_some() {
        return Value::String(text.to_owned());
    }
    plain_value(text)
}

fn plain_value(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(boolean) = parse_bool(text) {
        return Value::Bool(boolean);
    }
    parse_int(text).or_else(|| parse_float(text)).unwrap_or_else(|| Value::String(text.to_owned()))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(octal) = digits.strip_prefix("0o") {
        (8, octal)
    } else if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    if let Ok(small) = i64::try_from(value) {
        Some(Value::Number(small.into()))
    } else if let Ok(large) = u64::try_from(value) {
        Some(Value::Number(large.into()))
    } else {
        // Beyond 64 bits: keep the digits rather than lose precision.
        Some(Value::String(text.to_owned()))
    }
}

fn parse_float(text: &str) -> Option<Value> {
    // JSON has no infinities or NaN; keep the YAML spelling as a string.
    if matches!(text.trim_start_matches(['-', '+']), ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return Some(Value::String(text.to_owned()));
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let looks_numeric = body.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        && body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && body.chars().any(|c| c.is_ascii_digit());
    if !looks_numeric {
        return None;
    }
    let number: f64 = text.parse().ok()?;
    Number::from_f64(number).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> YamlStream {
        parse(source, &LineIndex::new(source), &Limits::default())
    }

    /// Each document's position in the stream and its tree.
    fn indexed_trees(stream: &YamlStream) -> Vec<(u32, serde_json::Value)> {
        stream.documents.iter().map(|(index, parsed)| (*index, parsed.tree.clone())).collect()
    }

    #[test]
    fn core_schema_scalars() {
        let stream = parse_str("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: 0x1F\ng: yes\nh: !!str 3\ni: .inf\n");
        let tree = &stream.documents[0].1.tree;
        assert_eq!(
            tree,
            &serde_json::json!({"a": 1, "b": "1", "c": true, "d": null, "e": 1.5, "f": 31, "g": "yes", "h": "3", "i": ".inf"})
        );
    }

    #[test]
    fn cloudformation_short_forms_read_as_their_long_forms() {
        let source = "DeletionProtection: !Ref Protect\nName: !Sub '${AWS::StackName}-db'\nKey: !GetAtt DataKey.Arn\n\
                      Port: !If\n  - IsProd\n  - 5432\n  - !Ref Port\nTags: !Include {a: 1}\nNull: !!null x\n";
        let stream = parse_str(source);
        let document = &stream.documents[0].1;
        assert_eq!(
            document.tree,
            serde_json::json!({
                "DeletionProtection": {"Ref": "Protect"},
                "Name": {"Fn::Sub": "${AWS::StackName}-db"},
                "Key": {"Fn::GetAtt": ["DataKey", "Arn"]},
                "Port": {"Fn::If": ["IsProd", 5432, {"Ref": "Port"}]},
                "Tags": {"a": 1},
                "Null": null,
            }),
            "other local tags change nothing"
        );
        for (pointer, at) in [("/DeletionProtection/Ref", "!Ref Protect"), ("/Port/Fn::If/2/Ref", "!Ref Port\n")] {
            let resolved = crate::span::resolve_pointer(&document.tree, &document.spans, pointer);
            assert!(resolved.exact, "{pointer}");
            assert!(source[resolved.span.start as usize..].starts_with(at), "{pointer}");
        }
    }

    #[test]
    fn block_scalars_start_at_their_header() {
        let source = "steps:\n  - run: |-\n      echo one\n  - run: >2 # folded\n      two\n";
        let stream = parse_str(source);
        let document = &stream.documents[0].1;
        for (pointer, header) in [("/steps/0/run", "|-"), ("/steps/1/run", ">2")] {
            let resolved = crate::span::resolve_pointer(&document.tree, &document.spans, pointer);
            assert!(source[resolved.span.start as usize..].starts_with(header), "{pointer}");
        }
        assert_eq!(block_scalar_header("a: b\n  text", 7), None);
    }

    #[test]
    fn block_scalar_headers_after_multibyte_characters_do_not_panic() {
        // Found by the parse_yaml fuzz target: a non-ASCII character on the
        // line before a block scalar's content.
        let source = "k\u{59f}      run: |\n Apah\n";
        let stream = parse_str(source);
        assert_eq!(stream.documents.len() + stream.diagnostics.len(), 1, "{:?}", stream.diagnostics);
    }

    /// Parses `source` and checks that it gives `expected` without any
    /// diagnostic, as libyaml does.
    fn assert_accepted(source: &str, expected: serde_json::Value) -> YamlStream {
        let stream = parse_str(source);
        assert!(stream.diagnostics.is_empty(), "{:?}", stream.diagnostics);
        assert_eq!(stream.documents[0].1.tree, expected);
        stream
    }

    #[test]
    fn flow_collections_closed_left_of_their_key_are_accepted_as_libyaml_does() {
        let source = "services:\n  web:\n    healthcheck:\n      test: [\n          \"CMD\", \"true\",\n      ]\n      interval: 5s\n";
        let stream = assert_accepted(
            source,
            serde_json::json!({"services": {"web": {"healthcheck": {"test": ["CMD", "true"], "interval": "5s"}}}}),
        );
        // Spans are those of the original text.
        let document = &stream.documents[0].1;
        let at = |pointer: &str| {
            let resolved = crate::span::resolve_pointer(&document.tree, &document.spans, pointer);
            &source[resolved.span.start as usize..resolved.span.end as usize]
        };
        assert_eq!(at("/services/web/healthcheck/test/1"), "\"true\"");
        assert_eq!(at("/services/web/healthcheck/interval"), "5s");

        assert_accepted("a:\n  b: {\n  x: 1,\n  y: 2\n}\n", serde_json::json!({"a": {"b": {"x": 1, "y": 2}}}));
        assert_accepted("a:\n  b: [\n1, 2]\n", serde_json::json!({"a": {"b": [1, 2]}}));
        assert_accepted("a:\n  b: [x,\n  y]\nc: 1\n", serde_json::json!({"a": {"b": ["x", "y"]}, "c": 1}));
    }

    #[test]
    fn quoted_scalars_continued_left_of_their_item_are_accepted_as_libyaml_does() {
        let source = "args:\n    - \"--foo=one\n  two three\"\n    - 'x\ny'\nnext: é\n";
        let stream = assert_accepted(source, serde_json::json!({"args": ["--foo=one two three", "x y"], "next": "é"}));
        let document = &stream.documents[0].1;
        let resolved = crate::span::resolve_pointer(&document.tree, &document.spans, "/next");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "é");
    }

    #[test]
    fn indentation_that_gives_block_structure_is_still_an_error() {
        // libyaml rejects both as well.
        for source in ["a:\n  b: 1\n c: 2\n", "a: \"x\n---\ny\"\n"] {
            let stream = parse_str(source);
            assert!(!stream.diagnostics.is_empty(), "{source:?} was accepted");
        }
    }

    #[test]
    fn documents_around_a_reindented_one_keep_their_indices_and_spans() {
        let source = "a: 1\n---\nb: [\n1]\nk: 'x'\n---\nc: [oops\n---\nd: 4\n";
        let stream = parse_str(source);
        assert_eq!(
            indexed_trees(&stream),
            vec![
                (0, serde_json::json!({"a": 1})),
                (1, serde_json::json!({"b": [1], "k": "x"})),
                (3, serde_json::json!({"d": 4}))
            ]
        );
        assert_eq!(stream.diagnostics.len(), 1, "{:?}", stream.diagnostics);
        let (_, second) = &stream.documents[1];
        let resolved = crate::span::resolve_pointer(&second.tree, &second.spans, "/k");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "'x'");
        let (_, last) = &stream.documents[2];
        let resolved = crate::span::resolve_pointer(&last.tree, &last.spans, "/d");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "4");
    }

    #[test]
    fn merge_keys_fill_in_without_overriding() {
        let stream = parse_str("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n");
        assert_eq!(stream.documents[0].1.tree["svc"], serde_json::json!({"y": 3, "x": 1}));
        assert!(stream.diagnostics.is_empty());
    }

    #[test]
    fn multi_document_streams_keep_their_positions() {
        let stream = parse_str("---\n---\na: 1\n---\nb: 2\n");
        let indices: Vec<u32> = stream.documents.iter().map(|(index, _)| *index).collect();
        assert_eq!(indices, vec![0, 1, 2]);
        assert_eq!(stream.documents[2].1.tree, serde_json::json!({"b": 2}));
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_last_wins() {
        let stream = parse_str("a: 1\na: 2\n");
        assert_eq!(stream.documents[0].1.tree, serde_json::json!({"a": 2}));
        assert_eq!(stream.diagnostics.len(), 1);
        assert!(stream.diagnostics[0].message.contains("duplicate key `a`"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut source = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let prev = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            source.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let stream = parse_str(&source);
        assert!(stream.documents.is_empty());
        assert!(stream.diagnostics[0].message.contains("alias bomb"), "{:?}", stream.diagnostics);
    }

    #[test]
    fn the_alias_budget_is_per_file_not_per_document() {
        // Each document expands to 1,000 nodes: under the limit alone, over
        // it together.
        let document = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        let source = vec![document; 200].join("---\n");
        let stream = parse_str(&source);
        assert!(stream.documents.len() < 200, "{} documents", stream.documents.len());
        assert!(stream.diagnostics[0].message.contains("in this file"), "{:?}", stream.diagnostics);
    }

    #[test]
    fn many_repeated_keys_are_warnings_in_linear_time() {
        let mut source: String = (0..20_000).map(|key| format!("k{key}: 1\n")).collect();
        source.push_str(&"k19999: 2\n".repeat(20_000));
        let stream = parse_str(&source);
        assert_eq!(stream.documents[0].1.tree.as_object().unwrap().len(), 20_000);
        assert_eq!(stream.documents[0].1.tree["k19999"], 2);
        assert_eq!(stream.diagnostics.len(), 20_000);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let source = "[".repeat(10_000) + &"]".repeat(10_000);
        let stream = parse_str(&source);
        assert!(stream.documents.is_empty());
        let message = &stream.diagnostics[0].message;
        assert!(message.contains("deeper than") || message.contains("recursion limit"), "{message}");
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_with_the_limit_named() {
        let source = "[".repeat(200) + &"]".repeat(200);
        let stream = parse_str(&source);
        assert!(stream.documents.is_empty());
        assert_eq!(stream.diagnostics[0].message, "YAML nesting is deeper than 120 levels");
    }

    #[test]
    fn a_syntax_error_loses_only_its_own_document() {
        let source = "a: 1\n---\nb: [unclosed\nc: 2\n---\nd: é\n---\ne: 5\n";
        let stream = parse_str(source);
        assert_eq!(
            indexed_trees(&stream),
            vec![
                (0, serde_json::json!({"a": 1})),
                (2, serde_json::json!({"d": "é"})),
                (3, serde_json::json!({"e": 5}))
            ]
        );
        assert_eq!(stream.diagnostics.len(), 1);
        assert!(stream.diagnostics[0].message.starts_with("YAML syntax error"));
        // Spans after the resumption point are still exact.
        let (_, last) = &stream.documents[2];
        let resolved = crate::span::resolve_pointer(&last.tree, &last.spans, "/e");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "5");
    }
}
