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
    // Variables with a static value: global ARG defaults (the only ones
    // FROM can use), then each stage's own ARG and ENV values in order.
    let mut global_vars = Variables::new();
    let mut stage_vars = Variables::new();
    for instruction in &dockerfile.instructions {
        if let Instruction::From(from) = instruction {
            if let Some(stage) = current.take() {
                stages.push(finish_stage(stage));
            }
            stage_vars = Variables::new();
            let mut from_node = instruction_node(instruction, &global_vars);
            let span = from_node.span;
            let mut stage = Node::object(span);
            match &from.as_ {
                Some((_, name)) => stage.set("name", Node::string(&name.value, span_of(&name.span))),
                None => stage.set("name", Node::scalar(Value::Null, span)),
            }
            from_node.span = span;
            stage.set("from", from_node);
            current = Some((stage, Node::array(span)));
            continue;
        }
        match current.as_mut() {
            Some((_, instructions)) => {
                instructions.push(instruction_node(instruction, &stage_vars));
                record_variables(instruction, &mut stage_vars, Some(&global_vars));
            }
            None => {
                args.push(instruction_node(instruction, &global_vars));
                record_variables(instruction, &mut global_vars, None);
            }
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

/// Variables in scope, name → static value.
type Variables = std::collections::HashMap<String, String>;

/// Adds the static values an `ARG` or `ENV` gives to `vars`. In a stage, an
/// `ARG` without a default takes the global default of the same name.
fn record_variables(instruction: &Instruction<'_>, vars: &mut Variables, globals: Option<&Variables>) {
    let (arguments, legacy) = match instruction {
        Instruction::Arg(arg) => (&arg.arguments, false),
        Instruction::Env(env) => (&env.arguments, true),
        _ => return,
    };
    for (name, value) in pairs(arguments.value.trim(), legacy) {
        let value = match value {
            Some(value) => expand(&value, vars),
            None => globals.and_then(|globals| globals.get(&name).cloned()),
        };
        match value {
            Some(value) => vars.insert(name, value),
            None => vars.remove(&name),
        };
    }
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME-default}` from
/// `vars`, as BuildKit does for static values. `None` when a variable has
/// no static value, so callers keep the text as written.
pub(crate) fn expand(text: &str, vars: &Variables) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if dollar > 0 && rest.as_bytes()[dollar - 1] == b'\\' {
            out.pop();
            out.push('$');
            rest = after;
            continue;
        }
        let (name, default, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            let inner = &braced[..end];
            let (name, default) = match inner.find([':', '-']) {
                Some(split) => {
                    let modifier = inner[split..].trim_start_matches(':');
                    (&inner[..split], modifier.strip_prefix('-').map(str::to_owned))
                }
                None => (inner, None),
            };
            (name, default, end + 2)
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if end == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            (&after[..end], None, end)
        };
        let value = vars.get(name).filter(|value| !value.is_empty()).cloned().or(default)?;
        out.push_str(&value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

fn instruction_node(instruction: &Instruction<'_>, vars: &Variables) -> Node {
    let (keyword, keyword_span) = keyword_of(instruction);
    let mut node = Node::object(keyword_span);
    node.set("instruction", Node::string(keyword, keyword_span));
    match instruction {
        Instruction::From(from) => {
            node.set("flags", flags(&from.options, keyword_span));
            let span = span_of(&from.image.span);
            let written = from.image.value.as_ref();
            node.set("image", Node::string(&expand(written, vars).unwrap_or_else(|| written.to_owned()), span));
            node.set("image_as_written", Node::string(written, span));
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
            let written = user.arguments.value.as_ref();
            let expanded = expand(written, vars);
            let text = expanded.as_deref().unwrap_or(written);
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
        Instruction::Onbuild(onbuild) => node.set("trigger", instruction_node(&onbuild.instruction, vars)),
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
    let mut node_pairs = Node::object(span);
    for (name, value) in pairs(arguments.value.trim(), legacy_space_form) {
        match value {
            Some(value) => node_pairs.set(&name, Node::string(&value, span)),
            None => node_pairs.set(&name, Node::scalar(Value::Null, span)),
        }
    }
    node.set("pairs", node_pairs);
}

/// `a=b c="d e"` as pairs; `NAME` alone has no value; with
/// `legacy_space_form`, `ENV NAME value with spaces` is one pair.
fn pairs(text: &str, legacy_space_form: bool) -> Vec<(String, Option<String>)> {
    let words = split_words(text);
    if legacy_space_form && words.first().is_some_and(|first| !first.contains('=')) {
        return text
            .split_once(char::is_whitespace)
            .map(|(name, value)| vec![(name.to_owned(), Some(value.trim().to_owned()))])
            .unwrap_or_default();
    }
    words
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(unquote(value))),
            None => (word, None),
        })
        .collect()
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
    fn static_arg_and_env_values_are_expanded() {
        let source = "ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG:-3.20} AS build\nARG BASE\nENV RUN_AS=${BASE}-user\nUSER $RUN_AS\nFROM $UNKNOWN\nUSER ${NOPE}\n";
        let tree = parse(source).unwrap().tree;
        assert_eq!(tree["stages"][0]["from"]["image"], "alpine:3.20");
        assert_eq!(tree["stages"][0]["from"]["image_as_written"], "${BASE}:${TAG:-3.20}");
        assert_eq!(tree["stages"][0]["instructions"][2]["user"], "alpine-user");
        assert_eq!(tree["stages"][1]["from"]["image"], "$UNKNOWN");
        assert_eq!(tree["stages"][1]["instructions"][0]["user"], "${NOPE}");
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
