//! Line-oriented key/value formats: `.env`, Java `.properties` and INI.
//!
//! These are parsed here rather than with a crate because the maintained
//! parsers for them (dotenvy, java-properties, rust-ini) do not report
//! where a key or value is, and a finding without a line is of little use.
//! The formats are small; each parser is a loop over lines.
//!
//! Trees: `.env` and `.properties` are flat objects of strings (a property
//! key keeps its dots: `{"server.port": "8080"}`); INI is an object of
//! sections, with keys before the first section at the top level.

use crate::node::Node;
use crate::span::Span;
use crate::{Diagnostic, ParsedTree};

/// One logical line: its text and where it starts in the source.
struct Line<'a> {
    text: &'a str,
    start: usize,
}

fn lines(source: &str) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    source.split_inclusive('\n').map(move |raw| {
        let line = Line { text: raw.trim_end_matches(['\n', '\r']), start };
        start += raw.len();
        line
    })
}

/// The span of `part`, a subslice of `line.text`.
fn span_in(line: &Line<'_>, part: &str) -> Span {
    let offset = part.as_ptr() as usize - line.text.as_ptr() as usize;
    Span::new(line.start + offset, line.start + offset + part.len())
}

fn insert(node: &mut Node, key: &str, key_span: Span, value: Node, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    if node.insert(key, Some(key_span), value) {
        diagnostics
            .push(Diagnostic::warning(format!("duplicate {what} `{key}`: the later value wins"), Some(key_span)));
    }
}

/// `.env` files: `KEY=value`, optionally `export KEY=value`; values may be
/// single-quoted (literal), double-quoted (with `\n`, `\"` escapes) or bare
/// (ending at ` #`).
pub(crate) fn parse_env(source: &str, diagnostics: &mut Vec<Diagnostic>) -> ParsedTree {
    let mut root = Node::object(Span::new(0, source.len()));
    for line in lines(source) {
        let trimmed = line.text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let statement = trimmed.strip_prefix("export ").map_or(trimmed, str::trim_start);
        let Some((key, rest)) = statement.split_once('=') else {
            diagnostics.push(Diagnostic::error("expected `KEY=value` in .env file", Some(span_in(&line, trimmed))));
            continue;
        };
        let key = key.trim();
        let rest = rest.trim_start();
        let (value, value_text) = env_value(rest);
        let value_span = span_in(&line, value_text);
        insert(&mut root, key, span_in(&line, key), Node::string(&value, value_span), "variable", diagnostics);
    }
    root.into_tree()
}

/// The value and the part of the line it was read from.
fn env_value(rest: &str) -> (String, &str) {
    if let Some(body) = rest.strip_prefix('\'') {
        let end = body.find('\'').unwrap_or(body.len());
        return (body[..end].to_owned(), &rest[..(end + 2).min(rest.len())]);
    }
    if let Some(body) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        let mut end = body.len();
        while let Some((index, ch)) = chars.next() {
            match ch {
                '"' => {
                    end = index;
                    break;
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((_, other)) => value.push(other),
                    None => {}
                },
                other => value.push(other),
            }
        }
        return (value, &rest[..(end + 2).min(rest.len())]);
    }
    let bare = rest.find(" #").map_or(rest, |comment| &rest[..comment]).trim_end();
    (bare.to_owned(), bare)
}

/// Java `.properties`: `key=value`, `key: value` or `key value`; `#` and
/// `!` comments; a trailing backslash continues the value on the next line;
/// `\t`, `\n`, `\uXXXX` escapes.
pub(crate) fn parse_properties(source: &str, diagnostics: &mut Vec<Diagnostic>) -> ParsedTree {
    let mut root = Node::object(Span::new(0, source.len()));
    let mut all = lines(source).peekable();
    while let Some(line) = all.next() {
        let trimmed = line.text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let separator = key_end(trimmed);
        let key_raw = &trimmed[..separator];
        let mut rest = trimmed[separator..].trim_start();
        if let Some(stripped) = rest.strip_prefix(['=', ':']) {
            rest = stripped.trim_start();
        }
        let key_span = span_in(&line, key_raw);
        let mut value_span = span_in(&line, rest);
        let mut value = String::new();
        let mut current = rest;
        loop {
            let continued = ends_with_continuation(current);
            let text = if continued { &current[..current.len() - 1] } else { current };
            value.push_str(&unescape_properties(text));
            if !continued {
                break;
            }
            let Some(next) = all.next() else { break };
            current = next.text.trim_start();
            value_span = value_span.cover(span_in(&next, current));
        }
        insert(
            &mut root,
            &unescape_properties(key_raw),
            key_span,
            Node::string(&value, value_span),
            "property",
            diagnostics,
        );
    }
    root.into_tree()
}

/// Where an unescaped `=`, `:` or whitespace ends the key.
fn key_end(text: &str) -> usize {
    let mut escaped = false;
    for (index, ch) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' => escaped = true,
            '=' | ':' => return index,
            c if c.is_whitespace() => return index,
            _ => {}
        }
    }
    text.len()
}

/// An odd number of trailing backslashes continues the line.
fn ends_with_continuation(text: &str) -> bool {
    text.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn unescape_properties(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// INI: `[section]` headers, `key = value` or `key: value` lines, `;` and
/// `#` comments. Values are strings, with surrounding quotes removed.
pub(crate) fn parse_ini(source: &str, diagnostics: &mut Vec<Diagnostic>) -> ParsedTree {
    let mut root = Node::object(Span::new(0, source.len()));
    let mut section: Option<(String, Span)> = None;
    for line in lines(source) {
        let trimmed = line.text.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let name = header.strip_suffix(']').unwrap_or(header).trim();
            let span = span_in(&line, name);
            root.entry(name, Some(span), || Node::object(span));
            section = Some((name.to_owned(), span));
            continue;
        }
        let Some(separator) = trimmed.find(['=', ':']) else {
            diagnostics.push(Diagnostic::error("expected `key = value` in INI file", Some(span_in(&line, trimmed))));
            continue;
        };
        let key = trimmed[..separator].trim_end();
        let raw_value = trimmed[separator + 1..].trim_start();
        let value = raw_value.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(raw_value);
        let value_node = Node::string(value, span_in(&line, raw_value));
        let key_span = span_in(&line, key);
        match &section {
            Some((name, span)) => {
                let target = root.entry(name, Some(*span), || Node::object(*span));
                insert(target, key, key_span, value_node, "key", diagnostics);
            }
            None => insert(&mut root, key, key_span, value_node, "key", diagnostics),
        }
    }
    root.into_tree()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_files() {
        let source = "# settings\nexport DEBUG=true\nNAME=\"shop \\\"eu\\\"\"\nKEY='a b' \nURL=http://x # comment\nDEBUG=false\n";
        let mut diagnostics = Vec::new();
        let parsed = parse_env(source, &mut diagnostics);
        assert_eq!(parsed.tree, json!({"DEBUG": "false", "NAME": "shop \"eu\"", "KEY": "a b", "URL": "http://x"}));
        assert_eq!(diagnostics.len(), 1, "duplicate DEBUG");
        let url = crate::span::resolve_pointer(&parsed.tree, &parsed.spans, "/URL");
        assert_eq!(&source[url.span.start as usize..url.span.end as usize], "http://x");
    }

    #[test]
    fn properties_files() {
        let source = "! comment\nserver.port=8080\nspring.datasource.url: jdbc:postgresql://db/shop\nlong.value = one \\\n    two\nunicode=caf\\u00e9\nkey\\ with\\ spaces value\n";
        let mut diagnostics = Vec::new();
        let parsed = parse_properties(source, &mut diagnostics);
        assert!(diagnostics.is_empty());
        assert_eq!(
            parsed.tree,
            json!({"server.port": "8080", "spring.datasource.url": "jdbc:postgresql://db/shop",
                "long.value": "one two", "unicode": "café", "key with spaces": "value"})
        );
    }

    #[test]
    fn ini_files() {
        let source = "top = 1\n[server]\nhost = \"0.0.0.0\"\n; comment\nport: 80\n[server]\ntls = off\n";
        let mut diagnostics = Vec::new();
        let parsed = parse_ini(source, &mut diagnostics);
        assert_eq!(parsed.tree, json!({"top": "1", "server": {"host": "0.0.0.0", "port": "80", "tls": "off"}}));
        let port = crate::span::resolve_pointer(&parsed.tree, &parsed.spans, "/server/port");
        assert_eq!(&source[port.span.start as usize..port.span.end as usize], "80");
    }
}
