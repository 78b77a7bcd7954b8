//! JSON, and JSON with comments and trailing commas as `tsconfig.json` and
//! `devcontainer.json` use it, parsed by `jsonc-parser` (which keeps the
//! byte range of every node).

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::{CollectOptions, ParseOptions};
use serde_json::{Number, Value};

use crate::node::Node;
use crate::span::Span;
use crate::{Diagnostic, Limits, ParsedTree};

/// Parses one JSON document. Comments and trailing commas are accepted
/// everywhere: strict JSON is a subset, and rejecting a `tsconfig.json`
/// helps nobody. Duplicate keys are reported; the later value wins.
pub(crate) fn parse(source: &str, limits: &Limits, diagnostics: &mut Vec<Diagnostic>) -> Option<ParsedTree> {
    let options = ParseOptions { allow_comments: true, allow_trailing_commas: true, ..ParseOptions::default() };
    let parsed = match jsonc_parser::parse_to_ast(source, &CollectOptions::default(), &options) {
        Ok(parsed) => parsed,
        Err(error) => {
            let range = error.range();
            let message = error.kind().to_string();
            diagnostics.push(Diagnostic::error(
                format!("JSON syntax error: {message}"),
                Some(Span::new(range.start, range.end)),
            ));
            return None;
        }
    };
    let value = parsed.value?;
    match convert(&value, 0, limits, diagnostics) {
        Ok(node) => Some(node.into_tree()),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

fn span_of(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}

fn convert(
    value: &Ast<'_>,
    depth: usize,
    limits: &Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Node, Diagnostic> {
    Ok(match value {
        Ast::StringLit(text) => Node::string(&text.value, span_of(text.range)),
        Ast::BooleanLit(boolean) => Node::scalar(Value::Bool(boolean.value), span_of(boolean.range)),
        Ast::NullKeyword(null) => Node::scalar(Value::Null, span_of(null.range)),
        Ast::NumberLit(number) => Node::scalar(number_value(number.value), span_of(number.range)),
        Ast::Array(array) => {
            let span = span_of(array.range);
            enter(depth, limits, span)?;
            let mut node = Node::array(span);
            for element in &array.elements {
                node.push(convert(element, depth + 1, limits, diagnostics)?);
            }
            node
        }
        Ast::Object(object) => {
            let span = span_of(object.range);
            enter(depth, limits, span)?;
            let mut node = Node::object(span);
            for property in &object.properties {
                let (key, key_span) = match &property.name {
                    ObjectPropName::String(name) => (name.value.to_string(), span_of(name.range)),
                    ObjectPropName::Word(name) => (name.value.to_owned(), span_of(name.range)),
                };
                let child = convert(&property.value, depth + 1, limits, diagnostics)?;
                if node.insert(&key, Some(key_span), child) {
                    diagnostics.push(Diagnostic::warning(
                        format!("duplicate key `{key}`: the later value wins, as in most JSON tools"),
                        Some(key_span),
                    ));
                }
            }
            node
        }
    })
}

fn enter(depth: usize, limits: &Limits, span: Span) -> Result<(), Diagnostic> {
    if depth >= limits.max_depth {
        Err(Diagnostic::error(format!("JSON nesting is deeper than {} levels", limits.max_depth), Some(span)))
    } else {
        Ok(())
    }
}

/// Numbers keep their JSON meaning; hexadecimal (a JSONC extension) and
/// numbers JSON cannot represent stay as their source text.
fn number_value(text: &str) -> Value {
    if let Ok(integer) = text.parse::<i64>() {
        return Value::Number(integer.into());
    }
    if let Ok(integer) = text.parse::<u64>() {
        return Value::Number(integer.into());
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
        && let Ok(integer) = i64::from_str_radix(hex, 16)
    {
        return Value::Number(integer.into());
    }
    text.parse::<f64>().ok().and_then(Number::from_f64).map_or_else(|| Value::String(text.to_owned()), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> (Option<ParsedTree>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let parsed = parse(source, &Limits::default(), &mut diagnostics);
        (parsed, diagnostics)
    }

    #[test]
    fn json_with_comments_and_trailing_commas() {
        let (parsed, diagnostics) =
            parse_str("{\n  // editor settings\n  \"a\": [1, 2.5, true, null,],\n  \"b\": {\"c\": \"d\"},\n}");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(parsed.unwrap().tree, serde_json::json!({"a": [1, 2.5, true, null], "b": {"c": "d"}}));
    }

    #[test]
    fn duplicate_keys_warn_and_errors_are_located() {
        let (parsed, diagnostics) = parse_str("{\"a\": 1, \"a\": 2}");
        assert_eq!(parsed.unwrap().tree, serde_json::json!({"a": 2}));
        assert!(diagnostics[0].message.contains("duplicate key `a`"));
        let (parsed, diagnostics) = parse_str("{\"a\": }");
        assert!(parsed.is_none());
        assert!(diagnostics[0].message.starts_with("JSON syntax error"), "{diagnostics:?}");
        assert!(diagnostics[0].span.is_some());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let source = "[".repeat(300) + &"]".repeat(300);
        let (parsed, diagnostics) = parse_str(&source);
        assert!(parsed.is_none());
        assert_eq!(diagnostics[0].message, "JSON nesting is deeper than 120 levels");
    }
}
