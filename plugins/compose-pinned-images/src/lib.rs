//! # compose-pinned-images
//!
//! Every service that pulls an image names an exact version: a tag other
//! than `latest`, or with `require-digest` a digest. A service with a
//! `build:` section names the image it builds, so its tag is not judged,
//! and an image chosen by a variable (`${IMAGE}`) is left to whoever sets
//! the variable.
//!
//! ## Why it matters
//! `image: postgres` runs whatever was pushed last. The same compose file
//! brings up a new major version of the database on the next `docker
//! compose pull`, with a data format the old volume cannot be read by, on
//! one machine and not on another. Pinned tags make upgrades a reviewed
//! change; digests make them tamper-evident.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::compose::services;
use tenken_sdk::image::{ImageRef, Pinning, is_templated};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct PinnedImages;

/// Settings, from `[settings.compose-pinned-images]` in `tenken.toml`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Require every pulled image to be pinned by digest (`image:tag@sha256:...`).
    #[serde(default)]
    pub require_digest: bool,
}

const FIX: &str = "Name an exact version, and a digest where integrity matters:
```yaml
services:
  db:
    image: postgres:16.4-bookworm@sha256:5d4d...
```";

const REFERENCES: &[&str] = &["https://docs.docker.com/reference/compose-file/services/#image"];

fn rule(id: &str, severity: Severity, title: &str, rationale: &str) -> Rule {
    Rule::new(id, Category::Reliability, severity, title).rationale(rationale).fix(FIX).references(REFERENCES)
}

impl Policy for PinnedImages {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Compose services run pinned images",
            "Services pull an exact image version (and, if required, a digest), so every machine runs \
             the same stack and upgrades are reviewed changes.",
        )
        .kinds(["compose"])
        .rules(vec![
            rule(
                "latest-tag",
                Severity::High,
                "Do not run :latest images",
                ":latest changes with every push: machines drift apart, and an upgrade of the database \
                     happens on the next pull, unreviewed.",
            ),
            rule(
                "missing-tag",
                Severity::High,
                "Name an image version: a tag or a digest",
                "An image without a tag or digest means :latest.",
            ),
            rule(
                "missing-digest",
                Severity::Medium,
                "Pin images by digest (with require-digest)",
                "Tags can be moved; only a digest fixes the bytes.",
            ),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for service in services(document.tree) {
            if service.value.get("build").is_some() {
                continue;
            }
            let Some(image) = service.value.get("image").and_then(Node::as_str) else { continue };
            if is_templated(image) {
                continue;
            }
            let pointer = service.pointer.key("image");
            let name = service.name;
            match ImageRef::parse(image).pinning() {
                Pinning::Latest => findings.report("latest-tag", &pointer, format!("service `{name}` runs `{image}`")),
                Pinning::Untagged => findings.report(
                    "missing-tag",
                    &pointer,
                    format!("service `{name}` runs `{image}` without a tag, which means :latest"),
                ),
                Pinning::Tag if settings.require_digest => findings.report(
                    "missing-digest",
                    &pointer,
                    format!("service `{name}` runs `{image}`, pinned by tag but not by digest"),
                ),
                Pinning::Tag | Pinning::Digest => {}
            }
        }
    }
}

tenken_sdk::export_policy!(PinnedImages);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn built_and_templated_images_are_exempt() {
        let compose = json!({"services": {
            "app": {"build": ".", "image": "shop/app"}, "db": {"image": "${DB_IMAGE}"},
            "cache": {"image": "redis"}, "proxy": {"image": "nginx:1.27"}}});
        let found = check_tree::<PinnedImages>("compose", compose);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("missing-tag", "/services/cache/image"));
    }
}
