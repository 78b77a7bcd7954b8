//! # k8s-probes
//!
//! Every long-running container declares a readiness probe and a liveness
//! probe, and the liveness probe is not the same check as the readiness
//! probe.
//!
//! ## Why it matters
//! Without a readiness probe, a Service sends traffic to a pod as soon as
//! its process starts, before it can answer, and keeps sending it while the
//! pod is overloaded or draining: every rollout and every hiccup becomes
//! user-facing errors. Without a liveness probe, a deadlocked process keeps
//! its pod "Running" forever and nobody restarts it.
//!
//! Using one check for both is a classic cascading failure: when a shared
//! dependency (a database, a downstream API) slows down, readiness fails as
//! it should, but liveness fails too, and the kubelet restarts every replica
//! at once, turning a slowdown into an outage. Liveness should ask "is this
//! process wedged?", never "are my dependencies healthy?".
//!
//! Jobs, CronJobs and pods that do not restart (`restartPolicy: Never` or
//! `OnFailure`) run to completion and are exempt, as are init containers;
//! native sidecars (init containers with `restartPolicy: Always`) are
//! long-running and are checked.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::kubernetes::{Container, ContainerList, Object, PodSpec, TreeIndex, objects, same_namespace};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct Probes;

/// Settings, from `[settings.k8s-probes]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Require a liveness probe on long-running containers. Set to false if your platform prefers
    /// no liveness probe to a poorly chosen one.
    #[serde(default = "yes")]
    pub require_liveness_probe: bool,
}

fn yes() -> bool {
    true
}

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/",
    "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
];

const FIX: &str = "Give each long-running container a readiness probe on an endpoint that reports whether it can serve now, and a liveness probe on a cheaper endpoint that only reports whether the process is wedged:
```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2
    readinessProbe:
      httpGet: {path: /ready, port: http}   # checks dependencies
      periodSeconds: 5
    livenessProbe:
      httpGet: {path: /live, port: http}    # process health only
      periodSeconds: 10
      failureThreshold: 6
```
A slow-starting service should add a `startupProbe` rather than a long `initialDelaySeconds`.";

/// The fields that define what a probe checks, as opposed to how often.
const HANDLERS: &[&str] = &["httpGet", "tcpSocket", "exec", "grpc"];

impl Policy for Probes {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Long-running Kubernetes containers have readiness and liveness probes",
            "Services only receive traffic when ready and wedged processes get restarted, without a \
             liveness check that restarts every replica when a dependency slows down.",
        )
        .kinds(["kubernetes"])
        // Project-wide, to see the Services that send pods traffic.
        .project_scoped()
        .rules(vec![
            family.rule(
                "missing-readiness-probe",
                Severity::Medium,
                "Give every long-running container of a pod that receives traffic a readiness probe",
                "Without a readiness probe, traffic reaches a pod before it can serve and while it is \
                     overloaded or shutting down, so rollouts and load spikes turn into user-facing errors. \
                     A pod receives traffic when it declares a port, a Service of its directory tree selects \
                     it, or it belongs to a StatefulSet; a queue worker that does none of these needs no \
                     readiness probe.",
            ),
            family.rule(
                "missing-liveness-probe",
                Severity::Medium,
                "Give every long-running container a liveness probe",
                "Without a liveness probe, a deadlocked or wedged process keeps its pod Running and \
                     serving nothing until a human notices.",
            ),
            family.rule(
                "liveness-same-as-readiness",
                Severity::Medium,
                "Do not use the readiness check as the liveness check",
                "When liveness and readiness run the same check, a slow shared dependency fails both: \
                     the kubelet restarts every replica at once and a slowdown becomes an outage.",
            ),
        ])
    }

    fn check_all(documents: &[Document<'_>], settings: &Settings, findings: &mut Findings) {
        // Services by directory tree: a monorepo's call holds thousands of
        // workloads and Services, too many to compare pairwise.
        let services = TreeIndex::new(
            documents
                .iter()
                .flat_map(|document| objects(document.tree).into_iter().map(move |object| (document.path, object)))
                .filter(|(_, object)| object.kind == "Service"),
        );
        for (index, document) in documents.iter().enumerate() {
            findings.in_document(index);
            for object in objects(document.tree) {
                let Some(pod) = PodSpec::of(&object) else { continue };
                if pod.runs_to_completion() {
                    continue;
                }
                let labels = object.pod_labels();
                let selected = services.related(document.path).any(|service| {
                    same_namespace(service.namespace, object.namespace) && service_selects(service, &labels)
                });
                let containers = pod.containers(&[ContainerList::Containers, ContainerList::InitContainers]);
                let declares_ports = containers.iter().any(|container| {
                    container.value.get("ports").and_then(Node::as_array).is_some_and(|ports| !ports.is_empty())
                });
                // A StatefulSet names the Service that governs its pods.
                let governed = object
                    .value
                    .pointer("/spec/serviceName")
                    .and_then(Node::as_str)
                    .is_some_and(|name| !name.is_empty());
                let receives_traffic = selected || declares_ports || governed;
                for container in containers.iter().filter(|container| container.is_long_running()) {
                    check_container(container, receives_traffic, settings, findings);
                }
            }
        }
    }
}

/// Whether `service` sends traffic to pods with `labels`. A Service's
/// selector is a plain label map; one without a selector (endpoints managed
/// by hand) selects no pod.
fn service_selects(service: &Object<'_>, labels: &[(&str, &str)]) -> bool {
    match service.value.pointer("/spec/selector") {
        Some(selector) if selector.as_object().is_some_and(|map| !map.is_empty()) => {
            tenken_sdk::kubernetes::labels_match(selector, labels)
        }
        _ => false,
    }
}

fn probe<'a>(container: &Container<'a>, field: &str) -> Option<Node<'a>> {
    container.value.get(field).filter(|probe| probe.is_object())
}

/// `receives_traffic`: the pod declares a port, a Service in its directory
/// tree selects it, or it belongs to a StatefulSet, which names its Service. A readiness probe only gates traffic, so a
/// pod that gets none (a queue worker, a client pod that sleeps) needs no
/// readiness probe; it still needs a liveness probe.
fn check_container(container: &Container<'_>, receives_traffic: bool, settings: &Settings, findings: &mut Findings) {
    let noun = container.list.noun();
    let readiness = probe(container, "readinessProbe");
    let liveness = probe(container, "livenessProbe");
    if readiness.is_none() && receives_traffic {
        findings.report(
            "missing-readiness-probe",
            &container.pointer.key("readinessProbe"),
            format!("{noun} \"{}\" has no readiness probe", container.name),
        );
    }
    if liveness.is_none() && settings.require_liveness_probe {
        findings.report(
            "missing-liveness-probe",
            &container.pointer.key("livenessProbe"),
            format!("{noun} \"{}\" has no liveness probe", container.name),
        );
    }
    if let (Some(readiness), Some(liveness)) = (readiness, liveness)
        && let (Some(readiness_check), Some(liveness_check)) = (handler(readiness), handler(liveness))
        && readiness_check == liveness_check
    {
        findings.report(
            "liveness-same-as-readiness",
            &container.pointer.key("livenessProbe"),
            format!(
                "{noun} \"{}\" uses the same check for liveness as for readiness; a slow dependency would \
                 restart every replica",
                container.name
            ),
        );
    }
}

/// What a probe checks: its handler, without timing fields.
fn handler(probe: Node<'_>) -> Option<(&str, Node<'_>)> {
    HANDLERS.iter().find_map(|name| probe.get(*name).map(|value| (*name, value)))
}

tenken_sdk::export_policy!(Probes);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<Probes>("kubernetes", tree)
    }

    fn deployment(containers: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn distinct_probes_pass() {
        let tree = deployment(json!([{"name": "web",
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}}}]));
        assert!(rules(tree).is_empty());
    }

    #[test]
    fn missing_probes_point_where_they_belong() {
        let tree = deployment(json!([{"name": "web", "ports": [{"containerPort": 8080}]}]));
        assert_eq!(
            rules(tree),
            vec![
                ("missing-readiness-probe".into(), "/spec/template/spec/containers/0/readinessProbe".into()),
                ("missing-liveness-probe".into(), "/spec/template/spec/containers/0/livenessProbe".into()),
            ]
        );
    }

    #[test]
    fn the_same_check_for_both_is_flagged_even_with_different_timing() {
        let tree = deployment(json!([{"name": "web",
            "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 5},
            "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 20}}]));
        assert_eq!(
            rules(tree),
            vec![("liveness-same-as-readiness".into(), "/spec/template/spec/containers/0/livenessProbe".into())]
        );
    }

    #[test]
    fn batch_work_and_init_containers_are_exempt_but_sidecars_are_not() {
        let job = json!({"kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "once"}]}}}});
        let cronjob = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "nightly"}]}}}}}});
        let one_off_pod = json!({"kind": "Pod", "spec": {"restartPolicy": "Never", "containers": [{"name": "debug"}]}});
        assert!(rules(job).is_empty());
        assert!(rules(cronjob).is_empty());
        assert!(rules(one_off_pod).is_empty());

        let probes =
            json!({"readinessProbe": {"tcpSocket": {"port": 1}}, "livenessProbe": {"exec": {"command": ["true"]}}});
        let mut web = probes.clone();
        web["name"] = json!("web");
        web["ports"] = json!([{"containerPort": 8080}]);
        let tree = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "initContainers": [{"name": "migrate"}, {"name": "proxy", "restartPolicy": "Always"}],
            "containers": [web]}}}});
        let found = rules(tree);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(_, pointer)| pointer.starts_with("/spec/template/spec/initContainers/1/")));
    }

    /// Readiness gates traffic: a pod that declares no port and that no
    /// Service of its directory tree selects gets none, and needs no
    /// readiness probe. A Service that selects it, wherever its ports are
    /// declared, brings the rule back.
    #[test]
    fn readiness_is_asked_of_pods_that_receive_traffic() {
        let worker = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "worker"},
            "spec": {"template": {"metadata": {"labels": {"app": "worker"}},
                "spec": {"containers": [{"name": "worker"}]}}}});
        let check = |documents: Vec<(&str, &Value)>| -> Vec<String> {
            let documents = documents.into_iter().map(|(path, tree)| (path.to_owned(), tree.clone())).collect();
            let found = tenken_sdk::check_documents::<Probes>(
                "kubernetes",
                documents,
                &tenken_sdk::default_settings::<Probes>().unwrap(),
            );
            found.into_iter().filter(|finding| finding.document == 0).map(|finding| finding.rule).collect()
        };
        assert_eq!(check(vec![("k8s/worker.yaml", &worker)]), ["missing-liveness-probe"]);

        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "worker"},
            "spec": {"selector": {"app": "worker"}, "ports": [{"port": 80, "targetPort": 8080}]}});
        assert_eq!(
            check(vec![("k8s/worker.yaml", &worker), ("k8s/service.yaml", &service)]),
            ["missing-readiness-probe", "missing-liveness-probe"]
        );
        // A Service of another application's tree says nothing about it.
        assert_eq!(
            check(vec![("shop/worker.yaml", &worker), ("blog/service.yaml", &service)]),
            ["missing-liveness-probe"]
        );
    }

    #[test]
    fn liveness_can_be_made_optional() {
        let settings = tenken_sdk::configure::<Probes>(r#"{"require-liveness-probe": false}"#).unwrap();
        assert!(!settings.require_liveness_probe);
        assert!(tenken_sdk::configure::<Probes>(r#"{"require-liveness": false}"#).is_err());
    }
}
