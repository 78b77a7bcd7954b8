//! # dockerfile-pinned-base-image
//!
//! Every stage starts `FROM` a pinned image: a version tag, or with
//! `require-digest` a digest. `FROM scratch` and `FROM <earlier stage>` are
//! fine, and an image assembled from a build argument without a default is
//! left to whoever passes the argument.
//!
//! ## Why it matters
//! `FROM node` or `FROM node:latest` builds on whatever was pushed last. The
//! same Dockerfile built on Monday and on Friday produces different images:
//! a new major version of the runtime, a changed default user, a removed
//! package, each breaking the build or, worse, the running service, with no
//! change in the repository to blame. A version tag fixes the intent; a
//! digest fixes the bytes, so a moved or overwritten tag (or a compromised
//! registry account) cannot change what you ship.

use tenken_sdk::dockerfile::stages;
use tenken_sdk::image::{PinningSettings, Unpinned, is_templated};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct PinnedBaseImage;

const FIX: &str = "Name an exact version, and pin the digest for reproducible, tamper-evident builds:
```dockerfile
FROM node:22.11-bookworm-slim@sha256:4b2a...   # tag for people, digest for machines
```
Renovate and Dependabot update pinned tags and digests for you.";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",
    "https://docs.docker.com/reference/dockerfile/#from",
];

impl Policy for PinnedBaseImage {
    type Settings = PinningSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Dockerfiles build on pinned base images",
            "Every stage starts from an exact base image version (and, if required, a digest), so the \
             same Dockerfile builds the same image next week.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            family.rule(
                "latest-tag",
                Severity::High,
                "Do not build FROM a :latest image",
                ":latest moves with every push: the same Dockerfile builds a different image each week, \
                     and breakage arrives without a change to blame.",
            ),
            family.rule(
                "missing-tag",
                Severity::High,
                "Name a base image version: a tag or a digest",
                "A base image without a tag or digest means :latest, with every problem of :latest.",
            ),
            family.rule(
                "missing-digest",
                Severity::Medium,
                "Pin base images by digest (with require-digest)",
                "Tags are mutable; only a digest guarantees the base that was reviewed and scanned is \
                     the one you build on.",
            ),
        ])
    }

    fn check(document: &Document, settings: &PinningSettings, findings: &mut Findings) {
        let stages = stages(document.tree);
        for stage in &stages {
            let Some(image) = stage.image else { continue };
            if stage.is_scratch() || stage.parent(&stages).is_some() || is_templated(image) {
                continue;
            }
            if let Some(unpinned) = Unpinned::judge(image, settings.require_digest) {
                let subject = format!("stage {} builds FROM", stage.index + 1);
                unpinned.report(findings, &stage.from_pointer().key("image"), &subject, &format!("`{image}`"));
            }
        }
    }
}

tenken_sdk::export_policy!(PinnedBaseImage);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::{check_pointers, check_tree};

    fn stage(name: Option<&str>, image: &str) -> serde_json::Value {
        json!({"name": name, "from": {"instruction": "FROM", "image": image}, "instructions": []})
    }

    #[test]
    fn stages_scratch_and_build_args_are_exempt() {
        let tree = json!({"stages": [stage(Some("build"), "golang:1.23"), stage(None, "build"), stage(None, "scratch"),
            stage(None, "${BASE_IMAGE}")]});
        assert!(check_tree::<PinnedBaseImage>("dockerfile", tree).is_empty());
    }

    #[test]
    fn latest_and_untagged_are_reported_at_the_image() {
        let tree = json!({"stages": [stage(None, "node"), stage(None, "python:latest")]});
        let found: Vec<(String, String)> = check_pointers::<PinnedBaseImage>("dockerfile", tree);
        assert_eq!(
            found,
            vec![
                ("missing-tag".into(), "/stages/0/from/image".into()),
                ("latest-tag".into(), "/stages/1/from/image".into()),
            ]
        );
    }
}
