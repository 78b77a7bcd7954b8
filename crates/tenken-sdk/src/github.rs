//! Walks GitHub Actions workflows and composite actions: jobs, steps and
//! the actions they use.

use crate::Node;
use crate::Shape;

use crate::Pointer;

/// One job of a workflow.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The job's key under `jobs`.
    pub id: &'a str,
    /// Pointer to the job.
    pub pointer: Pointer,
    /// The job.
    pub value: Node<'a>,
}

/// One step of a job or of a composite action.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    /// Pointer to the step.
    pub pointer: Pointer,
    /// The step.
    pub value: Node<'a>,
}

/// Every job of a workflow, in file order.
pub fn jobs(workflow: Node<'_>) -> Vec<Job<'_>> {
    let Some(jobs) = workflow.get("jobs").and_then(Node::as_object) else { return Vec::new() };
    jobs.iter()
        .filter(|(_, value)| value.is_object())
        .map(|(id, value)| Job { id, pointer: Pointer::root().key("jobs").key(id), value })
        .collect()
}

fn steps_at<'a>(steps: Option<Node<'a>>, pointer: Pointer) -> Vec<Step<'a>> {
    let Some(steps) = steps.and_then(Node::as_array) else { return Vec::new() };
    steps
        .iter()
        .enumerate()
        .filter(|(_, value)| value.is_object())
        .map(|(index, value)| Step { pointer: pointer.index(index), value })
        .collect()
}

impl<'a> Job<'a> {
    /// The job's steps. A job that calls a reusable workflow has none.
    pub fn steps(&self) -> Vec<Step<'a>> {
        steps_at(self.value.get("steps"), self.pointer.key("steps"))
    }

    /// The reusable workflow the job calls (`jobs.<id>.uses`), if any.
    pub fn uses(&self) -> Option<&'a str> {
        self.value.get("uses").and_then(Node::as_str)
    }
}

/// The steps of a composite action (`runs.steps` of `action.yml`).
pub fn action_steps(action: Node<'_>) -> Vec<Step<'_>> {
    steps_at(action.pointer("/runs/steps"), Pointer::root().key("runs").key("steps"))
}

impl<'a> Step<'a> {
    /// The action the step uses, if any.
    pub fn uses(&self) -> Option<&'a str> {
        self.value.get("uses").and_then(Node::as_str)
    }

    /// The step's shell script, if it is a `run` step.
    pub fn run(&self) -> Option<&'a str> {
        self.value.get("run").and_then(Node::as_str)
    }

    /// For messages: ``step "Build"`` by name, else ``step `actions/checkout@v4` ``
    /// by action, else the start of its script.
    pub fn describe(&self) -> String {
        if let Some(name) = self.value.get("name").and_then(Node::as_str) {
            return format!("step \"{}\"", name.trim());
        }
        if let Some(uses) = self.uses() {
            return format!("step `{}`", uses.trim());
        }
        let first_line = self.run().and_then(|run| run.lines().map(str::trim).find(|line| !line.is_empty()));
        match first_line {
            Some(line) if line.chars().count() > 40 => {
                format!("step `{}...`", line.chars().take(40).collect::<String>())
            }
            Some(line) => format!("step `{line}`"),
            None => "a step".to_owned(),
        }
    }
}

/// The triggers of a workflow: `on` as a string, a list, or a map.
pub fn triggers(workflow: Node<'_>) -> Vec<&str> {
    // YAML 1.1 parsers read a bare `on` key as `true`; tenken's YAML is
    // 1.2, but accept both spellings.
    let on = workflow.get("on").or_else(|| workflow.get("true"));
    match on.map(Node::shape) {
        Some(Shape::String(event)) => vec![event],
        Some(Shape::Array(events)) => events.iter().filter_map(Node::as_str).collect(),
        Some(Shape::Object(events)) => events.keys().collect(),
        _ => Vec::new(),
    }
}

/// A `uses:` reference to an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRef<'a> {
    /// `./path`: an action in the same repository.
    Local(&'a str),
    /// `docker://image`.
    Docker(&'a str),
    /// `owner/repo[/path]@ref`.
    Repository {
        /// The owner.
        owner: &'a str,
        /// `owner/repo[/path]`.
        action: &'a str,
        /// The ref after `@`, if any.
        reference: Option<&'a str>,
    },
}

impl<'a> ActionRef<'a> {
    /// Parses a `uses:` value.
    pub fn parse(uses: &'a str) -> Self {
        let uses = uses.trim();
        if uses.starts_with("./") || uses.starts_with("../") {
            return ActionRef::Local(uses);
        }
        if let Some(image) = uses.strip_prefix("docker://") {
            return ActionRef::Docker(image);
        }
        let (action, reference) = match uses.split_once('@') {
            Some((action, reference)) => (action, Some(reference)),
            None => (uses, None),
        };
        let owner = action.split('/').next().unwrap_or(action);
        ActionRef::Repository { owner, action, reference }
    }
}

/// Whether a git ref is a full commit SHA (40 hex digits, or 64 for SHA-256
/// repositories).
pub fn is_commit_sha(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn walks_jobs_steps_and_triggers() {
        let workflow = OwnedTree::new(&json!({"on": {"push": {}, "pull_request_target": {}}, "jobs": {
            "build": {"steps": [{"uses": "actions/checkout@v4"}, {"name": "Test", "run": "make test"}]},
            "call": {"uses": "org/repo/.github/workflows/x.yml@main"}}}));
        let jobs = jobs(workflow.root());
        assert_eq!(jobs.len(), 2);
        let steps = jobs[0].steps();
        assert_eq!(steps[1].pointer.as_str(), "/jobs/build/steps/1");
        assert_eq!(
            (steps[0].describe(), steps[1].describe()),
            ("step `actions/checkout@v4`".to_owned(), "step \"Test\"".to_owned())
        );
        assert!(jobs[1].steps().is_empty() && jobs[1].uses().is_some());
        assert_eq!(triggers(workflow.root()), vec!["push", "pull_request_target"]);
        assert_eq!(triggers(crate::OwnedTree::new(&json!({"on": "push"})).root()), vec!["push"]);
    }

    #[test]
    fn parses_action_references() {
        assert_eq!(ActionRef::parse("./.github/actions/setup"), ActionRef::Local("./.github/actions/setup"));
        assert_eq!(ActionRef::parse("docker://alpine:3.20"), ActionRef::Docker("alpine:3.20"));
        assert_eq!(
            ActionRef::parse("aws-actions/configure-aws-credentials/sub@v4"),
            ActionRef::Repository {
                owner: "aws-actions",
                action: "aws-actions/configure-aws-credentials/sub",
                reference: Some("v4")
            }
        );
        assert!(is_commit_sha("8f4b7f84864484a7bf31766abe9204da3cbe65b3"));
        assert!(!is_commit_sha("v4") && !is_commit_sha("8f4b7f8"));
    }
}
