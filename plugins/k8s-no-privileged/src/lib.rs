//! # k8s-no-privileged
//!
//! No container is `privileged`, and every container sets
//! `allowPrivilegeEscalation: false`.
//!
//! ## Why it matters
//! A privileged container has every capability and every device of the
//! node, with no seccomp or AppArmor confinement: it can mount the host's
//! disks, load kernel modules and leave the container at will. It is
//! root on the node in all but name.
//!
//! `allowPrivilegeEscalation` controls the `no_new_privs` flag. While it is
//! allowed (the default), a process can gain privileges through setuid
//! binaries such as `su`, `sudo` or a planted one, or file capabilities, so
//! an attacker who lands as a non-root user can become root inside the
//! container. Setting it to `false` closes that door at no cost for almost
//! every workload.

use tenken_sdk::kubernetes::{
    Container, ContainerList, container_security_setting, each_container, security_context_pointer,
};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct NoPrivileged;

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    "https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html",
];

const FIX: &str = "Drop `privileged` and forbid privilege escalation in every container:
```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2
    securityContext:
      privileged: false                 # the default; delete the line
      allowPrivilegeEscalation: false
```
If the workload needs one specific privilege, grant that capability alone (see k8s-capabilities) instead of `privileged: true`.";

impl Policy for NoPrivileged {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes containers are not privileged and cannot escalate",
            "Containers do not run privileged and set allowPrivilegeEscalation: false, so neither the \
             manifest nor a setuid binary can make a process root on the node.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new(
                "privileged-container",
                Category::Security,
                Severity::Critical,
                "Do not run privileged containers",
            )
            .rationale(
                "A privileged container has every capability and device of the node and no confinement: \
                     whoever controls it controls the node.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "privilege-escalation-allowed",
                Category::Security,
                Severity::Medium,
                "Set allowPrivilegeEscalation: false",
            )
            .rationale(
                "Unless privilege escalation is forbidden, setuid binaries and file capabilities let a \
                     process gain privileges its parent did not have, up to root inside the container.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        each_container(document.tree, ContainerList::ALL, |_, container| {
            check_container(container, document.is_partial(), findings);
        });
    }
}

/// `partial`: the document is a patch, so an unset field is the patched
/// object's business.
fn check_container(container: &Container<'_>, partial: bool, findings: &mut Findings) {
    let privileged = container_security_setting(container, "privileged");
    if let Some(setting) = privileged.filter(|setting| setting.value.as_bool() == Some(true)) {
        findings.report("privileged-container", &setting.pointer, format!("{} is privileged", container.describe()));
        // A privileged container can always escalate; one finding says it.
        return;
    }
    match container_security_setting(container, "allowPrivilegeEscalation") {
        Some(setting) if setting.value.as_bool() == Some(false) => {}
        Some(setting) => findings.report(
            "privilege-escalation-allowed",
            &setting.pointer,
            format!("{} explicitly allows privilege escalation", container.describe()),
        ),
        None if partial => {}
        None => findings.report(
            "privilege-escalation-allowed",
            &security_context_pointer(container),
            format!("{} does not set allowPrivilegeEscalation: false", container.describe()),
        ),
    }
}

tenken_sdk::export_policy!(NoPrivileged);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<NoPrivileged>("kubernetes", tree)
    }

    #[test]
    fn locked_down_containers_pass() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "web",
            "securityContext": {"privileged": false, "allowPrivilegeEscalation": false}}]}});
        assert!(rules(pod).is_empty());
    }

    #[test]
    fn privileged_is_reported_once_and_escalation_where_it_belongs() {
        let pod = json!({"kind": "Pod", "spec": {
            "initContainers": [{"name": "setup", "securityContext": {"privileged": true}}],
            "containers": [{"name": "web", "securityContext": {"allowPrivilegeEscalation": true}}, {"name": "side"}]}});
        assert_eq!(
            rules(pod),
            vec![
                (
                    "privilege-escalation-allowed".into(),
                    "/spec/containers/0/securityContext/allowPrivilegeEscalation".into()
                ),
                ("privilege-escalation-allowed".into(), "/spec/containers/1".into()),
                ("privileged-container".into(), "/spec/initContainers/0/securityContext/privileged".into()),
            ]
        );
    }
}
