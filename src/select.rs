//! Which rules run, at which severity: `select`, `extend-select`, `ignore`,
//! `[severity]` and `[per-path-ignores]` from `tenken.toml`, in ruff's
//! style. A selector is a rule id (`k8s-probes/missing-liveness-probe`),
//! a plugin id (`k8s-probes`), a category (`security`, `reliability`), a
//! severity (`high`: rules whose default severity is high), or `*`. When
//! several match a rule, the most specific wins (rule over plugin over
//! category or severity over `*`); between a select and an ignore equally
//! specific, the ignore wins. Rules off by default (`default_set`) run
//! only when a selector names them or their plugin.
//!
//! The command line's `--select`, `--extend-select` and `--ignore` form a
//! second layer that wins over tenken.toml, as in ruff: a rule they name
//! (by any selector) is decided by them alone, and with `--select` a rule
//! they do not name does not run.
//!
//! Severity selectors match the severity a rule has after `[severity]`
//! overrides. tenken's own rules (`tenken/*`, about the inputs and the
//! exceptions themselves) are matched only by their id or by `tenken`:
//! `ignore = ["low"]` does not hide an unused suppression.

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

/// The plugin id of tenken's own rules.
const BUILTIN_PLUGIN: &str = "tenken";

/// How specifically `selector` names the rule, if it names it at all.
fn specificity(selector: &str, rule: &RuleFacts<'_>) -> Option<u8> {
    if selector == rule.id {
        Some(3)
    } else if selector == rule.plugin {
        Some(PLUGIN_SPECIFICITY)
    } else if rule.plugin == BUILTIN_PLUGIN {
        None
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

/// The command line's selectors: `--select` (replacing tenken.toml's
/// selection), `--extend-select` and `--ignore`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommandLineSelection {
    pub(crate) select: Option<Vec<String>>,
    pub(crate) extend_select: Vec<String>,
    pub(crate) ignore: Vec<String>,
}

impl CommandLineSelection {
    /// Every selector given, for validation.
    pub(crate) fn selectors(&self) -> impl Iterator<Item = &str> {
        self.select.iter().flatten().chain(&self.extend_select).chain(&self.ignore).map(String::as_str)
    }
}

/// The selection and severity overrides of a configuration.
pub(crate) struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    command_line: CommandLineSelection,
    severity: Vec<(String, Severity)>,
    per_path: Vec<(globset::GlobMatcher, Vec<String>)>,
}

/// Whether a layer of selectors selects the rule: `None` when the layer
/// does not name it, else whether the most specific select beats the most
/// specific ignore (an ignore wins a tie).
fn decide<'a>(
    select: impl Iterator<Item = &'a str>,
    ignore: impl Iterator<Item = &'a str>,
    rule: &RuleFacts<'_>,
) -> Option<bool> {
    let mut selected = best(select, rule);
    if crate::default_set::off_by_default(rule.id).is_some() {
        selected = selected.filter(|specificity| *specificity >= PLUGIN_SPECIFICITY);
    }
    let ignored = best(ignore, rule);
    match (selected, ignored) {
        (None, None) => None,
        (None, Some(_)) => Some(false),
        (Some(_), None) => Some(true),
        (Some(selected), Some(ignored)) => Some(selected > ignored),
    }
}

impl Selection {
    /// tenken.toml's selection with the command line's on top.
    pub(crate) fn with_command_line(config: &Config, command_line: CommandLineSelection) -> Self {
        Self { command_line, ..Self::new(config) }
    }

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
            command_line: CommandLineSelection::default(),
            severity,
            per_path,
        }
    }

    /// Whether the rule runs at all. A rule off by default
    /// ([`crate::default_set`]) runs only when a selector names it or its
    /// plugin.
    pub(crate) fn is_selected(&self, rule: &RuleFacts<'_>) -> bool {
        let command_line = &self.command_line;
        let select = command_line.select.iter().flatten().chain(&command_line.extend_select);
        if let Some(decided) = decide(select.map(String::as_str), command_line.ignore.iter().map(String::as_str), rule)
        {
            return decided;
        }
        // tenken's own rules say that a file went unchecked or that an
        // exception is wrong: on unless a selector names them, even when
        // --select names other rules.
        let builtin = rule.plugin == BUILTIN_PLUGIN;
        if command_line.select.is_some() && !builtin {
            return false;
        }
        decide(self.select.iter().map(String::as_str), self.ignore.iter().map(String::as_str), rule).unwrap_or(builtin)
    }

    /// The rule's severity after `[severity]` overrides, and whether it
    /// runs, with severity selectors matched against that severity.
    pub(crate) fn state(&self, rule: &RuleFacts<'_>, default: Severity) -> (Severity, bool) {
        let severity = self.severity(rule, default);
        (severity, self.is_selected(&RuleFacts { severity: severity.as_str(), ..*rule }))
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
                category: finding.category.as_str(),
                severity: finding.severity.as_str(),
            }
        }
        // Severity first: selectors by severity match the configured one.
        for finding in &mut report.findings {
            let label = finding.rule.clone();
            let severity = self.severity(&facts(&label, finding), finding.severity);
            finding.severity = severity;
        }
        report.findings.retain(|finding| {
            let rule = facts(&finding.rule, finding);
            self.is_selected(&rule) && !self.ignored_at(&finding.location.path, &rule)
        });
        for descriptor in &mut report.rules {
            let rule = RuleFacts {
                id: &descriptor.id,
                plugin: &descriptor.plugin,
                category: descriptor.category.as_str(),
                severity: descriptor.severity.as_str(),
            };
            descriptor.severity = self.severity(&rule, descriptor.severity);
        }
    }
}

/// Why `selector` names nothing, with the nearest known name, or `None`
/// when it names a rule, a plugin, a category, a severity or `*`.
pub(crate) fn unknown_selector(selector: &str, rules: &[RuleFacts<'_>]) -> Option<String> {
    const CATEGORIES: [&str; 2] = ["security", "reliability"];
    let known = selector == "*"
        || CATEGORIES.contains(&selector)
        || Severity::ALL.iter().any(|severity| severity.as_str() == selector)
        || rules.iter().any(|rule| rule.id == selector || rule.plugin == selector);
    if known {
        return None;
    }
    let names = rules
        .iter()
        .flat_map(|rule| [rule.id, rule.plugin])
        .chain(CATEGORIES)
        .chain(Severity::ALL.iter().map(|severity| severity.as_str()));
    let next = match crate::suggest::closest(selector, names) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "`tenken rules` lists them".to_owned(),
    };
    Some(format!("`{selector}` names no loaded rule or plugin, nor a category or severity; {next}"))
}

/// Checks every selector of the configuration against the loaded rules, so
/// a typo is an error at its line rather than a rule silently running.
pub(crate) fn validate(config: &Config, rules: &[RuleFacts<'_>], errors: &mut Vec<ConfigError>) {
    let mut check = |selector: &str, origin: &Origin| {
        if let Some(message) = unknown_selector(selector, rules) {
            errors.push(ConfigError { origin: origin.clone(), column: origin.column, message });
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

    fn finding(id: &str, plugin: &str, severity: Severity) -> Finding {
        Finding {
            rule: RuleLabel::new(id, plugin, "title"),
            severity,
            category: tenken_report::Category::Reliability,
            message: "message".into(),
            location: tenken_report::Location {
                path: "k8s.yaml".into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 2,
            },
            document: 0,
            pointer: "".into(),
            excerpt: None,
            suppressed: None,
            note: None,
            rendered_from: None,
        }
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
    fn the_command_line_wins_over_the_config() {
        let probe = rule("k8s-probes/missing-liveness-probe", "k8s-probes", "reliability", "medium");
        let root = rule("k8s-non-root/runs-as-root", "k8s-non-root", "security", "high");
        let config = Config { ignore: vec![("k8s-probes".into(), origin())], ..Config::default() };
        let cli = |select: Option<&[&str]>, extend: &[&str], ignore: &[&str]| CommandLineSelection {
            select: select.map(|list| list.iter().map(|s| (*s).to_owned()).collect()),
            extend_select: extend.iter().map(|s| (*s).to_owned()).collect(),
            ignore: ignore.iter().map(|s| (*s).to_owned()).collect(),
        };
        let extended = Selection::with_command_line(&config, cli(None, &["k8s-probes"], &[]));
        assert!(extended.is_selected(&probe), "--extend-select beats the config's ignore");
        assert!(extended.is_selected(&root), "the rest keeps the config's selection");
        let selected = Selection::with_command_line(&Config::default(), cli(Some(&["k8s-probes"]), &[], &[]));
        assert!(selected.is_selected(&probe) && !selected.is_selected(&root), "--select replaces the selection");
        let ignored = Selection::with_command_line(&Config::default(), cli(None, &[], &["security"]));
        assert!(!ignored.is_selected(&root) && ignored.is_selected(&probe));
    }

    #[test]
    fn tenkens_own_rules_answer_only_to_their_names() {
        let unused = rule("tenken/unused-suppression", "tenken", "reliability", "low");
        let broad = Config {
            select: Some(vec![("security".into(), origin())]),
            ignore: vec![("low".into(), origin()), ("*".into(), origin())],
            ..Config::default()
        };
        assert!(Selection::new(&broad).is_selected(&unused), "broad selectors leave tenken's rules on");
        let named = Config { ignore: vec![("tenken/unused-suppression".into(), origin())], ..Config::default() };
        assert!(!Selection::new(&named).is_selected(&unused));
        let cli = CommandLineSelection { select: Some(vec!["k8s-probes".into()]), ..CommandLineSelection::default() };
        assert!(Selection::with_command_line(&Config::default(), cli).is_selected(&unused));
    }

    #[test]
    fn severity_selectors_match_the_configured_severity() {
        let mut config = Config { ignore: vec![("low".into(), origin())], ..Config::default() };
        config.severity.insert("k8s-service-account-token".into(), ("medium".into(), origin()));
        let selection = Selection::new(&config);
        let mut report = tenken_report::Report::default();
        for (id, plugin) in [
            ("k8s-service-account-token/token-automounted", "k8s-service-account-token"),
            ("compose-healthcheck/dependency-readiness-unknown", "compose-healthcheck"),
        ] {
            report.findings.push(finding(id, plugin, Severity::Low));
        }
        selection.apply(&mut report);
        let kept: Vec<(&str, Severity)> =
            report.findings.iter().map(|finding| (&*finding.rule.id, finding.severity)).collect();
        assert_eq!(kept, [("k8s-service-account-token/token-automounted", Severity::Medium)]);
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
