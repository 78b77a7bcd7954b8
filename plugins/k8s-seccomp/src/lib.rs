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

use serde_json::Value;
use tenken_sdk::kubernetes::{ContainerList, PodSpec, SecuritySetting, pod_specs, security_setting};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Scope, Severity};

/// The plugin.
pub struct Seccomp;

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
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        PluginInfo {
            id: "k8s-seccomp".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            title: "Kubernetes pods run under a seccomp profile".to_owned(),
            summary: "Pods filter system calls with the runtime's default seccomp profile or a local one, \
                      which blocks the kernel interfaces most container escapes use."
                .to_owned(),
            kinds: tenken_sdk::kubernetes::kinds_with_patches(),
            scope: Scope::File,
            rules: vec![
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
            ],
            settings_schema: None,
        }
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for pod in pod_specs(&document.tree) {
            if !pod.is_windows() {
                check_pod(&pod, document.is_partial(), findings);
            }
        }
    }
}

/// Whether a profile confines: `RuntimeDefault` or `Localhost`, not
/// `Unconfined` or a profile without a usable type.
fn confines(setting: &SecuritySetting<'_>) -> bool {
    matches!(setting.value.get("type").and_then(Value::as_str), Some("RuntimeDefault" | "Localhost"))
}

/// `partial`: the document is a patch, so a profile it does not set may be
/// set in the object it patches; only Unconfined profiles are reported.
fn check_pod(pod: &PodSpec<'_>, partial: bool, findings: &mut Findings) {
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
            None if partial => {}
            None => unprotected.push(container),
        }
    }
    if let Some(profile) = pod_profile {
        if !matches!(profile.get("type").and_then(Value::as_str), Some("RuntimeDefault" | "Localhost")) {
            findings.report(
                "seccomp-unconfined",
                &pod.pointer.key("securityContext").key("seccompProfile").key("type"),
                format!("{} runs its pods without system-call filtering (seccomp Unconfined)", pod.workload()),
            );
        }
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
