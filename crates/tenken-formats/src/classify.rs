//! Which format a file is in, and which kind each of its documents is.
//!
//! Plugins select documents by kind, so a wrong guess here means a practice
//! silently not applied. Detection goes from the most specific evidence to
//! the least: a file's name and place (`.github/workflows/`, `Chart.yaml`),
//! then its content (`apiVersion` and `kind`, `AWSTemplateFormatVersion`),
//! then the generic kind of its format. A file that matches no format is
//! reported as "not a config file", never dropped.

use std::path::Path;

use serde_json::Value;

use crate::Format;

/// Every kind tenken classifies documents into.
pub const KINDS: &[&str] = &[
    "kubernetes",
    "kubernetes-patch",
    "kustomization",
    "helm-chart",
    "helm-values",
    "compose",
    "github-workflow",
    "github-action",
    "gitlab-ci",
    "terraform",
    "terraform-vars",
    "terraform-plan",
    "cloudformation",
    "prometheus-rules",
    "alertmanager-config",
    "sloth-slo",
    "dockerfile",
    "spring-config",
    "env",
    "yaml",
    "json",
    "toml",
    "hcl",
    "properties",
    "ini",
];

/// The format a file of `kind` is written in, for files whose name says
/// nothing but that the user mapped to a kind. `None` for kinds written in
/// several formats (Spring configs, CloudFormation, Terraform) and for
/// kinds tenken does not know.
pub fn format_of_kind(kind: &str) -> Option<Format> {
    match kind {
        "kubernetes"
        | "kubernetes-patch"
        | "kustomization"
        | "helm-chart"
        | "helm-values"
        | "compose"
        | "github-workflow"
        | "github-action"
        | "gitlab-ci"
        | "prometheus-rules"
        | "alertmanager-config"
        | "yaml" => Some(Format::Yaml),
        "terraform-vars" | "hcl" => Some(Format::Hcl),
        "terraform-plan" | "json" => Some(Format::Json),
        "dockerfile" => Some(Format::Dockerfile),
        "env" => Some(Format::Env),
        "toml" => Some(Format::Toml),
        "properties" => Some(Format::Properties),
        "ini" => Some(Format::Ini),
        _ => None,
    }
}

/// What a file's surroundings say about it, gathered by the caller (these
/// need the filesystem or the user's configuration; classification itself
/// needs neither).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// The file's directory holds a `Chart.yaml`: `values*.yaml` there are
    /// Helm values.
    pub in_helm_chart: bool,
    /// The file is under the `templates/` directory of a Helm chart.
    pub in_helm_templates: bool,
    /// The user mapped this file to a kind: every document gets it,
    /// whatever detection would say.
    pub kind: Option<&'static str>,
    /// A kustomization lists the file as a patch: its Kubernetes objects
    /// are fragments of objects defined elsewhere (`kubernetes-patch`).
    pub kustomize_patch: bool,
}

impl Hints {
    /// Looks next to and above `path` for a Helm chart.
    pub fn for_path(path: &Path) -> Self {
        let parent = path.parent().unwrap_or(Path::new(""));
        let is_chart = |dir: &Path| dir.join("Chart.yaml").is_file();
        let in_helm_chart = is_chart(if parent.as_os_str().is_empty() { Path::new(".") } else { parent });
        let in_helm_templates = path
            .ancestors()
            .skip(1)
            .any(|dir| dir.file_name().is_some_and(|name| name == "templates") && dir.parent().is_some_and(is_chart));
        Self { in_helm_chart, in_helm_templates, kind: None, kustomize_patch: false }
    }
}

/// Extensions that mark a `Dockerfile.*` name as documentation or a backup
/// rather than a Dockerfile variant such as `Dockerfile.dev`.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    "md",
    "txt",
    "rst",
    "adoc",
    "html",
    "orig",
    "bak",
    "swp",
    "sh",
    "json",
    "yaml",
    "yml",
    "toml",
    "lock",
    "tmpl",
    "j2",
    "erb",
    "patch",
    "diff",
    "dockerignore",
];

/// The format of the file at `path`, judged by its name alone.
pub fn format_of_path(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if is_dockerfile_name(&name) {
        return Some(Format::Dockerfile);
    }
    if is_env_name(&name) {
        return Some(Format::Env);
    }
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("yaml" | "yml") => Some(Format::Yaml),
        Some("json" | "jsonc") => Some(Format::Json),
        Some("toml") => Some(Format::Toml),
        Some("tf" | "tfvars" | "hcl") => Some(Format::Hcl),
        Some("properties") => Some(Format::Properties),
        Some("ini") => Some(Format::Ini),
        _ => None,
    }
}

/// `Dockerfile`, `Containerfile`, and the variants in use: `Dockerfile.dev`,
/// `Dockerfile-windows` or `Dockerfile_alpine`, `api.dockerfile` and
/// `api.Containerfile`; not documentation or backups such as
/// `Dockerfile.md`.
fn is_dockerfile_name(lower_name: &str) -> bool {
    if matches!(lower_name, "dockerfile" | "containerfile")
        || lower_name.ends_with(".dockerfile")
        || lower_name.ends_with(".containerfile")
    {
        return true;
    }
    for prefix in ["dockerfile.", "containerfile.", "dockerfile-", "containerfile-", "dockerfile_", "containerfile_"] {
        if let Some(variant) = lower_name.strip_prefix(prefix) {
            let extension = variant.rsplit('.').next().unwrap_or(variant);
            return !variant.is_empty() && !NOT_DOCKERFILE_EXTENSIONS.contains(&extension);
        }
    }
    false
}

/// `.env`, `.env.production`, `prod.env`; not `.envrc` (a shell script) or
/// an example such as `.env.example`, which documents rather than sets.
fn is_env_name(lower_name: &str) -> bool {
    if lower_name == ".env" || (lower_name.ends_with(".env") && lower_name.len() > 4) {
        return true;
    }
    match lower_name.strip_prefix(".env.") {
        Some(variant) => !matches!(variant, "example" | "sample" | "template" | "dist" | "md"),
        None => false,
    }
}

/// The kind of one document, from its path, format, content and hints.
pub fn kind_of_document(path: &str, format: Format, tree: &Value, hints: &Hints) -> &'static str {
    if let Some(kind) = hints.kind {
        return kind;
    }
    let path = path.replace('\\', "/");
    let name = path.rsplit('/').next().unwrap_or(&path).to_ascii_lowercase();
    match format {
        Format::Dockerfile => "dockerfile",
        Format::Env => "env",
        Format::Ini => "ini",
        Format::Toml => "toml",
        Format::Properties if is_spring_name(&name) => "spring-config",
        Format::Properties => "properties",
        Format::Hcl if name.ends_with(".tfvars") => "terraform-vars",
        Format::Hcl if name.ends_with(".tf") => "terraform",
        Format::Hcl => "hcl",
        Format::Json if name.ends_with(".tfvars.json") => "terraform-vars",
        Format::Json if name.ends_with(".tf.json") => "terraform",
        Format::Json if is_terraform_plan(tree) => "terraform-plan",
        Format::Json if is_cloudformation(tree) => "cloudformation",
        Format::Json if is_kubernetes_object(tree) => "kubernetes",
        Format::Json => "json",
        Format::Yaml => yaml_kind(&path, &name, tree, hints),
    }
}

fn yaml_kind(path: &str, name: &str, tree: &Value, hints: &Hints) -> &'static str {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    if path.contains(".github/workflows/") {
        return "github-workflow";
    }
    if stem == "action" && tree.get("runs").is_some() {
        return "github-action";
    }
    if stem == ".gitlab-ci" || stem.ends_with(".gitlab-ci") {
        return "gitlab-ci";
    }
    if is_compose_name(stem) && tree.get("services").is_some_and(Value::is_object) {
        return "compose";
    }
    if stem == "kustomization" {
        return "kustomization";
    }
    if name == "chart.yaml" || name == "chart.yml" {
        return "helm-chart";
    }
    if is_spring_name(name) {
        return "spring-config";
    }
    // A patch names the kind it patches but need not carry anything else.
    if hints.kustomize_patch && tree.get("kind").is_some_and(Value::is_string) {
        return "kubernetes-patch";
    }
    if is_kubernetes_object(tree) {
        return "kubernetes";
    }
    if is_cloudformation(tree) {
        return "cloudformation";
    }
    if is_prometheus_rules(tree) {
        return "prometheus-rules";
    }
    if is_alertmanager_config(tree) {
        return "alertmanager-config";
    }
    if is_sloth_slo(tree) {
        return "sloth-slo";
    }
    if hints.in_helm_chart && stem.starts_with("values") {
        return "helm-values";
    }
    "yaml"
}

/// `compose.yaml`, `docker-compose.yml`, and their overrides such as
/// `docker-compose.override.yml` or `compose.prod.yaml`.
fn is_compose_name(stem: &str) -> bool {
    ["compose", "docker-compose"].iter().any(|base| stem == *base || stem.starts_with(&format!("{base}.")))
        || stem.starts_with("docker-compose-")
}

/// Spring Boot's `application*.yml|yaml|properties` and `bootstrap*`.
fn is_spring_name(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    let spring_stem =
        ["application", "bootstrap"].iter().any(|base| stem == *base || stem.starts_with(&format!("{base}-")));
    spring_stem && matches!(extension, Some("yml" | "yaml" | "properties"))
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

/// A CloudFormation template: the format version key, or resources typed
/// `AWS::...`.
fn is_cloudformation(tree: &Value) -> bool {
    if tree.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    tree.get("Resources").and_then(Value::as_object).is_some_and(|resources| {
        !resources.is_empty()
            && resources
                .values()
                .all(|resource| resource.get("Type").and_then(Value::as_str).is_some_and(|kind| kind.contains("::")))
    })
}

/// A Prometheus rule file (`rule_files:` of prometheus.yml, or what
/// `promtool check rules` reads): `groups:`, each with `rules:`, and at
/// least one alerting (`alert:`) or recording (`record:`) rule among them.
fn is_prometheus_rules(tree: &Value) -> bool {
    let Some(groups) = tree.get("groups").and_then(Value::as_array) else { return false };
    let rules = || groups.iter().filter_map(|group| group.get("rules")?.as_array()).flatten();
    groups.iter().all(|group| group.get("rules").is_some_and(Value::is_array))
        && rules().any(|rule| {
            rule.get("alert").is_some_and(Value::is_string) || rule.get("record").is_some_and(Value::is_string)
        })
}

/// An Alertmanager configuration (`alertmanager.yml`): a routing tree and
/// the receivers it routes to.
fn is_alertmanager_config(tree: &Value) -> bool {
    tree.get("route").is_some_and(Value::is_object)
        && tree.get("receivers").and_then(Value::as_array).is_some_and(|receivers| {
            receivers.iter().all(|receiver| receiver.get("name").is_some_and(Value::is_string))
        })
}

/// A Sloth service-level spec (`version: prometheus/v1`, a service and
/// its SLOs), which `sloth generate` turns into Prometheus rules.
fn is_sloth_slo(tree: &Value) -> bool {
    tree.get("version").and_then(Value::as_str).is_some_and(|version| version.starts_with("prometheus/"))
        && tree.get("slos").is_some_and(Value::is_array)
}

/// The JSON of `terraform show -json` on a plan.
fn is_terraform_plan(tree: &Value) -> bool {
    tree.get("format_version").is_some()
        && tree.get("terraform_version").is_some()
        && (tree.get("planned_values").is_some() || tree.get("resource_changes").is_some())
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
            ("Dockerfile-WINDOWS_LTSC2019", Some(Format::Dockerfile)),
            ("Dockerfile_alpine", Some(Format::Dockerfile)),
            ("web.Containerfile", Some(Format::Dockerfile)),
            ("Containerfile-dev", Some(Format::Dockerfile)),
            ("Dockerfile-notes.md", None),
            ("dockerfile-", None),
            ("k8s/deploy.yaml", Some(Format::Yaml)),
            ("ci.yml", Some(Format::Yaml)),
            ("package.json", Some(Format::Json)),
            (".devcontainer/devcontainer.json", Some(Format::Json)),
            ("tsconfig.jsonc", Some(Format::Json)),
            ("Cargo.toml", Some(Format::Toml)),
            ("main.tf", Some(Format::Hcl)),
            ("prod.tfvars", Some(Format::Hcl)),
            ("main.tf.json", Some(Format::Json)),
            ("terragrunt.hcl", Some(Format::Hcl)),
            (".env", Some(Format::Env)),
            (".env.production", Some(Format::Env)),
            ("staging.env", Some(Format::Env)),
            (".env.example", None),
            (".envrc", None),
            ("application.properties", Some(Format::Properties)),
            ("setup.ini", Some(Format::Ini)),
            ("README.md", None),
            ("main.go", None),
        ];
        for (path, expected) in cases {
            assert_eq!(format_of_path(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn kinds_from_names_places_and_content() {
        let none = Hints::default();
        let chart = Hints { in_helm_chart: true, ..Hints::default() };
        let object = json!({"a": 1});
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let list = json!({"apiVersion": "v1", "kind": "List", "items": []});
        let compose = json!({"services": {"web": {"image": "nginx"}}});
        let action = json!({"name": "setup", "runs": {"using": "composite"}});
        let chart_meta = json!({"apiVersion": "v2", "name": "shop", "version": "1.0.0"});
        let cfn = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}});
        let cfn_implicit = json!({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}});
        let plan = json!({"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}});
        let lowercase_kind = json!({"apiVersion": "v1", "kind": "thing", "metadata": {}});
        let package_json = json!({"name": "shop", "version": "1.0.0", "scripts": {}});
        let rules = json!({"groups": [{"name": "web", "rules": [{"alert": "WebDown", "expr": "up == 0"}]}]});
        let other_groups = json!({"groups": [{"name": "admins", "members": ["ana"]}]});
        let alertmanager = json!({"route": {"receiver": "pager"}, "receivers": [{"name": "pager"}]});
        let http_route = json!({"route": {"enabled": false}, "service": {}});
        let sloth = json!({"version": "prometheus/v1", "service": "web", "slos": []});

        let cases: Vec<(&str, Format, &Value, &Hints, &str)> = vec![
            ("k8s/deploy.yaml", Format::Yaml, &deployment, &none, "kubernetes"),
            ("k8s/list.yaml", Format::Yaml, &list, &none, "kubernetes"),
            ("k8s/deploy.json", Format::Json, &deployment, &none, "kubernetes"),
            ("thing.yaml", Format::Yaml, &lowercase_kind, &none, "yaml"),
            ("package.json", Format::Json, &package_json, &none, "json"),
            ("base/kustomization.yaml", Format::Yaml, &object, &none, "kustomization"),
            ("charts/shop/Chart.yaml", Format::Yaml, &chart_meta, &none, "helm-chart"),
            ("charts/shop/values.yaml", Format::Yaml, &object, &chart, "helm-values"),
            ("charts/shop/values-prod.yaml", Format::Yaml, &object, &chart, "helm-values"),
            ("values.yaml", Format::Yaml, &object, &none, "yaml"),
            ("compose.yaml", Format::Yaml, &compose, &none, "compose"),
            ("docker-compose.yml", Format::Yaml, &compose, &none, "compose"),
            ("docker-compose.override.yml", Format::Yaml, &compose, &none, "compose"),
            ("compose.yaml", Format::Yaml, &object, &none, "yaml"),
            ("services.yaml", Format::Yaml, &compose, &none, "yaml"),
            (".github/workflows/ci.yml", Format::Yaml, &object, &none, "github-workflow"),
            ("action.yml", Format::Yaml, &action, &none, "github-action"),
            ("docs/action.yml", Format::Yaml, &object, &none, "yaml"),
            (".gitlab-ci.yml", Format::Yaml, &object, &none, "gitlab-ci"),
            ("main.tf", Format::Hcl, &object, &none, "terraform"),
            ("main.tf.json", Format::Json, &object, &none, "terraform"),
            ("prod.tfvars", Format::Hcl, &object, &none, "terraform-vars"),
            ("prod.tfvars.json", Format::Json, &object, &none, "terraform-vars"),
            ("plan.json", Format::Json, &plan, &none, "terraform-plan"),
            ("stack.yaml", Format::Yaml, &cfn, &none, "cloudformation"),
            ("stack.json", Format::Json, &cfn_implicit, &none, "cloudformation"),
            ("alerts/web.rules.yml", Format::Yaml, &rules, &none, "prometheus-rules"),
            ("groups.yaml", Format::Yaml, &other_groups, &none, "yaml"),
            ("alertmanager.yml", Format::Yaml, &alertmanager, &none, "alertmanager-config"),
            ("exporter/values.yaml", Format::Yaml, &http_route, &none, "yaml"),
            ("slos/web.yml", Format::Yaml, &sloth, &none, "sloth-slo"),
            ("Dockerfile", Format::Dockerfile, &object, &none, "dockerfile"),
            ("src/main/resources/application.yml", Format::Yaml, &object, &none, "spring-config"),
            ("application-prod.properties", Format::Properties, &object, &none, "spring-config"),
            ("log4j.properties", Format::Properties, &object, &none, "properties"),
            (".env", Format::Env, &object, &none, "env"),
            ("Cargo.toml", Format::Toml, &object, &none, "toml"),
            ("setup.ini", Format::Ini, &object, &none, "ini"),
            ("other.yaml", Format::Yaml, &object, &none, "yaml"),
        ];
        for (path, format, tree, hints, expected) in cases {
            assert_eq!(kind_of_document(path, format, tree, hints), expected, "{path}");
        }
        let mapped = Hints { kind: Some("compose"), ..Hints::default() };
        assert_eq!(kind_of_document("stack.yml", Format::Yaml, &deployment, &mapped), "compose");
    }

    #[test]
    fn objects_in_kustomize_patches_are_patches() {
        let patch = Hints { kustomize_patch: true, ..Hints::default() };
        // A strategic-merge patch names the object and carries only what
        // it changes, often without the rest of the metadata.
        let image_only = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}});
        let bare = json!({"kind": "Deployment", "spec": {"replicas": 3}});
        assert_eq!(kind_of_document("overlays/prod/image.yaml", Format::Yaml, &image_only, &patch), "kubernetes-patch");
        assert_eq!(kind_of_document("overlays/prod/bare.yaml", Format::Yaml, &bare, &patch), "kubernetes-patch");
        // A JSON 6902 patch is a list of operations, not an object.
        let operations = json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]);
        assert_eq!(kind_of_document("overlays/prod/ops.yaml", Format::Yaml, &operations, &patch), "yaml");
        // The same object outside any patch list is a whole object.
        let whole = Hints::default();
        assert_eq!(kind_of_document("base/web.yaml", Format::Yaml, &image_only, &whole), "kubernetes");
    }

    #[test]
    fn every_kind_is_classifiable_and_unique() {
        let unique: std::collections::BTreeSet<&str> = KINDS.iter().copied().collect();
        assert_eq!(unique.len(), KINDS.len());
        assert_eq!(format_of_kind("kubernetes"), Some(Format::Yaml));
        assert_eq!(format_of_kind("cloudformation"), None);
    }

    #[test]
    fn hints_find_helm_charts() {
        let dir = std::env::temp_dir().join(format!("tenken-hints-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("shop/templates")).unwrap();
        std::fs::write(dir.join("shop/Chart.yaml"), "name: shop").unwrap();
        assert_eq!(
            Hints::for_path(&dir.join("shop/values.yaml")),
            Hints { in_helm_chart: true, in_helm_templates: false, kind: None, kustomize_patch: false }
        );
        assert_eq!(
            Hints::for_path(&dir.join("shop/templates/deployment.yaml")),
            Hints { in_helm_chart: false, in_helm_templates: true, kind: None, kustomize_patch: false }
        );
        assert_eq!(Hints::for_path(&dir.join("other.yaml")), Hints::default());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
