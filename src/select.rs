//! Which rules run, at which severity: `select`, `extend-select`, `ignore`,
//! `[severity]` and `[per-path-ignores]` from `tenken.toml`, in ruff's
//! style. A selector is a rule id (`k8s-probes/missing-liveness-probe`),
//! a plugin id (`k8s-probes`), a category (`security`, `reliability`), a
//! severity (`high`: rules whose default severity is high), or `*`. When
//! several match a rule, the most specific wins (rule over plugin over
//! category or severity over `*`); between a select and an ignore equally
//! specific, the ignore wins. Rules off by default (`default_set`) run
//! only when a selector names them or their plugin.

use tenken_report::{Finding, Report, RuleLabel, Severity};

use crate::config::{Config, ConfigError, Origin};

/// What a selector is matched against.
pub(crate) struct RuleFacts<'a> {
    pub(crate) id: &'a str,
    pub(crate) plugin: &'a str,
    pub(crate) category: &'a str,
    pub(crate) severity: &'a str,
}

/// How specifically a selector names a rule by naming its plugin.
const PLUGIN_SPECIFICITY: u8 = 2;

/// How specifically `selector` names the rule, if it names it at all.
fn specificity(selector: &str, rule: &RuleFacts<'_>) -> Option<u8> {
    if selector == rule.id {
        Some(3)
    } else if selector == rule.plugin {
        Some(PLUGIN_SPECIFICITY)
    } else if selector == rule.category || selector == rule.severity {
        Some(1)
    } else if selector == "*" {
        Some(0)
    } else {
        None
    }
}

fn best<'a>(selectors: impl Iterator<Item = &'a str>, rule: &RuleFacts<'_>) -> Option<u8> {
    selectors.filter_map(|selector| specificity(selector, rule)).max()
}

/// The selection and severity overrides of a configuration.
pub(crate) struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    severity: Vec<(String, Severity)>,
    per_path: Vec<(globset::GlobMatcher, Vec<String>)>,
}

impl Selection {
    pub(crate) fn new(config: &Config) -> Self {
        let mut select: Vec<String> = match &config.select {
            Some(selectors) => selectors.iter().map(|(selector, _)| selector.clone()).collect(),
            None => vec!["*".to_owned()],
        };
        select.extend(config.extend_select.iter().map(|(selector, _)| selector.clone()));
        let severity = config
            .severity
            .iter()
            .filter_map(|(selector, (severity, _))| {
                Severity::ALL.iter().find(|known| known.as_str() == severity).map(|known| (selector.clone(), *known))
            })
            .collect();
        let per_path = config
            .per_path_ignores
            .iter()
            .filter_map(|(glob, (selectors, _))| {
                Some((globset::Glob::new(glob).ok()?.compile_matcher(), selectors.clone()))
            })
            .collect();
        Self {
            select,
            ignore: config.ignore.iter().map(|(selector, _)| selector.clone()).collect(),
            severity,
            per_path,
        }
    }

    /// Whether the rule runs at all. A rule off by default
    /// ([`crate::default_set`]) runs only when a selector names it or its
    /// plugin.
    pub(crate) fn is_selected(&self, rule: &RuleFacts<'_>) -> bool {
        let mut selected = best(self.select.iter().map(String::as_str), rule);
        if crate::default_set::off_by_default(rule.id).is_some() {
            selected = selected.filter(|specificity| *specificity >= PLUGIN_SPECIFICITY);
        }
        let ignored = best(self.ignore.iter().map(String::as_str), rule);
        match (selected, ignored) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(selected), Some(ignored)) => selected > ignored,
        }
    }

    /// The rule's severity after `[severity]` overrides.
    pub(crate) fn severity(&self, rule: &RuleFacts<'_>, default: Severity) -> Severity {
        self.severity
            .iter()
            .filter_map(|(selector, severity)| specificity(selector, rule).map(|rank| (rank, *severity)))
            .max_by_key(|(rank, _)| *rank)
            .map_or(default, |(_, severity)| severity)
    }

    /// Whether `[per-path-ignores]` drops the rule in `path`.
    fn ignored_at(&self, path: &str, rule: &RuleFacts<'_>) -> bool {
        self.per_path.iter().any(|(glob, selectors)| {
            glob.is_match(path) && selectors.iter().any(|selector| specificity(selector, rule).is_some())
        })
    }

    /// Drops findings of rules not selected (or ignored for their path) and
    /// applies severity overrides to the rest and to the rule list.
    pub(crate) fn apply(&self, report: &mut Report) {
        fn facts<'a>(label: &'a RuleLabel, finding: &Finding) -> RuleFacts<'a> {
            RuleFacts {
                id: &label.id,
                plugin: &label.plugin,
                category: category_name(finding.category),
                severity: finding.severity.as_str(),
            }
        }
        report.findings.retain(|finding| {
            let rule = facts(&finding.rule, finding);
            self.is_selected(&rule) && !self.ignored_at(&finding.location.path, &rule)
        });
        for finding in &mut report.findings {
            let label = finding.rule.clone();
            let severity = self.severity(&facts(&label, finding), finding.severity);
            finding.severity = severity;
        }
        for descriptor in &mut report.rules {
            let rule = RuleFacts {
                id: &descriptor.id,
                plugin: &descriptor.plugin,
                category: category_name(descriptor.category),
                severity: descriptor.severity.as_str(),
            };
            descriptor.severity = self.severity(&rule, descriptor.severity);
        }
    }
}

pub(crate) fn category_name(category: tenken_report::Category) -> &'static str {
    match category {
        tenken_report::Category::Security => "security",
        tenken_report::Category::Reliability => "reliability",
    }
}

/// Checks every selector of the configuration against the loaded rules, so
/// a typo is an error at its line rather than a rule silently running.
pub(crate) fn validate(config: &Config, rules: &[RuleFacts<'_>], errors: &mut Vec<ConfigError>) {
    let known = |selector: &str| {
        selector == "*"
            || ["security", "reliability"].contains(&selector)
            || Severity::ALL.iter().any(|severity| severity.as_str() == selector)
            || rules.iter().any(|rule| rule.id == selector || rule.plugin == selector)
    };
    let mut check = |selector: &str, origin: &Origin| {
        if !known(selector) {
            errors.push(ConfigError {
                origin: origin.clone(),
                column: origin.column,
                message: format!(
                    "`{selector}` names no loaded rule or plugin, nor a category or severity; `tenken plugins` lists them"
                ),
            });
        }
    };
    for (selector, origin) in config.select.iter().flatten().chain(&config.extend_select).chain(&config.ignore) {
        check(selector, origin);
    }
    for (selector, (_, origin)) in &config.severity {
        check(selector, origin);
    }
    for (selectors, origin) in config.per_path_ignores.values() {
        for selector in selectors {
            check(selector, origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn origin() -> Origin {
        Origin { file: "tenken.toml".into(), line: 1, column: 1 }
    }

    fn rule<'a>(id: &'a str, plugin: &'a str, category: &'a str, severity: &'a str) -> RuleFacts<'a> {
        RuleFacts { id, plugin, category, severity }
    }

    #[test]
    fn rules_off_by_default_run_only_when_named() {
        let healthcheck =
            rule("dockerfile-healthcheck/missing-healthcheck", "dockerfile-healthcheck", "reliability", "medium");
        let disabled =
            rule("dockerfile-healthcheck/healthcheck-disabled", "dockerfile-healthcheck", "reliability", "low");
        let default = Selection::new(&Config::default());
        assert!(!default.is_selected(&healthcheck), "off in the default set");
        assert!(default.is_selected(&disabled), "its plugin's other rule stays on");
        let broad = Config {
            select: Some(vec![("*".into(), origin()), ("reliability".into(), origin()), ("medium".into(), origin())]),
            ..Config::default()
        };
        assert!(!Selection::new(&broad).is_selected(&healthcheck), "broad selectors pick from the default set");
        for named in ["dockerfile-healthcheck/missing-healthcheck", "dockerfile-healthcheck"] {
            let config = Config { extend_select: vec![(named.into(), origin())], ..Config::default() };
            assert!(Selection::new(&config).is_selected(&healthcheck), "{named} names it");
        }
        let named_then_ignored = Config {
            extend_select: vec![("dockerfile-healthcheck".into(), origin())],
            ignore: vec![("dockerfile-healthcheck/missing-healthcheck".into(), origin())],
            ..Config::default()
        };
        assert!(!Selection::new(&named_then_ignored).is_selected(&healthcheck));
    }

    #[test]
    fn the_most_specific_selector_wins_and_ignore_breaks_ties() {
        let config = Config {
            select: Some(vec![("security".into(), origin()), ("k8s-probes/missing-readiness-probe".into(), origin())]),
            ignore: vec![("k8s-host-isolation".into(), origin()), ("reliability".into(), origin())],
            ..Config::default()
        };
        let selection = Selection::new(&config);
        assert!(selection.is_selected(&rule("k8s-non-root/runs-as-root", "k8s-non-root", "security", "high")));
        assert!(!selection.is_selected(&rule("k8s-host-isolation/host-pid", "k8s-host-isolation", "security", "high")));
        assert!(!selection.is_selected(&rule(
            "k8s-probes/missing-liveness-probe",
            "k8s-probes",
            "reliability",
            "medium"
        )));
        assert!(selection.is_selected(&rule(
            "k8s-probes/missing-readiness-probe",
            "k8s-probes",
            "reliability",
            "medium"
        )));
    }

    #[test]
    fn severity_overrides_pick_the_most_specific() {
        let mut config = Config::default();
        config.severity.insert("reliability".into(), ("low".into(), origin()));
        config.severity.insert("k8s-probes/missing-liveness-probe".into(), ("high".into(), origin()));
        let selection = Selection::new(&config);
        let probe = rule("k8s-probes/missing-liveness-probe", "k8s-probes", "reliability", "medium");
        assert_eq!(selection.severity(&probe, Severity::Medium), Severity::High);
        let replicas = rule("k8s-replicas/too-few-replicas", "k8s-replicas", "reliability", "medium");
        assert_eq!(selection.severity(&replicas, Severity::Medium), Severity::Low);
    }
}
