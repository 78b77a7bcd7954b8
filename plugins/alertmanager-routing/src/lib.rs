//! # alertmanager-routing
//!
//! Alertmanager delivers each alert to someone who will act on it, once:
//!
//! - the root route has a default receiver, and every route names a
//!   receiver that exists;
//! - the root route groups alerts (`group_by`), waits a short while before
//!   the first notification of a group (`group_wait` at most
//!   `max-group-wait`, default 5m) and does not repeat it too often
//!   (`repeat_interval` at least `min-repeat-interval`, default 1h);
//! - alerts of a paging severity (`paging-severities`, default `critical`
//!   and `page`) reach a receiver with a paging integration (PagerDuty,
//!   Opsgenie, VictorOps, a webhook, SNS, Pushover, ...), not only chat or
//!   email;
//! - an inhibition rule silences warnings while a critical alert of the
//!   same name fires.
//!
//! Read from Alertmanager configuration files and from the Prometheus
//! Operator's `AlertmanagerConfig` objects (camelCase keys, matchers as
//! objects).
//!
//! ## Why it matters
//! The routing tree decides whether a page reaches anyone. A critical
//! alert routed to a chat channel at night is an outage nobody hears of;
//! a configuration without grouping sends one notification per alert, and
//! a short repeat interval re-sends each every few minutes, until the
//! on-call engineer mutes the channel that also carries the real page.
//! Without inhibition, one failing dependency sends a critical page and
//! its dozen downstream warnings together, and the page drowns.

mod duration;
mod routes;

use serde::Deserialize;
use tenken_sdk::kubernetes::objects;
use tenken_sdk::{Category, Document, Findings, Node, PluginInfo, Pointer, Policy, Rule, Severity};

use routes::{Dialect, Route};

/// The plugin.
pub struct AlertmanagerRouting;

/// Settings, from `[settings.alertmanager-routing]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Severities that page a person: routes that select them need a paging receiver.
    #[serde(default = "default_paging_severities")]
    pub paging_severities: Vec<String>,
    /// Receiver integrations that page a person (the `*_configs` keys without `_configs`).
    #[serde(default = "default_paging_integrations")]
    pub paging_integrations: Vec<String>,
    /// The shortest `repeat_interval` on the root route.
    #[serde(default = "default_min_repeat_interval")]
    pub min_repeat_interval: String,
    /// The longest `group_wait` on the root route.
    #[serde(default = "default_max_group_wait")]
    pub max_group_wait: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            paging_severities: default_paging_severities(),
            paging_integrations: default_paging_integrations(),
            min_repeat_interval: default_min_repeat_interval(),
            max_group_wait: default_max_group_wait(),
        }
    }
}

fn default_paging_severities() -> Vec<String> {
    vec!["critical".to_owned(), "page".to_owned()]
}

fn default_paging_integrations() -> Vec<String> {
    ["pagerduty", "opsgenie", "victorops", "webhook", "sns", "pushover", "incidentio", "rocketchat"]
        .map(str::to_owned)
        .to_vec()
}

fn default_min_repeat_interval() -> String {
    "1h".to_owned()
}

fn default_max_group_wait() -> String {
    "5m".to_owned()
}

const FIX: &str = "Route by severity to receivers that reach the right people, group, and inhibit warnings \
while their critical alert fires:
```yaml
route:
  receiver: team-chat
  group_by: [alertname, namespace]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - receiver: on-call
      matchers: ['severity = \"critical\"']
receivers:
  - name: team-chat
    slack_configs:
      - channel: '#payments-alerts'
  - name: on-call
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/pagerduty-key
inhibit_rules:
  - source_matchers: ['severity = \"critical\"']
    target_matchers: ['severity = \"warning\"']
    equal: [alertname, namespace]
```";

const REFERENCES: &[&str] = &[
    "https://prometheus.io/docs/alerting/latest/configuration/",
    "https://sre.google/sre-book/being-on-call/",
    "https://prometheus.io/docs/practices/alerting/",
];

impl Policy for AlertmanagerRouting {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let rule = |id: &str, severity: Severity, title: &str, rationale: &str| {
            Rule::new(id, Category::Reliability, severity, title).rationale(rationale).fix(FIX).references(REFERENCES)
        };
        tenken_sdk::plugin_info!(
            "Alertmanager routes every page to someone who acts on it",
            "The routing tree has a default receiver, groups alerts, bounds its timers, sends paging \
             severities to a paging integration, and inhibits warnings under a firing critical alert.",
        )
        .kinds(["alertmanager-config", "kubernetes"])
        .rules(vec![
            rule(
                "missing-default-receiver",
                Severity::High,
                "Give the root route a default receiver",
                "Alertmanager refuses a configuration whose root route has no receiver: no alert is \
                 delivered until it is fixed.",
            ),
            rule(
                "unknown-receiver",
                Severity::High,
                "Route only to receivers that are defined",
                "A route to a receiver that does not exist makes Alertmanager refuse the whole \
                 configuration, so no alert is delivered.",
            ),
            rule(
                "missing-group-by",
                Severity::Low,
                "Group alerts on the root route",
                "Without group_by every alert lands in one group: one notification lists everything \
                 firing, and a new alert is buried in it.",
            ),
            rule(
                "timer-out-of-bounds",
                Severity::Low,
                "Keep group_wait short and repeat_interval long",
                "A long group_wait delays the first page of an incident; a short repeat_interval re-sends \
                 every firing alert until the channel is muted.",
            ),
            rule(
                "paging-severity-not-paged",
                Severity::High,
                "Send paging severities to a paging receiver",
                "A critical alert that reaches only chat or email at night is an outage nobody hears \
                 about until users report it.",
            ),
            rule(
                "missing-inhibition",
                Severity::Low,
                "Inhibit warnings while a critical alert fires",
                "One failing dependency fires a critical alert and many warnings; without inhibition they \
                 arrive together and the page drowns.",
            ),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        for (name, value) in
            [("min-repeat-interval", &settings.min_repeat_interval), ("max-group-wait", &settings.max_group_wait)]
        {
            if duration::seconds(value).is_none() {
                return Err(format!("{name} = \"{value}\" is not a duration such as 30s, 5m or 4h"));
            }
        }
        if settings.paging_severities.is_empty() || settings.paging_integrations.is_empty() {
            return Err("paging-severities and paging-integrations must name at least one each".to_owned());
        }
        Ok(())
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        if document.kind == "alertmanager-config" {
            check_config(document.tree, &Pointer::root(), Dialect::File, settings, findings);
            return;
        }
        for object in objects(document.tree).into_iter().filter(|object| object.kind == "AlertmanagerConfig") {
            if let Some(spec) = object.value.get("spec") {
                check_config(spec, &object.pointer.key("spec"), Dialect::Operator, settings, findings);
            }
        }
    }
}

fn check_config(config: Node<'_>, at: &Pointer, dialect: Dialect, settings: &Settings, findings: &mut Findings) {
    let receivers = routes::receivers(config, dialect);
    let Some(root) = config.get("route").filter(|route| route.is_object()) else { return };
    let root = Route::new(root, at.key("route"), dialect);
    let tree = root.flatten();

    if root.receiver().is_none() {
        findings.report(
            "missing-default-receiver",
            &root.pointer.key("receiver"),
            "the root route has no receiver for the alerts no other route takes".to_owned(),
        );
    }
    for route in &tree {
        if let Some(name) = route.receiver()
            && !receivers.iter().any(|receiver| receiver.name == name)
        {
            findings.report(
                "unknown-receiver",
                &route.pointer.key(dialect.key("receiver")),
                format!("the route sends to receiver \"{name}\", which no receiver defines"),
            );
        }
    }
    if root.value.get(dialect.key("group_by")).is_none() {
        findings.report(
            "missing-group-by",
            &root.pointer.key(dialect.key("group_by")),
            "the root route has no group_by, so every alert lands in one notification group".to_owned(),
        );
    }
    check_timers(&root, dialect, settings, findings);
    check_paging(&root, &tree, &receivers, settings, findings);
    check_inhibition(config, at, dialect, settings, findings);
}

fn check_timers(root: &Route<'_>, dialect: Dialect, settings: &Settings, findings: &mut Findings) {
    let timer = |key: &'static str| root.value.get(dialect.key(key)).and_then(Node::as_str).and_then(duration::seconds);
    let max_wait = duration::seconds(&settings.max_group_wait).unwrap_or(u64::MAX);
    if let Some(wait) = timer("group_wait")
        && wait > max_wait
    {
        findings.report(
            "timer-out-of-bounds",
            &root.pointer.key(dialect.key("group_wait")),
            format!("group_wait delays the first notification of an incident beyond {}", settings.max_group_wait),
        );
    }
    let min_repeat = duration::seconds(&settings.min_repeat_interval).unwrap_or(0);
    if let Some(repeat) = timer("repeat_interval")
        && repeat < min_repeat
    {
        findings.report(
            "timer-out-of-bounds",
            &root.pointer.key(dialect.key("repeat_interval")),
            format!(
                "repeat_interval re-sends every firing alert more often than every {}",
                settings.min_repeat_interval
            ),
        );
    }
}

/// Paging severities reach a paging receiver through each route that
/// selects them. Where no route selects one, the alerts go by other
/// labels (a team's route) or to the default receiver; only a
/// configuration where no receiver pages at all is then reported.
fn check_paging(
    root: &Route<'_>,
    tree: &[Route<'_>],
    receivers: &[routes::Receiver<'_>],
    settings: &Settings,
    findings: &mut Findings,
) {
    let paging = |receiver: &routes::Receiver<'_>| {
        receiver.integrations.iter().any(|integration| settings.paging_integrations.contains(integration))
    };
    // A receiver that is not defined is reported as such, not here.
    let pages = |name: Option<&str>| receivers.iter().find(|receiver| Some(receiver.name) == name).is_none_or(paging);
    for route in tree {
        let selected: Vec<&str> = settings
            .paging_severities
            .iter()
            .filter(|severity| route.selects_severity(severity))
            .map(String::as_str)
            .collect();
        let receiver = route.receiver().or(root.receiver());
        if !selected.is_empty() && !pages(receiver) {
            findings.report(
                "paging-severity-not-paged",
                &route.pointer,
                format!(
                    "severity {} goes to receiver \"{}\", which has no paging integration",
                    selected.join(", "),
                    receiver.unwrap_or_default()
                ),
            );
        }
    }
    let unrouted =
        settings.paging_severities.iter().all(|severity| !tree.iter().any(|route| route.selects_severity(severity)));
    if unrouted && !receivers.is_empty() && !receivers.iter().any(paging) {
        findings.report(
            "paging-severity-not-paged",
            &root.pointer.key("receiver"),
            format!(
                "no receiver has a paging integration, so alerts of severity {} page nobody",
                settings.paging_severities.join(", ")
            ),
        );
    }
}

/// Some inhibition rule silences lower severities while a paging one
/// fires, for the same alert: with `equal` labels, since a rule without
/// them lets any critical alert silence every warning in the cluster.
fn check_inhibition(config: Node<'_>, at: &Pointer, dialect: Dialect, settings: &Settings, findings: &mut Findings) {
    let key = dialect.key("inhibit_rules");
    let rules = config.get(key).and_then(Node::as_array);
    let by_severity: Vec<(usize, Node<'_>)> = rules
        .into_iter()
        .flat_map(|rules| rules.iter().enumerate())
        .filter(|(_, rule)| {
            let source = routes::matchers_of(*rule, dialect, "source");
            let target = routes::matchers_of(*rule, dialect, "target");
            settings.paging_severities.iter().any(|severity| routes::selects_severity(&source, severity))
                && !target.iter().any(|matcher| matcher.label == "severity" && routes::matches(matcher, "critical"))
                && target.iter().any(|matcher| matcher.label == "severity")
        })
        .collect();
    let scoped = |rule: &Node<'_>| rule.get("equal").and_then(Node::as_array).is_some_and(|labels| !labels.is_empty());
    if by_severity.iter().any(|(_, rule)| scoped(rule)) {
        return;
    }
    match by_severity.first() {
        Some((index, _)) => findings.report(
            "missing-inhibition",
            &at.key(key).index(*index).key("equal"),
            "this inhibition has no `equal` labels, so any critical alert silences every warning, not only \
             those of the same alert"
                .to_owned(),
        ),
        None => findings.report(
            "missing-inhibition",
            &at.key(key),
            "no inhibition rule silences warnings while a critical alert fires".to_owned(),
        ),
    }
}

tenken_sdk::export_policy!(AlertmanagerRouting);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn a_config_file_and_an_operator_object_are_read_alike() {
        let file = json!({
            "route": {"receiver": "chat", "routes": [{"receiver": "nobody", "matchers": ["team = \"web\""]}]},
            "receivers": [{"name": "chat", "slack_configs": [{"channel": "#a"}]}],
        });
        let object = json!({
            "apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
            "metadata": {"name": "web"},
            "spec": {
                "route": {"receiver": "chat", "routes": [{"receiver": "nobody",
                          "matchers": [{"name": "team", "value": "web"}]}]},
                "receivers": [{"name": "chat", "slackConfigs": [{"channel": "#a"}]}],
            },
        });
        let from_file = check_pointers::<AlertmanagerRouting>("alertmanager-config", file);
        assert_eq!(
            from_file,
            [
                ("unknown-receiver".to_owned(), "/route/routes/0/receiver".to_owned()),
                ("missing-group-by".to_owned(), "/route/group_by".to_owned()),
                ("paging-severity-not-paged".to_owned(), "/route/receiver".to_owned()),
                ("missing-inhibition".to_owned(), "/inhibit_rules".to_owned()),
            ]
        );
        let from_object = check_pointers::<AlertmanagerRouting>("kubernetes", object);
        assert_eq!(
            from_object,
            [
                ("unknown-receiver".to_owned(), "/spec/route/routes/0/receiver".to_owned()),
                ("missing-group-by".to_owned(), "/spec/route/groupBy".to_owned()),
                ("paging-severity-not-paged".to_owned(), "/spec/route/receiver".to_owned()),
                ("missing-inhibition".to_owned(), "/spec/inhibitRules".to_owned()),
            ]
        );
    }
}
