//! A tree under construction with the span of every node, turned into the
//! JSON tree and its parallel span tree at the end. Parsers whose syntax
//! trees do not map one-to-one onto the document tree (HCL blocks merge by
//! type and label, Dockerfile instructions group into stages) build one of
//! these instead of juggling two trees by hand.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::ParsedTree;
use crate::span::{Span, SpanNode};

/// A node: a scalar, an object with ordered members, or an array.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    shape: Shape,
    /// The node's value span; objects and arrays grow to cover children.
    pub(crate) span: Span,
}

#[derive(Debug, Clone)]
enum Shape {
    Scalar(Value),
    Object(Members),
    Array(Vec<Node>),
}

/// An object's members in order, found by key in constant time once there
/// are more than a few: a hostile file may hold an object with 100,000
/// keys, and a linear search per insert would make building it quadratic.
#[derive(Debug, Clone, Default)]
struct Members {
    list: Vec<Member>,
    /// Key → position in `list`, kept from [`Members::INDEXED_FROM`]
    /// members on.
    index: Option<HashMap<String, usize>>,
}

impl Members {
    const INDEXED_FROM: usize = 16;

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.list.iter().position(|member| member.key == key),
        }
    }

    /// Appends a member whose key is not present yet; returns its position.
    fn push(&mut self, member: Member) -> usize {
        let position = self.list.len();
        if let Some(index) = &mut self.index {
            index.insert(member.key.clone(), position);
        }
        self.list.push(member);
        if self.index.is_none() && self.list.len() > Self::INDEXED_FROM {
            let index = self.list.iter().enumerate().map(|(position, member)| (member.key.clone(), position));
            self.index = Some(index.collect());
        }
        position
    }
}

#[derive(Debug, Clone)]
struct Member {
    key: String,
    key_span: Option<Span>,
    value: Node,
}

impl Node {
    pub(crate) fn scalar(value: Value, span: Span) -> Self {
        Self { shape: Shape::Scalar(value), span }
    }

    pub(crate) fn string(text: &str, span: Span) -> Self {
        Self::scalar(Value::String(text.to_owned()), span)
    }

    pub(crate) fn object(span: Span) -> Self {
        Self { shape: Shape::Object(Members::default()), span }
    }

    pub(crate) fn array(span: Span) -> Self {
        Self { shape: Shape::Array(Vec::new()), span }
    }

    fn grow(&mut self, child: Span) {
        if child != Span::default() {
            self.span = if self.span == Span::default() { child } else { self.span.cover(child) };
        }
    }

    /// Sets member `key`, replacing an earlier one in place. Returns whether
    /// a member was replaced. Does nothing on a non-object.
    pub(crate) fn insert(&mut self, key: &str, key_span: Option<Span>, value: Node) -> bool {
        self.grow(value.span);
        if let Some(key_span) = key_span {
            self.grow(key_span);
        }
        let Shape::Object(members) = &mut self.shape else { return false };
        if let Some(position) = members.position(key) {
            let existing = &mut members.list[position];
            existing.value = value;
            existing.key_span = key_span;
            return true;
        }
        members.push(Member { key: key.to_owned(), key_span, value });
        false
    }

    /// Sets member `key` with no key span of its own.
    pub(crate) fn set(&mut self, key: &str, value: Node) {
        self.insert(key, None, value);
    }

    /// Appends to an array. Does nothing on a non-array.
    pub(crate) fn push(&mut self, value: Node) {
        self.grow(value.span);
        if let Shape::Array(items) = &mut self.shape {
            items.push(value);
        }
    }

    /// Member `key`, created as `make()` if absent. A member of another
    /// shape is replaced, so callers always get what they asked for.
    pub(crate) fn entry(&mut self, key: &str, key_span: Option<Span>, make: impl Fn() -> Node) -> &mut Node {
        if let Some(key_span) = key_span {
            self.grow(key_span);
        }
        if !matches!(self.shape, Shape::Object(_)) {
            self.shape = Shape::Object(Members::default());
        }
        let Shape::Object(members) = &mut self.shape else { unreachable!("just made an object") };
        let position = match members.position(key) {
            Some(position) => position,
            None => members.push(Member { key: key.to_owned(), key_span, value: make() }),
        };
        let wanted = make();
        let member = &mut members.list[position];
        if std::mem::discriminant(&member.value.shape) != std::mem::discriminant(&wanted.shape) {
            member.value = wanted;
        }
        &mut member.value
    }

    /// Whether this is an object or array with no members.
    pub(crate) fn is_empty_container(&self) -> bool {
        match &self.shape {
            Shape::Object(members) => members.list.is_empty(),
            Shape::Array(items) => items.is_empty(),
            Shape::Scalar(_) => false,
        }
    }

    /// The JSON tree and its span tree. Recursion depth is the tree's
    /// depth, which parsers bound before building.
    pub(crate) fn into_tree(self) -> ParsedTree {
        let (tree, spans) = self.split(None);
        ParsedTree { tree, spans }
    }

    /// A container's span is widened here to cover its children, since
    /// children reached through [`Node::entry`] grow after their parent.
    fn split(self, key: Option<Span>) -> (Value, SpanNode) {
        match self.shape {
            Shape::Scalar(value) => (value, SpanNode { key, value: self.span, children: Vec::new() }),
            Shape::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut children = Vec::with_capacity(items.len());
                for item in items {
                    let (value, span) = item.split(None);
                    values.push(value);
                    children.push(span);
                }
                let span = cover_children(self.span, &children);
                (Value::Array(values), SpanNode { key, value: span, children })
            }
            Shape::Object(members) => {
                let mut map = Map::new();
                let mut children = Vec::with_capacity(members.list.len());
                for member in members.list {
                    let (value, span) = member.value.split(member.key_span);
                    map.insert(member.key, value);
                    children.push(span);
                }
                let span = cover_children(self.span, &children);
                (Value::Object(map), SpanNode { key, value: span, children })
            }
        }
    }
}

fn cover_children(own: Span, children: &[SpanNode]) -> Span {
    children.iter().flat_map(|child| child.key.into_iter().chain([child.value])).fold(own, |span, child| {
        if child == Span::default() {
            span
        } else if span == Span::default() {
            child
        } else {
            span.cover(child)
        }
    })
}

/// The deepest bracket nesting in `text`, counting `{`, `[` and `(`
/// outside of nothing in particular: strings are not excluded, so this
/// over-counts and is only used as a conservative guard before handing
/// text to a recursive parser.
pub(crate) fn bracket_depth(text: &str) -> usize {
    let mut depth: usize = 0;
    let mut deepest = 0;
    for byte in text.bytes() {
        match byte {
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_and_spans_in_step() {
        let mut root = Node::object(Span::new(0, 1));
        let resource = root.entry("resource", Some(Span::new(0, 8)), || Node::object(Span::default()));
        let bucket = resource.entry("aws_s3_bucket", Some(Span::new(10, 23)), || Node::object(Span::default()));
        bucket.insert("logs", Some(Span::new(25, 29)), Node::string("x", Span::new(30, 40)));
        let parsed = root.into_tree();
        assert_eq!(parsed.tree, serde_json::json!({"resource": {"aws_s3_bucket": {"logs": "x"}}}));
        let resolved = crate::span::resolve_pointer(&parsed.tree, &parsed.spans, "/resource/aws_s3_bucket/logs");
        assert_eq!(resolved.span, Span::new(30, 40));
        assert_eq!(parsed.spans.value, Span::new(0, 40));
    }

    #[test]
    fn large_objects_keep_order_and_replace_in_place() {
        let mut node = Node::object(Span::default());
        for key in 0..1000 {
            node.insert(&key.to_string(), None, Node::scalar(Value::from(key), Span::default()));
        }
        assert!(node.insert("7", None, Node::scalar(Value::from("seven"), Span::default())));
        node.entry("1000", None, || Node::array(Span::default())).push(Node::string("x", Span::default()));
        let tree = node.into_tree().tree;
        let object = tree.as_object().unwrap();
        assert_eq!(object.len(), 1001);
        assert_eq!(object.keys().take(3).collect::<Vec<_>>(), ["0", "1", "2"]);
        assert_eq!(tree["7"], "seven");
        assert_eq!(tree["1000"], serde_json::json!(["x"]));
    }

    #[test]
    fn bracket_depth_counts_nesting() {
        assert_eq!(bracket_depth("a = { b = [ (1) ] }"), 3);
        assert_eq!(bracket_depth("}}}"), 0);
    }
}
