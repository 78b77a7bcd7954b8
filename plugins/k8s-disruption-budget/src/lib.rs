//! # k8s-disruption-budget
//!
//! Every replicated Deployment and StatefulSet (more than one replica, or
//! managed by an autoscaler) has a PodDisruptionBudget that selects its
//! pods, in the same namespace, among the project's documents. And no
//! budget forbids every eviction: `maxUnavailable: 0`, `minAvailable:
//! 100%`, or a `minAvailable` as large as the workload's replica count.
//!
//! This plugin is project-scoped: it reads every Kubernetes document of the
//! project together, since budgets usually live in another file.
//!
//! ## Why it matters
//! Node drains (cluster upgrades, node pool rotation, autoscaler scale-down)
//! evict pods through the eviction API, which respects disruption budgets.
//! Without a budget, a drain may evict every replica of a service at once,
//! and a routine upgrade becomes an outage. A budget that allows no
//! disruption at all is the opposite failure: drains hang until someone
//! deletes pods by hand, blocking upgrades and security patches.

use std::collections::HashMap;
use tenken_sdk::Node;

use tenken_sdk::kubernetes::{
    Object, TreeIndex, is_replicated, objects_of_documents, same_namespace, same_tree, selector_matches,
};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct DisruptionBudget;

const AUTOSCALER_KINDS: &[&str] = &["HorizontalPodAutoscaler", "ScaledObject"];

const FIX: &str = "Add a budget that selects the workload's pods and allows some disruption:
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1          # or minAvailable: 50%; never 0 / 100%
  selector:
    matchLabels:
      app: web               # the labels of the Deployment's pod template
```";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/",
    "https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
];

/// A workload's replica count, if it is a plain number.
fn replicas(workload: &Object<'_>) -> Option<u64> {
    match workload.get(&["spec", "replicas"]).0 {
        None => Some(1),
        Some(value) => value.as_u64(),
    }
}

/// Whether a budget value allows no disruption whatever the workload:
/// maxUnavailable `0` or `"0%"`, minAvailable `"100%"`.
fn always_blocks(field: &str, value: Node<'_>) -> bool {
    let percent =
        value.as_str().and_then(|text| text.strip_suffix('%')).and_then(|number| number.trim().parse::<u64>().ok());
    match field {
        "maxUnavailable" => value.as_u64() == Some(0) || percent == Some(0),
        "minAvailable" => percent.is_some_and(|percent| percent >= 100),
        _ => false,
    }
}

impl Policy for DisruptionBudget {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Replicated Kubernetes workloads have a usable PodDisruptionBudget",
            "Every replicated workload has a PodDisruptionBudget, so node drains never take all its \
             pods at once, and no budget blocks drains entirely.",
        )
        .kinds(["kubernetes"])
        .project_scoped()
        .rules(vec![
            Rule::new(
                "missing-disruption-budget",
                Category::Reliability,
                Severity::Medium,
                "Give every replicated workload a PodDisruptionBudget",
            )
            .rationale(
                "Without a budget, a node drain during an upgrade may evict every replica at once and turn \
                     routine maintenance into an outage.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "budget-blocks-eviction",
                Category::Reliability,
                Severity::Medium,
                "Do not use a PodDisruptionBudget that allows no disruption",
            )
            .rationale(
                "A budget with maxUnavailable 0, or minAvailable equal to every replica, makes every drain \
                     hang: node upgrades and security patches stall until someone deletes pods by hand.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check_all(documents: &[Document<'_>], _settings: &NoSettings, findings: &mut Findings) {
        let all = objects_of_documents(documents);
        // Budgets, workloads and autoscalers belong to the workloads of
        // their own directory tree (see `same_tree`); each is found through
        // an index of those trees rather than by comparing every pair, which
        // a monorepo's project call cannot afford.
        let path = |index: usize| documents[index].path;
        let budgets = TreeIndex::new(
            all.iter().filter(|(_, object)| object.kind == "PodDisruptionBudget").map(|entry| (path(entry.0), entry)),
        );
        let workloads: Vec<Workload<'_, '_>> = all
            .iter()
            .enumerate()
            .filter(|(_, (_, object))| is_replicated(object.kind))
            .map(|(position, entry)| Workload {
                position,
                entry,
                labels: entry.1.labels(&["spec", "template", "metadata", "labels"]),
            })
            .collect();
        let workloads_by_tree = TreeIndex::new(workloads.iter().map(|workload| (path(workload.entry.0), workload)));
        let mut scalers_by_target: HashMap<&str, Vec<&(usize, Object<'_>)>> = HashMap::new();
        for entry in all.iter().filter(|(_, object)| AUTOSCALER_KINDS.contains(&object.kind)) {
            if let Some(target) = entry.1.value.pointer("/spec/scaleTargetRef/name").and_then(Node::as_str) {
                scalers_by_target.entry(target).or_default().push(entry);
            }
        }
        let autoscaled = |(index, workload): &(usize, Object<'_>)| {
            let scalers = workload.name.and_then(|name| scalers_by_target.get(name));
            scalers.into_iter().flatten().any(|(scaler_index, scaler)| {
                same_namespace(scaler.namespace, workload.namespace) && same_tree(path(*scaler_index), path(*index))
            })
        };
        let selects = |(_, budget): &(usize, Object<'_>), workload: &Workload<'_, '_>| {
            same_namespace(budget.namespace, workload.entry.1.namespace)
                && budget
                    .value
                    .pointer("/spec/selector")
                    .is_some_and(|selector| selector_matches(selector, &workload.labels))
        };

        for entry in all.iter().filter(|(_, object)| object.kind == "PodDisruptionBudget") {
            let (index, budget) = entry;
            for field in ["maxUnavailable", "minAvailable"] {
                let (value, pointer) = budget.get(&["spec", field]);
                if let Some(value) = value.filter(|&value| always_blocks(field, value)) {
                    findings.in_document(*index).report(
                        "budget-blocks-eviction",
                        &pointer,
                        format!("{} allows no voluntary disruption ({field}: {value})", budget.describe()),
                    );
                }
            }
            // A whole-number minAvailable blocks drains once it reaches the
            // number of pods the budget selects, across every workload it
            // selects. Unknown replica counts (autoscaled, templated) are
            // not judged.
            let (value, pointer) = budget.get(&["spec", "minAvailable"]);
            let Some(minimum) = value.and_then(Node::as_u64) else { continue };
            let mut selected: Vec<&Workload<'_, '_>> =
                workloads_by_tree.related(path(*index)).copied().filter(|workload| selects(entry, workload)).collect();
            // In document order, as the message lists them.
            selected.sort_by_key(|workload| workload.position);
            let counts: Option<Vec<u64>> = selected
                .iter()
                .map(|workload| if autoscaled(workload.entry) { None } else { replicas(&workload.entry.1) })
                .collect();
            let Some(total) = counts.map(|counts| counts.iter().sum::<u64>()) else { continue };
            if !selected.is_empty() && minimum >= total {
                let names: Vec<String> = selected.iter().map(|workload| workload.entry.1.describe()).collect();
                findings.in_document(*index).report(
                    "budget-blocks-eviction",
                    &pointer,
                    format!(
                        "{} requires {minimum} available pods, but it selects {total} ({}): no pod can be evicted",
                        budget.describe(),
                        names.join(", ")
                    ),
                );
            }
        }

        for workload in &workloads {
            let (index, object) = workload.entry;
            let count = replicas(object);
            if !(count.is_some_and(|count| count > 1) || autoscaled(workload.entry)) {
                continue;
            }
            if !budgets.related(path(*index)).any(|budget| selects(budget, workload)) {
                findings.in_document(*index).report(
                    "missing-disruption-budget",
                    &object.pointer.key("metadata").key("name"),
                    format!("{} has no PodDisruptionBudget selecting its pods", object.describe()),
                );
            }
        }
    }
}

/// A replicated workload and the labels of its pods, read once.
struct Workload<'o, 'a> {
    /// Where it stands among all objects of the call.
    position: usize,
    /// (document, object).
    entry: &'o (usize, Object<'a>),
    labels: Vec<(&'a str, &'a str)>,
}

tenken_sdk::export_policy!(DisruptionBudget);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_documents;

    fn run(trees: Vec<Value>) -> Vec<(String, usize, String)> {
        let documents = trees.into_iter().map(|tree| ("p".to_owned(), tree)).collect();
        let findings = check_documents::<DisruptionBudget>("kubernetes", documents, &NoSettings::default());
        findings.into_iter().map(|f| (f.rule, f.document as usize, f.pointer)).collect()
    }

    fn deployment(replicas: u64) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": replicas,
            "template": {"metadata": {"labels": {"app": "web"}}}}})
    }

    #[test]
    fn a_matching_budget_in_another_document_counts() {
        let budget = json!({"kind": "PodDisruptionBudget", "metadata": {"name": "web"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}});
        assert!(run(vec![deployment(3), budget]).is_empty());
        let other = json!({"kind": "PodDisruptionBudget", "metadata": {"name": "api"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}}});
        assert_eq!(
            run(vec![deployment(3), other]),
            vec![("missing-disruption-budget".into(), 0, "/metadata/name".into())]
        );
        assert!(run(vec![deployment(1)]).is_empty());
    }

    #[test]
    fn budgets_that_block_every_eviction() {
        assert!(always_blocks("maxUnavailable", tenken_sdk::OwnedTree::new(&json!(0)).root()));
        assert!(always_blocks("maxUnavailable", tenken_sdk::OwnedTree::new(&json!("0%")).root()));
        assert!(!always_blocks("maxUnavailable", tenken_sdk::OwnedTree::new(&json!("25%")).root()));
        assert!(always_blocks("minAvailable", tenken_sdk::OwnedTree::new(&json!("100%")).root()));
        assert!(!always_blocks("minAvailable", tenken_sdk::OwnedTree::new(&json!(3)).root()));
        let budget = json!({"kind": "PodDisruptionBudget", "metadata": {"name": "web"},
            "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "web"}}}});
        assert_eq!(
            run(vec![deployment(3), budget.clone()]),
            vec![("budget-blocks-eviction".into(), 1, "/spec/minAvailable".into())]
        );
        assert!(run(vec![deployment(4), budget]).is_empty());
    }
}
