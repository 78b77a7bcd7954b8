//! Parses config files into tenken's document model.
//!
//! Every file is read once into a [`SourceFile`] and parsed once into
//! [`Document`]s: a JSON-compatible tree (what plugins read) and a parallel
//! [`span::SpanNode`] tree (what the host keeps to turn a plugin's JSON
//! pointer into file:line:column). Problems become [`Diagnostic`]s with a
//! location; nothing here panics on hostile input, and every limit that
//! protects the host is in [`Limits`].
#![warn(missing_docs)]

pub mod classify;
mod dockerfile;
mod hcl;
mod json;
mod keyvalue;
mod node;
mod reindent;
mod rendered;
pub mod span;
mod toml;
mod yaml;

pub use classify::Hints;
/// The type of document trees, re-exported so users need not depend on
/// serde_json to name it.
pub use serde_json::Value as TreeValue;

use std::fmt;

use serde_json::Value;

use span::{LineIndex, Span, SpanNode};

/// Bounds that keep hostile input from exhausting time or memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Files larger than this are skipped, with the limit named.
    pub max_file_bytes: u64,
    /// Deepest nesting of objects and arrays accepted.
    pub max_depth: usize,
    /// Most tree nodes that YAML aliases may expand to in one file, over
    /// all of its documents.
    pub max_alias_expansion: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // 120 levels stays under the 128 that serde_json accepts by default
        // inside plugins; real manifests rarely pass 30.
        Self { max_file_bytes: 8 * 1024 * 1024, max_depth: 120, max_alias_expansion: 100_000 }
    }
}

/// The source formats tenken parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// YAML 1.2, possibly several documents per file.
    Yaml,
    /// JSON, with comments and trailing commas accepted.
    Json,
    /// TOML.
    Toml,
    /// HCL2: Terraform configurations and variable files.
    Hcl,
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A `.env` file.
    Env,
    /// A Java `.properties` file.
    Properties,
    /// An INI file.
    Ini,
}

impl Format {
    /// The name plugins see in `document.format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Hcl => "hcl",
            Format::Dockerfile => "dockerfile",
            Format::Env => "env",
            Format::Properties => "properties",
            Format::Ini => "ini",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a parse problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticLevel {
    /// Part or all of the file could not be read; it was not fully checked.
    Error,
    /// The file was read, but something in it is likely a mistake.
    Warning,
}

/// A problem found while reading or parsing a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: DiagnosticLevel,
    /// What is wrong, for the user.
    pub message: String,
    /// Where, if it has a place in the source.
    pub span: Option<Span>,
}

impl Diagnostic {
    pub(crate) fn error(message: impl Into<String>, span: Option<Span>) -> Self {
        Self { level: DiagnosticLevel::Error, message: message.into(), span }
    }

    pub(crate) fn warning(message: impl Into<String>, span: Option<Span>) -> Self {
        Self { level: DiagnosticLevel::Warning, message: message.into(), span }
    }
}

/// A tree and its spans, as a parser produces them.
#[derive(Debug, Clone)]
pub struct ParsedTree {
    /// The document tree.
    pub tree: Value,
    /// The spans of every node of `tree`.
    pub spans: SpanNode,
}

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// Position within the file, from 0 (several for multi-document YAML).
    pub index: u32,
    /// The kind plugins select on, e.g. `kubernetes`.
    pub kind: &'static str,
    /// The source format.
    pub format: Format,
    /// The document tree.
    pub tree: Value,
    /// The spans of every node of `tree`.
    pub spans: SpanNode,
    /// The file this document was rendered from, when the stream says so:
    /// the chart template of Helm's `# Source:` comment. Findings name it,
    /// since the fix goes there.
    pub rendered_from: Option<std::sync::Arc<str>>,
}

/// The text of one file, with its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display path, `/`-separated. Shared with the findings in the file.
    pub path: std::sync::Arc<str>,
    /// The decoded text (a byte-order mark removed).
    pub text: String,
    /// Line starts of `text`.
    pub lines: LineIndex,
}

/// A file read and parsed: its documents and any problems found.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The file's text.
    pub source: SourceFile,
    /// The format it was parsed as.
    pub format: Format,
    /// Its documents, in order.
    pub documents: Vec<Document>,
    /// Parse errors and warnings, in order of discovery.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a file was not parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// Larger than [`Limits::max_file_bytes`].
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Contains NUL bytes, so it is not text.
    #[error("binary file (contains NUL bytes)")]
    Binary,
    /// Not valid UTF-8 (nor UTF-16 with a byte-order mark).
    #[error("not valid UTF-8: invalid byte at line {line}, column {column}")]
    InvalidUtf8 {
        /// 1-based line of the first invalid byte.
        line: u32,
        /// 1-based column of the first invalid byte.
        column: u32,
    },
    /// A Helm chart template: Go template text that Helm renders into
    /// YAML, not YAML itself.
    #[error("Helm chart template: rendered by Helm, not plain YAML")]
    HelmTemplate,
}

/// Decodes file bytes to text: UTF-8 (its byte-order mark dropped), or
/// UTF-16 when a byte-order mark says so.
pub fn decode(bytes: &[u8]) -> Result<String, Skip> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    if bytes.contains(&0) {
        return Err(Skip::Binary);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(lone_carriage_returns_to_newlines(text.to_owned())),
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            // SAFETY-free: `valid` is the prefix that from_utf8 accepted.
            let prefix = String::from_utf8_lossy(valid);
            let lines = LineIndex::new(&prefix);
            let at = lines.line_column(&prefix, u32::try_from(prefix.len()).unwrap_or(u32::MAX));
            Err(Skip::InvalidUtf8 { line: at.line, column: at.column })
        }
    }
}

fn decode_utf16(bytes: &[u8], to_unit: fn([u8; 2]) -> u16) -> Result<String, Skip> {
    let units = bytes.chunks_exact(2).map(|pair| to_unit([pair[0], pair[1]]));
    let text: String =
        char::decode_utf16(units).collect::<Result<_, _>>().map_err(|_| Skip::InvalidUtf8 { line: 1, column: 1 })?;
    if text.contains('\0') {
        return Err(Skip::Binary);
    }
    Ok(lone_carriage_returns_to_newlines(text))
}

/// Classic Mac line endings: a `\r` that no `\n` follows ends a line, as
/// YAML and editors count it. It becomes `\n`, one byte for one, so
/// offsets stay those of the file while every parser and the line index
/// see a single kind of line break.
fn lone_carriage_returns_to_newlines(text: String) -> String {
    let lone = |bytes: &[u8], index: usize| bytes[index] == b'\r' && bytes.get(index + 1) != Some(&b'\n');
    if !(0..text.len()).any(|index| lone(text.as_bytes(), index)) {
        return text;
    }
    let mut bytes = text.into_bytes();
    for index in 0..bytes.len() {
        if lone(&bytes, index) {
            bytes[index] = b'\n';
        }
    }
    // Replacing one ASCII byte with another keeps the text valid UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// Reads and parses one file's bytes as `format`. `hints` carries what the
/// file's surroundings say about it (see [`Hints::for_path`]).
pub fn parse_file(
    path: &str,
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    hints: &Hints,
) -> Result<ParsedFile, Skip> {
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(Skip::TooLarge { size, limit: limits.max_file_bytes });
    }
    let text = decode(bytes)?;
    if format == Format::Yaml && hints.in_helm_templates && text.contains("{{") {
        return Err(Skip::HelmTemplate);
    }
    let lines = LineIndex::new(&text);
    let mut diagnostics = Vec::new();
    let trees: Vec<(u32, ParsedTree)> = match format {
        Format::Yaml => {
            let stream = yaml::parse(&text, &lines, limits);
            diagnostics.extend(stream.diagnostics);
            // Empty documents, such as after a trailing `---`, are dropped.
            stream.documents.into_iter().filter(|(_, parsed)| !parsed.tree.is_null()).collect()
        }
        Format::Dockerfile => match dockerfile::parse(&text) {
            Ok(parsed) => vec![(0, parsed)],
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                Vec::new()
            }
        },
        Format::Json => json::parse(&text, limits, &mut diagnostics).map(|parsed| (0, parsed)).into_iter().collect(),
        Format::Toml => toml::parse(&text, limits, &mut diagnostics).map(|parsed| (0, parsed)).into_iter().collect(),
        Format::Hcl => hcl::parse(&text, limits, &mut diagnostics).map(|parsed| (0, parsed)).into_iter().collect(),
        Format::Env => vec![(0, keyvalue::parse_env(&text, &mut diagnostics))],
        Format::Properties => vec![(0, keyvalue::parse_properties(&text, &mut diagnostics))],
        Format::Ini => vec![(0, keyvalue::parse_ini(&text, &mut diagnostics))],
    };
    let documents = trees
        .into_iter()
        .map(|(index, parsed)| {
            let kind = classify::kind_of_document(path, format, &parsed.tree, hints);
            let rendered_from = (format == Format::Yaml)
                .then(|| rendered::helm_source(&text, parsed.spans.value.start as usize))
                .flatten()
                .map(std::sync::Arc::from);
            Document { index, kind, format, tree: parsed.tree, spans: parsed.spans, rendered_from }
        })
        .collect();
    let source = SourceFile { path: path.into(), text, lines };
    Ok(ParsedFile { source, format, documents, diagnostics })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_handles_boms_binary_and_invalid_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0, b':', 0, b' ', 0, b'1', 0]).unwrap(), "a: 1");
        assert_eq!(decode(b"a\0b"), Err(Skip::Binary));
        assert_eq!(decode(b"a: 1\nb: \xFF\n"), Err(Skip::InvalidUtf8 { line: 2, column: 4 }));
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        assert_eq!(decode(b"a: 1\rb: 2\r\nc: 3\r").unwrap(), "a: 1\nb: 2\r\nc: 3\n");
        let source = b"apiVersion: v1\rkind: Pod\rmetadata:\r  name: web\rspec: {}\r";
        let parsed = parse_file("pod.yaml", source, Format::Yaml, &Limits::default(), &Hints::default()).unwrap();
        let document = &parsed.documents[0];
        let resolved = span::resolve_pointer(&document.tree, &document.spans, "/spec");
        let at = parsed.source.lines.line_column(&parsed.source.text, resolved.span.start);
        assert_eq!((at.line, at.column), (5, 1));
    }

    #[test]
    fn oversized_files_are_skipped_with_the_limit_named() {
        let limits = Limits { max_file_bytes: 4, ..Limits::default() };
        let skip = parse_file("a.yaml", b"a: 12345", Format::Yaml, &limits, &Hints::default()).unwrap_err();
        assert_eq!(skip.to_string(), "file is 8 bytes, over the 4-byte limit");
    }

    #[test]
    fn yaml_documents_get_kinds_and_empty_ones_are_dropped() {
        let source = b"---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\nfoo: bar\n";
        let parsed = parse_file("a.yaml", source, Format::Yaml, &Limits::default(), &Hints::default()).unwrap();
        let summary: Vec<(u32, &str)> = parsed.documents.iter().map(|d| (d.index, d.kind)).collect();
        assert_eq!(summary, vec![(0, "kubernetes"), (2, "yaml")]);
    }

    #[test]
    fn pointers_resolve_to_yaml_positions() {
        let source = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx\n";
        let parsed =
            parse_file("pod.yaml", source.as_bytes(), Format::Yaml, &Limits::default(), &Hints::default()).unwrap();
        let document = &parsed.documents[0];
        let at = |pointer: &str| {
            let resolved = span::resolve_pointer(&document.tree, &document.spans, pointer);
            let position = parsed.source.lines.line_column(&parsed.source.text, resolved.span.start);
            (position.line, position.column, resolved.exact)
        };
        assert_eq!(at("/spec/containers/0/image"), (8, 14, true));
        assert_eq!(at("/spec/containers"), (6, 3, true));
        assert_eq!(at("/spec/containers/0/resources/limits"), (7, 7, false));
        assert_eq!(at("/metadata/name"), (4, 9, true));
    }
}
