//! # gha-pinned-actions
//!
//! Every third-party action, and every reusable workflow from another
//! repository, is pinned to a full commit SHA (`uses: owner/repo@<40 hex>`),
//! and every `docker://` action to an image digest. Actions from owners in
//! `trusted-owners` (by default GitHub's own `actions` and `github`) and
//! local actions (`./...`) may use tags.
//!
//! ## Why it matters
//! A tag or branch is a pointer the action's owner (or whoever compromises
//! their account) can move. When `tj-actions/changed-files` was compromised
//! in 2025, every workflow that used it by tag ran the attacker's code on
//! the next push, with that workflow's secrets and token. A commit SHA
//! cannot be moved: the code you reviewed is the code that runs, and
//! Dependabot or Renovate still propose updates, with a comment naming the
//! version.

use serde::Deserialize;
use tenken_sdk::github::{ActionRef, Step, action_steps, is_commit_sha, jobs};
use tenken_sdk::image::{ImageRef, Pinning};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct PinnedActions;

/// Settings, from `[settings.gha-pinned-actions]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Owners whose actions may be referenced by tag or branch, e.g. `actions` or your own
    /// organisation. Set to [] to require SHAs everywhere.
    #[serde(default = "default_trusted")]
    #[schemars(inner(regex(pattern = r"^[A-Za-z0-9._-]+$")))]
    pub trusted_owners: Vec<String>,
}

fn default_trusted() -> Vec<String> {
    vec!["actions".to_owned(), "github".to_owned()]
}

const FIX: &str =
    "Pin to the full commit SHA of the release, and keep the version in a comment for people and update bots:
```yaml
- uses: docker/build-push-action@4f58ea79222b3b9dc2c8bbdd6debcef730109a75  # v6.9.0
```
Dependabot (`package-ecosystem: github-actions`) and Renovate update pinned SHAs and their comments.";

const REFERENCES: &[&str] = &[
    "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions",
    "https://www.cisa.gov/news-events/alerts/2025/03/18/supply-chain-compromise-third-party-tj-actionschanged-files-cve-2025-30066-and-reviewdogaction-setup-cve-2025-30154",
];

impl Policy for PinnedActions {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Third-party GitHub Actions are pinned to a commit SHA",
            "Workflows run the exact action code that was reviewed: third-party actions and reusable \
             workflows are pinned by commit SHA, Docker actions by digest.",
        )
        .kinds(["github-workflow", "github-action"])
        .rules(vec![
                Rule::new("unpinned-action", Category::Security, Severity::High, "Pin third-party actions to a full commit SHA")
                    .rationale(
                        "A tag or branch can be moved by the action's owner or by whoever compromises them; the \
                         next run executes the new code with the workflow's secrets.",
                    )
                    .fix(FIX)
                    .references(REFERENCES),
                Rule::new(
                    "unpinned-docker-action",
                    Category::Security,
                    Severity::High,
                    "Pin docker:// actions to an image digest",
                )
                .rationale("An image tag can be repushed: the step runs whatever the tag points to today.")
                .fix(
                    "Reference the image by digest:\n```yaml\n- uses: docker://alpine:3.20@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a\n```",
                )
                .references(REFERENCES),
            ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for job in jobs(document.tree) {
            if let Some(uses) = job.uses() {
                check_uses(uses, &job.pointer.key("uses"), settings, findings);
            }
            for step in job.steps() {
                check_step(&step, settings, findings);
            }
        }
        for step in action_steps(document.tree) {
            check_step(&step, settings, findings);
        }
    }
}

fn check_step(step: &Step<'_>, settings: &Settings, findings: &mut Findings) {
    if let Some(uses) = step.uses() {
        check_uses(uses, &step.pointer.key("uses"), settings, findings);
    }
}

fn check_uses(uses: &str, pointer: &Pointer, settings: &Settings, findings: &mut Findings) {
    if uses.contains("${{") {
        return; // chosen at run time; nothing to judge statically
    }
    match ActionRef::parse(uses) {
        ActionRef::Local(_) => {}
        ActionRef::Docker(image) => {
            if ImageRef::parse(image).pinning() != Pinning::Digest {
                findings.report(
                    "unpinned-docker-action",
                    pointer,
                    format!("`{uses}` is not pinned to an image digest"),
                );
            }
        }
        ActionRef::Repository { owner, action, reference } => {
            if settings.trusted_owners.iter().any(|trusted| trusted.eq_ignore_ascii_case(owner)) {
                return;
            }
            match reference {
                Some(reference) if is_commit_sha(reference) => {}
                Some(reference) => findings.report(
                    "unpinned-action",
                    pointer,
                    format!("`{action}` is referenced by `{reference}`, which can be moved; pin a full commit SHA"),
                ),
                None => findings.report("unpinned-action", pointer, format!("`{action}` has no ref at all")),
            }
        }
    }
}

tenken_sdk::export_policy!(PinnedActions);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn pins_third_party_actions_and_trusts_first_party_tags() {
        let workflow = json!({"jobs": {"build": {"steps": [
            {"uses": "actions/checkout@v4"},
            {"uses": "docker/login-action@v3"},
            {"uses": "docker/build-push-action@4f58ea79222b3b9dc2c8bbdd6debcef730109a75"},
            {"uses": "./.github/actions/setup"},
            {"uses": "docker://alpine:3.20"}]},
            "call": {"uses": "org/shared/.github/workflows/deploy.yml@main"}}});
        let found: Vec<(String, String)> = check_pointers::<PinnedActions>("github-workflow", workflow);
        assert_eq!(
            found,
            vec![
                ("unpinned-action".into(), "/jobs/build/steps/1/uses".into()),
                ("unpinned-docker-action".into(), "/jobs/build/steps/4/uses".into()),
                ("unpinned-action".into(), "/jobs/call/uses".into()),
            ]
        );
    }
}
