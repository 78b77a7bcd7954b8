//! TOML, parsed by `toml_edit`, which keeps the span of every key and value.

use serde_json::{Number, Value};
use toml_edit::{Item, Table, Value as TomlValue};

use crate::node::Node;
use crate::span::Span;
use crate::{Diagnostic, Limits, ParsedTree};

/// Parses a TOML document. Dates and times become their RFC 3339 text.
pub(crate) fn parse(source: &str, limits: &Limits, diagnostics: &mut Vec<Diagnostic>) -> Option<ParsedTree> {
    // toml_edit recurses on nested inline tables and arrays.
    if crate::node::bracket_depth(source) > limits.max_depth {
        diagnostics.push(Diagnostic::error(format!("TOML nesting is deeper than {} levels", limits.max_depth), None));
        return None;
    }
    let document = match toml_edit::Document::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let span = error.span().map(|range| Span::new(range.start, range.end));
            let message = error.message().trim().to_owned();
            diagnostics.push(Diagnostic::error(format!("TOML syntax error: {message}"), span));
            return None;
        }
    };
    let whole = Span::new(0, source.len());
    let root = document.as_item().as_table()?;
    Some(table(root, whole).into_tree())
}

fn span(range: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    range.map_or(fallback, |range| Span::new(range.start, range.end))
}

fn table(table: &Table, fallback: Span) -> Node {
    let mut node = Node::object(span(table.span(), fallback));
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(|key| key.span()).map(|range| Span::new(range.start, range.end));
        let child_fallback = key_span.unwrap_or(node.span);
        if let Some(child) = self::item(item, child_fallback) {
            node.insert(key, key_span, child);
        }
    }
    node
}

fn item(item: &Item, fallback: Span) -> Option<Node> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(self::value(value, fallback)),
        Item::Table(inner) => Some(table(inner, fallback)),
        Item::ArrayOfTables(tables) => {
            let mut node = Node::array(span(tables.span(), fallback));
            for inner in tables.iter() {
                node.push(table(inner, fallback));
            }
            Some(node)
        }
    }
}

fn value(value: &TomlValue, fallback: Span) -> Node {
    let here = span(value.span(), fallback);
    match value {
        TomlValue::String(text) => Node::string(text.value(), here),
        TomlValue::Integer(integer) => Node::scalar(Value::Number((*integer.value()).into()), here),
        TomlValue::Float(float) => Node::scalar(
            Number::from_f64(*float.value()).map_or_else(|| Value::String(float.value().to_string()), Value::Number),
            here,
        ),
        TomlValue::Boolean(boolean) => Node::scalar(Value::Bool(*boolean.value()), here),
        TomlValue::Datetime(datetime) => Node::string(&datetime.value().to_string(), here),
        TomlValue::Array(array) => {
            let mut node = Node::array(here);
            for element in array.iter() {
                node.push(self::value(element, here));
            }
            node
        }
        TomlValue::InlineTable(inline) => {
            let mut node = Node::object(here);
            for (key, element) in inline.iter() {
                let key_span =
                    inline.key(key).and_then(|key| key.span()).map(|range| Span::new(range.start, range.end));
                node.insert(key, key_span, self::value(element, key_span.unwrap_or(here)));
            }
            node
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_arrays_and_spans() {
        let source = "[package]\nname = \"shop\"\n\n[[bin]]\nname = \"a\"\n\n[deps]\nserde = { version = \"1\", features = [\"derive\"] }\nwhen = 1979-05-27T07:32:00Z\n";
        let mut diagnostics = Vec::new();
        let parsed = parse(source, &Limits::default(), &mut diagnostics).unwrap();
        assert_eq!(
            parsed.tree,
            serde_json::json!({"package": {"name": "shop"}, "bin": [{"name": "a"}],
                "deps": {"serde": {"version": "1", "features": ["derive"]}, "when": "1979-05-27T07:32:00Z"}})
        );
        let resolved = crate::span::resolve_pointer(&parsed.tree, &parsed.spans, "/deps/serde/features/0");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "\"derive\"");
    }

    #[test]
    fn syntax_errors_are_located() {
        let mut diagnostics = Vec::new();
        assert!(parse("a = \n", &Limits::default(), &mut diagnostics).is_none());
        assert!(diagnostics[0].message.starts_with("TOML syntax error"), "{diagnostics:?}");
        assert!(diagnostics[0].span.is_some());
    }
}
