//! # compose-isolation
//!
//! Services stay inside their containers: no `privileged: true`, no
//! `network_mode: host`, no `pid: host` or `ipc: host`, and no bind mount
//! of the Docker socket.
//!
//! ## Why it matters
//! Each of these removes the wall between a service and its host. A
//! privileged container has every capability and device; host networking
//! exposes every port it binds on every interface and lets it reach
//! services bound to the host's localhost; the host PID and IPC namespaces
//! expose every process and its shared memory. The Docker socket is the
//! most common and the most dangerous: whoever can talk to it can start a
//! privileged container that mounts `/`, so mounting it hands a compromised
//! service root on the host.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::compose::{Service, services};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct Isolation;

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
    "https://docs.docker.com/reference/compose-file/services/",
];

const FIX: &str = "Remove host access from application services:
```yaml
services:
  api:
    image: registry.example.com/api:1.4.2
    ports: [\"8080:8080\"]          # instead of network_mode: host
    cap_add: [NET_BIND_SERVICE]    # one capability instead of privileged
```
Tools that need the Docker API should reach a socket proxy that allows only the calls they need, not the socket itself.";

/// Whether a `volumes` entry mounts the Docker socket, in the short
/// (`/var/run/docker.sock:/var/run/docker.sock`) or long (`source:`) form.
fn mounts_docker_socket(volume: Node<'_>) -> bool {
    let source = match volume.shape() {
        Shape::String(short) => short.split(':').next().unwrap_or_default(),
        Shape::Object(long) => long.get("source").and_then(Node::as_str).unwrap_or_default(),
        _ => "",
    };
    source.ends_with("docker.sock") || source.ends_with("podman.sock") || source.ends_with("containerd.sock")
}

impl Policy for Isolation {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Compose services stay isolated from their host",
            "Services run without privileged mode, host namespaces or the Docker socket, so a \
             compromised service is not a compromised host.",
        )
        .kinds(["compose"])
        .rules(vec![
            family.rule(
                "privileged",
                Severity::Critical,
                "Do not run privileged services",
                "A privileged container has every capability and device of the host.",
            ),
            family.rule(
                "host-namespace",
                Severity::High,
                "Do not share the host's network, PID or IPC namespace",
                "Host namespaces expose the host's ports, processes and shared memory to the service.",
            ),
            family.rule(
                "docker-socket",
                Severity::Critical,
                "Do not mount the Docker socket",
                "The Docker socket is root on the host: anyone who can reach it can start a privileged \
                     container that mounts /.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for service in services(document.tree) {
            check_service(&service, findings);
        }
    }
}

fn check_service(service: &Service<'_>, findings: &mut Findings) {
    let name = service.name;
    if service.value.get("privileged").and_then(Node::as_bool) == Some(true) {
        findings.report("privileged", &service.pointer.key("privileged"), format!("service `{name}` is privileged"));
    }
    for (field, what) in [("network_mode", "network"), ("pid", "process"), ("ipc", "IPC")] {
        if service.value.get(field).and_then(Node::as_str) == Some("host") {
            findings.report(
                "host-namespace",
                &service.pointer.key(field),
                format!("service `{name}` shares the host's {what} namespace"),
            );
        }
    }
    let Some(volumes) = service.value.get("volumes").and_then(Node::as_array) else { return };
    for (index, volume) in volumes.iter().enumerate() {
        if mounts_docker_socket(volume) {
            findings.report(
                "docker-socket",
                &service.pointer.key("volumes").index(index),
                format!("service `{name}` mounts the container runtime's socket, which is root on the host"),
            );
        }
    }
}

tenken_sdk::export_policy!(Isolation);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_socket_mounts_in_both_forms() {
        assert!(mounts_docker_socket(
            tenken_sdk::OwnedTree::new(&json!("/var/run/docker.sock:/var/run/docker.sock:ro")).root()
        ));
        assert!(mounts_docker_socket(
            tenken_sdk::OwnedTree::new(&json!({"type": "bind", "source": "/run/docker.sock", "target": "/x"})).root()
        ));
        assert!(!mounts_docker_socket(tenken_sdk::OwnedTree::new(&json!("./data:/data")).root()));
    }
}
