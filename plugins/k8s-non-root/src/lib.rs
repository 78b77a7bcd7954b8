//! # k8s-non-root
//!
//! Every container runs as a non-root user: `runAsNonRoot: true`, or a
//! `runAsUser` above 0, set on the container or inherited from the pod's
//! `securityContext`. A container's own setting overrides the pod's, as
//! Kubernetes applies them.
//!
//! ## Why it matters
//! Root in a container is root on the node's kernel, separated only by
//! namespaces. A container escape, a writable host mount or a kernel bug
//! turns an application compromise into a node compromise far more easily
//! from UID 0. Most images default to root, so unless the manifest says
//! otherwise the workload runs as root. `runAsNonRoot: true` makes the
//! kubelet refuse to start a container whose image would run as root, so
//! the guarantee holds even when an image changes.
//!
//! Windows pods (`spec.os.name: windows`) are not checked: these fields do
//! not apply there.

use tenken_sdk::kubernetes::{
    Container, ContainerList, PodSpec, each_container, security_context_pointer, security_setting,
};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct NonRoot;

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
];

const FIX: &str = "Run as a non-root user, for the whole pod or per container:
```yaml
spec:
  securityContext:
    runAsNonRoot: true      # the kubelet refuses images that would run as root
    runAsUser: 10001        # optional: a fixed UID the image is built for
  containers:
    - name: web
      image: registry.example.com/web:1.4.2
```
If the image itself runs as root, add a non-root `USER` to its Dockerfile.";

impl Policy for NonRoot {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes containers run as a non-root user",
            "Containers run as a non-root user, so that an application compromise is not root on the \
             node's kernel. Container settings override pod settings, as Kubernetes applies them.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            family.rule(
                "runs-as-root",
                Severity::High,
                "Do not run containers as root (runAsUser: 0 or runAsNonRoot: false)",
                "The manifest explicitly runs the container as UID 0, or switches off the kubelet's \
                     non-root check: an application compromise becomes root on the node's kernel.",
            ),
            family.rule(
                "non-root-not-enforced",
                Severity::High,
                "Set runAsNonRoot: true or a non-zero runAsUser",
                "Nothing in the pod or container says the process runs as non-root, so it runs as whatever \
                     the image says, which for most images is root.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        each_container(document.tree, ContainerList::ALL, |pod, container| {
            if !pod.is_windows() {
                check_container(pod, container, document.is_partial(), findings);
            }
        });
    }
}

/// `partial`: the document is a patch, so an unset field is the patched
/// object's business; only explicit root settings are reported.
fn check_container(pod: &PodSpec<'_>, container: &Container<'_>, partial: bool, findings: &mut Findings) {
    let user = security_setting(pod, container, "runAsUser");
    let non_root = security_setting(pod, container, "runAsNonRoot");
    let inherited = |from_pod: bool| if from_pod { " (set for the whole pod)" } else { "" };

    if let Some(user) = &user {
        match user.value.as_i64() {
            Some(0) => {
                let message = format!("{} runs as UID 0{}", container.describe(), inherited(user.from_pod));
                findings.report("runs-as-root", &user.pointer, message);
                return;
            }
            // An explicit non-root UID is enough on its own.
            Some(_) => return,
            None => {}
        }
    }
    match non_root {
        Some(setting) if setting.value.as_bool() == Some(true) => {}
        Some(setting) if setting.value.as_bool() == Some(false) => {
            let message = format!(
                "{} has runAsNonRoot: false{} and no non-root runAsUser, so it may run as root",
                container.describe(),
                inherited(setting.from_pod)
            );
            findings.report("runs-as-root", &setting.pointer, message);
        }
        _ if partial => {}
        _ => {
            let message = format!(
                "{} does not set runAsNonRoot: true or a non-root runAsUser, in its own or the pod's \
                 securityContext",
                container.describe()
            );
            findings.report("non-root-not-enforced", &security_context_pointer(container), message);
        }
    }
}

tenken_sdk::export_policy!(NonRoot);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<NonRoot>("kubernetes", tree)
    }

    #[test]
    fn pod_level_settings_apply_to_every_container() {
        let pod = json!({"kind": "Pod", "spec": {"securityContext": {"runAsNonRoot": true},
            "initContainers": [{"name": "init"}], "containers": [{"name": "web"}]}});
        assert!(rules(pod).is_empty());
    }

    #[test]
    fn container_settings_override_the_pod() {
        let pod = json!({"kind": "Pod", "spec": {"securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "web", "securityContext": {"runAsUser": 0}},
                           {"name": "side", "securityContext": {"runAsNonRoot": false}}]}});
        assert_eq!(
            rules(pod),
            vec![
                ("runs-as-root".into(), "/spec/containers/0/securityContext/runAsUser".into()),
                ("runs-as-root".into(), "/spec/containers/1/securityContext/runAsNonRoot".into()),
            ]
        );
    }

    #[test]
    fn a_non_root_uid_is_enough_and_silence_is_not() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [
            {"name": "a", "securityContext": {"runAsUser": 1000}}, {"name": "b"}]}});
        assert_eq!(rules(pod), vec![("non-root-not-enforced".into(), "/spec/containers/1".into())]);
        let windows = json!({"kind": "Pod", "spec": {"os": {"name": "windows"}, "containers": [{"name": "b"}]}});
        assert!(rules(windows).is_empty());
    }
}
