//! `tenken plugins`, `tenken rules` and `tenken explain`: what the loaded
//! plugins check, read from the plugins themselves, and tenken's own rules.

use std::fmt::Write as _;

use tenken_host::LoadedPlugin;
use tenken_report::RuleDescriptor;

use crate::cli::{ExplainArgs, ListFormat, PluginArgs, RulesArgs, RuntimeArgs};
use crate::config;
use crate::plugins;
use crate::plugins::Runtime;
use crate::select::Selection;

/// The runtime with the plugins that `tenken.toml` adds, and the config,
/// found from the current directory as `tenken check` finds it, so that a
/// team's own plugins are listed and explained too, with the team's
/// severities. Errors in the config are printed and become the exit code.
fn with_configured_plugins(runtime: &RuntimeArgs) -> Result<(Runtime, config::Config), u8> {
    let mut runtime = Runtime::from(runtime);
    let Some(path) = config::find(None, &[]) else { return Ok((runtime, config::Config::default())) };
    let (config, _sources, mut errors) = config::load(&path);
    runtime.plugins.extend(config::plugin_paths(&config, &mut errors));
    if errors.is_empty() { Ok((runtime, config)) } else { Err(crate::check::report_config_errors(&errors)) }
}

/// Lists every rule id, built-in ones included, with its severity and
/// whether it runs, under the nearest tenken.toml (or the default set).
pub(crate) fn rules(args: &RulesArgs) -> anyhow::Result<u8> {
    let (runtime, config) = match with_configured_plugins(&args.runtime) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let plugins = plugins::load(&runtime)?;
    let selection = Selection::new(&config);
    let rules = crate::catalog::every_rule(&plugins.loaded);
    let mut out = String::new();
    if args.ids {
        for rule in &rules {
            let _ = writeln!(out, "{}", rule.id);
        }
    } else {
        match args.format {
            ListFormat::Json => {
                let entries: Vec<serde_json::Value> = rules
                    .iter()
                    .map(|rule| {
                        let (severity, selected) = selection.state(&crate::catalog::facts(rule), rule.severity);
                        serde_json::json!({
                            "id": rule.id,
                            "plugin": rule.plugin,
                            "title": rule.title,
                            "category": rule.category.as_str(),
                            "default_severity": rule.severity.as_str(),
                            "severity": severity.as_str(),
                            "on_by_default": crate::default_set::off_by_default(&rule.id).is_none(),
                            "selected": selected,
                        })
                    })
                    .collect();
                out = serde_json::to_string_pretty(&entries)?;
                out.push('\n');
            }
            ListFormat::Text => {
                let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
                for rule in &rules {
                    let (severity, selected) = selection.state(&crate::catalog::facts(rule), rule.severity);
                    let _ = writeln!(
                        out,
                        "{:width$}  {:8}  {:11}  {:3}  {}",
                        rule.id,
                        severity.as_str(),
                        rule.category.as_str(),
                        if selected { "on" } else { "off" },
                        rule.title
                    );
                }
            }
        }
    }
    crate::output::print(&out)?;
    Ok(if plugins.failed.is_empty() { 0 } else { 2 })
}

/// Lists plugins, their kinds and rules.
pub(crate) fn list(args: &PluginArgs) -> anyhow::Result<u8> {
    let runtime = match with_configured_plugins(&args.runtime) {
        Ok((runtime, _)) => runtime,
        Err(code) => return Ok(code),
    };
    let plugins = plugins::load(&runtime)?;
    let mut out = String::new();
    match args.format {
        ListFormat::Json => {
            let entries: Vec<serde_json::Value> = plugins
                .loaded
                .iter()
                .map(|plugin| {
                    serde_json::json!({
                        "origin": plugin.origin,
                        "sha256": plugin.sha256,
                        "info": plugin.info,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&entries)?;
            out.push('\n');
        }
        ListFormat::Text => {
            for plugin in &plugins.loaded {
                write_plugin(&mut out, plugin);
            }
            write_builtin_rules(&mut out);
        }
    }
    for (origin, message) in &plugins.failed {
        eprintln!("tenken: error: {}", tenken_report::untrusted::one_line(&format!("plugin {origin} {message}")));
    }
    crate::output::print(&out)?;
    Ok(if plugins.failed.is_empty() { 0 } else { 2 })
}

fn write_plugin(out: &mut String, plugin: &LoadedPlugin) {
    let info = &plugin.info;
    let _ = writeln!(out, "{} {} ({}, sha256 {})", info.id, info.version, plugin.origin, &plugin.sha256[..12]);
    let _ = writeln!(out, "  {}", info.title);
    let _ = writeln!(out, "  kinds: {}", info.kinds.join(", "));
    let width = info.rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
    for rule in &info.rules {
        let off = crate::default_set::off_by_default(&format!("{}/{}", info.id, rule.id));
        let _ = writeln!(
            out,
            "    {:width$}  {:8}  {:11}  {}{}",
            rule.id,
            rule.default_severity.as_str(),
            format!("{:?}", rule.category).to_lowercase(),
            rule.title,
            if off.is_some() { " (off by default)" } else { "" }
        );
    }
    out.push('\n');
}

/// tenken's own rules, listed like a plugin's.
fn write_builtin_rules(out: &mut String) {
    let _ = writeln!(out, "tenken (built in)");
    let _ = writeln!(out, "  Files tenken could not check, and exceptions that are malformed or stale");
    let rules = crate::builtin::descriptors();
    let width = rules.iter().map(|rule| rule.id.len() - "tenken/".len()).max().unwrap_or(0);
    for rule in &rules {
        let _ = writeln!(
            out,
            "    {:width$}  {:8}  {:11}  {}",
            rule.id.trim_start_matches("tenken/"),
            rule.severity.as_str(),
            rule.category.as_str(),
            rule.title
        );
    }
}

/// Prints the documentation of one rule, or of every rule of a plugin.
pub(crate) fn explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let (runtime, config) = match with_configured_plugins(&args.runtime) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    // tenken's own rules need no plugin.
    // An id renamed since (crate::aliases) is explained under its new name.
    let wanted = crate::aliases::current(&args.rule);
    let wants_builtin = wanted == "tenken" || wanted.starts_with("tenken/");
    let loaded = if wants_builtin { Vec::new() } else { plugins::load(&runtime)?.loaded };
    let rules = crate::catalog::every_rule(&loaded);
    let chosen: Vec<&RuleDescriptor> = rules.iter().filter(|rule| rule.id == wanted || rule.plugin == wanted).collect();
    if chosen.is_empty() {
        if let Some((plugin, rule)) = args.rule.split_once('/')
            && rules.iter().any(|known| known.plugin == plugin)
        {
            let its_rules: Vec<&str> = rules
                .iter()
                .filter(|known| known.plugin == plugin)
                .map(|known| &known.id[plugin.len() + 1..])
                .collect();
            let next = match crate::suggest::closest(rule, its_rules.iter().copied()) {
                Some(near) => format!("did you mean `{plugin}/{near}`?"),
                None => format!("its rules: {}", its_rules.join(", ")),
            };
            anyhow::bail!("plugin `{plugin}` has no rule `{rule}`; {next}");
        }
        let names = rules.iter().flat_map(|rule| [rule.id.as_str(), rule.plugin.as_str()]);
        let next = match crate::suggest::closest(&args.rule, names) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "`tenken rules` lists every rule".to_owned(),
        };
        anyhow::bail!("`{}` names no rule or plugin; {next}", args.rule);
    }
    let selection = Selection::new(&config);
    let mut out = String::new();
    for rule in chosen {
        let facts = crate::catalog::facts(rule);
        let severity = selection.severity(&facts, rule.severity);
        let severity = if severity == rule.severity {
            severity.as_str().to_owned()
        } else {
            format!("{} (set in tenken.toml; {} by default)", severity.as_str(), rule.severity.as_str())
        };
        write_rule(&mut out, rule, &severity);
    }
    crate::output::print(&out)?;
    Ok(0)
}

/// One rule's documentation, as Markdown.
fn write_rule(out: &mut String, rule: &RuleDescriptor, severity: &str) {
    let RuleDescriptor { id, title, rationale, fix, references, .. } = rule;
    let _ = writeln!(out, "# {id}: {title}\n");
    let _ = writeln!(out, "Severity: {severity}. Category: {}.\n", rule.category.as_str());
    let former: Vec<String> = crate::aliases::former(id).map(|old| format!("`{old}`")).collect();
    if !former.is_empty() {
        let _ = writeln!(
            out,
            "Formerly {}; the old id still works in tenken.toml, exceptions and baselines.\n",
            former.join(", ")
        );
    }
    if let Some(why) = crate::default_set::off_by_default(id) {
        let _ = writeln!(out, "Off by default: {why}. Run it with `extend-select = [\"{id}\"]` in tenken.toml.\n");
    }
    let _ = writeln!(out, "## Why it matters\n\n{rationale}\n");
    let _ = writeln!(out, "## How to fix it\n\n{fix}\n");
    if !references.is_empty() {
        let _ = writeln!(out, "## References\n");
        for reference in references {
            let _ = writeln!(out, "- {reference}");
        }
        out.push('\n');
    }
}
