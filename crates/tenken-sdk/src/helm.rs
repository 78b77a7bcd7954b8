//! Helm chart values (`values.yaml`, kind `helm-values`): the conventional
//! keys most charts read for each container they deploy. A chart made by
//! `helm create`, and most published charts, write a container's image as
//! `image: {repository, tag}` (the tag defaulting to the chart's
//! `appVersion` when empty) and pass `resources` through `toYaml`, at the
//! top level for the main container and under a component's key
//! (`controller:`, `worker:`) for the others. Practices with such a key
//! report it in the values, where the fix goes, without rendering the
//! chart.

use crate::{Document, Node, Pointer, Shape};

/// How deep components are looked for: `a.b.c.d.image` at most.
const MAX_DEPTH: usize = 4;

/// A mapping of values that configures a container: one with an `image`
/// key (a mapping with a `repository`, or a reference string).
#[derive(Debug, Clone)]
pub struct Component<'a> {
    /// Its key path, `.`-separated; empty for the top level.
    pub path: String,
    /// Pointer to the mapping.
    pub pointer: Pointer,
    /// The mapping.
    pub body: Node<'a>,
}

impl<'a> Component<'a> {
    /// The component as a message names it: `` `.Values.controller` `` or
    /// `` `.Values` ``.
    pub fn describe(&self) -> String {
        if self.path.is_empty() { "`.Values`".to_owned() } else { format!("`.Values.{}`", self.path) }
    }

    /// The image: `(pointer, repository, tag)` for the mapping form, with
    /// the tag `None` when empty or absent (the chart's `appVersion`
    /// then), or `None` for the string form; see [`Component::image_text`].
    pub fn image_parts(&self) -> Option<(Pointer, Option<&'a str>, Option<&'a str>)> {
        let image = self.body.get("image")?;
        image.as_object()?;
        let text = |key: &str| image.get(key).and_then(Node::as_str).map(str::trim).filter(|text| !text.is_empty());
        Some((self.pointer.key("image"), text("repository"), text("tag")))
    }

    /// Whether the image mapping pins a digest (`digest:` or `sha:`).
    pub fn image_has_digest(&self) -> bool {
        let Some(image) = self.body.get("image") else { return false };
        ["digest", "sha"]
            .iter()
            .any(|key| image.get(key).and_then(Node::as_str).is_some_and(|text| !text.trim().is_empty()))
    }

    /// The image when written as one reference string (`image: nginx:1.27`).
    pub fn image_text(&self) -> Option<(Pointer, &'a str)> {
        Some((self.pointer.key("image"), self.body.get("image")?.as_str()?))
    }
}

/// Every component of a values document, the top level first.
pub fn components<'a>(document: &Document<'a>) -> Vec<Component<'a>> {
    let mut found = Vec::new();
    if document.kind == "helm-values" {
        walk(document.tree, Pointer::root(), String::new(), 0, &mut found);
    }
    found
}

fn walk<'a>(node: Node<'a>, pointer: Pointer, path: String, depth: usize, found: &mut Vec<Component<'a>>) {
    let Some(object) = node.as_object() else { return };
    let image = object.get("image");
    let configures_container = image.is_some_and(|image| match image.shape() {
        Shape::Object(_) => image.get("repository").is_some(),
        Shape::String(_) => true,
        _ => false,
    });
    if configures_container {
        found.push(Component { path: path.clone(), pointer: pointer.clone(), body: node });
    }
    if depth == MAX_DEPTH {
        return;
    }
    for (key, child) in object.iter().filter(|(key, _)| *key != "image") {
        let child_path = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        walk(child, pointer.key(key), child_path, depth + 1, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn components_are_mappings_with_an_image() {
        let values = crate::OwnedDocument::new(
            "chart/values.yaml",
            "helm-values",
            "yaml",
            &json!({
                "image": {"repository": "shop/api", "tag": ""},
                "resources": {},
                "worker": {"image": "shop/worker:latest", "resources": {"limits": {"memory": "256Mi"}}},
                "ingress": {"enabled": false},
                "metrics": {"exporter": {"image": {"repository": "exporter", "tag": "latest", "digest": "sha256:0"}}},
                "notAnImage": {"image": {"pullPolicy": "Always"}}
            }),
        );
        let found = components(&values.view());
        let paths: Vec<&str> = found.iter().map(|component| component.path.as_str()).collect();
        assert_eq!(paths, ["", "worker", "metrics.exporter"]);
        assert_eq!(found[0].describe(), "`.Values`");
        let (pointer, repository, tag) = found[0].image_parts().unwrap();
        assert_eq!((pointer.as_str(), repository, tag), ("/image", Some("shop/api"), None));
        assert_eq!(found[1].image_text().unwrap().1, "shop/worker:latest");
        assert!(found[2].image_has_digest());
        let manifest = crate::OwnedDocument::new("k8s/x.yaml", "kubernetes", "yaml", &json!({"image": "x"}));
        assert!(components(&manifest.view()).is_empty(), "only values documents have components");
    }
}
