//! # k8s-capabilities
//!
//! Every container drops all Linux capabilities (`drop: ["ALL"]`) and adds
//! back only those in an allow list, by default `NET_BIND_SERVICE`, the one
//! the Pod Security Standards' restricted profile permits.
//!
//! ## Why it matters
//! Container runtimes grant a default set of capabilities that most
//! applications never use, among them `NET_RAW` (craft packets: ARP and DNS
//! spoofing of neighbouring pods), `CHOWN`, `SETUID` and `DAC_OVERRIDE`.
//! Each one is attack surface for a compromised process. Adding
//! capabilities is worse: `SYS_ADMIN` is close to root on the node,
//! `NET_ADMIN` rewrites the node's networking, `SYS_PTRACE` reads other
//! processes' memory, and `SYS_MODULE` loads kernel code. Dropping `ALL`
//! and adding back exactly what is needed keeps a compromise contained.
//!
//! Ephemeral (debug) containers are not checked. Windows pods are not
//! checked: Linux capabilities do not apply there.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::kubernetes::{
    Container, ContainerList, container_security_setting, each_container, security_context_pointer,
};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct Capabilities;

/// Settings, from `[settings.k8s-capabilities]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Capabilities that containers may add, e.g. ["NET_BIND_SERVICE", "NET_ADMIN"] for a CNI
    /// agent; names with or without the `CAP_` prefix.
    #[serde(default = "default_allowed")]
    #[schemars(inner(regex(pattern = r"^[A-Za-z_]+$")))]
    pub allowed_capabilities: Vec<String>,
}

fn default_allowed() -> Vec<String> {
    vec!["NET_BIND_SERVICE".to_owned()]
}

/// What an attacker gets from the capabilities most often added, for the
/// message. Anything else added is still reported, without a note.
const DANGERS: &[(&str, &str)] = &[
    ("ALL", "every capability, which is root on the node in all but name"),
    ("SYS_ADMIN", "mount, namespaces and much more: close to root on the node"),
    ("NET_ADMIN", "reconfiguring the node's network, firewall and routes"),
    ("NET_RAW", "raw sockets for spoofing traffic of neighbouring pods"),
    ("SYS_PTRACE", "reading and modifying other processes' memory"),
    ("SYS_MODULE", "loading kernel modules"),
    ("SYS_RAWIO", "raw access to devices and memory"),
    ("DAC_READ_SEARCH", "reading any file, which has been used to escape containers"),
    ("BPF", "loading eBPF programs into the kernel"),
    ("SYS_BOOT", "rebooting the node"),
];

const FIX: &str = "Drop every capability and add back only what the process needs:
```yaml
containers:
  - name: web
    image: registry.example.com/web:1.4.2
    securityContext:
      capabilities:
        drop: [\"ALL\"]
        add: [\"NET_BIND_SERVICE\"]   # only to bind ports below 1024
```
Better still, listen on a port above 1024 and add nothing.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
    "https://man7.org/linux/man-pages/man7/capabilities.7.html",
];

fn normalized(capability: &str) -> String {
    let upper = capability.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map_or(upper.clone(), str::to_owned)
}

impl Policy for Capabilities {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes containers drop all capabilities",
            "Containers drop every Linux capability and add back only allowed ones, so a compromised \
             process cannot spoof traffic, trace processes or reconfigure the node.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new("capabilities-not-dropped", Category::Security, Severity::Medium, "Drop ALL capabilities")
                .rationale(
                    "The runtime's default capabilities include NET_RAW, SETUID and DAC_OVERRIDE, which most \
                         applications never use and attackers do.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new("capability-added", Category::Security, Severity::High, "Add only allowed capabilities")
                .rationale(
                    "Added capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a compromised process \
                     power over the node and its neighbours.",
                )
                .fix(FIX)
                .references(REFERENCES),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        match settings.allowed_capabilities.iter().find(|name| normalized(name) == "ALL") {
            Some(name) => Err(format!("allowed-capabilities: `{name}` would allow every capability")),
            None => Ok(()),
        }
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        let allowed: Vec<String> = settings.allowed_capabilities.iter().map(|name| normalized(name)).collect();
        each_container(document.tree, ContainerList::DECLARED, |pod, container| {
            if pod.is_windows() {
                return;
            }
            // What a patch does not drop, the object it patches may.
            if !document.is_partial() {
                check_dropped(container, findings);
            }
            check_added(container, &allowed, findings);
        });
    }
}

fn list<'a>(capabilities: Option<Node<'a>>, field: &str) -> Vec<Node<'a>> {
    capabilities.and_then(|caps| caps.get(field)).and_then(Node::as_array).into_iter().flatten().collect()
}

fn check_dropped(container: &Container<'_>, findings: &mut Findings) {
    // A privileged container has every capability whatever it drops; the
    // finding that matters is k8s-no-privileged's.
    let privileged = container_security_setting(container, "privileged");
    if privileged.is_some_and(|setting| setting.value.as_bool() == Some(true)) {
        return;
    }
    let capabilities = container_security_setting(container, "capabilities");
    let drop = list(capabilities.as_ref().map(|setting| setting.value), "drop");
    if drop.iter().filter_map(|name| name.as_str()).any(|name| normalized(name) == "ALL") {
        return;
    }
    let pointer = match &capabilities {
        Some(setting) if setting.value.get("drop").is_some() => setting.pointer.key("drop"),
        Some(setting) => setting.pointer.clone(),
        None => security_context_pointer(container),
    };
    findings.report(
        "capabilities-not-dropped",
        &pointer,
        format!("{} keeps the runtime's default capabilities; drop ALL", container.describe()),
    );
}

fn check_added(container: &Container<'_>, allowed: &[String], findings: &mut Findings) {
    let Some(capabilities) = container_security_setting(container, "capabilities") else { return };
    for (index, entry) in list(Some(capabilities.value), "add").iter().enumerate() {
        let Some(name) = entry.as_str() else { continue };
        let name = normalized(name);
        if allowed.contains(&name) {
            continue;
        }
        let danger = DANGERS.iter().find(|(capability, _)| *capability == name);
        let note = danger.map(|(_, what)| format!(", which allows {what}")).unwrap_or_default();
        findings.report(
            "capability-added",
            &capabilities.pointer.key("add").index(index),
            format!("{} adds {name}{note}", container.describe()),
        );
    }
}

tenken_sdk::export_policy!(Capabilities);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<Capabilities>("kubernetes", tree)
    }

    #[test]
    fn drop_all_with_an_allowed_add_passes_in_any_spelling() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "web", "securityContext":
            {"capabilities": {"drop": ["all"], "add": ["CAP_NET_BIND_SERVICE"]}}}]}});
        assert!(rules(pod).is_empty());
    }

    #[test]
    fn partial_drops_and_added_capabilities_are_located() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [
            {"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN"]}}},
            {"name": "b"}]}});
        assert_eq!(
            rules(pod),
            vec![
                ("capabilities-not-dropped".into(), "/spec/containers/0/securityContext/capabilities/drop".into()),
                ("capability-added".into(), "/spec/containers/0/securityContext/capabilities/add/1".into()),
                ("capabilities-not-dropped".into(), "/spec/containers/1".into()),
            ]
        );
    }

    #[test]
    fn allowing_all_is_refused() {
        assert!(tenken_sdk::configure::<Capabilities>(r#"{"allowed-capabilities": ["CAP_ALL"]}"#).is_err());
        assert!(tenken_sdk::configure::<Capabilities>(r#"{"allowed-capabilities": ["NET_ADMIN"]}"#).is_ok());
    }
}
