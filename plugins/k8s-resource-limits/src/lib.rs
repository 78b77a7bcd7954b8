//! # k8s-resource-limits
//!
//! Every container and init container of every pod-bearing workload sets
//! CPU and memory requests and a memory limit (and, if configured, a CPU
//! limit).
//!
//! ## Why it matters
//! The scheduler places pods by their requests. A container without
//! requests is placed as if it needed nothing, lands on a full node, and
//! starves its neighbours or is first to be evicted under pressure (it gets
//! the `BestEffort` QoS class). A container without a memory limit can grow
//! until the node runs out of memory, and the kernel's OOM killer then picks
//! victims across the whole node, not just the leaking pod.
//!
//! CPU limits are not required by default: CPU is compressible, and a limit
//! throttles a latency-sensitive service even when the node is idle. Teams
//! that want them set `require-cpu-limit = true`.
//!
//! A request is not reported missing when the matching limit is set:
//! Kubernetes then sets the request to the limit, so the scheduler does
//! place the pod by it.
//!
//! A Helm chart's values (`values.yaml`) are read for the conventional
//! `resources` of each component (a mapping with an `image`, at the top
//! level or under a component's key): `resources: {}`, what `helm create`
//! writes, is reported there, where the fix goes. Where tenken renders the
//! chart, the rendered finding that this explains is not reported again.

use serde::Deserialize;
use tenken_sdk::helm;
use tenken_sdk::kubernetes::{Container, ContainerList, each_container};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct ResourceLimits;

/// Settings, from `[settings.k8s-resource-limits]` in `tenken.toml`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Also require a CPU limit on every container. Off by default: CPU limits throttle
    /// latency-sensitive services even on idle nodes.
    #[serde(default)]
    pub require_cpu_limit: bool,
}

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/",
];

const FIX_EXAMPLE: &str = "```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2
    resources:
      requests:
        cpu: 250m
        memory: 256Mi
      limits:
        memory: 256Mi
```
Size requests from observed usage (for example the p95 of the last weeks); set the memory limit equal to the request unless the service is known to burst safely.";

/// One resource a container must declare.
struct Requirement {
    rule: &'static str,
    section: &'static str,
    resource: &'static str,
    what: &'static str,
}

const MEMORY_LIMIT: Requirement =
    Requirement { rule: "missing-memory-limit", section: "limits", resource: "memory", what: "memory limit" };
const MEMORY_REQUEST: Requirement =
    Requirement { rule: "missing-memory-request", section: "requests", resource: "memory", what: "memory request" };
const CPU_REQUEST: Requirement =
    Requirement { rule: "missing-cpu-request", section: "requests", resource: "cpu", what: "CPU request" };
const CPU_LIMIT: Requirement =
    Requirement { rule: "missing-cpu-limit", section: "limits", resource: "cpu", what: "CPU limit" };

impl Policy for ResourceLimits {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX_EXAMPLE).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes containers declare resource requests and limits",
            "Every container and init container of every pod-bearing workload sets CPU and memory \
             requests and a memory limit, so the scheduler can place it and a leak cannot take \
             down its node.",
        )
        .kinds(["kubernetes", "helm-values"])
        .rules(vec![
            family.rule(
                MEMORY_LIMIT.rule,
                Severity::High,
                "Set a memory limit on every container",
                "Without a memory limit a leaking container grows until the node runs out of memory; \
                     the kernel's OOM killer then kills processes across the node, taking healthy pods with it.",
            ),
            family.rule(
                MEMORY_REQUEST.rule,
                Severity::Medium,
                "Set a memory request on every container",
                "The scheduler places pods by their requests. Without a memory request the pod is placed \
                     as if it needed no memory, overcommits its node, and is among the first evicted under \
                     memory pressure. A memory limit alone is enough: Kubernetes then sets the request to it.",
            ),
            family.rule(
                CPU_REQUEST.rule,
                Severity::Medium,
                "Set a CPU request on every container",
                "Without a CPU request the pod gets the smallest CPU share under contention and may be \
                     placed on a saturated node, so its latency collapses exactly when load is high. A CPU \
                     limit alone is enough: Kubernetes then sets the request to it.",
            ),
            family.rule(
                CPU_LIMIT.rule,
                Severity::Low,
                "Set a CPU limit on every container (only with require-cpu-limit)",
                "Some platforms require CPU limits for fair sharing or cost accounting. This rule only \
                     applies when `require-cpu-limit` is set, because CPU limits also throttle services on \
                     idle nodes.",
            ),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        let mut requirements = vec![MEMORY_LIMIT, MEMORY_REQUEST, CPU_REQUEST];
        if settings.require_cpu_limit {
            requirements.push(CPU_LIMIT);
        }
        for component in helm::components(document) {
            check_values_resources(&component, &requirements, findings);
        }
        each_container(document.tree, ContainerList::DECLARED, |_, container| {
            for requirement in &requirements {
                check_requirement(container, requirement, findings);
            }
        });
    }
}

/// A chart's values: a component whose `resources` key (which the chart
/// passes to the container through `toYaml`) lacks what a container needs.
/// `resources: {}`, what `helm create` writes, deploys a container without
/// requests or limits. A component without a `resources` key is left to
/// the rendered manifest: the chart may set them elsewhere.
fn check_values_resources(component: &helm::Component<'_>, requirements: &[Requirement], findings: &mut Findings) {
    let Some(resources) = component.body.get("resources") else { return };
    if !(resources.is_null() || resources.is_object()) {
        return;
    }
    let declares = |section: &str, resource: &str| {
        resources
            .get(section)
            .and_then(|values| values.get(resource))
            .is_some_and(|value| !value.is_null() && value.as_str() != Some(""))
    };
    for requirement in requirements {
        let defaulted = requirement.section == "requests" && declares("limits", requirement.resource);
        if defaulted || declares(requirement.section, requirement.resource) {
            continue;
        }
        let pointer = component.pointer.key("resources").key(requirement.section).key(requirement.resource);
        findings.report(
            requirement.rule,
            &pointer,
            format!("{} sets no {} in its resources", component.describe(), requirement.what),
        );
    }
}

/// Whether the container sets `resources.<section>.<resource>`.
fn declares(container: &Container<'_>, section: &str, resource: &str) -> bool {
    container
        .value
        .get("resources")
        .and_then(|resources| resources.get(section))
        .and_then(|values| values.get(resource))
        .is_some_and(|value| !value.is_null() && value.as_str() != Some(""))
}

fn check_requirement(container: &Container<'_>, requirement: &Requirement, findings: &mut Findings) {
    // Kubernetes sets a missing request to the limit, so a container with
    // a limit has its request: the scheduler places it by that amount.
    let defaulted = requirement.section == "requests" && declares(container, "limits", requirement.resource);
    if defaulted || declares(container, requirement.section, requirement.resource) {
        return;
    }
    // Point at where the value belongs; the host shows the nearest part
    // that exists (the `limits` map, `resources`, or the container).
    let pointer = container.pointer.key("resources").key(requirement.section).key(requirement.resource);
    findings.report(requirement.rule, &pointer, format!("{} has no {}", container.describe(), requirement.what));
}

tenken_sdk::export_policy!(ResourceLimits);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    fn rules(findings: &[(String, String, String)]) -> Vec<(&str, &str)> {
        findings.iter().map(|(rule, pointer, _)| (rule.as_str(), pointer.as_str())).collect()
    }

    #[test]
    fn complete_resources_pass() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "web", "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}}}]}});
        assert!(check_tree::<ResourceLimits>("kubernetes", pod).is_empty());
    }

    #[test]
    fn missing_resources_point_at_where_they_belong() {
        let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "initContainers": [{"name": "migrate", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
            "containers": [{"name": "web", "resources": {"requests": {"cpu": "1"}}}]}}}});
        let findings = check_tree::<ResourceLimits>("kubernetes", deployment);
        assert_eq!(
            rules(&findings),
            vec![
                ("missing-memory-limit", "/spec/template/spec/containers/0/resources/limits/memory"),
                ("missing-memory-request", "/spec/template/spec/containers/0/resources/requests/memory"),
                ("missing-memory-limit", "/spec/template/spec/initContainers/0/resources/limits/memory"),
            ]
        );
        assert_eq!(findings[2].2, "init container \"migrate\" has no memory limit");
    }

    #[test]
    fn objects_without_pods_are_ignored() {
        let service = json!({"kind": "Service", "spec": {"ports": [{"port": 80}]}});
        assert!(check_tree::<ResourceLimits>("kubernetes", service).is_empty());
    }

    #[test]
    fn settings_are_validated() {
        assert!(tenken_sdk::configure::<ResourceLimits>(r#"{"require-cpu-limit": true}"#).is_ok());
        let error = tenken_sdk::configure::<ResourceLimits>(r#"{"require-cpu-limits": true}"#).unwrap_err();
        assert!(error.contains("unknown field `require-cpu-limits`"), "{error}");
    }
}
