//! # dockerfile-healthcheck
//!
//! The final stage of a service image declares a `HEALTHCHECK`, itself or
//! through the earlier stage it builds on, and does not switch it off with
//! `HEALTHCHECK NONE`. An image counts as a service when its final stage,
//! or a stage it builds on, declares `EXPOSE`: base images, CLI tools and
//! build helpers listen on nothing and are not asked for a check. Teams
//! whose images run only on Kubernetes, which ignores HEALTHCHECK, can turn
//! the rule off with `require-healthcheck = false`.
//!
//! ## Why it matters
//! Docker, Compose and Swarm know only whether a container's process is
//! running. A server that deadlocks, loses its database connection or
//! stops answering keeps a running process, so restart policies never fire
//! and `depends_on: condition: service_healthy` has nothing to wait for. A
//! HEALTHCHECK lets the runtime see what users see. (Kubernetes ignores
//! it and uses probes instead; see k8s-probes.)

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::dockerfile::{Stage, stages};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct Healthcheck;

/// Settings, from `[settings.dockerfile-healthcheck]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Require a HEALTHCHECK in the final stage. Set to false for images that are not services:
    /// base images, CLI tools, build images.
    #[serde(default = "yes")]
    pub require_healthcheck: bool,
}

fn yes() -> bool {
    true
}

const FIX: &str = "Add a cheap check of what the service does, in the final stage:
```dockerfile
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\
  CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1
```
Distroless images have no shell or wget: ship a small health binary, or use the service's own `--health` flag.";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/reference/dockerfile/#healthcheck",
    "https://docs.docker.com/compose/how-tos/startup-order/",
];

/// Whether the stage, or a stage it builds on, declares `EXPOSE`: the mark
/// of an image that serves.
fn exposes_a_port(stages: &[Stage<'_>], index: usize) -> bool {
    let mut current = Some(index);
    while let Some(stage) = current.map(|index| &stages[index]) {
        if stage.instructions().iter().any(|instruction| instruction.keyword == "EXPOSE") {
            return true;
        }
        current = stage.parent(stages);
    }
    false
}

/// The HEALTHCHECK in effect for a stage: its last one, else its parent
/// stage's. `(stage, pointer, disabled)`.
fn effective_healthcheck(stages: &[Stage<'_>], index: usize) -> Option<(Pointer, bool)> {
    let mut current = index;
    loop {
        let stage = &stages[current];
        let last = stage.instructions().into_iter().rev().find(|instruction| instruction.keyword == "HEALTHCHECK");
        if let Some(instruction) = last {
            let disabled = instruction.value.get("none").and_then(Node::as_bool) == Some(true);
            return Some((instruction.pointer, disabled));
        }
        current = stage.parent(stages)?;
    }
}

impl Policy for Healthcheck {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Service images declare a HEALTHCHECK",
            "The final stage tells Docker and Compose how to see whether the service works, not only \
             whether its process runs.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            Rule::new("missing-healthcheck", Category::Reliability, Severity::Low, "Declare a HEALTHCHECK")
                .rationale(
                    "Without a health check, a hung or disconnected service looks healthy to Docker and \
                         Compose: restart policies never fire and dependants start against it. Only images \
                         whose final stage (or a stage it builds on) declares EXPOSE are taken for services; \
                         base images and tools are not asked.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new(
                "healthcheck-disabled",
                Category::Reliability,
                Severity::Low,
                "Do not disable the health check with HEALTHCHECK NONE",
            )
            .rationale("HEALTHCHECK NONE switches off the check the base image provides.")
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        if !settings.require_healthcheck {
            return;
        }
        let stages = stages(document.tree);
        let Some(last) = stages.last() else { return };
        match effective_healthcheck(&stages, last.index) {
            Some((pointer, true)) => {
                findings.report("healthcheck-disabled", &pointer, "the final stage disables its health check")
            }
            Some((_, false)) => {}
            None if !exposes_a_port(&stages, last.index) => {}
            None => findings.report(
                "missing-healthcheck",
                &last.from_pointer(),
                "the final stage declares no HEALTHCHECK, so Docker cannot tell a hung service from a working one",
            ),
        }
    }
}

tenken_sdk::export_policy!(Healthcheck);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn a_healthcheck_is_inherited_from_the_parent_stage() {
        let tree = json!({"stages": [
            {"name": "base", "from": {"image": "alpine:3.20"}, "instructions": [{"instruction": "HEALTHCHECK", "none": false}]},
            {"name": null, "from": {"image": "base"}, "instructions": []}]});
        assert!(check_tree::<Healthcheck>("dockerfile", tree).is_empty());
    }

    #[test]
    fn missing_or_disabled_checks_are_reported() {
        let missing = json!({"stages": [{"name": null, "from": {"image": "alpine:3.20"},
            "instructions": [{"instruction": "EXPOSE", "ports": ["8080"]}]}]});
        assert_eq!(check_tree::<Healthcheck>("dockerfile", missing)[0].1, "/stages/0/from");
        let not_a_service = json!({"stages": [{"name": null, "from": {"image": "alpine:3.20"}, "instructions": []}]});
        assert!(check_tree::<Healthcheck>("dockerfile", not_a_service).is_empty());
        let disabled = json!({"stages": [{"name": null, "from": {"image": "alpine:3.20"},
            "instructions": [{"instruction": "HEALTHCHECK", "none": true}]}]});
        assert_eq!(check_tree::<Healthcheck>("dockerfile", disabled)[0].0, "healthcheck-disabled");
        assert!(tenken_sdk::configure::<Healthcheck>(r#"{"require-healthcheck": false}"#).is_ok());
    }
}
