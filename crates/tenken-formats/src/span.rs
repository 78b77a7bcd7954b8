//! Source spans of document nodes, and their conversion to line and column.
//!
//! Parsers record byte ranges only; line and column are computed on demand
//! by one [`LineIndex`] per file, because only the few nodes that carry a
//! finding ever need them.

use serde::Serialize;

/// A byte range `[start, end)` in a file's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets. Offsets beyond `u32::MAX` saturate; files
    /// that large are refused long before parsing.
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Self { start: clamp(start), end: clamp(end.max(start)) }
    }

    /// The span covering both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// The spans of one node of a document tree, shaped like the tree itself:
/// `children` follows the order of an array's elements or an object's
/// members, so a JSON pointer resolves by walking tree and spans together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanNode {
    /// The member key, for a node that is the value of an object member.
    pub key: Option<Span>,
    /// The node's value.
    pub value: Span,
    /// Spans of the node's elements or members, in tree order.
    pub children: Vec<SpanNode>,
}

impl SpanNode {
    /// Appends the spans of this node and its descendants to `out`, about 6
    /// bytes a node: enough to locate findings in a document long after its
    /// parse is dropped (see [`SpanNode::unpack`]).
    pub fn pack_into(&self, out: &mut Vec<u8>) {
        let mut nodes = Vec::new();
        let mut previous = 0;
        self.flatten(&mut nodes, &mut previous);
        // Serializing these plain records to memory cannot fail.
        out.extend_from_slice(&postcard::to_allocvec(&nodes).unwrap_or_default());
    }

    /// The spans [`SpanNode::pack_into`] wrote, or `None` if `bytes` are not
    /// such spans.
    pub fn unpack(bytes: &[u8]) -> Option<SpanNode> {
        let (nodes, rest): (Vec<PackedNode>, _) = postcard::take_from_bytes(bytes).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let mut nodes = nodes.into_iter();
        let mut previous = 0;
        let root = Self::rebuild(&mut nodes, &mut previous)?;
        nodes.next().is_none().then_some(root)
    }

    fn flatten(&self, nodes: &mut Vec<PackedNode>, previous: &mut u32) {
        let mut relative = |span: Span| {
            let start = i64::from(span.start) - i64::from(*previous);
            *previous = span.start;
            (start, span.end - span.start)
        };
        let key = self.key.map(&mut relative);
        let value = relative(self.value);
        let children = u32::try_from(self.children.len()).unwrap_or(u32::MAX);
        nodes.push(PackedNode { children, key, value });
        for child in &self.children {
            child.flatten(nodes, previous);
        }
    }

    fn rebuild(nodes: &mut std::vec::IntoIter<PackedNode>, previous: &mut u32) -> Option<SpanNode> {
        let node = nodes.next()?;
        let mut absolute = |(start, length): (i64, u32)| {
            let start = u32::try_from(i64::from(*previous).checked_add(start)?).ok()?;
            *previous = start;
            Some(Span { start, end: start.checked_add(length)? })
        };
        let key = match node.key {
            Some(key) => Some(absolute(key)?),
            None => None,
        };
        let value = absolute(node.value)?;
        // Each child is at least one packed node, so a count larger than
        // what is left is malformed, not a reason to reserve memory.
        let count = usize::try_from(node.children).ok().filter(|&count| count <= nodes.len())?;
        let mut children = Vec::with_capacity(count);
        for _ in 0..count {
            children.push(Self::rebuild(nodes, previous)?);
        }
        Some(SpanNode { key, value, children })
    }
}

/// One node of a packed span tree, in pre-order. Starts are relative to the
/// start written before, so that most fit one varint byte.
#[derive(serde::Serialize, serde::Deserialize)]
struct PackedNode {
    children: u32,
    key: Option<(i64, u32)>,
    value: (i64, u32),
}

/// Where a JSON pointer landed in the span tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPointer {
    /// The span to show for the node.
    pub span: Span,
    /// The longest prefix of the pointer that exists in the tree. Equal to
    /// the requested pointer unless the node is missing, in which case the
    /// span is that of this nearest ancestor.
    pub resolved: String,
    /// Whether the whole pointer exists.
    pub exact: bool,
}

/// Resolves an RFC 6901 pointer against a tree and its spans.
///
/// A node that does not exist resolves to its nearest existing ancestor: a
/// plugin reporting a missing field points at where the field should be, and
/// the user is shown the object that lacks it. For objects and arrays the
/// span is the member key where there is one, because the value itself may
/// span many lines; for scalars it is the value.
pub fn resolve_pointer(tree: &serde_json::Value, spans: &SpanNode, pointer: &str) -> ResolvedPointer {
    resolve_in(tree, spans, pointer)
}

/// [`resolve_pointer`] against the compact tree plugins receive, so that a
/// finding is located without the parsed tree.
pub fn resolve_pointer_compact(tree: tenken_tree::Node<'_>, spans: &SpanNode, pointer: &str) -> ResolvedPointer {
    resolve_in(tree, spans, pointer)
}

fn resolve_in<T: TreeNode>(tree: T, spans: &SpanNode, pointer: &str) -> ResolvedPointer {
    let walked = walk(tree, spans, pointer);
    ResolvedPointer {
        span: display_span(walked.node, walked.value),
        resolved: pointer[..walked.consumed].to_owned(),
        exact: walked.exact,
    }
}

/// The spans of the node at `pointer`, if it exists.
pub fn node_at<'a>(tree: &serde_json::Value, spans: &'a SpanNode, pointer: &str) -> Option<&'a SpanNode> {
    let walked = walk(tree, spans, pointer);
    walked.exact.then_some(walked.node)
}

/// What walking a pointer needs of a tree: both the parsed tree and the
/// compact one answer it the same way, so a finding lands on the same span
/// whichever of them locates it.
trait TreeNode: Copy {
    /// The position and value of the object member named `key`, if this is
    /// an object that has one.
    fn member(self, key: &str) -> Option<(usize, Self)>;
    /// The element at `index`, if this is an array that long.
    fn element(self, index: usize) -> Option<Self>;
    fn is_container(self) -> bool;
}

impl TreeNode for &serde_json::Value {
    fn member(self, key: &str) -> Option<(usize, Self)> {
        // Members and their spans share one order (serde_json's
        // `preserve_order`), so the member's position finds its span.
        let map = self.as_object()?;
        let index = map.iter().position(|(name, _)| name == key)?;
        Some((index, map.get(key)?))
    }

    fn element(self, index: usize) -> Option<Self> {
        self.as_array()?.get(index)
    }

    fn is_container(self) -> bool {
        self.is_object() || self.is_array()
    }
}

impl TreeNode for tenken_tree::Node<'_> {
    fn member(self, key: &str) -> Option<(usize, Self)> {
        self.as_object()?
            .iter()
            .enumerate()
            .find(|(_, (name, _))| *name == key)
            .map(|(index, (_, value))| (index, value))
    }

    fn element(self, index: usize) -> Option<Self> {
        self.as_array()?.get(index)
    }

    fn is_container(self) -> bool {
        self.is_object() || self.is_array()
    }
}

struct Walked<'s, T> {
    value: T,
    node: &'s SpanNode,
    /// Bytes of the pointer that matched existing nodes.
    consumed: usize,
    exact: bool,
}

fn walk<'s, T: TreeNode>(tree: T, spans: &'s SpanNode, pointer: &str) -> Walked<'s, T> {
    let mut walked = Walked { value: tree, node: spans, consumed: 0, exact: true };
    if pointer.is_empty() {
        return walked;
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        walked.exact = false;
        return walked;
    };
    let mut consumed = 0;
    for raw in rest.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let child = match walked.value.member(&segment) {
            Some((index, value)) => Some((value, walked.node.children.get(index))),
            None => segment
                .parse::<usize>()
                .ok()
                .filter(|_| segment == "0" || !segment.starts_with('0'))
                .and_then(|index| Some((walked.value.element(index)?, walked.node.children.get(index)))),
        };
        let Some((value, Some(node))) = child else {
            walked.exact = false;
            break;
        };
        walked.value = value;
        walked.node = node;
        consumed += 1 + raw.len();
        walked.consumed = consumed;
    }
    walked
}

fn display_span<T: TreeNode>(node: &SpanNode, value: T) -> Span {
    match node.key {
        Some(key) if value.is_container() => key,
        _ => node.value,
    }
}

/// A 1-based line and column. Columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineColumn {
    /// Line number, from 1.
    pub line: u32,
    /// Column number, from 1, in characters.
    pub column: u32,
}

/// Byte offsets of line starts in one file, for offset → line:column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes `source`. Lines end at `\n`; a preceding `\r` belongs to the
    /// line's text and never counts as a column of its own.
    pub fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        for (offset, byte) in source.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(u32::try_from(offset + 1).unwrap_or(u32::MAX));
            }
        }
        Self { line_starts }
    }

    /// The line and column of byte `offset` in `source`.
    pub fn line_column(&self, source: &str, offset: u32) -> LineColumn {
        let offset = offset.min(u32::try_from(source.len()).unwrap_or(u32::MAX));
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let line_start = self.line_starts[line] as usize;
        let column = source
            .get(line_start..offset as usize)
            .map(|text| text.chars().count())
            .unwrap_or(offset as usize - line_start);
        LineColumn {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a 0-based `line` and 0-based character `column`,
    /// as YAML parsers report positions.
    pub fn offset_of(&self, source: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return source.len();
        };
        let start = start as usize;
        let rest = &source[start..];
        rest.char_indices().nth(column).map_or(source.len(), |(offset, _)| start + offset)
    }

    /// The byte range of 1-based `line`, without its line ending.
    pub fn line_range(&self, source: &str, line: u32) -> std::ops::Range<usize> {
        let index = (line as usize).saturating_sub(1);
        let start = self.line_starts.get(index).map_or(source.len(), |&s| s as usize);
        let end = self.line_starts.get(index + 1).map_or(source.len(), |&s| s as usize);
        let text = &source[start..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        start..start + text.len()
    }

    /// How many lines the file has.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_and_ignores_cr() {
        let source = "a: 1\r\nbé: ü\n";
        let index = LineIndex::new(source);
        assert_eq!(index.line_column(source, 0), LineColumn { line: 1, column: 1 });
        let u = source.find('ü').unwrap() as u32;
        assert_eq!(index.line_column(source, u), LineColumn { line: 2, column: 5 });
        assert_eq!(index.line_range(source, 1), 0..4);
        assert_eq!(index.offset_of(source, 1, 4), u as usize);
    }

    #[test]
    fn missing_pointer_falls_back_to_nearest_ancestor() {
        let tree = serde_json::json!({"spec": {"containers": [{"name": "web"}]}});
        let name = SpanNode { key: Some(Span::new(30, 34)), value: Span::new(36, 39), children: vec![] };
        let container = SpanNode { key: None, value: Span::new(30, 39), children: vec![name] };
        let containers = SpanNode { key: Some(Span::new(10, 20)), value: Span::new(22, 39), children: vec![container] };
        let spec = SpanNode { key: Some(Span::new(0, 4)), value: Span::new(6, 39), children: vec![containers] };
        let root = SpanNode { key: None, value: Span::new(0, 39), children: vec![spec] };

        let exact = resolve_pointer(&tree, &root, "/spec/containers/0/name");
        assert_eq!((exact.span, exact.exact), (Span::new(36, 39), true));

        let missing = resolve_pointer(&tree, &root, "/spec/containers/0/resources/limits");
        assert_eq!(missing.resolved, "/spec/containers/0");
        assert_eq!((missing.span, missing.exact), (Span::new(30, 39), false));

        let keyed = resolve_pointer(&tree, &root, "/spec/containers");
        assert_eq!(keyed.span, Span::new(10, 20));

        assert!(!resolve_pointer(&tree, &root, "/spec/containers/01").exact);
        assert!(!resolve_pointer(&tree, &root, "no-slash").exact);
    }

    fn parse_yaml(text: &str) -> crate::ParsedFile {
        let (limits, hints) = (crate::Limits::default(), crate::Hints::default());
        crate::parse_file("test.yaml", text.as_bytes(), crate::Format::Yaml, &limits, &hints).expect("parses")
    }

    #[test]
    fn packed_spans_unpack_to_the_same_tree() {
        let text = "# head\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: \"x\"\n---\n[1, {a: b}]\n";
        let parsed = parse_yaml(text);
        assert_eq!(parsed.documents.len(), 2);
        for document in &parsed.documents {
            let mut packed = vec![0xAA];
            document.spans.pack_into(&mut packed);
            assert_eq!(packed[0], 0xAA, "packing appends");
            assert_eq!(SpanNode::unpack(&packed[1..]).as_ref(), Some(&document.spans));
        }
    }

    #[test]
    fn the_compact_tree_resolves_pointers_as_the_parsed_tree_does() {
        let text = "metadata:\n  annotations: {a/b: x, \"0\": y}\nspec:\n  containers:\n    - name: web\n      ports: [80, 443]\n    - {}\n";
        let parsed = parse_yaml(text);
        let document = &parsed.documents[0];
        let compact = tenken_tree::encode(&document.tree);
        let compact = tenken_tree::read(&compact).expect("reads");
        for pointer in [
            "",
            "/spec",
            "/spec/containers",
            "/spec/containers/0/name",
            "/spec/containers/0/ports/1",
            "/spec/containers/0/ports/01",
            "/spec/containers/1/resources/limits",
            "/spec/containers/7",
            "/metadata/annotations/a~1b",
            "/metadata/annotations/0",
            "/metadata/annotations/0/deeper",
            "/spec/containers/0/name/x",
            "relative",
        ] {
            assert_eq!(
                resolve_pointer_compact(compact, &document.spans, pointer),
                resolve_pointer(&document.tree, &document.spans, pointer),
                "{pointer}"
            );
        }
    }

    #[test]
    fn malformed_packed_spans_are_refused() {
        let spans = SpanNode {
            key: None,
            value: Span::new(0, 9),
            children: vec![SpanNode { key: Some(Span::new(0, 1)), value: Span::new(3, 9), children: vec![] }],
        };
        let mut packed = Vec::new();
        spans.pack_into(&mut packed);
        assert_eq!(SpanNode::unpack(&packed), Some(spans));
        for cut in 0..packed.len() {
            assert_eq!(SpanNode::unpack(&packed[..cut]), None, "cut at {cut}");
        }
        packed.push(0);
        assert_eq!(SpanNode::unpack(&packed), None, "trailing bytes");
    }
}
