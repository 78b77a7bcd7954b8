//! # k8s-replicas
//!
//! Deployments and StatefulSets run at least `min-replicas` pods (default
//! 2). A workload that an autoscaler targets (a HorizontalPodAutoscaler, or
//! a KEDA ScaledObject) is judged by the autoscaler's minimum instead,
//! since the autoscaler owns its replica count.
//!
//! This plugin is project-scoped: it reads every Kubernetes document of the
//! project together, so that an autoscaler in another file counts.
//!
//! ## Why it matters
//! One replica is one point of failure. A node drain, an eviction, an OOM
//! kill, a crash or a rollout that fails its readiness check takes the
//! service down entirely, and every voluntary disruption (cluster
//! upgrades, node rotation) becomes an outage. Two replicas survive losing
//! one; with a PodDisruptionBudget and spread across zones they survive a
//! zone. An autoscaler whose minimum is 1 scales down to that single point
//! of failure every night.
//!
//! `replicas: 0` is a deliberate scale-down and is not reported.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::kubernetes::{Object, is_replicated, objects, objects_of_documents, same_namespace, same_tree};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct Replicas;

/// Settings, from `[settings.k8s-replicas]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// The fewest replicas a Deployment or StatefulSet (or the minimum of the autoscaler that
    /// targets it) may have.
    #[serde(default = "default_min")]
    #[schemars(range(min = 1))]
    pub min_replicas: u64,
}

fn default_min() -> u64 {
    2
}

const FIX: &str = "Run at least two replicas, or let an autoscaler keep at least two:
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
```
Pair replicas with a PodDisruptionBudget and topology spread, so they do not all go down together.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#replicas",
    "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
];

/// An autoscaler and the workload it targets.
struct Autoscaler<'a> {
    document: usize,
    object: Object<'a>,
    target_kind: &'a str,
    target_name: &'a str,
    /// The minimum and where it is (or belongs).
    min: u64,
    min_field: &'static str,
}

fn autoscaler(document: usize, object: Object<'_>) -> Option<Autoscaler<'_>> {
    let (kind_default, min_field, min_default) = match object.kind {
        "HorizontalPodAutoscaler" => (None, "minReplicas", 1),
        "ScaledObject" => (Some("Deployment"), "minReplicaCount", 0),
        _ => return None,
    };
    let target = object.value.pointer("/spec/scaleTargetRef")?;
    let target_kind = target.get("kind").and_then(Node::as_str).or(kind_default)?;
    let target_name = target.get("name").and_then(Node::as_str)?;
    let min = object.value.get("spec").and_then(|spec| spec.get(min_field)).and_then(Node::as_u64);
    Some(Autoscaler { document, object, target_kind, target_name, min: min.unwrap_or(min_default), min_field })
}

impl Policy for Replicas {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes workloads run more than one replica",
            "Deployments and StatefulSets run enough replicas, directly or through their autoscaler's \
             minimum, to survive losing a pod or a node.",
        )
        .kinds(["kubernetes"])
        .project_scoped()
        .rules(vec![
            Rule::new(
                "too-few-replicas",
                Category::Reliability,
                Severity::Medium,
                "Run at least min-replicas replicas",
            )
            .rationale(
                "A single replica is a single point of failure: every node drain, eviction, crash or \
                     failed rollout is an outage.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "autoscaler-minimum-too-low",
                Category::Reliability,
                Severity::Medium,
                "Keep the autoscaler's minimum at min-replicas or more",
            )
            .rationale(
                "An autoscaler scales down to its minimum whenever load is low; a minimum of one turns \
                     every quiet period into a single point of failure.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        if settings.min_replicas == 0 {
            return Err("min-replicas must be at least 1".to_owned());
        }
        Ok(())
    }

    fn check_all(documents: &[Document], settings: &Settings, findings: &mut Findings) {
        let autoscalers: Vec<Autoscaler<'_>> = objects_of_documents(documents)
            .into_iter()
            .filter_map(|(index, object)| autoscaler(index, object))
            .collect();
        for (index, document) in documents.iter().enumerate() {
            for workload in objects(document.tree) {
                if !is_replicated(workload.kind) {
                    continue;
                }
                let scaled_by = autoscalers.iter().find(|scaler| {
                    scaler.target_kind == workload.kind
                        && Some(scaler.target_name) == workload.name
                        && same_namespace(scaler.object.namespace, workload.namespace)
                        && same_tree(documents[scaler.document].path, document.path)
                });
                if scaled_by.is_some() {
                    continue;
                }
                let (replicas, pointer) = workload.get(&["spec", "replicas"]);
                let count = match replicas {
                    None => 1,
                    Some(value) => match value.as_u64() {
                        Some(count) => count,
                        None => continue, // templated or malformed: not ours to judge
                    },
                };
                if count != 0 && count < settings.min_replicas {
                    let stated = if replicas.is_none() { " (the default)" } else { "" };
                    let plural = if count == 1 { "" } else { "s" };
                    findings.in_document(index).report(
                        "too-few-replicas",
                        &pointer,
                        format!(
                            "{} runs {count} replica{plural}{stated}, fewer than the {} this project requires",
                            workload.describe(),
                            settings.min_replicas
                        ),
                    );
                }
            }
        }
        for scaler in &autoscalers {
            if scaler.min < settings.min_replicas {
                let (_, pointer) = scaler.object.get(&["spec", scaler.min_field]);
                findings.in_document(scaler.document).report(
                    "autoscaler-minimum-too-low",
                    &pointer,
                    format!(
                        "{} lets {} \"{}\" scale down to {} replica{}",
                        scaler.object.describe(),
                        scaler.target_kind,
                        scaler.target_name,
                        scaler.min,
                        if scaler.min == 1 { "" } else { "s" }
                    ),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(Replicas);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_documents;

    fn run(trees: Vec<Value>) -> Vec<(String, usize, String)> {
        let documents = trees.into_iter().map(|tree| ("p".to_owned(), tree)).collect();
        let findings =
            check_documents::<Replicas>("kubernetes", documents, &tenken_sdk::default_settings::<Replicas>().unwrap());
        findings.into_iter().map(|f| (f.rule, f.document as usize, f.pointer)).collect()
    }

    #[test]
    fn the_autoscaler_owns_the_count_of_its_target() {
        let deployment = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}});
        let hpa = json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 3}});
        assert!(run(vec![deployment.clone(), hpa]).is_empty());
        let low = json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}}});
        assert_eq!(
            run(vec![deployment, low]),
            vec![("autoscaler-minimum-too-low".into(), 1, "/spec/minReplicas".into())]
        );
    }

    #[test]
    fn defaults_and_explicit_counts() {
        let default = json!({"kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {}});
        let zero = json!({"kind": "Deployment", "metadata": {"name": "off"}, "spec": {"replicas": 0}});
        assert_eq!(run(vec![default, zero]), vec![("too-few-replicas".into(), 0, "/spec/replicas".into())]);
        assert!(tenken_sdk::configure::<Replicas>(r#"{"min-replicas": 0}"#).is_err());
    }
}
