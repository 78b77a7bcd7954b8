//! # gha-timeouts
//!
//! Every job that runs steps sets `timeout-minutes`, at most
//! `max-timeout-minutes` (default 120). Jobs that call a reusable workflow
//! cannot set one; the called workflow's jobs are checked where they are
//! defined.
//!
//! ## Why it matters
//! GitHub's default job timeout is 360 minutes. A hung test, a deadlocked
//! build or a prompt waiting for input holds a runner for six hours: on
//! hosted runners that is billed minutes, on self-hosted runners a machine
//! out of the pool, and in both cases the pull request waits all afternoon
//! for a result that a ten-minute timeout would have delivered as a clear
//! failure.

use serde::Deserialize;
use tenken_sdk::github::jobs;
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct Timeouts;

/// Settings, from `[settings.gha-timeouts]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// The longest `timeout-minutes` a job may set.
    #[serde(default = "default_max")]
    #[schemars(range(min = 1, max = 4320))]
    pub max_timeout_minutes: u64,
}

fn default_max() -> u64 {
    120
}

const FIX: &str = "Set a timeout a little above the job's normal duration:
```yaml
jobs:
  test:
    runs-on: ubuntu-24.04
    timeout-minutes: 15
```";

const REFERENCES: &[&str] = &[
    "https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idtimeout-minutes",
];

impl Policy for Timeouts {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitHub Actions jobs set a timeout",
            "Jobs fail fast when they hang instead of holding a runner for the six-hour default.",
        )
        .kinds(["github-workflow"])
        .rules(vec![
            Rule::new("missing-timeout", Category::Reliability, Severity::Low, "Set timeout-minutes on every job")
                .rationale("The default is 360 minutes: a hung job holds a runner and the pull request for six hours.")
                .fix(FIX)
                .references(REFERENCES),
            Rule::new(
                "timeout-too-long",
                Category::Reliability,
                Severity::Low,
                "Keep timeout-minutes at or below max-timeout-minutes",
            )
            .rationale("A timeout of hours is no better than the default at catching a hung job.")
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        if settings.max_timeout_minutes == 0 {
            return Err("max-timeout-minutes must be at least 1".to_owned());
        }
        Ok(())
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for job in jobs(document.tree) {
            if job.uses().is_some() {
                continue;
            }
            match job.value.get("timeout-minutes") {
                None => findings.report(
                    "missing-timeout",
                    &job.pointer.key("timeout-minutes"),
                    format!("job `{}` has no timeout-minutes, so a hang holds the runner for 6 hours", job.id),
                ),
                Some(value) => {
                    // Expressions such as `${{ inputs.minutes }}` are strings
                    // and are not judged.
                    let minutes = value.as_f64().filter(|minutes| minutes.is_finite());
                    if let Some(minutes) = minutes.filter(|minutes| *minutes > settings.max_timeout_minutes as f64) {
                        findings.report(
                            "timeout-too-long",
                            &job.pointer.key("timeout-minutes"),
                            format!(
                                "job `{}` may run for {minutes} minutes, above the {} allowed",
                                job.id, settings.max_timeout_minutes
                            ),
                        );
                    }
                }
            }
        }
    }
}

tenken_sdk::export_policy!(Timeouts);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn jobs_need_a_reasonable_timeout() {
        let workflow = json!({"jobs": {
            "a": {"timeout-minutes": 10, "steps": []},
            "b": {"steps": []},
            "c": {"timeout-minutes": 600, "steps": []},
            "d": {"timeout-minutes": "${{ inputs.minutes }}", "steps": []},
            "e": {"uses": "org/repo/.github/workflows/x.yml@v1"}}});
        let found: Vec<(String, String)> = check_pointers::<Timeouts>("github-workflow", workflow);
        assert_eq!(
            found,
            vec![
                ("missing-timeout".into(), "/jobs/b/timeout-minutes".into()),
                ("timeout-too-long".into(), "/jobs/c/timeout-minutes".into()),
            ]
        );
    }
}
