//! What every fuzz target does with its input: parse it as one format, then
//! resolve a pointer to every node and turn every span into a line and
//! column, so span bookkeeping is fuzzed along with the parser.

use tenken_formats::span::{SpanNode, resolve_pointer};
use tenken_formats::{Format, Hints, Limits, parse_file};

/// Parses `data` as `format` and walks everything the parse produced.
/// Panics (the fuzzer's signal) only if tenken-formats does.
pub fn exercise(format: Format, data: &[u8]) {
    let limits = Limits { max_file_bytes: 1 << 20, ..Limits::default() };
    let Ok(parsed) = parse_file("fuzz", data, format, &limits, &Hints::default()) else { return };
    let source = &parsed.source;
    for diagnostic in &parsed.diagnostics {
        if let Some(span) = diagnostic.span {
            source.lines.line_column(&source.text, span.start);
        }
    }
    for document in &parsed.documents {
        let mut pointers = Vec::new();
        collect_pointers(&document.tree, String::new(), &mut pointers);
        for pointer in pointers {
            let resolved = resolve_pointer(&document.tree, &document.spans, &pointer);
            assert!(resolved.exact, "every pointer into the tree resolves: {pointer}");
            assert!(resolved.span.start <= resolved.span.end);
            source.lines.line_column(&source.text, resolved.span.start);
            source.lines.line_column(&source.text, resolved.span.end);
        }
        check_span_tree(&document.spans, source.text.len());
    }
}

fn collect_pointers(value: &serde_json_value::Value, prefix: String, out: &mut Vec<String>) {
    out.push(prefix.clone());
    match value {
        serde_json_value::Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                collect_pointers(child, format!("{prefix}/{escaped}"), out);
            }
        }
        serde_json_value::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_pointers(child, format!("{prefix}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn check_span_tree(node: &SpanNode, len: usize) {
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        assert!(node.value.end as usize <= len, "span past the end of the text");
        pending.extend(&node.children);
    }
}

/// The tree type of tenken-formats, re-exported under a name that says so.
mod serde_json_value {
    pub use tenken_formats::TreeValue as Value;
}
