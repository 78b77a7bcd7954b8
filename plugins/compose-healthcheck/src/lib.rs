//! # compose-healthcheck
//!
//! Services start when their dependencies are ready, not merely started:
//!
//! - a `depends_on` entry with `condition: service_healthy` names a service
//!   that has a `healthcheck` (otherwise `docker compose up` fails, unless
//!   the image happens to define one);
//! - a `depends_on` entry without a health condition names a service that
//!   has no `healthcheck`, so nothing could say it is ready.
//!
//! ## Why it matters
//! `depends_on: [db]` only orders container starts: the API starts the
//! moment Postgres's container exists, seconds before Postgres accepts
//! connections. The API then crashes on boot, or worse, starts half
//! initialised, and the stack works on a fast laptop and fails in CI or
//! after a host reboot. A health check on the dependency and
//! `condition: service_healthy` on the dependant make start-up wait for
//! real readiness.

use std::collections::BTreeMap;
use tenken_sdk::Node;

use tenken_sdk::compose::services;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct ComposeHealthcheck;

const FIX: &str = "Give the dependency a health check and wait for it:
```yaml
services:
  db:
    image: postgres:16.4
    healthcheck:
      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]
      interval: 5s
      timeout: 3s
      retries: 10
  api:
    image: registry.example.com/api:1.4.2
    depends_on:
      db:
        condition: service_healthy
```";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/compose/how-tos/startup-order/",
    "https://docs.docker.com/reference/compose-file/services/#healthcheck",
];

/// Whether a service declares a health check that is not disabled.
fn has_healthcheck(service: Node<'_>) -> bool {
    match service.get("healthcheck") {
        Some(check) => check.get("disable").and_then(Node::as_bool) != Some(true),
        None => false,
    }
}

impl Policy for ComposeHealthcheck {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Compose services wait for dependencies that report readiness",
            "Dependencies declare health checks and dependants wait for them, so a stack starts in \
             order on every machine, not only on a fast laptop.",
        )
        .kinds(["compose"])
        .rules(vec![
            Rule::new(
                "healthy-dependency-without-healthcheck",
                Category::Reliability,
                Severity::Medium,
                "Only wait for service_healthy on a service with a healthcheck",
            )
            .rationale(
                "Compose cannot tell when a service without a health check is healthy: `up` fails, unless \
                     the image defines a HEALTHCHECK nobody can see here.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "dependency-readiness-unknown",
                Category::Reliability,
                Severity::Low,
                "Depend on services that can report readiness",
            )
            .rationale(
                "depends_on without a health condition only orders container starts: the dependant starts \
                     before the dependency accepts connections.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let services = services(document.tree);
        let checked: BTreeMap<&str, bool> =
            services.iter().map(|service| (service.name, has_healthcheck(service.value))).collect();
        for service in &services {
            for dependency in service.dependencies() {
                // A dependency defined in another file (an override or an
                // include) is not judged.
                let Some(&healthy) = checked.get(dependency.service) else { continue };
                match dependency.condition {
                    Some("service_healthy") if !healthy => findings.report(
                        "healthy-dependency-without-healthcheck",
                        &dependency.pointer,
                        format!(
                            "service `{}` waits for `{}` to be healthy, but `{}` has no healthcheck",
                            service.name, dependency.service, dependency.service
                        ),
                    ),
                    Some("service_healthy" | "service_completed_successfully") => {}
                    _ if !healthy => findings.report(
                        "dependency-readiness-unknown",
                        &dependency.pointer,
                        format!(
                            "service `{}` starts as soon as `{}` starts, and `{}` has no healthcheck to say when it is ready",
                            service.name, dependency.service, dependency.service
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }
}

tenken_sdk::export_policy!(ComposeHealthcheck);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn conditions_are_matched_with_health_checks() {
        let compose = json!({"services": {
            "db": {"healthcheck": {"test": ["CMD", "pg_isready"]}},
            "cache": {},
            "api": {"depends_on": {"db": {"condition": "service_healthy"}, "cache": {"condition": "service_healthy"}}},
            "worker": {"depends_on": ["db", "cache", "elsewhere"]}}});
        let found: Vec<(String, String)> = check_pointers::<ComposeHealthcheck>("compose", compose);
        assert_eq!(
            found,
            vec![
                ("healthy-dependency-without-healthcheck".into(), "/services/api/depends_on/cache".into()),
                ("dependency-readiness-unknown".into(), "/services/worker/depends_on/1".into()),
            ]
        );
    }
}
