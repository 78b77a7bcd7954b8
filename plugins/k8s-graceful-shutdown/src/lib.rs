//! # k8s-graceful-shutdown
//!
//! Long-running pods leave themselves time to shut down:
//! `terminationGracePeriodSeconds` is not 0, and every container's
//! `preStop` hook finishes well inside the grace period (30 s unless set).
//! The hook's duration is read from a `sleep` action or from a `sleep N`
//! command in an `exec` hook; other hooks are not timed.
//!
//! ## Why it matters
//! When a pod is deleted (rollouts, scale-down, node drains), Kubernetes
//! removes it from Service endpoints and, at the same time, runs its
//! `preStop` hook and then sends SIGTERM. The grace period is the budget for
//! all of it: endpoint removal to propagate, in-flight requests to finish,
//! connections to drain. A grace period of 0 skips it and kills the process
//! at once, dropping every in-flight request on every rollout. A `preStop`
//! sleep as long as the grace period uses up the whole budget: SIGTERM
//! arrives with no time left, and the kubelet sends SIGKILL mid-shutdown.
//!
//! Jobs, CronJobs and pods that are not restarted are not checked.

use tenken_sdk::Node;
use tenken_sdk::kubernetes::{Container, ContainerList, PodSpec, pod_specs};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct GracefulShutdown;

/// Kubernetes' default `terminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: u64 = 30;

const FIX: &str = "Keep a grace period that covers the preStop delay plus the application's own shutdown:
```yaml
spec:
  terminationGracePeriodSeconds: 45
  containers:
    - name: web
      image: registry.example.com/web:1.4.2
      lifecycle:
        preStop:
          sleep:
            seconds: 10      # let endpoint removal propagate before SIGTERM
```
The application should then stop accepting connections on SIGTERM and finish in-flight work within the rest of the period.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
    "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/",
];

/// How long a `preStop` hook waits, when that can be read from it.
fn pre_stop_seconds(pre_stop: Node<'_>) -> Option<u64> {
    if let Some(seconds) = pre_stop.pointer("/sleep/seconds").and_then(Node::as_u64) {
        return Some(seconds);
    }
    let command = pre_stop.pointer("/exec/command")?.as_array()?;
    let words: Vec<&str> =
        command.iter().filter_map(Node::as_str).flat_map(|part| part.split([' ', ';', '&', '|'])).collect();
    words.windows(2).filter(|pair| pair[0] == "sleep" || pair[0].ends_with("/sleep")).find_map(|pair| {
        let number = pair[1].strip_suffix('s').unwrap_or(pair[1]);
        number.parse::<f64>().ok().filter(|seconds| seconds.is_finite() && *seconds >= 0.0).map(|s| s.ceil() as u64)
    })
}

impl Policy for GracefulShutdown {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes pods shut down gracefully",
            "Pods keep a termination grace period above zero that outlasts their preStop hook, so \
             rollouts and drains finish in-flight requests instead of dropping them.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new(
                "zero-grace-period",
                Category::Reliability,
                Severity::Medium,
                "Do not set terminationGracePeriodSeconds to 0",
            )
            .rationale(
                "A grace period of 0 kills the process at once on every rollout, scale-down and drain, \
                     dropping in-flight requests and skipping cleanup.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "pre-stop-outlasts-grace-period",
                Category::Reliability,
                Severity::Medium,
                "Keep the preStop hook shorter than the grace period",
            )
            .rationale(
                "The preStop hook runs inside the grace period; if it takes all of it, SIGTERM arrives \
                     with no time left and the container is killed mid-shutdown.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for pod in pod_specs(document.tree) {
            if pod.runs_to_completion() {
                continue;
            }
            let grace_field = pod.spec.get("terminationGracePeriodSeconds");
            let grace = grace_field.and_then(Node::as_u64);
            if grace == Some(0) {
                findings.report(
                    "zero-grace-period",
                    &pod.pointer.key("terminationGracePeriodSeconds"),
                    format!("{} kills its containers without a grace period", pod.workload()),
                );
                continue;
            }
            if grace_field.is_some() && grace.is_none() {
                continue; // templated or malformed: not ours to judge
            }
            // A patch without the grace period leaves the patched object's
            // in place, which may not be the default.
            if grace_field.is_none() && document.is_partial() {
                continue;
            }
            let grace = grace.unwrap_or(DEFAULT_GRACE_SECONDS);
            let containers = pod.containers(&[ContainerList::Containers, ContainerList::InitContainers]);
            for container in containers.iter().filter(|container| container.is_long_running()) {
                check_pre_stop(&pod, container, grace, findings);
            }
        }
    }
}

fn check_pre_stop(pod: &PodSpec<'_>, container: &Container<'_>, grace: u64, findings: &mut Findings) {
    let Some(pre_stop) = container.value.pointer("/lifecycle/preStop") else { return };
    let Some(seconds) = pre_stop_seconds(pre_stop) else { return };
    if seconds >= grace {
        let stated = if pod.spec.get("terminationGracePeriodSeconds").is_some() { "" } else { " (the default)" };
        findings.report(
            "pre-stop-outlasts-grace-period",
            &container.pointer.key("lifecycle").key("preStop"),
            format!(
                "{}'s preStop hook waits {seconds} s, but the grace period is {grace} s{stated}: it is killed \
                 before it can shut down",
                container.describe()
            ),
        );
    }
}

tenken_sdk::export_policy!(GracefulShutdown);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_pre_stop_durations() {
        assert_eq!(pre_stop_seconds(tenken_sdk::OwnedTree::new(&json!({"sleep": {"seconds": 12}})).root()), Some(12));
        assert_eq!(
            pre_stop_seconds(tenken_sdk::OwnedTree::new(&json!({"exec": {"command": ["sleep", "15"]}})).root()),
            Some(15)
        );
        assert_eq!(
            pre_stop_seconds(
                tenken_sdk::OwnedTree::new(
                    &json!({"exec": {"command": ["/bin/sh", "-c", "sleep 5s && nginx -s quit"]}})
                )
                .root()
            ),
            Some(5)
        );
        assert_eq!(
            pre_stop_seconds(
                tenken_sdk::OwnedTree::new(&json!({"exec": {"command": ["/usr/bin/sleep", "2.5"]}})).root()
            ),
            Some(3)
        );
        assert_eq!(
            pre_stop_seconds(tenken_sdk::OwnedTree::new(&json!({"httpGet": {"path": "/drain", "port": 8080}})).root()),
            None
        );
    }
}
