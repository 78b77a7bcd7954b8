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

use tenken_sdk::Node;
use tenken_sdk::compose::services;
use tenken_sdk::image::{PinningSettings, Unpinned, is_templated};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct PinnedImages;

const FIX: &str = "Name an exact version, and a digest where integrity matters:
```yaml
services:
  db:
    image: postgres:16.4-bookworm@sha256:5d4d...
```";

const REFERENCES: &[&str] = &["https://docs.docker.com/reference/compose-file/services/#image"];

impl Policy for PinnedImages {
    type Settings = PinningSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Compose services run pinned images",
            "Services pull an exact image version (and, if required, a digest), so every machine runs \
             the same stack and upgrades are reviewed changes.",
        )
        .kinds(["compose"])
        .rules(vec![
            family.rule(
                "latest-tag",
                Severity::High,
                "Do not run :latest images",
                ":latest changes with every push: machines drift apart, and an upgrade of the database \
                     happens on the next pull, unreviewed.",
            ),
            family.rule(
                "missing-tag",
                Severity::High,
                "Name an image version: a tag or a digest",
                "An image without a tag or digest means :latest.",
            ),
            family.rule(
                "missing-digest",
                Severity::Medium,
                "Pin images by digest (with require-digest)",
                "Tags can be moved; only a digest fixes the bytes.",
            ),
        ])
    }

    fn check(document: &Document, settings: &PinningSettings, findings: &mut Findings) {
        for service in services(document.tree) {
            if service.value.get("build").is_some() {
                continue;
            }
            let Some(image) = service.value.get("image").and_then(Node::as_str) else { continue };
            if is_templated(image) {
                continue;
            }
            if let Some(unpinned) = Unpinned::judge(image, settings.require_digest) {
                let subject = format!("service `{}` runs", service.name);
                unpinned.report(findings, &service.pointer.key("image"), &subject, &format!("`{image}`"));
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
