//! Which format a file is in, and which kind each of its documents is.
//!
//! Plugins select documents by kind, so a wrong guess here means a practice
//! silently not applied. Detection is deliberately conservative: a file that
//! matches nothing is reported as "not a config file", never dropped.

use std::path::Path;

use serde_json::Value;

use crate::Format;

/// Extensions that mark a `Dockerfile.*` name as documentation or a backup
/// rather than a Dockerfile variant such as `Dockerfile.dev`.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    "md", "txt", "rst", "adoc", "html", "orig", "bak", "swp", "sh", "json", "yaml", "yml", "toml", "lock", "tmpl",
    "j2", "erb", "patch", "diff",
];

/// The format of the file at `path`, judged by its name alone.
pub fn format_of_path(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if is_dockerfile_name(&name) {
        return Some(Format::Dockerfile);
    }
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("yaml" | "yml") => Some(Format::Yaml),
        _ => None,
    }
}

fn is_dockerfile_name(lower_name: &str) -> bool {
    if matches!(lower_name, "dockerfile" | "containerfile") || lower_name.ends_with(".dockerfile") {
        return true;
    }
    for prefix in ["dockerfile.", "containerfile."] {
        if let Some(variant) = lower_name.strip_prefix(prefix) {
            let extension = variant.rsplit('.').next().unwrap_or(variant);
            return !variant.is_empty() && !NOT_DOCKERFILE_EXTENSIONS.contains(&extension);
        }
    }
    false
}

/// The kind of one document, from its format and content.
pub fn kind_of_document(format: Format, tree: &Value) -> &'static str {
    match format {
        Format::Dockerfile => "dockerfile",
        Format::Yaml if is_kubernetes_object(tree) => "kubernetes",
        Format::Yaml => "yaml",
    }
}

/// A Kubernetes object names its API version and kind, and has metadata
/// (a `List` carries `items` instead).
fn is_kubernetes_object(tree: &Value) -> bool {
    let (Some(api_version), Some(kind)) = (tree.get("apiVersion"), tree.get("kind")) else {
        return false;
    };
    let (Some(api_version), Some(kind)) = (api_version.as_str(), kind.as_str()) else {
        return false;
    };
    let plausible_api = !api_version.is_empty() && !api_version.contains(char::is_whitespace);
    let plausible_kind = kind.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let shaped = tree.get("metadata").is_some_and(Value::is_object)
        || (kind.ends_with("List") && tree.get("items").is_some_and(Value::is_array));
    plausible_api && plausible_kind && shaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_names_to_formats() {
        let cases = [
            ("Dockerfile", Some(Format::Dockerfile)),
            ("app/Containerfile", Some(Format::Dockerfile)),
            ("api.dockerfile", Some(Format::Dockerfile)),
            ("Dockerfile.dev", Some(Format::Dockerfile)),
            ("dockerfile.md", None),
            ("Dockerfile.orig", None),
            ("k8s/deploy.yaml", Some(Format::Yaml)),
            ("ci.yml", Some(Format::Yaml)),
            ("package.json", None),
            ("README.md", None),
        ];
        for (path, expected) in cases {
            assert_eq!(format_of_path(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn kubernetes_detection() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let list = json!({"apiVersion": "v1", "kind": "List", "items": []});
        let compose = json!({"services": {"web": {"image": "nginx"}}});
        let chart = json!({"apiVersion": "v2", "name": "shop", "version": "1.0.0"});
        let lowercase_kind = json!({"apiVersion": "v1", "kind": "thing", "metadata": {}});
        assert_eq!(kind_of_document(Format::Yaml, &deployment), "kubernetes");
        assert_eq!(kind_of_document(Format::Yaml, &list), "kubernetes");
        assert_eq!(kind_of_document(Format::Yaml, &compose), "yaml");
        assert_eq!(kind_of_document(Format::Yaml, &chart), "yaml");
        assert_eq!(kind_of_document(Format::Yaml, &lowercase_kind), "yaml");
        assert_eq!(kind_of_document(Format::Dockerfile, &json!({})), "dockerfile");
    }
}
