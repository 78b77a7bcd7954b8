//! # k8s-rollout-safety
//!
//! Rollouts replace pods a few at a time: no `maxUnavailable` that covers
//! every replica (`100%`, or a number at least the replica count) in a
//! Deployment, StatefulSet or DaemonSet update strategy, and no `Recreate`
//! strategy on a Deployment with more than one replica.
//!
//! ## Why it matters
//! A rolling update keeps serving with the old pods until new ones are
//! ready; that is what makes a bad release an aborted rollout rather than
//! an outage. `maxUnavailable: 100%` lets the controller stop every old pod
//! at once, and `Recreate` always does: every release, even a good one, is
//! a full outage until the new pods pass readiness, and a bad one leaves
//! nothing running. Recreate is right for singletons that cannot run two
//! copies (a volume that only mounts once), not for replicated services.

use tenken_sdk::Node;
use tenken_sdk::kubernetes::{Object, objects};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct RolloutSafety;

const FIX: &str = "Roll out a fraction of the replicas at a time, surging new pods before old ones stop:
```yaml
spec:
  replicas: 4
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0      # or 25%: keep serving capacity
      maxSurge: 25%
```";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#rolling-updates",
];

/// Where each kind keeps its rolling-update settings.
/// Where the kind's rolling update sets `maxUnavailable`.
fn rolling_update_path(kind: &str) -> Option<[&'static str; 3]> {
    match kind {
        "Deployment" => Some(["spec", "strategy", "rollingUpdate"]),
        "StatefulSet" | "DaemonSet" => Some(["spec", "updateStrategy", "rollingUpdate"]),
        // OpenShift's `Rolling` strategy and Argo Rollouts' canary steps.
        "DeploymentConfig" => Some(["spec", "strategy", "rollingParams"]),
        "Rollout" => Some(["spec", "strategy", "canary"]),
        _ => None,
    }
}

/// Whether the kind's `spec.strategy.type` can say `Recreate`.
fn can_recreate(kind: &str) -> bool {
    matches!(kind, "Deployment" | "DeploymentConfig")
}

/// Whether `maxUnavailable` lets every replica go at once.
fn takes_everything(value: Node<'_>, replicas: Option<u64>) -> bool {
    if let Some(percent) = value.as_str().and_then(|text| text.trim().strip_suffix('%')) {
        return percent.trim().parse::<u64>().is_ok_and(|percent| percent >= 100);
    }
    match (value.as_u64(), replicas) {
        (Some(count), Some(replicas)) => replicas > 1 && count >= replicas,
        _ => false,
    }
}

fn replicas(workload: &Object<'_>) -> Option<u64> {
    match workload.get(&["spec", "replicas"]).0 {
        None if workload.kind == "DaemonSet" => None,
        None => Some(1),
        Some(value) => value.as_u64(),
    }
}

impl Policy for RolloutSafety {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes rollouts never take every replica down at once",
            "Update strategies replace pods gradually, so a release (good or bad) never stops every \
             replica at the same time.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new(
                "max-unavailable-all",
                Category::Reliability,
                Severity::High,
                "Keep maxUnavailable below the replica count",
            )
            .rationale(
                "A maxUnavailable that covers every replica lets a rollout stop all old pods before any \
                     new one is ready: every release risks a full outage.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "recreate-strategy",
                Category::Reliability,
                Severity::Medium,
                "Do not use the Recreate strategy for replicated Deployments",
            )
            .rationale(
                "Recreate stops every pod before starting new ones: each release is an outage until the \
                     new pods are ready, and a bad one leaves nothing running.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for workload in objects(document.tree) {
            let Some(path) = rolling_update_path(workload.kind) else { continue };
            let count = replicas(&workload);
            let (max_unavailable, pointer) = workload.get(&[path[0], path[1], path[2], "maxUnavailable"]);
            if let Some(value) = max_unavailable.filter(|&value| takes_everything(value, count)) {
                findings.report(
                    "max-unavailable-all",
                    &pointer,
                    format!(
                        "{} may stop every replica at once during a rollout (maxUnavailable: {value})",
                        workload.describe()
                    ),
                );
            }
            let (strategy, pointer) = workload.get(&["spec", "strategy", "type"]);
            let replicated = count.is_some_and(|count| count > 1);
            if can_recreate(workload.kind) && strategy.and_then(Node::as_str) == Some("Recreate") && replicated {
                findings.report(
                    "recreate-strategy",
                    &pointer,
                    format!(
                        "{} stops all {} replicas before starting new ones on every rollout",
                        workload.describe(),
                        count.unwrap_or_default()
                    ),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(RolloutSafety);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_strategies_that_take_everything() {
        assert!(takes_everything(tenken_sdk::OwnedTree::new(&json!("100%")).root(), Some(3)));
        assert!(!takes_everything(tenken_sdk::OwnedTree::new(&json!("25%")).root(), Some(3)));
        assert!(takes_everything(tenken_sdk::OwnedTree::new(&json!(3)).root(), Some(3)));
        assert!(!takes_everything(tenken_sdk::OwnedTree::new(&json!(1)).root(), Some(3)));
        assert!(!takes_everything(tenken_sdk::OwnedTree::new(&json!(1)).root(), Some(1)));
        assert!(!takes_everything(tenken_sdk::OwnedTree::new(&json!(5)).root(), None));
    }
}
