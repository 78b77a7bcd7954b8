//! # slo-definitions
//!
//! Service level objectives are written so that they can be run against:
//!
//! - the objective is below 100%, so there is an error budget to spend
//!   and to negotiate with;
//! - an OpenSLO objective states its time window (Sloth's specs use the
//!   generator's window, 30 days by default);
//! - the SLO alerts when its budget burns: Sloth's page or ticket alert
//!   is on, or an OpenSLO SLO has an alert policy;
//! - in a project that keeps SLOs, every service its alerting rules watch
//!   (the alert's `service` or `job` label, else the `job="…"` its
//!   expression selects) has one. Sloth's own burn-rate alerts are not
//!   counted. The plugin reads the whole project at once for this.
//!
//! Read from Sloth's specs (`version: prometheus/v1` files and its
//! `PrometheusServiceLevel` objects) and OpenSLO `SLO` objects.
//!
//! ## Why it matters
//! An SLO of 100% says that no failure is acceptable: every incident
//! breaks it, no change is ever safe to ship, and the error budget that
//! lets a team trade reliability against velocity is zero. An SLO without
//! a window cannot be computed, since "99.9%" means nothing without "of
//! what period". An SLO that nothing alerts on is a dashboard: the budget
//! burns out unnoticed, which is what the Google SRE workbook's burn-rate
//! alerts exist to prevent.

use std::collections::HashSet;

use tenken_sdk::kubernetes::{Object, objects};
use tenken_sdk::prometheus::{self, PromRule, RuleKind};
use tenken_sdk::{Category, Document, Findings, NoSettings, Node, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct SloDefinitions;

const FIX: &str = "Set an objective below 100%, a window, and burn-rate alerts. In Sloth:
```yaml
version: prometheus/v1
service: checkout
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))
    alerting:
      name: CheckoutAvailability
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        labels: {severity: warning}
```
In OpenSLO, give the SLO a `timeWindow` (for example `- duration: 28d, isRolling: true`), objectives with a \
`target` below 1, and `alertPolicies`.";

const REFERENCES: &[&str] = &[
    "https://sre.google/workbook/implementing-slos/",
    "https://sre.google/workbook/alerting-on-slos/",
    "https://sloth.dev/specs/default/",
    "https://github.com/OpenSLO/OpenSLO#slo",
];

impl Policy for SloDefinitions {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let rule = |id: &str, severity: Severity, title: &str, rationale: &str| {
            Rule::new(id, Category::Reliability, severity, title).rationale(rationale).fix(FIX).references(REFERENCES)
        };
        tenken_sdk::plugin_info!(
            "Service level objectives leave a budget and alert on it",
            "SLOs aim below 100%, state the window they are measured over, and alert when the error \
             budget burns.",
        )
        .kinds(["sloth-slo", "kubernetes", prometheus::KIND])
        .project_scoped()
        .rules(vec![
            rule(
                "no-error-budget",
                Severity::Medium,
                "Set the objective below 100%",
                "An objective of 100% leaves no error budget: every failure breaks it, and no change is \
                 ever safe to ship.",
            ),
            rule(
                "missing-window",
                Severity::Medium,
                "State the window an SLO is measured over",
                "A percentage without a period cannot be computed or compared: 99.9% of a day and of a \
                 quarter are different promises.",
            ),
            rule(
                "missing-alerting",
                Severity::Medium,
                "Alert when the error budget burns",
                "An SLO nothing alerts on is a dashboard: the budget burns out unnoticed until users \
                 report the outage.",
            ),
            rule(
                "service-without-slo",
                Severity::Low,
                "Give every alerted service an SLO",
                "Alerts on a service without an objective page on thresholds nobody agreed to, and there is \
                 no error budget to weigh reliability work against features.",
            ),
        ])
    }

    fn check_all(documents: &[Document], _settings: &NoSettings, findings: &mut Findings) {
        let mut services: HashSet<&str> = HashSet::new();
        for (index, document) in documents.iter().enumerate() {
            findings.in_document(index);
            if document.kind == "sloth-slo" {
                services.extend(document.tree.get("service").and_then(Node::as_str));
                check_sloth(document.tree, &Pointer::root(), Keys::SNAKE, findings);
                continue;
            }
            for object in objects(document.tree) {
                let api = object.api_version().unwrap_or_default();
                match object.kind {
                    "PrometheusServiceLevel" if api.starts_with("sloth.slok.dev/") => {
                        if let Some(spec) = object.value.get("spec") {
                            services.extend(spec.get("service").and_then(Node::as_str));
                            check_sloth(spec, &object.pointer.key("spec"), Keys::CAMEL, findings);
                        }
                    }
                    "SLO" if api.starts_with("openslo/") => {
                        services.extend(object.value.pointer("/spec/service").and_then(Node::as_str));
                        check_openslo(&object, findings);
                    }
                    _ => {}
                }
            }
        }
        // Services that page without an SLO, where the project keeps SLOs
        // at all: a project without any has not adopted them yet, which
        // one finding per alert would not help with.
        if services.is_empty() {
            return;
        }
        let mut reported: HashSet<&str> = HashSet::new();
        for (index, document) in documents.iter().enumerate() {
            findings.in_document(index);
            for rule in prometheus::rules(document).into_iter().filter(|rule| rule.kind == RuleKind::Alert) {
                // Sloth writes the burn-rate alerts of the SLOs themselves.
                if rule.label("sloth_slo").is_some() || rule.label("sloth_service").is_some() {
                    continue;
                }
                let Some(service) = service_of(&rule) else { continue };
                if services.contains(service) || !reported.insert(service) {
                    continue;
                }
                findings.report(
                    "service-without-slo",
                    &rule.pointer,
                    format!(
                        "alert `{}` watches service \"{service}\", which has no SLO in this project; alerts without \
                         an objective page on thresholds nobody agreed to",
                        rule.name
                    ),
                );
            }
        }
    }
}

/// The service an alert watches: its `service` label, else its `job`
/// label, else the `job="…"` its expression selects.
fn service_of<'a>(rule: &PromRule<'a>) -> Option<&'a str> {
    if let Some(service) = rule.label("service").or_else(|| rule.label("job")) {
        return Some(service).filter(|service| !service.contains("{{"));
    }
    let expression = rule.expr()?;
    let at = expression.find("job=\"")? + "job=\"".len();
    let rest = &expression[at..];
    let end = rest.find('"')?;
    Some(&rest[..end])
        .filter(|job| !job.is_empty() && job.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
}

/// Sloth's keys: snake_case in its own files, camelCase in its
/// Kubernetes objects.
#[derive(Clone, Copy)]
struct Keys {
    page_alert: &'static str,
    ticket_alert: &'static str,
}

impl Keys {
    const SNAKE: Self = Self { page_alert: "page_alert", ticket_alert: "ticket_alert" };
    const CAMEL: Self = Self { page_alert: "pageAlert", ticket_alert: "ticketAlert" };
}

fn check_sloth(spec: Node<'_>, at: &Pointer, keys: Keys, findings: &mut Findings) {
    let Some(slos) = spec.get("slos").and_then(Node::as_array) else { return };
    for (index, slo) in slos.iter().enumerate() {
        let pointer = at.key("slos").index(index);
        let name = slo.get("name").and_then(Node::as_str).unwrap_or("(unnamed)");
        if let Some(objective) = slo.get("objective").and_then(Node::as_f64)
            && objective >= 100.0
        {
            findings.report(
                "no-error-budget",
                &pointer.key("objective"),
                format!("SLO \"{name}\" aims at {objective}%, which leaves no error budget"),
            );
        }
        let alerting = slo.get("alerting");
        let disabled = |key: &str| {
            alerting
                .and_then(|alerting| alerting.get(key))
                .and_then(|alert| alert.get("disable"))
                .and_then(Node::as_bool)
                == Some(true)
        };
        // Sloth generates a page and a ticket alert for an SLO with an
        // `alerting` block, each unless it is disabled; without the block,
        // none.
        let alerts = alerting.is_some() && !(disabled(keys.page_alert) && disabled(keys.ticket_alert));
        if !alerts {
            let target =
                if alerting.is_some() { pointer.key("alerting").key(keys.page_alert) } else { pointer.key("alerting") };
            findings.report(
                "missing-alerting",
                &target,
                format!("SLO \"{name}\" raises no alert when its error budget burns"),
            );
        }
    }
}

fn check_openslo(object: &Object<'_>, findings: &mut Findings) {
    let Some(spec) = object.value.get("spec") else { return };
    let spec_pointer = object.pointer.key("spec");
    let name = object.name.unwrap_or("(unnamed)");
    let objectives = spec.get("objectives").and_then(Node::as_array);
    for (index, objective) in objectives.into_iter().flat_map(|list| list.iter()).enumerate() {
        let pointer = spec_pointer.key("objectives").index(index);
        let ratio = objective.get("target").and_then(Node::as_f64);
        let percent = objective.get("targetPercent").and_then(Node::as_f64);
        let (full, key, shown) = match (ratio, percent) {
            (Some(ratio), _) => (ratio >= 1.0, "target", format!("{ratio}")),
            (None, Some(percent)) => (percent >= 100.0, "targetPercent", format!("{percent}%")),
            (None, None) => continue,
        };
        if full {
            findings.report(
                "no-error-budget",
                &pointer.key(key),
                format!("SLO \"{name}\" aims at {shown}, which leaves no error budget"),
            );
        }
    }
    // `timeWindow` in v1, `timeWindows` in v1alpha.
    let window = ["timeWindow", "timeWindows"]
        .iter()
        .filter_map(|key| spec.get(key))
        .any(|windows| windows.as_array().is_some_and(|list| !list.is_empty()) || windows.is_object());
    if !window {
        findings.report(
            "missing-window",
            &spec_pointer.key("timeWindow"),
            format!("SLO \"{name}\" states no time window to measure its objective over"),
        );
    }
    let policies = spec.get("alertPolicies").and_then(Node::as_array).is_some_and(|list| !list.is_empty());
    if !policies {
        findings.report(
            "missing-alerting",
            &spec_pointer.key("alertPolicies"),
            format!("SLO \"{name}\" has no alert policy for when its error budget burns"),
        );
    }
}

tenken_sdk::export_policy!(SloDefinitions);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn sloth_alerts_unless_both_are_disabled() {
        let spec = |alerting: serde_json::Value| {
            json!({"version": "prometheus/v1", "service": "web",
                   "slos": [{"name": "availability", "objective": 99.9, "alerting": alerting}]})
        };
        assert!(check_pointers::<SloDefinitions>("sloth-slo", spec(json!({"name": "WebErrors"}))).is_empty());
        let page_off = json!({"page_alert": {"disable": true}, "ticket_alert": {"labels": {"severity": "warning"}}});
        assert!(check_pointers::<SloDefinitions>("sloth-slo", spec(page_off)).is_empty());
        let both_off = json!({"page_alert": {"disable": true}, "ticket_alert": {"disable": true}});
        assert_eq!(
            check_pointers::<SloDefinitions>("sloth-slo", spec(both_off)),
            [("missing-alerting".to_owned(), "/slos/0/alerting/page_alert".to_owned())]
        );
    }

    #[test]
    fn openslo_v1_and_v1alpha() {
        let v1 = json!({"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "web"},
            "spec": {"service": "web", "timeWindow": [{"duration": "28d", "isRolling": true}],
                     "objectives": [{"target": 0.999}], "alertPolicies": [{"kind": "AlertPolicy"}]}});
        assert!(check_pointers::<SloDefinitions>("kubernetes", v1).is_empty());
        let alpha = json!({"apiVersion": "openslo/v1alpha", "kind": "SLO", "metadata": {"name": "web"},
            "spec": {"service": "web", "objectives": [{"target": 1.0}]}});
        assert_eq!(
            check_pointers::<SloDefinitions>("kubernetes", alpha),
            [
                ("no-error-budget".to_owned(), "/spec/objectives/0/target".to_owned()),
                ("missing-window".to_owned(), "/spec/timeWindow".to_owned()),
                ("missing-alerting".to_owned(), "/spec/alertPolicies".to_owned()),
            ]
        );
    }
}
