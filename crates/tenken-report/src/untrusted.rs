//! Text that tenken did not write (file names, config text, plugin
//! messages, titles and output, errors that quote them) made safe to print
//! on a terminal or into a CI log.
//!
//! Two things are at stake. Control characters (an escape sequence, a
//! carriage return) can repaint or hide what a terminal shows. And a line
//! break followed by `::error file=...` or `##[...]` would start a line
//! that a CI runner executes as a workflow command: a file name or a
//! plugin message must not be able to annotate other files or set
//! outputs. So control characters, line breaks among them, and Unicode
//! bidirectional overrides are escaped as `\n`, `\u{1b}`, and a value that
//! begins a line in the output never begins it with a command marker.
//!
//! Structured formats (JSON, SARIF, JUnit) escape through their
//! serializers and need none of this.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as is: control characters other
/// than tab, and the bidirectional controls that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        other => {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
        }
    }
}

/// One line of text: every control character, line breaks included, is
/// escaped.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe)
}

/// Text that may span lines, for formats that encode line breaks
/// themselves (GitHub's `%0A`): control characters other than line breaks
/// are escaped.
pub fn keep_line_breaks(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_unsafe(c) && c != '\n' && c != '\r')
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a line would be read as a workflow command by a CI runner
/// (GitHub's `::`, Azure's `##[` and `##vso[`), leading white space aside.
pub fn starts_like_a_command(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("::") || line.starts_with("##[") || line.starts_with("##vso[")
}

/// A path, for output that may begin a line with it: escaped as
/// [`one_line`], and led by `./` if it would otherwise begin like a CI
/// command (`./::x.yaml` names the same file).
pub fn path(path: &str) -> Cow<'_, str> {
    let escaped = one_line(path);
    if starts_like_a_command(&escaped) {
        return Cow::Owned(format!("./{escaped}"));
    }
    escaped
}

/// Several lines, each escaped as [`one_line`], and a line that would
/// begin like a CI command led by an escaped first character.
pub fn lines(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let line = one_line(line.strip_suffix('\r').unwrap_or(line));
            if starts_like_a_command(&line) {
                let trimmed = line.trim_start();
                let indent = &line[..line.len() - trimmed.len()];
                let mut chars = trimmed.chars();
                let first = chars.next().unwrap_or_default();
                format!("{indent}\\u{{{:x}}}{}", u32::from(first), chars.as_str())
            } else {
                line.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of a code frame, with `highlight` (a byte range of `text`)
/// moved to where it lands once control characters other than the line
/// breaks between lines are escaped.
pub fn code_frame(text: &str, highlight: std::ops::Range<usize>) -> (Cow<'_, str>, std::ops::Range<usize>) {
    let unsafe_char = |c: char| is_unsafe(c) && c != '\n';
    if !text.chars().any(unsafe_char) {
        return (Cow::Borrowed(text), highlight);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let (mut start, mut end) = (None, None);
    for (offset, c) in text.char_indices() {
        if offset == highlight.start {
            start = Some(out.len());
        }
        if offset == highlight.end {
            end = Some(out.len());
        }
        if unsafe_char(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (Cow::Owned(out), start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_line_breaks_are_escaped() {
        assert_eq!(one_line("plain\ttext"), Cow::Borrowed("plain\ttext"));
        assert_eq!(
            one_line("x\n::error file=README.md::Injected\ny.yaml"),
            "x\\n::error file=README.md::Injected\\ny.yaml"
        );
        assert_eq!(one_line("\u{1b}[2Jgone\r"), "\\u{1b}[2Jgone\\r");
        assert_eq!(one_line("abc\u{202E}txt.yaml"), "abc\\u{202e}txt.yaml");
        assert_eq!(keep_line_breaks("a\nb\u{7}"), "a\nb\\u{7}");
    }

    #[test]
    fn code_frames_keep_their_highlight() {
        let (text, highlight) = code_frame("a: \u{1b}[31mred\nb: 2", 12..16);
        assert_eq!(text, "a: \\u{1b}[31mred\nb: 2");
        assert_eq!(&text[highlight], "b: 2");
        let (text, highlight) = code_frame("plain", 1..3);
        assert_eq!((text.as_ref(), highlight), ("plain", 1..3));
    }

    #[test]
    fn nothing_begins_a_line_like_a_ci_command() {
        assert_eq!(path("::error file=x::boom.yaml"), "./::error file=x::boom.yaml");
        assert_eq!(path("k8s/deploy.yaml"), "k8s/deploy.yaml");
        assert_eq!(lines("first\n  ::warning::x\n##[error]y\nok"), "first\n  \\u{3a}:warning::x\n\\u{23}#[error]y\nok");
        assert!(!lines("::set-output name=a::b").lines().any(starts_like_a_command));
    }
}
