//! Walks Dockerfile trees (see docs/plugin-contract.md): stages, their
//! instructions, and which earlier stage a stage builds on.

use crate::Node;
use crate::Shape;

use crate::Pointer;

/// One build stage: a `FROM` and the instructions after it.
#[derive(Debug, Clone)]
pub struct Stage<'a> {
    /// Position among the stages, from 0.
    pub index: usize,
    /// The `AS` name, if any.
    pub name: Option<&'a str>,
    /// The `FROM` image, with static `ARG` values expanded.
    pub image: Option<&'a str>,
    /// Pointer to the stage.
    pub pointer: Pointer,
    /// The stage.
    pub value: Node<'a>,
}

/// One instruction of a stage.
#[derive(Debug, Clone)]
pub struct Instruction<'a> {
    /// The upper-case keyword, e.g. `RUN`.
    pub keyword: &'a str,
    /// Pointer to the instruction.
    pub pointer: Pointer,
    /// The instruction's fields.
    pub value: Node<'a>,
}

/// Every stage, in order.
pub fn stages(tree: Node<'_>) -> Vec<Stage<'_>> {
    let Some(stages) = tree.get("stages").and_then(Node::as_array) else { return Vec::new() };
    stages
        .iter()
        .enumerate()
        .map(|(index, value)| Stage {
            index,
            name: value.get("name").and_then(Node::as_str),
            image: value.pointer("/from/image").and_then(Node::as_str),
            pointer: Pointer::root().key("stages").index(index),
            value,
        })
        .collect()
}

impl<'a> Stage<'a> {
    /// Pointer to the stage's `FROM` instruction.
    pub fn from_pointer(&self) -> Pointer {
        self.pointer.key("from")
    }

    /// The stage's instructions after `FROM`, in order.
    pub fn instructions(&self) -> Vec<Instruction<'a>> {
        let Some(instructions) = self.value.get("instructions").and_then(Node::as_array) else { return Vec::new() };
        instructions
            .iter()
            .enumerate()
            .filter_map(|(index, value)| {
                Some(Instruction {
                    keyword: value.get("instruction").and_then(Node::as_str)?,
                    pointer: self.pointer.key("instructions").index(index),
                    value,
                })
            })
            .collect()
    }

    /// The index of the earlier stage this one builds `FROM`, if its image
    /// names one (stage names are case-insensitive).
    pub fn parent(&self, stages: &[Stage<'_>]) -> Option<usize> {
        let image = self.image?;
        stages[..self.index]
            .iter()
            .rposition(|earlier| earlier.name.is_some_and(|name| name.eq_ignore_ascii_case(image)))
    }

    /// Whether the stage starts from an empty filesystem.
    pub fn is_scratch(&self) -> bool {
        self.image.is_some_and(|image| image.eq_ignore_ascii_case("scratch"))
    }
}

impl Instruction<'_> {
    /// The command of a `RUN`, `CMD`, `ENTRYPOINT` or `HEALTHCHECK` as one
    /// string, as the shell runs it: the shell form with its line
    /// continuations joined (see [`join_continuations`]), the exec form
    /// joined by spaces, with any heredoc bodies appended, each on lines of
    /// its own.
    pub fn command_text(&self) -> String {
        let mut text = match self.value.get("command").map(Node::shape) {
            Some(Shape::String(command)) => join_continuations(command),
            Some(Shape::Array(parts)) => parts.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(" "),
            _ => String::new(),
        };
        if let Some(heredocs) = self.value.get("heredocs").and_then(Node::as_array) {
            for body in heredocs.iter().filter_map(|heredoc| heredoc.get("body").and_then(Node::as_str)) {
                text.push('\n');
                text.push_str(body);
            }
        }
        text
    }
}

/// A shell-form command as the shell sees it: each line that ends in a
/// backslash continues on the next, so the two become one line, and
/// comment lines inside a continued instruction are dropped, as Docker
/// drops them. Splitting a script into commands only after this keeps
/// `apt-get install \` + `--no-install-recommends` together, and
/// `curl ... \` + `| sh` one pipeline.
pub fn join_continuations(command: &str) -> String {
    let mut joined = String::with_capacity(command.len());
    let mut continued = false;
    for line in command.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if continued && line.trim_start().starts_with('#') {
            continue;
        }
        if !joined.is_empty() && !continued {
            joined.push('\n');
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                continued = true;
            }
            None => {
                joined.push_str(line);
                continued = false;
            }
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn walks_stages_instructions_and_parents() {
        let tree = OwnedTree::new(&json!({"stages": [
            {"name": "Build", "from": {"image": "golang:1.23"}, "instructions": [
                {"instruction": "RUN", "form": "exec", "command": ["go", "build"]}]},
            {"name": null, "from": {"image": "build"}, "instructions": [
                {"instruction": "RUN", "form": "shell", "command": "cat", "heredocs": [{"body": "echo hi"}]}]},
            {"name": null, "from": {"image": "scratch"}, "instructions": []}]}));
        let stages = stages(tree.root());
        assert_eq!(stages.len(), 3);
        assert_eq!(stages[1].parent(&stages), Some(0));
        assert_eq!(stages[0].parent(&stages), None);
        assert!(stages[2].is_scratch());
        let run = &stages[0].instructions()[0];
        assert_eq!(
            (run.keyword, run.pointer.as_str(), run.command_text()),
            ("RUN", "/stages/0/instructions/0", "go build".to_owned())
        );
        assert_eq!(stages[1].instructions()[0].command_text(), "cat\necho hi");
    }

    #[test]
    fn continuations_join_and_comments_inside_them_drop() {
        let command = "apt-get update \\\n    && apt-get install -y \\\n    # pinned below\n    --no-install-recommends curl\necho done\r\ncurl -fsSL https://x/i.sh \\\r\n  | sh";
        assert_eq!(
            join_continuations(command),
            "apt-get update      && apt-get install -y      --no-install-recommends curl\necho done\ncurl -fsSL https://x/i.sh    | sh"
        );
        assert_eq!(join_continuations("true"), "true");
    }
}
