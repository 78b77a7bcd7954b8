//! # prometheus-alert-rules
//!
//! Alerting rules page a person only when that person can act on the page:
//!
//! - every alert links a runbook (`runbook_url`, or an annotation the team
//!   names in `runbook-annotations`) and says what is wrong (`summary` or
//!   `description`);
//! - every alert carries a `severity` label from the team's set, which is
//!   what Alertmanager routes on;
//! - an alert that pages (`paging-severities`, default `critical` and
//!   `page`) waits a `for:` duration, so one bad scrape does not wake
//!   anyone; multiwindow burn-rate alerts (two windows joined by `and`, as
//!   Sloth writes them) are exempt, since their short window does that;
//! - no alert compares a raw counter (`*_total`, `*_count`, `*_sum`,
//!   `*_bucket`) outside `rate`, `increase` and their kin: it only grows,
//!   so a threshold on it fires forever once crossed, and a restart resets
//!   it. `> 0` on a counter asks whether it has counted anything, and is
//!   fine;
//! - recording rules are named `level:metric:operations`, or at least
//!   with the colons that set recorded series apart from scraped ones.
//!
//! Rules are read from Prometheus rule files and from the `spec.groups` of
//! the Prometheus Operator's `PrometheusRule` objects, in any manifest.
//!
//! ## Why it matters
//! An on-call engineer paged at night needs three answers at once: what is
//! broken, how bad it is, and what to do. An alert without a runbook or a
//! summary makes them reverse-engineer a PromQL expression half awake; an
//! alert without a severity reaches whatever receiver catches the rest;
//! an alert that fires on a single evaluation pages on every blip and
//! teaches the team to ignore pages. Alerting on a counter's raw value is
//! a bug: the alert keeps firing after the problem is gone, and stops when
//! the process restarts. The Google SRE book's chapter on monitoring asks
//! that every page be actionable and urgent; these are its mechanics.

mod promql;

use serde::Deserialize;
use tenken_sdk::prometheus::{self, RuleKind};
use tenken_sdk::{Category, Document, Findings, Node, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct AlertRules;

/// Settings, from `[settings.prometheus-alert-rules]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Annotations that link a runbook; an alert needs one of them.
    #[serde(default = "default_runbook_annotations")]
    pub runbook_annotations: Vec<String>,
    /// The values the `severity` label may take.
    #[serde(default = "default_severities")]
    pub severities: Vec<String>,
    /// Severities that page a person: alerts of these need a `for:` duration.
    #[serde(default = "default_paging_severities")]
    pub paging_severities: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            runbook_annotations: default_runbook_annotations(),
            severities: default_severities(),
            paging_severities: default_paging_severities(),
        }
    }
}

fn default_runbook_annotations() -> Vec<String> {
    vec!["runbook_url".to_owned()]
}

/// The severities of kube-prometheus and of most alerting guides.
fn default_severities() -> Vec<String> {
    ["critical", "page", "warning", "ticket", "info", "none"].map(str::to_owned).to_vec()
}

fn default_paging_severities() -> Vec<String> {
    vec!["critical".to_owned(), "page".to_owned()]
}

const FIX: &str = "Give every alert a runbook, a summary, a severity the routes know, and a duration; alert on \
rates of counters:
```yaml
groups:
  - name: checkout
    rules:
      - alert: CheckoutErrorRateHigh
        expr: |
          sum(rate(http_requests_total{job=\"checkout\", code=~\"5..\"}[5m]))
            / sum(rate(http_requests_total{job=\"checkout\"}[5m])) > 0.05
        for: 10m
        labels:
          severity: critical
        annotations:
          summary: Checkout fails {{ $value | humanizePercentage }} of requests
          runbook_url: https://runbooks.example.com/checkout/error-rate
```";

const NAMING_FIX: &str = "Name recording rules `level:metric:operations`: the labels the result keeps, the \
metric, and the operations applied, newest last:
```yaml
- record: job:http_requests:rate5m
  expr: sum by (job) (rate(http_requests_total[5m]))
```";

const REFERENCES: &[&str] = &[
    "https://sre.google/sre-book/monitoring-distributed-systems/",
    "https://prometheus.io/docs/practices/alerting/",
    "https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/",
];

const NAMING_REFERENCES: &[&str] = &["https://prometheus.io/docs/practices/rules/"];

impl Policy for AlertRules {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Prometheus alerts are actionable",
            "Alerting rules link a runbook and say what is wrong, carry a known severity, wait before \
             paging, and alert on rates rather than raw counters; recording rules follow the naming \
             convention.",
        )
        .kinds([prometheus::KIND, "kubernetes"])
        .rules(vec![
            Rule::new("missing-runbook", Category::Reliability, Severity::Medium, "Link a runbook from every alert")
                .rationale(
                    "The person paged needs to know what to do; without a runbook they reverse-engineer the \
                     expression under pressure.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new("missing-summary", Category::Reliability, Severity::Low, "Say what is wrong in every alert")
                .rationale(
                    "A `summary` or `description` is what the notification shows; without one it shows only \
                     the alert's name.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new("missing-severity", Category::Reliability, Severity::Medium, "Give every alert a severity label")
                .rationale(
                    "Alertmanager routes on labels: an alert without a severity reaches whichever receiver catches \
                 the rest, which is rarely the one that pages.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new(
                "unknown-severity",
                Category::Reliability,
                Severity::Medium,
                "Use a severity from the team's set",
            )
            .rationale(
                "A severity no route matches is as good as none: the alert goes to the default receiver, or \
                 nowhere.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "pages-on-one-evaluation",
                Category::Reliability,
                Severity::Medium,
                "Wait a `for:` duration before paging",
            )
            .rationale(
                "Without `for:`, one evaluation over the threshold pages: a scrape that times out or a \
                 short spike wakes someone for nothing, and pages stop being trusted.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "raw-counter",
                Category::Reliability,
                Severity::Medium,
                "Alert on the rate of a counter, not its value",
            )
            .rationale(
                "A counter only grows: a threshold on its value fires forever once crossed, and goes quiet \
                 when the process restarts and the counter resets.",
            )
            .fix(FIX)
            .references(REFERENCES),
            Rule::new(
                "recording-rule-name",
                Category::Reliability,
                Severity::Low,
                "Name recording rules level:metric:operations",
            )
            .rationale(
                "The convention tells readers what a recorded series aggregates and how, and keeps recorded \
                 series apart from scraped ones.",
            )
            .fix(NAMING_FIX)
            .references(NAMING_REFERENCES),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        if settings.runbook_annotations.is_empty() {
            return Err("runbook-annotations must name at least one annotation".to_owned());
        }
        if settings.severities.is_empty() {
            return Err("severities must name at least one severity".to_owned());
        }
        if let Some(paging) = settings.paging_severities.iter().find(|paging| !settings.severities.contains(paging)) {
            return Err(format!("paging severity \"{paging}\" is not among severities"));
        }
        Ok(())
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for rule in prometheus::rules(document) {
            match rule.kind {
                RuleKind::Alert => check_alert(rule.name, rule.value, &rule.pointer, settings, findings),
                RuleKind::Record => check_record(rule.name, rule.value, &rule.pointer, findings),
            }
        }
    }
}

fn check_alert(alert: &str, rule: Node<'_>, at: &Pointer, settings: &Settings, findings: &mut Findings) {
    let annotations = rule.get("annotations");
    let annotation = |name: &str| {
        annotations
            .and_then(|annotations| annotations.get(name))
            .and_then(Node::as_str)
            .filter(|text| !text.trim().is_empty())
    };
    let annotations_pointer = at.key("annotations");
    if !settings.runbook_annotations.iter().any(|name| annotation(name).is_some()) {
        let first = &settings.runbook_annotations[0];
        findings.report(
            "missing-runbook",
            &annotations_pointer.key(first),
            format!("alert `{alert}` links no runbook (annotation `{first}`)"),
        );
    }
    // kube-prometheus wrote `message` before it split summary and description.
    if ["summary", "description", "message"].iter().all(|name| annotation(name).is_none()) {
        findings.report(
            "missing-summary",
            &annotations_pointer.key("summary"),
            format!("alert `{alert}` has no summary or description for the notification to show"),
        );
    }
    let severity = rule.get("labels").and_then(|labels| labels.get("severity")).and_then(Node::as_str);
    let severity_pointer = at.key("labels").key("severity");
    match severity {
        None => findings.report(
            "missing-severity",
            &severity_pointer,
            format!("alert `{alert}` has no severity label to route on"),
        ),
        // A templated severity is decided when the rule is rendered.
        Some(severity) if severity.contains("{{") => {}
        Some(severity) if !settings.severities.iter().any(|known| known == severity) => findings.report(
            "unknown-severity",
            &severity_pointer,
            format!(
                "alert `{alert}` has severity \"{severity}\", which is not one of {}",
                settings.severities.join(", ")
            ),
        ),
        Some(severity) if settings.paging_severities.iter().any(|paging| paging == severity) => {
            let expression = rule.get("expr").and_then(Node::as_str).unwrap_or_default();
            if !waits(rule.get("for")) && !promql::is_multiwindow(expression) {
                findings.report(
                    "pages-on-one-evaluation",
                    &at.key("for"),
                    format!("alert `{alert}` pages ({severity}) on a single evaluation over its threshold"),
                );
            }
        }
        Some(_) => {}
    }
    if let Some(expression) = rule.get("expr").and_then(Node::as_str) {
        let counters = promql::raw_counters(expression);
        if let Some(first) = counters.first() {
            findings.report(
                "raw-counter",
                &at.key("expr"),
                format!(
                    "alert `{alert}` compares the raw value of counter `{first}`; alert on its rate() or increase()"
                ),
            );
        }
    }
}

/// Whether a `for:` duration is set and above zero (`5m`, `1h30m`; not
/// `0s` or `0`).
fn waits(duration: Option<Node<'_>>) -> bool {
    let Some(duration) = duration else { return false };
    match duration.as_str() {
        Some(text) => text.chars().any(|c| c.is_ascii_digit() && c != '0'),
        // A bare number is seconds where tools accept one.
        None => duration.as_f64().is_some_and(|seconds| seconds > 0.0),
    }
}

/// A recorded series is named for what it aggregates, with colons, which
/// Prometheus reserves for recording rules: that is what tells it apart
/// from a scraped metric. Names with one colon (`count:up1`, as
/// kube-prometheus writes some) are accepted; a constant recorded as an
/// info series (`vector(1)` with labels, as Sloth's `sloth_slo_info`)
/// aggregates nothing and is not judged.
fn check_record(record: &str, rule: Node<'_>, at: &Pointer, findings: &mut Findings) {
    let named = record.split(':').filter(|part| !part.is_empty()).count() >= 2;
    let constant = rule.get("expr").and_then(Node::as_str).is_some_and(|expr| expr.trim_start().starts_with("vector("));
    // A templated name is decided when the rule is rendered.
    if !named && !constant && !record.contains("{{") {
        findings.report(
            "recording-rule-name",
            &at.key("record"),
            format!("recording rule `{record}` reads like a scraped metric: name it level:metric:operations"),
        );
    }
}

tenken_sdk::export_policy!(AlertRules);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn rule_files_and_prometheus_rule_objects_are_read_alike() {
        let group = json!({"name": "web", "rules": [
            {"alert": "WebDown", "expr": "up == 0", "labels": {"severity": "critical"}},
            {"record": "http_requests_rate5m", "expr": "rate(http_requests_total[5m])"},
        ]});
        let file = check_pointers::<AlertRules>("prometheus-rules", json!({"groups": [group.clone()]}));
        let object = check_pointers::<AlertRules>(
            "kubernetes",
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                   "metadata": {"name": "web"}, "spec": {"groups": [group]}}),
        );
        let expected = [
            ("missing-runbook", "/groups/0/rules/0/annotations/runbook_url"),
            ("missing-summary", "/groups/0/rules/0/annotations/summary"),
            ("pages-on-one-evaluation", "/groups/0/rules/0/for"),
            ("recording-rule-name", "/groups/0/rules/1/record"),
        ];
        let as_pairs = |prefix: &str| -> Vec<(String, String)> {
            expected.iter().map(|(rule, pointer)| ((*rule).to_owned(), format!("{prefix}{pointer}"))).collect()
        };
        assert_eq!(file, as_pairs(""));
        assert_eq!(object, as_pairs("/spec"));
    }

    #[test]
    fn durations_that_wait() {
        let waits_for = |value: serde_json::Value| {
            let tree = tenken_sdk::OwnedTree::new(&value);
            waits(Some(tree.root()))
        };
        for waiting in [json!("5m"), json!("1h30m"), json!("30s"), json!("10m0s"), json!(60)] {
            assert!(waits_for(waiting.clone()), "{waiting}");
        }
        for immediate in [json!("0s"), json!("0"), json!("0m"), json!(0), json!("")] {
            assert!(!waits_for(immediate.clone()), "{immediate}");
        }
        assert!(!waits(None));
    }
}
