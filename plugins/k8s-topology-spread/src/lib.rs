//! # k8s-topology-spread
//!
//! Deployments and StatefulSets with more than one replica spread their
//! pods: `topologySpreadConstraints`, or pod anti-affinity (required or
//! preferred). A spread constraint whose `labelSelector` does not select
//! the workload's own pods is reported too: it constrains nothing.
//!
//! ## Why it matters
//! Replicas only protect against failures they do not share. The scheduler
//! packs pods wherever resources fit, so without a spread rule three
//! replicas can land on one node or in one zone, and that node's reboot or
//! that zone's outage takes the whole service down despite the replica
//! count. A constraint that selects other pods (a copy-pasted label, a
//! renamed app) looks like protection in review and gives none.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::kubernetes::{PodSpec, is_replicated, objects, selector_matches};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct TopologySpread;

const FIX: &str = "Spread replicas across zones and nodes, selecting the workload's own pod labels:
```yaml
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app: web}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app: web}
```";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/",
    "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity",
];

fn non_empty(value: Option<Node<'_>>) -> bool {
    match value.map(Node::shape) {
        Some(Shape::Array(items)) => !items.is_empty(),
        Some(Shape::Object(map)) => !map.is_empty(),
        _ => false,
    }
}

impl Policy for TopologySpread {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Replicated Kubernetes workloads spread across nodes and zones",
            "Replicas are spread by topology constraints or anti-affinity, so one node or zone failure \
             cannot take them all.",
        )
        .kinds(["kubernetes"])
        .rules(vec![
            Rule::new(
                "missing-spread",
                Category::Reliability,
                Severity::Medium,
                "Spread replicas with topologySpreadConstraints or pod anti-affinity",
            )
            .rationale(
                "Without a spread rule the scheduler may put every replica on one node or in one zone, \
                     where a single failure takes them all.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "spread-selects-other-pods",
                Category::Reliability,
                Severity::Medium,
                "Make each spread constraint select the workload's own pods",
            )
            .rationale(
                "A spread constraint counts only the pods its labelSelector selects; one that misses the \
                     workload's labels spreads nothing.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for workload in objects(document.tree) {
            if !is_replicated(workload.kind) {
                continue;
            }
            // Replica counts managed elsewhere (an autoscaler) are left to
            // k8s-replicas; spreading is asked of explicit multi-replica sets.
            let replicas = workload.get(&["spec", "replicas"]).0.and_then(Node::as_u64).unwrap_or(1);
            let Some(pod) = PodSpec::of(&workload) else { continue };
            if replicas < 2 {
                continue;
            }
            let constraints = pod.spec.get("topologySpreadConstraints");
            let anti_affinity = pod.spec.pointer("/affinity/podAntiAffinity");
            let anti_affinity_rules = anti_affinity.is_some_and(|rules| {
                non_empty(rules.get("requiredDuringSchedulingIgnoredDuringExecution"))
                    || non_empty(rules.get("preferredDuringSchedulingIgnoredDuringExecution"))
            });
            if !non_empty(constraints) && !anti_affinity_rules {
                findings.report(
                    "missing-spread",
                    &pod.pointer.key("topologySpreadConstraints"),
                    format!("{} runs {replicas} replicas with nothing spreading them", workload.describe()),
                );
                continue;
            }
            let labels = workload.labels(&["spec", "template", "metadata", "labels"]);
            let Some(constraints) = constraints.and_then(Node::as_array) else { continue };
            for (index, constraint) in constraints.iter().enumerate() {
                let Some(selector) = constraint.get("labelSelector") else { continue };
                if !selector_matches(selector, &labels) {
                    findings.report(
                        "spread-selects-other-pods",
                        &pod.pointer.key("topologySpreadConstraints").index(index).key("labelSelector"),
                        format!("this spread constraint does not select the pods of {}", workload.describe()),
                    );
                }
            }
        }
    }
}

tenken_sdk::export_policy!(TopologySpread);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<TopologySpread>("kubernetes", tree)
    }

    #[test]
    fn anti_affinity_or_matching_constraints_pass() {
        let anti = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{}]}}}}}});
        assert!(rules(anti).is_empty());
        let single = json!({"kind": "Deployment", "metadata": {"name": "one"}, "spec": {"replicas": 1, "template": {"spec": {}}}});
        assert!(rules(single).is_empty());
    }

    #[test]
    fn missing_and_mismatched_spread() {
        let bare = json!({"kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"replicas": 3, "template": {"spec": {}}}});
        assert_eq!(
            rules(bare),
            vec![("missing-spread".into(), "/spec/template/spec/topologySpreadConstraints".into())]
        );
        let wrong = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"topologySpreadConstraints": [{"labelSelector": {"matchLabels": {"app": "api"}}}]}}}});
        assert_eq!(
            rules(wrong),
            vec![(
                "spread-selects-other-pods".into(),
                "/spec/template/spec/topologySpreadConstraints/0/labelSelector".into()
            )]
        );
    }
}
