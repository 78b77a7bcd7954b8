//! # gha-untrusted-checkout
//!
//! Workflows triggered by `pull_request_target` or `workflow_run` run with
//! the base repository's secrets and a writable token. Such a workflow must
//! not check out the pull request's code (`ref:` naming the PR head, its
//! merge ref or the triggering run's head) and then run anything after it.
//!
//! ## Why it matters
//! This is the "pwn request": a fork opens a pull request whose build
//! script, test, `package.json` hook or local action does what the attacker
//! wants, and the privileged workflow executes it with secrets in the
//! environment and a token that can push to the repository. The safe
//! pattern is to build untrusted code in a `pull_request` workflow (no
//! secrets, read-only token) and hand artifacts to the privileged one, or
//! to check out only the base branch.

use tenken_sdk::Node;
use tenken_sdk::github::{ActionRef, jobs, triggers};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct UntrustedCheckout;

/// Triggers that run with the base repository's secrets on code others
/// control.
const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

/// Expressions that name the untrusted head of a pull request or run.
const UNTRUSTED_REFS: &[&str] = &[
    "github.event.pull_request.head",
    "github.head_ref",
    "github.event.workflow_run.head",
    "github.event.number",
    "github.event.pull_request.number",
    "github.event.pull_request.merge_commit_sha",
    "refs/pull/",
];

/// Whether a checkout `ref:` (or `repository:`) selects untrusted code.
fn is_untrusted_ref(value: &str) -> bool {
    UNTRUSTED_REFS.iter().any(|untrusted| value.contains(untrusted))
}

fn is_checkout(uses: &str) -> bool {
    matches!(ActionRef::parse(uses), ActionRef::Repository { action, .. } if action.eq_ignore_ascii_case("actions/checkout"))
}

impl Policy for UntrustedCheckout {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Privileged workflows never run pull request code",
            "pull_request_target and workflow_run workflows, which hold secrets and a writable token, \
             do not check out and execute the code of the pull request that triggered them.",
        )
        .kinds(["github-workflow"])
        .rules(vec![
                Rule::new(
                    "untrusted-checkout",
                    Category::Security,
                    Severity::Critical,
                    "Do not check out and run PR code in pull_request_target or workflow_run workflows",
                )
                .rationale(
                    "Any build step after the checkout runs the fork's code with the base repository's \
                     secrets and a token that can push: the \"pwn request\".",
                )
                .fix(
                    "Split the work: build and test untrusted code in a `pull_request` workflow, which has no \
                     secrets, and let the privileged workflow only consume its artifacts:
```yaml
on: pull_request          # not pull_request_target
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: make test
```
If the privileged workflow must look at the PR, check out only the base branch, or read the diff through the API without executing it.",
                )
                .references(&[
                    "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/",
                    "https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request_target",
                ]),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let privileged: Vec<&str> =
            triggers(document.tree).into_iter().filter(|trigger| PRIVILEGED_TRIGGERS.contains(trigger)).collect();
        let Some(trigger) = privileged.first() else { return };
        for job in jobs(document.tree) {
            let steps = job.steps();
            for (position, step) in steps.iter().enumerate() {
                if !step.uses().is_some_and(is_checkout) {
                    continue;
                }
                let with = step.value.get("with");
                let untrusted = ["ref", "repository"].iter().find_map(|field| {
                    let value = with.and_then(|with| with.get(field)).and_then(Node::as_str)?;
                    is_untrusted_ref(value).then_some(*field)
                });
                let Some(field) = untrusted else { continue };
                // Checking out only to read files is not execution; any later
                // step might run what was checked out.
                let runs_later = steps[position + 1..]
                    .iter()
                    .any(|later| later.run().is_some() || later.uses().is_some_and(|uses| uses.starts_with("./")));
                if runs_later {
                    findings.report(
                        "untrusted-checkout",
                        &step.pointer.key("with").key(field),
                        format!(
                            "job `{}` checks out the pull request's code in a {trigger} workflow and runs steps \
                             after it",
                            job.id
                        ),
                    );
                }
            }
        }
    }
}

tenken_sdk::export_policy!(UntrustedCheckout);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_tree;

    fn workflow(on: &str, reference: &str) -> Value {
        json!({"on": on, "jobs": {"build": {"steps": [
            {"uses": "actions/checkout@v4", "with": {"ref": reference}},
            {"run": "npm ci && npm test"}]}}})
    }

    #[test]
    fn only_privileged_triggers_with_untrusted_refs_are_reported() {
        let head = "${{ github.event.pull_request.head.sha }}";
        assert_eq!(
            check_tree::<UntrustedCheckout>("github-workflow", workflow("pull_request_target", head))[0].1,
            "/jobs/build/steps/0/with/ref"
        );
        assert!(check_tree::<UntrustedCheckout>("github-workflow", workflow("pull_request", head)).is_empty());
        assert!(check_tree::<UntrustedCheckout>("github-workflow", workflow("pull_request_target", "main")).is_empty());
    }
}
