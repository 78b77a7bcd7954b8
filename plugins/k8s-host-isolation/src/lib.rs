//! # k8s-host-isolation
//!
//! Pods stay inside their own namespaces: no `hostNetwork`, `hostPID` or
//! `hostIPC`, no `hostPath` volumes, and no `hostPort` bindings.
//!
//! ## Why it matters
//! Each of these hands a container a piece of the node. With the host's
//! network namespace it can sniff and spoof every pod's traffic on the node
//! and reach services bound to localhost; with its PID namespace it can see
//! and signal every process, including other tenants'; with its IPC
//! namespace it can read shared memory. A `hostPath` mount exposes the
//! node's filesystem (mount `/` or the container runtime's socket and it
//! owns the node), and a `hostPort` ties the pod to one port per node,
//! which breaks scheduling and bypasses network policy. A compromised
//! container with any of these is a compromised node.
//!
//! Node agents (CNI plugins, log shippers, monitoring exporters) sometimes
//! need them. Those are still flagged, so the exception is visible and
//! suppressed with a reason; a log shipper's read-only paths can instead be
//! listed in `allowed-host-paths`.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::kubernetes::{ContainerList, PodSpec, pod_specs};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct HostIsolation;

/// Settings, from `[settings.k8s-host-isolation]` in `tenken.toml`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Absolute host paths that hostPath volumes may mount, with everything below them, e.g.
    /// ["/var/log"]. Never list `/` or a container runtime socket.
    #[serde(default)]
    #[schemars(inner(regex(pattern = r"^/")))]
    pub allowed_host_paths: Vec<String>,
}

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
];

const FIX: &str = "Remove the host namespace flags, host ports and host paths from application pods:
```yaml
spec:
  hostNetwork: false        # the default; delete the line
  containers:
    - name: web
      ports:
        - containerPort: 8080   # expose it through a Service, not hostPort
  volumes:
    - name: cache
      emptyDir: {}              # instead of hostPath
```
For a node agent that truly needs one, keep it, suppress the finding with the reason, and run the agent in its own namespace with a restricted service account.";

/// The pod-level flags that share a host namespace: (field, rule, what).
const HOST_NAMESPACES: &[(&str, &str, &str)] = &[
    ("hostNetwork", "host-network", "the node's network namespace"),
    ("hostPID", "host-pid", "the node's process namespace"),
    ("hostIPC", "host-ipc", "the node's IPC namespace"),
];

impl Policy for HostIsolation {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes pods stay isolated from their node",
            "Pods do not join the node's network, process or IPC namespaces, mount its filesystem, or \
             bind its ports, so a compromised container is not a compromised node.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            family.rule(
                "host-network",
                Severity::High,
                "Do not use the node's network namespace (hostNetwork)",
                "A pod on the host network sees and can spoof all traffic on the node and reaches \
                     services bound to the node's localhost; network policies no longer apply to it.",
            ),
            family.rule(
                "host-pid",
                Severity::High,
                "Do not share the node's process namespace (hostPID)",
                "A pod in the host PID namespace sees every process on the node, can read their \
                     environment and signal or trace them.",
            ),
            family.rule(
                "host-ipc",
                Severity::High,
                "Do not share the node's IPC namespace (hostIPC)",
                "A pod in the host IPC namespace can read and write other processes' shared memory.",
            ),
            family.rule(
                "host-path-volume",
                Severity::High,
                "Do not mount node paths (hostPath volumes)",
                "A hostPath volume exposes the node's filesystem; mounting the root, /etc or a \
                     container runtime socket hands over the node.",
            ),
            family.rule(
                "host-port",
                Severity::Medium,
                "Do not bind node ports (hostPort)",
                "A hostPort binds the node's port directly: it bypasses network policy and Services, and \
                     allows one such pod per node, which silently blocks scheduling and rollouts.",
            ),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        match settings.allowed_host_paths.iter().find(|path| !path.starts_with('/')) {
            Some(path) => Err(format!("allowed-host-paths: `{path}` is not an absolute path")),
            None => Ok(()),
        }
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for pod in pod_specs(document.tree) {
            check_namespaces(&pod, findings);
            check_host_paths(&pod, settings, findings);
            check_host_ports(&pod, findings);
        }
    }
}

fn check_namespaces(pod: &PodSpec<'_>, findings: &mut Findings) {
    for (field, rule, what) in HOST_NAMESPACES {
        if pod.spec.get(*field).and_then(Node::as_bool) == Some(true) {
            findings.report(rule, &pod.pointer.key(field), format!("{} shares {what}", pod.workload()));
        }
    }
}

fn check_host_paths(pod: &PodSpec<'_>, settings: &Settings, findings: &mut Findings) {
    let Some(volumes) = pod.spec.get("volumes").and_then(Node::as_array) else { return };
    for (index, volume) in volumes.iter().enumerate() {
        let Some(host_path) = volume.get("hostPath") else { continue };
        let path = host_path.get("path").and_then(Node::as_str).unwrap_or_default();
        if is_allowed(path, &settings.allowed_host_paths) {
            continue;
        }
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("?");
        findings.report(
            "host-path-volume",
            &pod.pointer.key("volumes").index(index).key("hostPath"),
            format!("volume \"{name}\" of {} mounts the node path `{path}`", pod.workload()),
        );
    }
}

/// Whether `path` is one of the allowed paths or below one, comparing
/// whole path segments (`/var/log` allows `/var/log/pods`, not `/var/logs`).
fn is_allowed(path: &str, allowed: &[String]) -> bool {
    let path = path.trim_end_matches('/');
    allowed.iter().any(|prefix| {
        let prefix = prefix.trim_end_matches('/');
        !prefix.is_empty() && (path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')))
    })
}

fn check_host_ports(pod: &PodSpec<'_>, findings: &mut Findings) {
    let lists = [ContainerList::Containers, ContainerList::InitContainers, ContainerList::EphemeralContainers];
    for container in pod.containers(&lists) {
        let Some(ports) = container.value.get("ports").and_then(Node::as_array) else { continue };
        for (index, port) in ports.iter().enumerate() {
            let host_port = port.get("hostPort").and_then(Node::as_u64).unwrap_or(0);
            if host_port != 0 {
                findings.report(
                    "host-port",
                    &container.pointer.key("ports").index(index).key("hostPort"),
                    format!("{} binds port {host_port} on the node", container.describe()),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(HostIsolation);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn rules(tree: Value) -> Vec<(String, String)> {
        check_pointers::<HostIsolation>("kubernetes", tree)
    }

    #[test]
    fn an_isolated_pod_passes() {
        let pod = json!({"kind": "Pod", "spec": {"hostNetwork": false, "containers": [{"name": "web",
            "ports": [{"containerPort": 8080}]}], "volumes": [{"name": "cache", "emptyDir": {}}]}});
        assert!(rules(pod).is_empty());
    }

    #[test]
    fn every_host_share_is_flagged_at_its_field() {
        let daemonset = json!({"kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {"template": {"spec": {
            "hostNetwork": true, "hostPID": true, "hostIPC": true,
            "containers": [{"name": "agent", "ports": [{"containerPort": 9100, "hostPort": 9100}]}],
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}}}});
        assert_eq!(
            rules(daemonset),
            vec![
                ("host-network".into(), "/spec/template/spec/hostNetwork".into()),
                ("host-pid".into(), "/spec/template/spec/hostPID".into()),
                ("host-ipc".into(), "/spec/template/spec/hostIPC".into()),
                ("host-path-volume".into(), "/spec/template/spec/volumes/0/hostPath".into()),
                ("host-port".into(), "/spec/template/spec/containers/0/ports/0/hostPort".into()),
            ]
        );
    }

    #[test]
    fn allowed_host_paths_match_whole_segments() {
        let allowed = vec!["/var/log".to_owned()];
        assert!(is_allowed("/var/log", &allowed));
        assert!(is_allowed("/var/log/pods/", &allowed));
        assert!(!is_allowed("/var/logs", &allowed));
        assert!(!is_allowed("/", &allowed));
        assert!(tenken_sdk::configure::<HostIsolation>(r#"{"allowed-host-paths": ["var/log"]}"#).is_err());
    }
}
