//! # k8s-image-pinning
//!
//! Every container names its image by a version tag or a digest: no
//! `:latest`, no missing tag. With `require-digest`, tags alone are not
//! enough. A mutable tag combined with `imagePullPolicy: IfNotPresent` or
//! `Never` is reported as well: nodes then keep whichever image they pulled
//! first.
//!
//! Images are judged as kustomize renders them: when a kustomization that
//! builds the file replaces the image through `images:` (a new tag or a
//! digest) or through a patch that sets the container's image, the base's
//! placeholder (kubebuilder's `controller:latest`) is not what runs.
//!
//! A Helm chart's values (`values.yaml`) are read for `latest` only, in the
//! conventional `image: {repository, tag}` (or reference string) of each
//! component: `tag: latest` is reported there, where the fix goes. An
//! empty tag is the chart's `appVersion`, and a reference without a tag
//! may get one from the template, so neither is judged. Where tenken
//! renders the chart, the rendered finding that this explains is not
//! reported again.
//!
//! ## Why it matters
//! `:latest` (or no tag, which means `:latest`) names whatever was pushed
//! last. Two replicas scheduled a day apart run different code; a rollback
//! redeploys the broken image because the manifest never changed; an
//! incident review cannot say what was running. Version tags fix the
//! intent, and digests fix the bytes: a tag can be moved or overwritten by
//! anyone with push access, a digest cannot.

use tenken_sdk::Node;
use tenken_sdk::helm;
use tenken_sdk::image::{ImageRef, PinningSettings, Unpinned, is_templated};
use tenken_sdk::kubernetes::{Container, ContainerList, Object, PodSpec, objects};
use tenken_sdk::kustomize::{self, Kustomizations};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct ImagePinning;

const FIX: &str = "Name an exact version, and pin the digest where supply-chain integrity matters:
```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2@sha256:4f2a...   # tag for people, digest for machines
    imagePullPolicy: IfNotPresent
```
Tools such as Renovate or Dependabot keep pinned tags and digests up to date.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/containers/images/#image-names",
    "https://kubernetes.io/docs/concepts/configuration/overview/#container-images",
];

impl Policy for ImagePinning {
    type Settings = PinningSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes containers run pinned images",
            "Containers name an exact image version (and, if required, a digest), so every replica and \
             every rollback runs the code that was reviewed.",
        )
        .kinds(
            [tenken_sdk::kubernetes::kinds_with_patches(), vec![kustomize::KIND.to_owned(), "helm-values".to_owned()]]
                .concat(),
        )
        // Project-wide, to see the kustomizations that replace a base's images.
        .project_scoped()
        .rules(vec![
            family.rule(
                "latest-tag",
                Severity::High,
                "Do not use the :latest tag",
                ":latest moves with every push: replicas drift apart, rollbacks redeploy the broken image, \
                     and nobody can say what ran during an incident.",
            ),
            family.rule(
                "missing-tag",
                Severity::High,
                "Name an image version: a tag or a digest",
                "An image without a tag or digest means :latest, with every problem of :latest, and hides \
                     it from reviewers.",
            ),
            family.rule(
                "missing-digest",
                Severity::Medium,
                "Pin images by digest (with require-digest)",
                "Tags are mutable: anyone with push access can move one. Only a digest guarantees the bytes \
                     that were scanned and reviewed are the bytes that run.",
            ),
            family.rule(
                "stale-pull-policy",
                Severity::Medium,
                "Do not combine a mutable tag with imagePullPolicy IfNotPresent or Never",
                "With a mutable tag and a cached pull policy, each node keeps the image it pulled first: \
                     replicas on different nodes run different code.",
            ),
        ])
    }

    fn check_all(documents: &[Document], settings: &PinningSettings, findings: &mut Findings) {
        let kustomizations = Kustomizations::from_documents(documents);
        for (index, document) in documents.iter().enumerate() {
            findings.in_document(index);
            for component in helm::components(document) {
                check_values_image(&component, findings);
            }
            for object in objects(document.tree) {
                let Some(pod) = PodSpec::of(&object) else { continue };
                for container in pod.containers(ContainerList::ALL) {
                    let built = Built { kustomizations: &kustomizations, file: document.path, object: &object };
                    check_container(&container, &built, settings, findings);
                }
            }
        }
    }
}

/// Where a container stands in the project: what the kustomizations that
/// build its file do to it.
struct Built<'a> {
    kustomizations: &'a Kustomizations<'a>,
    file: &'a str,
    object: &'a Object<'a>,
}

impl Built<'_> {
    /// The image the container runs once kustomize has built the file:
    /// `None` when a patch replaces it (the patch's image is judged in the
    /// patch), the `images:` entry's tag or digest when one applies.
    fn rendered<'i>(&'i self, container: &Container<'_>, image: &'i str) -> Option<Rendered<'i>> {
        // An object kustomize has built (tenken builds overlays where it
        // can) runs the image it names.
        if self.kustomizations.is_empty() || kustomize::is_built(self.object) {
            return Some(Rendered { image: ImageRef::parse(image), set_by: None });
        }
        let name = self.object.name.unwrap_or_default();
        if self.kustomizations.patches_container_image(self.file, self.object.kind, name, &container.name) {
            return None;
        }
        let written = ImageRef::parse(image);
        let Some(replaced) = self.kustomizations.image_override(self.file, written.name) else {
            return Some(Rendered { image: written, set_by: None });
        };
        let image = ImageRef {
            name: replaced.new_name.unwrap_or(written.name),
            tag: replaced.new_tag.or(written.tag),
            digest: replaced.digest.or(written.digest),
        };
        Some(Rendered { image, set_by: Some(replaced.kustomization) })
    }
}

/// A container's image as kustomize renders it.
struct Rendered<'a> {
    image: ImageRef<'a>,
    /// The kustomization whose `images:` entry set it, if one did.
    set_by: Option<&'a str>,
}

fn check_container(container: &Container<'_>, built: &Built<'_>, settings: &PinningSettings, findings: &mut Findings) {
    let Some(written) = container.value.get("image").and_then(Node::as_str) else { return };
    let written = written.trim();
    if written.is_empty() || is_templated(written) {
        return;
    }
    let Some(rendered) = built.rendered(container, written) else { return };
    // "`controller:latest`", or "`controller:latest`, which
    // config/kustomization.yaml renders as `registry/controller:latest`".
    let shown = match rendered.set_by {
        None => format!("`{written}`"),
        Some(kustomization) => format!(
            "`{written}`, which {} renders as `{}`",
            kustomize::relative_path(built.file, kustomization),
            rendered.image
        ),
    };
    let unpinned = Unpinned::of(&rendered.image, settings.require_digest);
    if let Some(unpinned) = unpinned {
        let subject = format!("{} runs", container.describe());
        unpinned.report(findings, &container.pointer.key("image"), &subject, &shown);
    }
    let mutable = unpinned.is_some_and(Unpinned::is_floating);
    let policy = container.value.get("imagePullPolicy").and_then(Node::as_str);
    if mutable && let Some(policy @ ("IfNotPresent" | "Never")) = policy {
        findings.report(
            "stale-pull-policy",
            &container.pointer.key("imagePullPolicy"),
            format!("{} pulls a mutable tag with imagePullPolicy {policy}", container.describe()),
        );
    }
}

/// A chart's values: an image the chart deploys as `latest`. An empty or
/// missing tag is the chart's `appVersion`, and a reference without a tag
/// may be given one by the template, so only `latest` itself is judged.
fn check_values_image(component: &helm::Component<'_>, findings: &mut Findings) {
    if component.image_has_digest() {
        return;
    }
    let subject = format!("{} deploys", component.describe());
    if let Some((pointer, repository, Some(tag))) = component.image_parts()
        && tag.eq_ignore_ascii_case("latest")
    {
        let shown = match repository {
            Some(repository) => format!("`{repository}:{tag}`"),
            None => format!("its image with the tag `{tag}`"),
        };
        Unpinned::LatestTag.report(findings, &pointer.key("tag"), &subject, &shown);
    }
    if let Some((pointer, text)) = component.image_text()
        && !is_templated(text)
        && ImageRef::parse(text).pinning() == tenken_sdk::image::Pinning::Latest
    {
        Unpinned::LatestTag.report(findings, &pointer, &subject, &format!("`{}`", text.trim()));
    }
}

tenken_sdk::export_policy!(ImagePinning);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn digests_are_required_only_when_asked() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "app:1.2"}]}});
        assert!(check_tree::<ImagePinning>("kubernetes", pod.clone()).is_empty());
        let settings = tenken_sdk::configure::<ImagePinning>(r#"{"require-digest": true}"#).unwrap();
        let owned = tenken_sdk::OwnedDocument::new("p", "kubernetes", "yaml", &pod);
        let document = owned.view();
        let mut findings = Findings::default();
        ImagePinning::check_all(std::slice::from_ref(&document), &settings, &mut findings);
        assert_eq!(findings.summary()[0].0, "missing-digest");
    }

    #[test]
    fn templated_images_are_left_to_the_rendered_manifest() {
        for image in ["${REGISTRY}/app", "$IMAGE_URL", "{{ .Values.image }}"] {
            let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": image}]}});
            assert!(check_tree::<ImagePinning>("kubernetes", pod).is_empty(), "{image}");
        }
    }
}
