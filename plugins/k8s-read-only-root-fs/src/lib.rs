//! # k8s-read-only-root-fs
//!
//! Every container and init container sets
//! `securityContext.readOnlyRootFilesystem: true`, and writes only to the
//! volumes it mounts.
//!
//! ## Why it matters
//! A writable root filesystem lets an attacker who gets code execution
//! drop tools, web shells or modified binaries into the container and keep
//! them there for the life of the pod. It also hides a reliability problem:
//! an application that writes logs or caches into its image layer fills the
//! node's disk through the container runtime, and loses that data on every
//! restart. A read-only root makes every write explicit: an `emptyDir` for
//! scratch space, a volume for data.
//!
//! Ephemeral (debug) containers are not checked: they exist to poke around.

use tenken_sdk::kubernetes::{ContainerList, container_security_setting, each_container, security_context_pointer};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct ReadOnlyRootFs;

const FIX: &str = "Make the root filesystem read-only and mount a writable volume where the application writes:
```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 256Mi
```";

impl Policy for ReadOnlyRootFs {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes containers have a read-only root filesystem",
            "Containers cannot modify their own image at runtime: an intruder cannot persist tools in \
             it, and every write goes to a volume that was declared for it.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new(
                "writable-root-filesystem",
                Category::Security,
                Severity::Medium,
                "Set readOnlyRootFilesystem: true",
            )
            .rationale(
                "A writable root filesystem lets an intruder modify binaries and persist tools in the \
                     container, and lets the application fill the node's disk with writes nobody planned.",
            )
            .fix(FIX)
            .references(&[
                "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
                "https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
            ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        each_container(document.tree, ContainerList::DECLARED, |_, container| {
            match container_security_setting(container, "readOnlyRootFilesystem") {
                Some(setting) if setting.value.as_bool() == Some(true) => {}
                Some(setting) => findings.report(
                    "writable-root-filesystem",
                    &setting.pointer,
                    format!("{} has readOnlyRootFilesystem: {}", container.describe(), setting.value),
                ),
                None if document.is_partial() => {}
                None => findings.report(
                    "writable-root-filesystem",
                    &security_context_pointer(container),
                    format!("{} does not set readOnlyRootFilesystem: true", container.describe()),
                ),
            }
        });
    }
}

tenken_sdk::export_policy!(ReadOnlyRootFs);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn flags_writable_roots_but_not_debug_containers() {
        let pod = json!({"kind": "Pod", "spec": {
            "containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": true}},
                           {"name": "b", "securityContext": {"readOnlyRootFilesystem": false}}],
            "initContainers": [{"name": "c"}],
            "ephemeralContainers": [{"name": "debug"}]}});
        let found: Vec<(String, String)> = check_pointers::<ReadOnlyRootFs>("kubernetes", pod);
        assert_eq!(
            found,
            vec![
                ("writable-root-filesystem".into(), "/spec/containers/1/securityContext/readOnlyRootFilesystem".into()),
                ("writable-root-filesystem".into(), "/spec/initContainers/0".into()),
            ]
        );
    }
}
