//! From a node of a rendered document back to the line of the chart
//! template that wrote it.
//!
//! A template is Go template text, not YAML, so it cannot be parsed into
//! spans. But the keys of a manifest are almost always literal in its
//! template: `containers:`, `- name: web`, `securityContext:`. The node a
//! finding points at is found by following the JSON pointer's keys down the
//! template's indentation, as a reader would: each key is looked for among
//! the children of the line found for its parent. A key the template does
//! not spell out (one written by `toYaml` or `include`) ends the walk at
//! its nearest literal ancestor, which is where the fix goes anyway: the
//! `resources:` line that pulls in an empty value, say.

/// A line of a template, as the walk sees it.
struct Line<'t> {
    /// Spaces before the content (before the dash of a list item).
    indent: usize,
    /// The key, for `key:` and `key: value` lines (also after `- `).
    key: Option<&'t str>,
    /// Starts with `- `: a list item, whose own content (a key, often)
    /// sits two columns further in.
    item: bool,
}

impl Line<'_> {
    /// Where the line's content starts: past the dash of a list item.
    fn content_column(&self) -> usize {
        if self.item { self.indent + 2 } else { self.indent }
    }
}

/// The node the walk has reached.
#[derive(Clone, Copy)]
enum Node {
    /// The document: every line is below it.
    Root,
    /// The value of the key on line `line`, at column `column`.
    Key { line: usize, column: usize },
    /// The list item whose dash is on line `line`, at column `dash`.
    Item { line: usize, dash: usize },
}

/// Where in `template` the node at `pointer` of the `document`-th
/// document rendered from it, of Kubernetes kind `kind`, was written: a
/// 1-based line and column. `None` when not even the first key of the
/// pointer is literal in the template.
pub(crate) fn locate(template: &str, document: usize, kind: Option<&str>, pointer: &str) -> Option<(u32, u32)> {
    let lines: Vec<&str> = template.lines().collect();
    let range = document_lines(&lines, document, kind);
    let parsed: Vec<Option<Line<'_>>> = lines[range.clone()].iter().map(|line| parse_line(line)).collect();
    let mut node = Node::Root;
    let mut found: Option<(usize, usize)> = None; // (index in `parsed`, column)
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let children = children(&parsed, node);
        let line = |at: usize| parsed[at].as_ref().expect("children are parsed lines");
        let next = if let Ok(index) = token.parse::<usize>() {
            let items: Vec<usize> = children.iter().copied().filter(|&at| line(at).item).collect();
            let least = items.iter().map(|&at| line(at).indent).min();
            let items: Vec<usize> = items.into_iter().filter(|&at| Some(line(at).indent) == least).collect();
            // One item in the template for many rendered: a `range` loop.
            let item = items.get(index).or(if items.len() == 1 { items.first() } else { None });
            item.map(|&at| (Node::Item { line: at, dash: line(at).indent }, line(at).indent + 2))
        } else {
            let least = children.iter().map(|&at| line(at).content_column()).min();
            let key = children
                .iter()
                .copied()
                .find(|&at| Some(line(at).content_column()) == least && line(at).key == Some(token.as_str()));
            key.map(|at| (Node::Key { line: at, column: line(at).content_column() }, line(at).content_column()))
        };
        let Some((reached, column)) = next else { break };
        found = Some((reached.line().unwrap_or_default(), column));
        node = reached;
    }
    let (at, column) = found?;
    let line = range.start + at + 1;
    Some((u32::try_from(line).ok()?, u32::try_from(column + 1).ok()?))
}

impl Node {
    fn line(self) -> Option<usize> {
        match self {
            Node::Root => None,
            Node::Key { line, .. } | Node::Item { line, .. } => Some(line),
        }
    }
}

/// The lines below `node`, in order: what its children are looked for in.
fn children(lines: &[Option<Line<'_>>], node: Node) -> Vec<usize> {
    let parsed = |range: std::ops::Range<usize>| range.filter_map(move |at| lines[at].as_ref().map(|line| (at, line)));
    match node {
        Node::Root => parsed(0..lines.len()).map(|(at, _)| at).collect(),
        // A key's value: lines indented past the key, and the items of a
        // list written at the key's own indentation (`containers:` then
        // `- name: web` under it, as kubectl writes them).
        Node::Key { line, column } => parsed(line + 1..lines.len())
            .take_while(|(_, below)| below.indent > column || (below.indent == column && below.item))
            .map(|(at, _)| at)
            .collect(),
        // An item: its own first line, when that holds a key, and the lines
        // indented past its dash.
        Node::Item { line, dash } => {
            let first = lines[line].as_ref().is_some_and(|first| first.key.is_some()).then_some(line);
            first
                .into_iter()
                .chain(parsed(line + 1..lines.len()).take_while(|(_, below)| below.indent > dash).map(|(at, _)| at))
                .collect()
        }
    }
}

/// A template line, or `None` for lines that say nothing about structure:
/// blank lines, comments and lines that are only template actions.
fn parse_line(text: &str) -> Option<Line<'_>> {
    let content = text.trim_start_matches(' ');
    let indent = text.len() - content.len();
    let content = content.trim_end();
    if content.is_empty() || content.starts_with('#') || (content.starts_with("{{") && content.ends_with("}}")) {
        return None;
    }
    let (item, rest) = match content.strip_prefix("- ").or_else(|| (content == "-").then_some("")) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, content),
    };
    Some(Line { indent, key: key_of(rest), item })
}

/// The key of `key:` or `key: value`, unquoted; not of a value that
/// merely holds a colon (`image: "a:b"` has the key `image`, and
/// `"a:b"` no key).
fn key_of(content: &str) -> Option<&str> {
    let (key, rest) = if let Some(quoted) = content.strip_prefix('"') {
        let end = quoted.find('"')?;
        (&quoted[..end], &quoted[end + 1..])
    } else if let Some(quoted) = content.strip_prefix('\'') {
        let end = quoted.find('\'')?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = content.find(':')?;
        (&content[..end], &content[end..])
    };
    let after = rest.strip_prefix(':')?;
    (after.is_empty() || after.starts_with(' ')).then_some(key).filter(|key| !key.contains("{{"))
}

/// The lines of the template's document that rendered the `document`-th
/// document: templates with several documents (`---`) are matched by
/// position when the counts agree, else by the Kubernetes kind.
fn document_lines(lines: &[&str], document: usize, kind: Option<&str>) -> std::ops::Range<usize> {
    let mut documents = Vec::new();
    let mut start = 0;
    for (at, line) in lines.iter().enumerate() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            documents.push(start..at);
            start = at + 1;
        }
    }
    documents.push(start..lines.len());
    documents.retain(|range| lines[range.clone()].iter().any(|line| parse_line(line).is_some()));
    let kind_of = |range: &std::ops::Range<usize>| {
        lines[range.clone()].iter().find_map(|line| line.strip_prefix("kind:")).map(|kind| kind.trim())
    };
    let by_kind: Vec<&std::ops::Range<usize>> =
        documents.iter().filter(|range| kind.is_some() && kind_of(range) == kind).collect();
    by_kind
        .get(document)
        .or(by_kind.first())
        .copied()
        .or(documents.get(document))
        .or(documents.first())
        .cloned()
        .unwrap_or(0..lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
        - name: sidecar
          image: "envoy:{{ .Values.envoy }}"
"#;

    #[test]
    fn literal_keys_are_followed_down_the_indentation() {
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/replicas"), Some((8, 3)));
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/template/spec/containers/0/image"), Some((17, 11)));
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/template/spec/containers/1/image"), Some((21, 11)));
        // The item itself: its content starts after the dash.
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/template/spec/containers/1"), Some((20, 11)));
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/template/spec/containers/0/name"), Some((16, 11)));
    }

    #[test]
    fn keys_a_template_does_not_spell_out_end_at_their_nearest_literal_ancestor() {
        // `limits` comes from toYaml: the `resources:` line pulls it in.
        assert_eq!(locate(DEPLOYMENT, 0, None, "/spec/template/spec/containers/0/resources/limits"), Some((18, 11)));
        assert_eq!(locate(DEPLOYMENT, 0, None, "/metadata/labels/app"), Some((5, 3)));
        assert_eq!(locate(DEPLOYMENT, 0, None, "/status"), None);
        assert_eq!(locate(DEPLOYMENT, 0, None, ""), None);
    }

    #[test]
    fn a_key_is_looked_for_among_its_parents_children_only() {
        // `image` of the second container is not the first container's.
        let template =
            "spec:\n  containers:\n    - name: a\n      image: a\n    - name: b\n      env:\n        - name: X\n";
        assert_eq!(locate(template, 0, None, "/spec/containers/1/image"), Some((5, 7)));
        assert_eq!(locate(template, 0, None, "/spec/containers/1/env/0/name"), Some((7, 11)));
    }

    #[test]
    fn a_ranged_item_stands_for_every_item_it_renders() {
        let template = "spec:\n  ports:\n  {{- range .Values.ports }}\n    - port: {{ . }}\n  {{- end }}\n";
        assert_eq!(locate(template, 0, None, "/spec/ports/3/port"), Some((4, 7)));
    }

    #[test]
    fn documents_of_a_template_are_told_apart_by_kind_or_position() {
        let template =
            "apiVersion: v1\nkind: Service\nspec:\n  type: ClusterIP\n---\nkind: Deployment\nspec:\n  replicas: 1\n";
        assert_eq!(locate(template, 0, Some("Deployment"), "/spec/replicas"), Some((8, 3)));
        assert_eq!(locate(template, 1, None, "/spec/replicas"), Some((8, 3)));
        assert_eq!(locate(template, 0, Some("Service"), "/spec/type"), Some((4, 3)));
    }

    #[test]
    fn quoted_keys_and_colons_in_values_are_read_as_yaml_reads_them() {
        assert_eq!(key_of(r#""app.kubernetes.io/name": web"#), Some("app.kubernetes.io/name"));
        assert_eq!(key_of(r#"image: "a:b""#), Some("image"));
        assert_eq!(key_of(r#""a:b""#), None);
        assert_eq!(key_of("url: http://x"), Some("url"));
        assert_eq!(key_of("http://x"), None);
        assert_eq!(key_of("{{ .Values.key }}: value"), None);
    }
}
