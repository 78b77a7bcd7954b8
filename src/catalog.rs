//! Every rule of a run: the loaded plugins' rules, then tenken's own, in
//! the one shape the report, the listings and the selection use.

use tenken_host::LoadedPlugin;
use tenken_report::RuleDescriptor;

use crate::select::RuleFacts;

/// The rules of `plugins`, as `<plugin>/<rule>`, in plugin order.
pub(crate) fn plugin_rules(plugins: &[LoadedPlugin]) -> Vec<RuleDescriptor> {
    plugins
        .iter()
        .flat_map(|plugin| {
            plugin.info.rules.iter().map(|rule| RuleDescriptor {
                id: format!("{}/{}", plugin.info.id, rule.id),
                plugin: plugin.info.id.clone(),
                title: rule.title.clone(),
                severity: rule.default_severity,
                category: rule.category,
                rationale: rule.rationale.clone(),
                fix: rule.fix.clone(),
                references: rule.references.clone(),
            })
        })
        .collect()
}

/// The rules of `plugins`, then tenken's own (`tenken/*`).
pub(crate) fn every_rule(plugins: &[LoadedPlugin]) -> Vec<RuleDescriptor> {
    let mut rules = plugin_rules(plugins);
    rules.extend(crate::builtin::descriptors());
    rules
}

/// What selectors match a rule against, at its default severity.
pub(crate) fn facts(rule: &RuleDescriptor) -> RuleFacts<'_> {
    RuleFacts { id: &rule.id, plugin: &rule.plugin, category: rule.category.as_str(), severity: rule.severity.as_str() }
}
