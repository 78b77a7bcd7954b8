//! # compose-restart-policy
//!
//! Every service sets a restart policy: `restart:` (`unless-stopped`,
//! `always` or `on-failure`) or, for Swarm and `docker compose up` with
//! deploy support, `deploy.restart_policy`. A service that says
//! `restart: "no"` has made a choice (a one-off migration or seed job) and
//! passes, and so does a service that runs only under a `profiles:` entry:
//! Compose starts it only on request (`--profile setup`), as setup jobs and
//! tools are run.
//!
//! ## Why it matters
//! Compose's default is `no`: a service that crashes, is OOM-killed or
//! whose host reboots stays down until someone notices and runs `docker
//! compose up` again. On a single host that is often the whole outage. A
//! restart policy turns most of those into a blip.

use tenken_sdk::Node;
use tenken_sdk::compose::services;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct RestartPolicy;

impl Policy for RestartPolicy {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Compose services restart after a crash",
            "Every service says how it restarts, so a crash or a host reboot does not leave it down \
             until someone notices.",
        )
        .kinds(["compose"])
        .rules(vec![
            Rule::new("missing-restart-policy", Category::Reliability, Severity::Low, "Set a restart policy")
                .rationale(
                    "The default policy is `no`: a crashed or OOM-killed service, or every service after a \
                         host reboot, stays down until someone restarts it by hand.",
                )
                .fix(
                    "Restart long-running services, and say `no` explicitly for one-off jobs:
```yaml
services:
  api:
    image: registry.example.com/api:1.4.2
    restart: unless-stopped
  migrate:
    image: registry.example.com/api:1.4.2
    command: [\"migrate\"]
    restart: \"no\"
```",
                )
                .references(&["https://docs.docker.com/reference/compose-file/services/#restart"]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for service in services(document.tree) {
            let has_policy =
                service.value.get("restart").is_some() || service.value.pointer("/deploy/restart_policy").is_some();
            let on_request =
                service.value.get("profiles").and_then(Node::as_array).is_some_and(|profiles| !profiles.is_empty());
            if !has_policy && !on_request {
                findings.report(
                    "missing-restart-policy",
                    &service.pointer.key("restart"),
                    format!("service `{}` stays down after a crash or reboot: it sets no restart policy", service.name),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(RestartPolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn either_form_of_policy_counts() {
        let compose = json!({"services": {
            "a": {"restart": "unless-stopped"}, "b": {"deploy": {"restart_policy": {"condition": "on-failure"}}},
            "c": {"restart": "no"}, "d": {"image": "x:1"}}});
        let found = check_tree::<RestartPolicy>("compose", compose);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "/services/d/restart");
    }
}
