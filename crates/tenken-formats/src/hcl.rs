//! HCL2 (Terraform `.tf`, `.tfvars`, and other `.hcl` files), parsed by
//! `hcl-edit`, shaped like Terraform's JSON configuration syntax so one
//! plugin reads both `.tf` and `.tf.json`:
//!
//! ```hcl
//! resource "aws_s3_bucket" "logs" {
//!   bucket = "shop-logs"
//!   versioning { enabled = true }
//! }
//! ```
//! becomes `{"resource": {"aws_s3_bucket": {"logs": {"bucket": "shop-logs",
//! "versioning": [{"enabled": true}]}}}}`, so `/resource/aws_s3_bucket/logs/
//! versioning/0/enabled` addresses the flag.
//!
//! - A top-level block nests by its labels into one object per type;
//!   `provider` bodies and unlabeled top-level blocks (`terraform`,
//!   `locals`, `moved`, ...) are arrays, since they may repeat.
//! - A nested block is an array of bodies under its type (and labels, for
//!   `dynamic "x"`), since blocks may repeat.
//! - Literal values keep their JSON types. Any other expression (a
//!   reference, a call, a conditional, a `for`) becomes the string
//!   `"${<source>}"`, as Terraform's JSON syntax writes it; a string
//!   template keeps its source text. `jsonencode(...)` of a literal becomes
//!   the JSON text it would produce, so policies written inline are
//!   readable by plugins.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{BlockLabel, Body, Structure};
use hcl_edit::template::Element;
use hcl_edit::{Decorated, Ident};
use serde_json::{Number, Value};

use crate::node::{Node, bracket_depth};
use crate::span::Span;
use crate::{Diagnostic, Limits, ParsedTree};

/// Top-level block types whose bodies are kept as arrays because a file may
/// hold several with the same labels.
const REPEATABLE_TOP_LEVEL: &[&str] = &["provider"];

/// Parses an HCL body into one document.
pub(crate) fn parse(source: &str, limits: &Limits, diagnostics: &mut Vec<Diagnostic>) -> Option<ParsedTree> {
    // hcl-edit's parser recurses on nesting; refuse what could exhaust the
    // stack before it starts.
    if bracket_depth(source) > limits.max_depth {
        diagnostics.push(Diagnostic::error(format!("HCL nesting is deeper than {} levels", limits.max_depth), None));
        return None;
    }
    let mut duplicates = DuplicateKeys::default();
    let mut text = Cow::Borrowed(source);
    let mut reparse_budget = source.len().saturating_mul(4).max(1 << 20);
    let body = loop {
        let error = match hcl_edit::parser::parse_body(&text) {
            Ok(body) => break body,
            Err(error) => error,
        };
        let offset = error.location().offset();
        let renamed = error.message().contains(REDEFINED_OBJECT_KEY) && reparse_budget >= text.len();
        if let Some(renamed) = renamed.then(|| duplicates.rename(&text, offset)).flatten() {
            reparse_budget -= text.len();
            text = Cow::Owned(renamed);
            continue;
        }
        diagnostics
            .push(Diagnostic::error(format!("HCL syntax error: {}", error.message()), Some(Span::new(offset, offset))));
        return None;
    };
    let converter = Converter { source: &text, duplicates: &duplicates, warnings: RefCell::new(Vec::new()) };
    let whole = Span::new(0, source.len());
    let tree = converter.body(&body, true, whole).into_tree();
    diagnostics.extend(converter.warnings.into_inner());
    Some(tree)
}

/// How hcl-edit words a key that an object constructor repeats.
const REDEFINED_OBJECT_KEY: &str = "found redefined object key";

/// Keys that an object constructor (`{ a = 1, a = 2 }`) repeats.
///
/// Terraform accepts them, the later value winning (hashicorp/terraform
/// issue 28727: making them an error would break configurations that work),
/// but hcl-edit refuses them. Each repeated key is renamed, in a copy of the
/// text and without changing its length, to a placeholder the object does
/// not use, so that the file parses with every offset unchanged. Building
/// the tree, the key gets its name back, the later value replaces the
/// earlier one as in Terraform, and a warning says so.
#[derive(Default)]
struct DuplicateKeys {
    /// Key offset → the key's name, as Terraform reads it.
    names: HashMap<usize, String>,
    /// Key offset → placeholders tried there, for a placeholder that
    /// happened to collide with another key.
    attempts: HashMap<usize, usize>,
}

/// First characters for placeholders, tried in turn.
const PLACEHOLDER_STARTS: &[u8] = b"_ZQXJKVWYzqxjkvwy";

impl DuplicateKeys {
    /// `text` with the key at `offset` renamed, or `None` when it cannot
    /// be: an expression key, an empty or non-ASCII one, or every
    /// placeholder taken.
    fn rename(&mut self, text: &str, offset: usize) -> Option<String> {
        let rest = text.get(offset..)?;
        let (first, name) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find(['"', '\\', '$', '%', '\n'])?;
            quoted[end..].starts_with('"').then_some(())?;
            (offset + 1, &quoted[..end])
        } else {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
            (offset, &rest[..end])
        };
        if name.is_empty() || !name.as_bytes()[0].is_ascii() {
            return None;
        }
        let attempt = self.attempts.entry(offset).or_insert(0);
        let start = *PLACEHOLDER_STARTS.get(*attempt)?;
        *attempt += 1;
        self.names.entry(offset).or_insert_with(|| name.to_owned());
        let mut renamed = text.to_owned();
        renamed.replace_range(first..first + 1, char::from(start).encode_utf8(&mut [0; 4]));
        Some(renamed)
    }

    /// The name of a key renamed at `offset`.
    fn name_at(&self, offset: u32) -> Option<&str> {
        self.names.get(&(offset as usize)).map(String::as_str)
    }
}

struct Converter<'a> {
    source: &'a str,
    duplicates: &'a DuplicateKeys,
    warnings: RefCell<Vec<Diagnostic>>,
}

fn span_of(spanned: &impl hcl_edit::Span, fallback: Span) -> Span {
    spanned.span().map_or(fallback, |range| Span::new(range.start, range.end))
}

fn ident_span(ident: &Decorated<Ident>, fallback: Span) -> Span {
    span_of(ident, fallback)
}

impl Converter<'_> {
    fn body(&self, body: &Body, top_level: bool, fallback: Span) -> Node {
        let mut node = Node::object(Span::default());
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let key_span = ident_span(&attribute.key, fallback);
                    let value = self.expression(&attribute.value, key_span);
                    node.insert(attribute.key.as_str(), Some(key_span), value);
                }
                Structure::Block(block) => {
                    let ident_span = ident_span(&block.ident, fallback);
                    let block_span = span_of(block, ident_span);
                    let content = self.body(&block.body, false, block_span);
                    let mut content = content;
                    if content.is_empty_container() {
                        content.span = block_span;
                    }
                    let labels: Vec<(String, Span)> = block
                        .labels
                        .iter()
                        .map(|label| match label {
                            BlockLabel::Ident(ident) => (ident.as_str().to_owned(), span_of(ident, ident_span)),
                            BlockLabel::String(text) => (text.as_str().to_owned(), span_of(text, ident_span)),
                        })
                        .collect();
                    let Some(((last, last_span), outer)) = labels.split_last() else {
                        // No labels: a repeatable block, one array of bodies.
                        let array = node.entry(block.ident.as_str(), Some(ident_span), || Node::array(Span::default()));
                        array.push(content);
                        continue;
                    };
                    let mut target =
                        node.entry(block.ident.as_str(), Some(ident_span), || Node::object(Span::default()));
                    for (label, label_span) in outer {
                        target = target.entry(label, Some(*label_span), || Node::object(Span::default()));
                    }
                    if top_level && !REPEATABLE_TOP_LEVEL.contains(&block.ident.as_str()) {
                        target.insert(last, Some(*last_span), content);
                    } else {
                        let array = target.entry(last, Some(*last_span), || Node::array(Span::default()));
                        array.push(content);
                    }
                }
            }
        }
        if node.span == Span::default() {
            node.span = fallback;
        }
        node
    }

    fn source_of(&self, span: Span) -> &str {
        self.source.get(span.start as usize..span.end as usize).unwrap_or_default()
    }

    /// A literal as its JSON value; anything else as `"${<source>}"`.
    fn expression(&self, expression: &Expression, fallback: Span) -> Node {
        let span = span_of(expression, fallback);
        match expression {
            Expression::Null(_) => Node::scalar(Value::Null, span),
            Expression::Bool(boolean) => Node::scalar(Value::Bool(*boolean.value()), span),
            Expression::Number(number) => {
                let number = number.value();
                let value = if let Some(integer) = number.as_i64() {
                    Value::Number(integer.into())
                } else if let Some(integer) = number.as_u64() {
                    Value::Number(integer.into())
                } else {
                    number.as_f64().and_then(Number::from_f64).map_or(Value::Null, Value::Number)
                };
                Node::scalar(value, span)
            }
            Expression::String(text) => Node::string(text.value(), span),
            Expression::Array(array) => {
                let mut node = Node::array(span);
                for element in array.iter() {
                    node.push(self.expression(element, span));
                }
                node
            }
            Expression::Object(object) => {
                let mut node = Node::object(span);
                for (key, value) in object.iter() {
                    let (mut name, key_span) = match key {
                        ObjectKey::Ident(ident) => (ident.as_str().to_owned(), span_of(ident, span)),
                        ObjectKey::Expression(Expression::String(text)) => {
                            (text.value().to_owned(), span_of(text, span))
                        }
                        ObjectKey::Expression(other) => {
                            let key_span = span_of(other, span);
                            (format!("${{{}}}", self.source_of(key_span)), key_span)
                        }
                    };
                    if let Some(original) = self.duplicates.name_at(key_span.start) {
                        original.clone_into(&mut name);
                    }
                    if node.insert(&name, Some(key_span), self.expression(value.expr(), key_span)) {
                        self.warnings.borrow_mut().push(Diagnostic::warning(
                            format!("duplicate key `{name}`: the later value wins, as in Terraform"),
                            Some(key_span),
                        ));
                    }
                }
                node
            }
            Expression::StringTemplate(template) => {
                match literal_template(template.iter()) {
                    Some(text) => Node::string(&text, span),
                    // Keep the template as written, without its quotes.
                    None => Node::string(self.source_of(span).trim_matches('"'), span),
                }
            }
            Expression::HeredocTemplate(heredoc) => match literal_template(heredoc.template.iter()) {
                Some(text) => Node::string(&text, span),
                None => Node::string(self.source_of(span), span),
            },
            Expression::FuncCall(call) if call.name.name.as_str() == "jsonencode" && call.name.namespace.is_empty() => {
                let mut arguments = call.args.iter();
                match (arguments.next(), arguments.next()) {
                    (Some(argument), None) => match self.literal(argument) {
                        Some(value) => Node::string(&value.to_string(), span),
                        None => Node::string(&format!("${{{}}}", self.source_of(span)), span),
                    },
                    _ => Node::string(&format!("${{{}}}", self.source_of(span)), span),
                }
            }
            _ => Node::string(&format!("${{{}}}", self.source_of(span)), span),
        }
    }

    /// The value of an expression made only of literals, if it is one.
    fn literal(&self, expression: &Expression) -> Option<Value> {
        Some(match expression {
            Expression::Null(_) => Value::Null,
            Expression::Bool(boolean) => Value::Bool(*boolean.value()),
            Expression::String(text) => Value::String(text.value().to_owned()),
            Expression::StringTemplate(template) => Value::String(literal_template(template.iter())?),
            Expression::Number(_) => self.expression(expression, Span::default()).into_tree().tree,
            Expression::Array(array) => {
                Value::Array(array.iter().map(|element| self.literal(element)).collect::<Option<_>>()?)
            }
            Expression::Object(object) => {
                let mut map = serde_json::Map::new();
                for (key, value) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(Expression::String(text)) => text.value().to_owned(),
                        ObjectKey::Expression(_) => return None,
                    };
                    map.insert(name, self.literal(value.expr())?);
                }
                Value::Object(map)
            }
            _ => return None,
        })
    }
}

/// The text of a template that has no interpolations or directives.
fn literal_template<'a>(elements: impl Iterator<Item = &'a Element>) -> Option<String> {
    let mut text = String::new();
    for element in elements {
        match element {
            Element::Literal(literal) => text.push_str(literal.value()),
            _ => return None,
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> ParsedTree {
        let mut diagnostics = Vec::new();
        let parsed = parse(source, &Limits::default(), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        parsed.unwrap()
    }

    #[test]
    fn terraform_json_shape() {
        let source = r#"
terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "logs" {
  bucket   = "shop-${var.env}-logs"
  for_each = toset(["a", "b"])
  versioning {
    enabled = true
  }
  tags = { owner = "sre", "cost-center" = 42 }
}

data "aws_iam_policy_document" "read" {
  statement {
    actions = ["s3:GetObject"]
  }
}

resource "aws_iam_policy" "admin" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
"#;
        let parsed = parse_str(source);
        let tree = &parsed.tree;
        assert_eq!(tree["terraform"][0]["required_version"], ">= 1.5");
        assert_eq!(tree["provider"]["aws"][0]["region"], "${var.region}");
        let logs = &tree["resource"]["aws_s3_bucket"]["logs"];
        assert_eq!(logs["bucket"], "shop-${var.env}-logs");
        assert_eq!(logs["for_each"], "${toset([\"a\", \"b\"])}");
        assert_eq!(logs["versioning"][0]["enabled"], true);
        assert_eq!(logs["tags"], serde_json::json!({"owner": "sre", "cost-center": 42}));
        assert_eq!(tree["data"]["aws_iam_policy_document"]["read"]["statement"][0]["actions"][0], "s3:GetObject");
        let policy: serde_json::Value =
            serde_json::from_str(tree["resource"]["aws_iam_policy"]["admin"]["policy"].as_str().unwrap()).unwrap();
        assert_eq!(policy["Statement"][0]["Action"], "*");

        let at = |pointer: &str| {
            let resolved = crate::span::resolve_pointer(tree, &parsed.spans, pointer);
            assert!(resolved.exact, "{pointer}");
            &source[resolved.span.start as usize..resolved.span.end as usize]
        };
        assert_eq!(at("/resource/aws_s3_bucket/logs/versioning/0/enabled"), "true");
        assert_eq!(at("/resource/aws_s3_bucket/logs"), "\"logs\"");
        assert_eq!(at("/resource/aws_s3_bucket/logs/versioning"), "versioning");
    }

    #[test]
    fn repeated_unlabeled_blocks_are_all_kept() {
        let parsed = parse_str(
            "resource \"aws_security_group\" \"a\" {\n  ingress { from_port = 22 }\n  ingress { from_port = 443 }\n}\n",
        );
        assert_eq!(
            parsed.tree["resource"]["aws_security_group"]["a"]["ingress"],
            serde_json::json!([{"from_port": 22}, {"from_port": 443}])
        );
    }

    #[test]
    fn repeated_object_keys_are_accepted_as_terraform_does() {
        let source = "module \"eks\" {\n  groups = {\n    gpu = {\n      min_size = 2\n      \"max\" = 2\n      min_size = 4\n      \"max\" = 5\n      _in_size = 1\n    }\n  }\n}\n";
        let mut diagnostics = Vec::new();
        let parsed = parse(source, &Limits::default(), &mut diagnostics).unwrap();
        let gpu = &parsed.tree["module"]["eks"]["groups"]["gpu"];
        assert_eq!(gpu, &serde_json::json!({"min_size": 4, "max": 5, "_in_size": 1}));
        let messages: Vec<&str> = diagnostics.iter().map(|diagnostic| diagnostic.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "duplicate key `min_size`: the later value wins, as in Terraform",
                "duplicate key `max`: the later value wins, as in Terraform"
            ]
        );
        assert!(diagnostics.iter().all(|diagnostic| diagnostic.level == crate::DiagnosticLevel::Warning));
        // The later key and value, at their place in the original text.
        let resolved = crate::span::resolve_pointer(&parsed.tree, &parsed.spans, "/module/eks/groups/gpu/min_size");
        assert_eq!(&source[resolved.span.start as usize..resolved.span.end as usize], "4");
        assert_eq!(diagnostics[0].span.map(|span| &source[span.start as usize..span.end as usize]), Some("min_size"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let mut diagnostics = Vec::new();
        assert!(parse("resource \"a\" {\n  x = \n}\n", &Limits::default(), &mut diagnostics).is_none());
        assert!(diagnostics[0].message.starts_with("HCL syntax error"), "{diagnostics:?}");
        assert!(diagnostics[0].span.is_some());
    }
}
