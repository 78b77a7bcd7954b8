//! # gha-permissions
//!
//! Every workflow limits its `GITHUB_TOKEN`: a top-level `permissions:`
//! block (or one on every job), and never `write-all`.
//!
//! ## Why it matters
//! Without a `permissions:` block a workflow's token gets the repository's
//! default, which for many organisations (and every repository created
//! before 2023) is read and write on contents, packages, pull requests,
//! issues and more. Any step that is compromised, from a hijacked action to
//! an injected script, can then push commits, publish packages or approve
//! its own pull request. Declaring `contents: read` at the top and granting
//! more only to the job that needs it keeps each job's blast radius to its
//! job.

use tenken_sdk::Node;
use tenken_sdk::github::jobs;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct Permissions;

const FIX: &str = "Default to read-only at the top, and grant writes per job:
```yaml
permissions:
  contents: read
jobs:
  release:
    permissions:
      contents: write      # only this job can push tags
    runs-on: ubuntu-24.04
```";

const REFERENCES: &[&str] = &[
    "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token",
    "https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication",
];

impl Policy for Permissions {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitHub Actions tokens get least privilege",
            "Workflows declare the token permissions they need, so a compromised step cannot push, \
             publish or approve with the repository's default write access.",
        )
        .kinds(["github-workflow"])
        .rules(vec![
            Rule::new(
                "missing-permissions",
                Category::Security,
                Severity::Medium,
                "Declare a top-level permissions block",
            )
            .rationale(
                "Without it, jobs run with the repository's default token, often with write access to \
                     code, packages and pull requests.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new("write-all-permissions", Category::Security, Severity::High, "Never grant write-all")
                .rationale("write-all hands every scope of the token to every step of the job or workflow.")
                .fix(FIX)
                .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let tree = document.tree;
        let jobs = jobs(tree);
        let top = tree.get("permissions");
        check_write_all(top, &Pointer::root().key("permissions"), "the workflow", findings);
        for job in &jobs {
            check_write_all(
                job.value.get("permissions"),
                &job.pointer.key("permissions"),
                &format!("job `{}`", job.id),
                findings,
            );
        }
        if top.is_none() {
            let unscoped: Vec<&str> =
                jobs.iter().filter(|job| job.value.get("permissions").is_none()).map(|job| job.id).collect();
            if !unscoped.is_empty() {
                findings.report(
                    "missing-permissions",
                    &Pointer::root().key("permissions"),
                    format!(
                        "no top-level permissions block, and job{} {} declare{} none: the token gets the repository default",
                        if unscoped.len() == 1 { "" } else { "s" },
                        unscoped.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", "),
                        if unscoped.len() == 1 { "s" } else { "" }
                    ),
                );
            }
        }
    }
}

fn check_write_all(permissions: Option<Node<'_>>, pointer: &Pointer, whose: &str, findings: &mut Findings) {
    if permissions.and_then(Node::as_str) == Some("write-all") {
        findings.report("write-all-permissions", pointer, format!("{whose} grants its token write-all"));
    }
}

tenken_sdk::export_policy!(Permissions);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn every_job_scoped_is_as_good_as_a_top_level_block() {
        let workflow = json!({"jobs": {"a": {"permissions": {"contents": "read"}}, "b": {"permissions": {}}}});
        assert!(check_tree::<Permissions>("github-workflow", workflow).is_empty());
        let partial = json!({"jobs": {"a": {"permissions": {"contents": "read"}}, "b": {}}});
        let found = check_tree::<Permissions>("github-workflow", partial);
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("missing-permissions", "/permissions"));
        assert!(found[0].2.contains("job `b` declares none"), "{}", found[0].2);
    }

    #[test]
    fn write_all_is_reported_where_it_is_granted() {
        let workflow = json!({"permissions": "read-all", "jobs": {"a": {"permissions": "write-all"}}});
        assert_eq!(check_tree::<Permissions>("github-workflow", workflow)[0].1, "/jobs/a/permissions");
    }
}
