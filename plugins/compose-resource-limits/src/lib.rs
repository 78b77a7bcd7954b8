//! # compose-resource-limits
//!
//! Every service caps its memory: `deploy.resources.limits.memory` (the
//! Compose specification's form, honoured by `docker compose`) or the older
//! `mem_limit`.
//!
//! ## Why it matters
//! Compose stacks usually share one host. A service without a memory limit
//! can take all of it: a leak, a traffic spike or a runaway query pushes the
//! host into swap and then into the kernel's OOM killer, which picks its
//! victim by size, not by blame, so the database dies for the cache's leak.
//! With limits, the service that misbehaves is the one that restarts.

use tenken_sdk::compose::services;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct ResourceLimits;

impl Policy for ResourceLimits {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Compose services cap their memory",
            "Every service has a memory limit, so one leak restarts that service instead of the host's \
             OOM killer choosing a victim.",
        )
        .kinds(["compose"])
        .rules(vec![
            Rule::new("missing-memory-limit", Category::Reliability, Severity::Medium, "Set a memory limit")
                .rationale(
                    "Without a limit, one service's leak or spike exhausts the shared host and the OOM killer \
                         takes down whichever process is largest, often the database.",
                )
                .fix(
                    "Cap memory (and reserve what the service needs):
```yaml
services:
  api:
    image: registry.example.com/api:1.4.2
    deploy:
      resources:
        limits:
          memory: 512M
        reservations:
          memory: 256M
```",
                )
                .references(&["https://docs.docker.com/reference/compose-file/deploy/#resources"]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for service in services(document.tree) {
            let limited = service.value.pointer("/deploy/resources/limits/memory").is_some()
                || service.value.get("mem_limit").is_some();
            if !limited {
                findings.report(
                    "missing-memory-limit",
                    &service.pointer.key("deploy").key("resources").key("limits").key("memory"),
                    format!("service `{}` has no memory limit", service.name),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(ResourceLimits);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn either_form_of_limit_counts() {
        let compose = json!({"services": {
            "a": {"deploy": {"resources": {"limits": {"memory": "512M"}}}}, "b": {"mem_limit": "1g"},
            "c": {"deploy": {"resources": {"limits": {"cpus": "0.5"}}}}}});
        let found = check_tree::<ResourceLimits>("compose", compose);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "/services/c/deploy/resources/limits/memory");
    }
}
