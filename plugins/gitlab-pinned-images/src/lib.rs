//! # gitlab-pinned-images
//!
//! The images a pipeline runs in (`image:` at the top level, in `default:`
//! or in a job) and its service containers (`services:`) name an exact
//! version: a tag other than `latest`, or with `require-digest` a digest.
//! Images chosen by a CI variable (`$BUILD_IMAGE`) are not judged.
//!
//! ## Why it matters
//! A job image is the toolchain the build runs with. `image: node` moves to
//! the next major version of Node on the day it is published, and the
//! pipeline that passed yesterday fails today, or passes and ships
//! something built with a different compiler. Pinned images make toolchain
//! upgrades a reviewed change, and digests make them tamper-evident.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::gitlab::jobs;
use tenken_sdk::image::{PinningSettings, Unpinned, is_templated};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, RuleFamily, Severity};

/// The plugin.
pub struct PinnedImages;

const FIX: &str = "Pin the job's toolchain image:
```yaml
default:
  image: node:22.11-bookworm-slim@sha256:4b2a...
test:
  services:
    - name: postgres:16.4
      alias: db
```";

impl Policy for PinnedImages {
    type Settings = PinningSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability)
            .fix(FIX)
            .references(&["https://docs.gitlab.com/ci/yaml/#image", "https://docs.gitlab.com/ci/services/"]);
        tenken_sdk::plugin_info!(
            "GitLab CI runs pinned images",
            "Job and service images name an exact version, so a pipeline's toolchain changes only when \
             someone changes it.",
        )
        .kinds(["gitlab-ci"])
        .rules(vec![
            family.rule(
                "latest-tag",
                Severity::Medium,
                "Do not run CI jobs in :latest images",
                "The toolchain changes under the pipeline with every push to :latest: builds break, or ship \
                     built with something nobody chose.",
            ),
            family.rule(
                "missing-tag",
                Severity::Medium,
                "Name a CI image version: a tag or a digest",
                "An image without a tag or digest means :latest.",
            ),
            family.rule(
                "missing-digest",
                Severity::Low,
                "Pin CI images by digest (with require-digest)",
                "Tags can be moved; only a digest fixes the bytes the pipeline runs.",
            ),
        ])
    }

    fn check(document: &Document, settings: &PinningSettings, findings: &mut Findings) {
        let tree = document.tree;
        check_holder(tree, &Pointer::root(), "the pipeline", settings, findings);
        if let Some(default) = tree.get("default") {
            check_holder(default, &Pointer::root().key("default"), "`default`", settings, findings);
        }
        for job in jobs(tree) {
            check_holder(job.value, &job.pointer, &format!("job `{}`", job.name), settings, findings);
        }
    }
}

/// Checks the `image` and `services` of a job, `default`, or the top level.
fn check_holder(holder: Node<'_>, pointer: &Pointer, whose: &str, settings: &PinningSettings, findings: &mut Findings) {
    if let Some(image) = holder.get("image") {
        check_image(image, &pointer.key("image"), whose, settings, findings);
    }
    if let Some(services) = holder.get("services").and_then(Node::as_array) {
        for (index, service) in services.iter().enumerate() {
            check_image(service, &pointer.key("services").index(index), whose, settings, findings);
        }
    }
}

/// An image in its short (`node:22`) or long (`{name: node:22}`) form.
fn check_image(image: Node<'_>, pointer: &Pointer, whose: &str, settings: &PinningSettings, findings: &mut Findings) {
    let (name, at) = match image.shape() {
        Shape::String(name) => (name, pointer.clone()),
        Shape::Object(long) => match long.get("name").and_then(Node::as_str) {
            Some(name) => (name, pointer.key("name")),
            None => return,
        },
        _ => return,
    };
    if is_templated(name) {
        return;
    }
    if let Some(unpinned) = Unpinned::judge(name, settings.require_digest) {
        unpinned.report(findings, &at, &format!("{whose} runs in"), &format!("`{name}`"));
    }
}

tenken_sdk::export_policy!(PinnedImages);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn checks_every_place_an_image_can_be() {
        let config = json!({"image": "alpine", "default": {"image": {"name": "node:latest"}},
            "test": {"image": "$CI_REGISTRY_IMAGE/builder", "services": ["postgres:16.4", {"name": "redis"}]}});
        let found: Vec<(String, String)> = check_pointers::<PinnedImages>("gitlab-ci", config);
        assert_eq!(
            found,
            vec![
                ("missing-tag".into(), "/image".into()),
                ("latest-tag".into(), "/default/image/name".into()),
                ("missing-tag".into(), "/test/services/1/name".into()),
            ]
        );
    }
}
