//! # gitlab-job-limits
//!
//! Jobs bound their run time and free runners early:
//!
//! - every job has a `timeout` (its own or from `default:`);
//! - jobs that do not deploy or release are `interruptible` (their own
//!   setting or `default:`), so a newer pipeline on the same branch can
//!   cancel them. Jobs whose name or stage mentions deploy, release,
//!   publish or production are exempt: cancelling them halfway is worse
//!   than letting them finish.
//!
//! Trigger jobs (`trigger:`) and hidden templates (`.name`) are not checked.
//!
//! ## Why it matters
//! Without a job timeout, GitLab applies the project's, which defaults to
//! an hour and is often raised to many: a hung job holds a runner that
//! whole time. Without `interruptible`, every push to a busy merge request
//! leaves the previous pipeline running to completion on shared runners:
//! queues grow, feedback slows, and the results nobody will read still cost
//! runner minutes.

use tenken_sdk::Node;
use tenken_sdk::gitlab::{Job, jobs};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct JobLimits;

/// Words that mark a job that must not be cancelled halfway.
const MUST_FINISH: &[&str] = &["deploy", "release", "publish", "production", "prod", "rollout", "migrate"];

fn must_finish(job: &Job<'_>) -> bool {
    let stage = job.value.get("stage").and_then(Node::as_str).unwrap_or_default();
    let environment = job.value.get("environment").is_some();
    let words = format!("{} {}", job.name, stage).to_ascii_lowercase();
    environment || MUST_FINISH.iter().any(|word| words.contains(word))
}

const FIX: &str = "Set both once in `default:` and override where needed:
```yaml
default:
  timeout: 20 minutes
  interruptible: true
deploy:
  stage: deploy
  interruptible: false
  timeout: 30 minutes
```";

const REFERENCES: &[&str] =
    &["https://docs.gitlab.com/ci/yaml/#timeout", "https://docs.gitlab.com/ci/yaml/#interruptible"];

impl Policy for JobLimits {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitLab CI jobs have timeouts and can be superseded",
            "Jobs fail fast when they hang, and a newer pipeline can cancel test jobs of an older one, \
             so runners serve the latest push.",
        )
        .kinds(["gitlab-ci"])
        .rules(vec![
            Rule::new("missing-timeout", Category::Reliability, Severity::Low, "Set a job timeout")
                .rationale("A hung job holds a runner for the project's timeout, an hour or more.")
                .fix(FIX)
                .references(REFERENCES),
            Rule::new(
                "not-interruptible",
                Category::Reliability,
                Severity::Low,
                "Mark test and build jobs interruptible",
            )
            .rationale(
                "Without it, every push leaves the previous pipeline running to completion, queueing the \
                     latest results behind ones nobody will read.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let default = document.tree.get("default");
        let default_timeout = default.and_then(|default| default.get("timeout")).is_some();
        let default_interruptible =
            default.and_then(|default| default.get("interruptible")).and_then(Node::as_bool) == Some(true);
        for job in jobs(document.tree).iter().filter(|job| !job.hidden && job.value.get("trigger").is_none()) {
            // `extends` may bring either setting from a template; only judge
            // jobs that say everything themselves.
            if job.value.get("extends").is_some() {
                continue;
            }
            if job.value.get("timeout").is_none() && !default_timeout {
                findings.report(
                    "missing-timeout",
                    &job.pointer.key("timeout"),
                    format!("job `{}` has no timeout, so a hang holds a runner for the project's limit", job.name),
                );
            }
            let interruptible = job.value.get("interruptible").and_then(Node::as_bool).unwrap_or(default_interruptible);
            if !interruptible && !must_finish(job) && job.value.get("interruptible").is_none() {
                findings.report(
                    "not-interruptible",
                    &job.pointer.key("interruptible"),
                    format!("job `{}` keeps running after a newer pipeline starts", job.name),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(JobLimits);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::{check_pointers, check_tree};

    #[test]
    fn defaults_cover_jobs_and_deploys_may_finish() {
        let config = json!({"default": {"timeout": "20m", "interruptible": true},
            "test": {"script": ["x"]}, "deploy": {"stage": "deploy", "interruptible": false, "script": ["x"]}});
        assert!(check_tree::<JobLimits>("gitlab-ci", config).is_empty());
        let bare =
            json!({"test": {"script": ["x"]}, "release": {"script": ["x"]}, ".tpl": {}, "child": {"trigger": "a.yml"}});
        let found: Vec<(String, String)> = check_pointers::<JobLimits>("gitlab-ci", bare);
        assert_eq!(
            found,
            vec![
                ("missing-timeout".into(), "/test/timeout".into()),
                ("not-interruptible".into(), "/test/interruptible".into()),
                ("missing-timeout".into(), "/release/timeout".into()),
            ]
        );
    }
}
