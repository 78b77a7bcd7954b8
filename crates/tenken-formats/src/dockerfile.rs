//! Dockerfiles → a document tree of stages and instructions, with spans.
//!
//! Parsing (continuations, heredocs, parser directives, exec and shell
//! forms) is done by the `parse-dockerfile` crate; this module only shapes
//! its syntax tree into the JSON form plugins read:
//!
//! ```json
//! { "directives": {"syntax": "docker/dockerfile:1"},
//!   "args": [ /* ARG instructions before the first FROM */ ],
//!   "stages": [ { "name": "build",
//!                 "from": {"instruction": "FROM", "image": "golang:1.22", "name": "build", "flags": {}},
//!                 "instructions": [ {"instruction": "RUN", "form": "shell", "command": "make", "flags": {}} ] } ] }
//! ```
//! docs/plugin-contract.md lists every instruction's fields.

use parse_dockerfile::{Command, Flag, HealthcheckArguments, Instruction, JsonOrStringArray, Source, UnescapedString};
use serde_json::Value;

use crate::node::Node;
use crate::span::Span;
use crate::{Diagnostic, ParsedTree};

/// Parses a Dockerfile into one document, or a located syntax error.
pub(crate) fn parse(source: &str) -> Result<ParsedTree, Diagnostic> {
    let dockerfile = parse_dockerfile::parse(source).map_err(|error| {
        let offset = offset_of_line_column(source, error.line(), error.column());
        Diagnostic::error(format!("Dockerfile syntax error: {error:#}"), Some(Span::new(offset, offset)))
    })?;

    let whole = Span::new(0, source.len());
    let mut root = Node::object(whole);

    let mut directives = Node::object(whole);
    let parser_directives = &dockerfile.parser_directives;
    if let Some(syntax) = &parser_directives.syntax {
        directives.set("syntax", Node::string(syntax.value.value, span_of(&syntax.value.span)));
    }
    if let Some(escape) = &parser_directives.escape {
        directives.set("escape", Node::string(&escape.value.value.to_string(), span_of(&escape.value.span)));
    }
    if let Some(check) = &parser_directives.check {
        directives.set("check", Node::string(check.value.value, span_of(&check.value.span)));
    }
    root.set("directives", directives);

    let mut args = Node::array(whole);
    let mut stages = Node::array(whole);
    let mut current: Option<(Node, Node)> = None;
    for instruction in &dockerfile.instructions {
        if let Instruction::From(from) = instruction {
            if let Some(stage) = current.take() {
                stages.push(finish_stage(stage));
            }
            let from_node = instruction_node(instruction);
            let span = from_node.span;
            let mut stage = Node::object(span);
            match &from.as_ {
                Some((_, name)) => stage.set("name", Node::string(&name.value, span_of(&name.span))),
                None => stage.set("name", Node::scalar(Value::Null, span)),
            }
            stage.set("from", from_node);
            current = Some((stage, Node::array(span)));
            continue;
        }
        match current.as_mut() {
            Some((_, instructions)) => instructions.push(instruction_node(instruction)),
            None => args.push(instruction_node(instruction)),
        }
    }
    if let Some(stage) = current.take() {
        stages.push(finish_stage(stage));
    }
    root.set("args", args);
    root.set("stages", stages);
    Ok(root.into_tree())
}

fn finish_stage((mut stage, instructions): (Node, Node)) -> Node {
    stage.span = stage.span.cover(instructions.span);
    stage.set("instructions", instructions);
    stage
}

fn instruction_node(instruction: &Instruction<'_>) -> Node {
    let (keyword, keyword_span) = keyword_of(instruction);
    let mut node = Node::object(keyword_span);
    node.set("instruction", Node::string(keyword, keyword_span));
    match instruction {
        Instruction::From(from) => {
            node.set("flags", flags(&from.options, keyword_span));
            node.set("image", unescaped(&from.image));
            if let Some((_, name)) = &from.as_ {
                node.set("name", unescaped(name));
            }
        }
        Instruction::Run(run) => {
            node.set("flags", flags(&run.options, keyword_span));
            command(&mut node, &run.arguments);
            let mut heredocs = Node::array(keyword_span);
            for heredoc in &run.here_docs {
                heredocs.push(heredoc_node(&heredoc.value, heredoc.expand, span_of(&heredoc.span)));
            }
            node.set("heredocs", heredocs);
        }
        Instruction::Cmd(cmd) => {
            node.set("flags", Node::object(keyword_span));
            command(&mut node, &cmd.arguments);
        }
        Instruction::Entrypoint(entrypoint) => {
            node.set("flags", Node::object(keyword_span));
            command(&mut node, &entrypoint.arguments);
        }
        Instruction::Copy(copy) => {
            node.set("flags", flags(&copy.options, keyword_span));
            sources(&mut node, &copy.src, keyword_span);
            node.set("destination", unescaped(&copy.dest));
        }
        Instruction::Add(add) => {
            node.set("flags", flags(&add.options, keyword_span));
            sources(&mut node, &add.src, keyword_span);
            node.set("destination", unescaped(&add.dest));
        }
        Instruction::User(user) => {
            let span = span_of(&user.arguments.span);
            let text = user.arguments.value.as_ref();
            let (name, group) = match text.split_once(':') {
                Some((name, group)) => (name, Some(group)),
                None => (text, None),
            };
            node.set("user", Node::string(name, span));
            node.set("group", group.map_or(Node::scalar(Value::Null, span), |group| Node::string(group, span)));
        }
        Instruction::Env(env) => key_values(&mut node, &env.arguments, true),
        Instruction::Arg(arg) => key_values(&mut node, &arg.arguments, false),
        Instruction::Label(label) => key_values(&mut node, &label.arguments, true),
        Instruction::Expose(expose) => {
            let mut ports = Node::array(keyword_span);
            for port in &expose.arguments {
                ports.push(unescaped(port));
            }
            node.set("ports", ports);
        }
        Instruction::Healthcheck(healthcheck) => {
            node.set("flags", flags(&healthcheck.options, keyword_span));
            match &healthcheck.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => {
                    node.set("none", Node::scalar(Value::Bool(false), keyword_span));
                    command(&mut node, arguments);
                }
                HealthcheckArguments::None { none, .. } => {
                    node.set("none", Node::scalar(Value::Bool(true), span_of(&none.span)));
                }
                _ => node.set("none", Node::scalar(Value::Bool(false), keyword_span)),
            }
        }
        Instruction::Shell(shell) => {
            let mut command = Node::array(keyword_span);
            for part in &shell.arguments {
                command.push(unescaped(part));
            }
            node.set("command", command);
        }
        Instruction::Volume(volume) => {
            let mut paths = Node::array(keyword_span);
            let items = match &volume.arguments {
                JsonOrStringArray::Json(items) => items.value.as_slice(),
                JsonOrStringArray::String(items) => items.as_slice(),
            };
            for path in items {
                paths.push(unescaped(path));
            }
            node.set("paths", paths);
        }
        Instruction::Workdir(workdir) => node.set("path", unescaped(&workdir.arguments)),
        Instruction::Stopsignal(signal) => node.set("signal", unescaped(&signal.arguments)),
        Instruction::Maintainer(maintainer) => node.set("name", unescaped(&maintainer.name)),
        Instruction::Onbuild(onbuild) => node.set("trigger", instruction_node(&onbuild.instruction)),
        _ => {}
    }
    node
}

fn keyword_of(instruction: &Instruction<'_>) -> (&'static str, Span) {
    let (name, keyword) = match instruction {
        Instruction::Add(i) => ("ADD", &i.add),
        Instruction::Arg(i) => ("ARG", &i.arg),
        Instruction::Cmd(i) => ("CMD", &i.cmd),
        Instruction::Copy(i) => ("COPY", &i.copy),
        Instruction::Entrypoint(i) => ("ENTRYPOINT", &i.entrypoint),
        Instruction::Env(i) => ("ENV", &i.env),
        Instruction::Expose(i) => ("EXPOSE", &i.expose),
        Instruction::From(i) => ("FROM", &i.from),
        Instruction::Healthcheck(i) => ("HEALTHCHECK", &i.healthcheck),
        Instruction::Label(i) => ("LABEL", &i.label),
        Instruction::Maintainer(i) => ("MAINTAINER", &i.maintainer),
        Instruction::Onbuild(i) => ("ONBUILD", &i.onbuild),
        Instruction::Run(i) => ("RUN", &i.run),
        Instruction::Shell(i) => ("SHELL", &i.shell),
        Instruction::Stopsignal(i) => ("STOPSIGNAL", &i.stopsignal),
        Instruction::User(i) => ("USER", &i.user),
        Instruction::Volume(i) => ("VOLUME", &i.volume),
        Instruction::Workdir(i) => ("WORKDIR", &i.workdir),
        _ => return ("UNKNOWN", Span::default()),
    };
    (name, span_of(&keyword.span))
}

fn command(node: &mut Node, command: &Command<'_>) {
    match command {
        Command::Exec(parts) => {
            node.set("form", Node::string("exec", span_of(&parts.span)));
            let mut array = Node::array(span_of(&parts.span));
            for part in &parts.value {
                array.push(unescaped(part));
            }
            node.set("command", array);
        }
        Command::Shell(text) => {
            node.set("form", Node::string("shell", span_of(&text.span)));
            node.set("command", Node::string(text.value, span_of(&text.span)));
        }
        _ => {}
    }
}

fn sources(node: &mut Node, sources: &[Source<'_>], fallback: Span) {
    let mut paths = Node::array(fallback);
    let mut heredocs = Node::array(fallback);
    for source in sources {
        match source {
            Source::Path(path) => paths.push(unescaped(path)),
            Source::HereDoc(heredoc) => {
                heredocs.push(heredoc_node(&heredoc.value, heredoc.expand, span_of(&heredoc.span)));
            }
            _ => {}
        }
    }
    node.set("sources", paths);
    node.set("heredocs", heredocs);
}

fn heredoc_node(body: &str, expand: bool, span: Span) -> Node {
    let mut node = Node::object(span);
    node.set("body", Node::string(body, span));
    node.set("expand", Node::scalar(Value::Bool(expand), span));
    node
}

fn flags(options: &[Flag<'_>], fallback: Span) -> Node {
    let mut node = Node::object(fallback);
    for flag in options {
        let span = span_of(&flag.span());
        let value = flag.value.as_ref().map_or(Value::Bool(true), |value| Value::String(value.value.to_string()));
        node.set(&flag.name.value, Node::scalar(value, span));
    }
    node
}

/// `ENV`, `ARG` and `LABEL` arguments as `pairs`: name → value (null for an
/// `ARG` without default). Handles `a=b c="d e"` and the legacy `ENV a b c`.
fn key_values(node: &mut Node, arguments: &UnescapedString<'_>, legacy_space_form: bool) {
    let span = span_of(&arguments.span);
    node.set("arguments", unescaped(arguments));
    let mut pairs = Node::object(span);
    let text = arguments.value.trim();
    let words = split_words(text);
    let legacy = legacy_space_form && words.first().is_some_and(|first| !first.contains('='));
    if legacy {
        if let Some((name, value)) = text.split_once(char::is_whitespace) {
            pairs.set(name, Node::string(value.trim(), span));
        }
    } else {
        for word in words {
            match word.split_once('=') {
                Some((name, value)) => pairs.set(name, Node::string(&unquote(value), span)),
                None => pairs.set(&word, Node::scalar(Value::Null, span)),
            }
        }
    }
    node.set("pairs", pairs);
}

/// Splits on unquoted whitespace, keeping quotes for [`unquote`].
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for ch in text.chars() {
        if escaped {
            current.push(ch);
            escaped = false;
            continue;
        }
        match (ch, quote) {
            ('\\', _) => {
                current.push(ch);
                escaped = true;
            }
            ('"' | '\'', None) => {
                quote = Some(ch);
                current.push(ch);
            }
            (c, Some(q)) if c == q => {
                quote = None;
                current.push(ch);
            }
            (c, None) if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(ch),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn unquote(value: &str) -> String {
    let bytes = value.as_bytes();
    if bytes.len() >= 2 && (bytes[0] == b'"' || bytes[0] == b'\'') && bytes[bytes.len() - 1] == bytes[0] {
        value[1..value.len() - 1].to_owned()
    } else {
        value.to_owned()
    }
}

fn unescaped(text: &UnescapedString<'_>) -> Node {
    Node::string(&text.value, span_of(&text.span))
}

fn span_of(range: &std::ops::Range<usize>) -> Span {
    Span::new(range.start, range.end)
}

fn offset_of_line_column(source: &str, line: usize, column: usize) -> usize {
    let line_start: usize = source.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(source.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_instructions_and_heredocs() {
        let source = "# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM golang:1.22 AS build\nRUN <<EOF\ngo build \\\n  ./...\nEOF\nFROM ${BASE}\nCOPY --from=build /out /app\nENV A=1 B=\"two words\"\nUSER app:app\n";
        let parsed = parse(source).unwrap();
        let tree = &parsed.tree;
        assert_eq!(tree["directives"]["syntax"], "docker/dockerfile:1");
        assert_eq!(tree["args"][0]["pairs"]["BASE"], "alpine");
        assert_eq!(tree["stages"][0]["name"], "build");
        assert_eq!(tree["stages"][0]["from"]["image"], "golang:1.22");
        assert_eq!(tree["stages"][0]["instructions"][0]["heredocs"][0]["body"], "go build \\\n  ./...\n");
        assert_eq!(tree["stages"][1]["name"], Value::Null);
        assert_eq!(tree["stages"][1]["instructions"][0]["flags"]["from"], "build");
        assert_eq!(tree["stages"][1]["instructions"][1]["pairs"]["B"], "two words");
        assert_eq!(tree["stages"][1]["instructions"][2]["user"], "app");
        assert_eq!(tree["stages"][1]["instructions"][2]["group"], "app");
    }

    #[test]
    fn legacy_env_form() {
        let parsed = parse("FROM a\nENV PATH /usr/bin:/bin\n").unwrap();
        assert_eq!(parsed.tree["stages"][0]["instructions"][0]["pairs"]["PATH"], "/usr/bin:/bin");
    }

    #[test]
    fn syntax_errors_are_located() {
        let error = parse("FROM alpine\nCOPY\n").unwrap_err();
        assert!(error.message.starts_with("Dockerfile syntax error"), "{}", error.message);
        assert!(error.span.is_some());
    }
}
