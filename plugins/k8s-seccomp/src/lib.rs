//! # k8s-seccomp
//!
//! Every pod runs under a seccomp profile, `RuntimeDefault` or a
//! `Localhost` profile, set once in the pod's `securityContext` or in each
//! container's. A container's own profile overrides the pod's, so an
//! `Unconfined` container inside a confined pod is reported too.
//!
//! ## Why it matters
//! Without a seccomp profile Kubernetes runs containers `Unconfined`: every
//! system call of the kernel is reachable from the container, including the
//! rarely used ones behind most container-escape exploits (`unshare`,
//! `keyctl`, `bpf`, `ptrace`, ...). The runtime's default profile blocks
//! them at no cost to ordinary applications. The legacy
//! `seccomp.security.alpha.kubernetes.io` annotations stopped working in
//! Kubernetes 1.27, so only the `securityContext` field counts.
//!
//! Windows pods are not checked: seccomp is a Linux feature.
//!
//! Some platforms apply `RuntimeDefault` to every pod that sets no
//! profile: GKE Autopilot, and clusters whose kubelets run with
//! `seccompDefault: true`. A pod that selects one of GKE's built-in
//! Autopilot compute classes (`cloud.google.com/compute-class: Autopilot`,
//! `Accelerator`, `Balanced`, `Performance`, `Scale-Out`, ...) runs there
//! and is not asked for a profile; for manifests that only ever deploy to
//! such clusters, set `runtime-default-enforced = true`. An explicit
//! `Unconfined` is reported everywhere.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::kubernetes::{ContainerList, PodSpec, SecuritySetting, pod_specs, security_setting};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct Seccomp;

/// Settings, from `[settings.k8s-seccomp]` in `tenken.toml`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Every cluster these manifests deploy to applies the RuntimeDefault profile to pods that set
    /// none (GKE Autopilot, or kubelets with `seccompDefault: true`): a missing profile is not
    /// reported, an explicit Unconfined one still is.
    #[serde(default)]
    pub runtime_default_enforced: bool,
}

/// The node label that selects a GKE compute class, and GKE's built-in
/// classes that run pods in Autopilot mode, which applies RuntimeDefault.
const COMPUTE_CLASS_LABEL: &str = "cloud.google.com/compute-class";
const AUTOPILOT_CLASSES: &[&str] =
    &["Autopilot", "Autopilot-Spot", "Accelerator", "Balanced", "Performance", "Scale-Out", "General-purpose"];

const FIX: &str = "Set the runtime's default profile for the whole pod:
```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: registry.example.com/web:1.4.2
```
A workload that needs a system call the default profile blocks should get a `Localhost` profile that allows that call, not `Unconfined`.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/tutorials/security/seccomp/",
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
];

impl Policy for Seccomp {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes pods run under a seccomp profile",
            "Pods filter system calls with the runtime's default seccomp profile or a local one, \
             which blocks the kernel interfaces most container escapes use.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new(
                "missing-seccomp-profile",
                Category::Security,
                Severity::Medium,
                "Set seccompProfile type RuntimeDefault or Localhost",
            )
            .rationale(
                "Without a profile, containers run Unconfined: every system call is reachable, including \
                     those behind most container escapes.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "seccomp-unconfined",
                Category::Security,
                Severity::High,
                "Do not set seccompProfile type Unconfined",
            )
            .rationale("An Unconfined profile explicitly turns system-call filtering off.")
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for pod in pod_specs(document.tree) {
            if !pod.is_windows() {
                let defaulted = document.is_partial() || settings.runtime_default_enforced || runs_on_autopilot(&pod);
                check_pod(&pod, defaulted, findings);
            }
        }
    }
}

/// Whether a profile confines: `RuntimeDefault` or `Localhost`, not
/// `Unconfined` or a profile without a usable type.
fn confines(setting: &SecuritySetting<'_>) -> bool {
    matches!(setting.value.get("type").and_then(Node::as_str), Some("RuntimeDefault" | "Localhost"))
}

/// Whether the pod selects a built-in GKE Autopilot compute class, by node
/// selector or by a required node affinity whose values are all such
/// classes.
fn runs_on_autopilot(pod: &PodSpec<'_>) -> bool {
    let autopilot = |value: Node<'_>| value.as_str().is_some_and(|class| AUTOPILOT_CLASSES.contains(&class));
    if pod.spec.pointer("/nodeSelector").and_then(|selector| selector.get(COMPUTE_CLASS_LABEL)).is_some_and(autopilot) {
        return true;
    }
    let terms = pod
        .spec
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Node::as_array);
    // Terms are ORed: every term must confine the pod to Autopilot classes.
    terms.is_some_and(|terms| {
        !terms.is_empty()
            && terms.iter().all(|term| {
                term.get("matchExpressions").and_then(Node::as_array).into_iter().flatten().any(|expression| {
                    expression.get("key").and_then(Node::as_str) == Some(COMPUTE_CLASS_LABEL)
                        && expression.get("operator").and_then(Node::as_str) == Some("In")
                        && expression
                            .get("values")
                            .and_then(Node::as_array)
                            .is_some_and(|values| !values.is_empty() && values.iter().all(autopilot))
                })
            })
    })
}

/// `defaulted`: a profile the pod does not set comes from elsewhere (the
/// object a patch patches, or the platform), so only Unconfined profiles
/// are reported.
fn check_pod(pod: &PodSpec<'_>, defaulted: bool, findings: &mut Findings) {
    let lists = [ContainerList::Containers, ContainerList::InitContainers, ContainerList::EphemeralContainers];
    let containers = pod.containers(&lists);
    let pod_profile = pod.spec.pointer("/securityContext/seccompProfile").filter(|value| !value.is_null());
    let mut unprotected = Vec::new();
    for container in &containers {
        match security_setting(pod, container, "seccompProfile") {
            Some(setting) if confines(&setting) => {}
            // The pod's own Unconfined profile is reported once, below.
            Some(setting) if setting.from_pod => {}
            Some(setting) => findings.report(
                "seccomp-unconfined",
                &setting.pointer.key("type"),
                format!("{} runs without system-call filtering (seccomp Unconfined)", container.describe()),
            ),
            None if defaulted => {}
            None => unprotected.push(container),
        }
    }
    if let Some(profile) = pod_profile {
        if !matches!(profile.get("type").and_then(Node::as_str), Some("RuntimeDefault" | "Localhost")) {
            findings.report(
                "seccomp-unconfined",
                &pod.pointer.key("securityContext").key("seccompProfile").key("type"),
                format!("{} runs its pods without system-call filtering (seccomp Unconfined)", pod.workload()),
            );
        }
        return;
    }
    if defaulted {
        return;
    }
    // With no pod-level profile: one finding for the pod when no container
    // has one (the fix is one line there), else one per container missing it.
    if unprotected.len() == containers.len() && !containers.is_empty() {
        findings.report(
            "missing-seccomp-profile",
            &pod.pointer.key("securityContext"),
            format!("{} sets no seccomp profile for its pods", pod.workload()),
        );
        return;
    }
    for container in unprotected {
        findings.report(
            "missing-seccomp-profile",
            &container.pointer.key("securityContext"),
            format!("{} sets no seccomp profile, and the pod sets none either", container.describe()),
        );
    }
}

tenken_sdk::export_policy!(Seccomp);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<Seccomp>("kubernetes", tree)
    }

    #[test]
    fn a_pod_profile_covers_its_containers_unless_one_opts_out() {
        let pod = json!({"kind": "Pod", "spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a"}, {"name": "b", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}});
        assert_eq!(
            rules(pod),
            vec![("seccomp-unconfined".into(), "/spec/containers/1/securityContext/seccompProfile/type".into())]
        );
    }

    #[test]
    fn missing_everywhere_is_one_finding_on_the_pod() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(rules(pod), vec![("missing-seccomp-profile".into(), "/spec/securityContext".into())]);
        let partly = json!({"kind": "Pod", "spec": {"containers": [{"name": "a"},
            {"name": "b", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}}]}});
        assert_eq!(
            rules(partly),
            vec![("missing-seccomp-profile".into(), "/spec/containers/0/securityContext".into())]
        );
    }
}
