//! `tenken plugins` and `tenken explain`: what the loaded plugins check,
//! read from the plugins themselves.

use std::fmt::Write as _;

use tenken_host::{LoadedPlugin, RuleInfo};

use crate::cli::{ExplainArgs, ListFormat, PluginArgs, RuntimeArgs};
use crate::config;
use crate::plugins;

/// The runtime with the plugins that `tenken.toml` adds, found from the
/// current directory as `tenken check` finds it, so that a team's own
/// plugins are listed and explained too. Errors in the config are printed
/// and become the exit code.
fn with_configured_plugins(runtime: &RuntimeArgs) -> Result<RuntimeArgs, u8> {
    let mut runtime = runtime.clone();
    let Some(path) = config::find(None, &[]) else { return Ok(runtime) };
    let (config, _sources, mut errors) = config::load(&path);
    runtime.plugins.extend(config::plugin_paths(&config, &mut errors));
    if errors.is_empty() { Ok(runtime) } else { Err(crate::check::report_config_errors(&errors)) }
}

/// Lists plugins, their kinds and rules.
pub(crate) fn list(args: &PluginArgs) -> anyhow::Result<u8> {
    let runtime = match with_configured_plugins(&args.runtime) {
        Ok(runtime) => runtime,
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

/// Prints the documentation of one rule, or of every rule of a plugin.
pub(crate) fn explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    // tenken's own rules need no plugin.
    let own: Vec<_> = crate::builtin::descriptors()
        .into_iter()
        .filter(|rule| rule.id == args.rule || (args.rule == "tenken" && rule.plugin == "tenken"))
        .collect();
    if !own.is_empty() {
        let mut out = String::new();
        for rule in own {
            write_rule(
                &mut out,
                &rule.id,
                &rule.title,
                rule.severity.as_str(),
                &format!("{:?}", rule.category),
                &rule.rationale,
                &rule.fix,
                &rule.references,
            );
        }
        crate::output::print(&out)?;
        return Ok(0);
    }
    let runtime = match with_configured_plugins(&args.runtime) {
        Ok(runtime) => runtime,
        Err(code) => return Ok(code),
    };
    let plugins = plugins::load(&runtime)?;
    let (plugin_id, rule_id) = match args.rule.split_once('/') {
        Some((plugin, rule)) => (plugin, Some(rule)),
        None => (args.rule.as_str(), None),
    };
    let Some(plugin) = plugins.loaded.iter().find(|plugin| plugin.info.id == plugin_id) else {
        let known: Vec<&str> = plugins.loaded.iter().map(|plugin| plugin.info.id.as_str()).collect();
        anyhow::bail!("no plugin `{plugin_id}` is loaded; loaded plugins: {}", known.join(", "));
    };
    let rules: Vec<&RuleInfo> = match rule_id {
        Some(rule_id) => match plugin.info.rule(rule_id) {
            Some(rule) => vec![rule],
            None => {
                let known: Vec<&str> = plugin.info.rules.iter().map(|rule| rule.id.as_str()).collect();
                anyhow::bail!("plugin `{plugin_id}` has no rule `{rule_id}`; its rules: {}", known.join(", "));
            }
        },
        None => plugin.info.rules.iter().collect(),
    };
    let mut out = String::new();
    for rule in rules {
        write_rule(
            &mut out,
            &format!("{}/{}", plugin.info.id, rule.id),
            &rule.title,
            rule.default_severity.as_str(),
            &format!("{:?}", rule.category),
            &rule.rationale,
            &rule.fix,
            &rule.references,
        );
    }
    crate::output::print(&out)?;
    Ok(0)
}

/// One rule's documentation, as Markdown.
#[allow(clippy::too_many_arguments)]
fn write_rule(
    out: &mut String,
    id: &str,
    title: &str,
    severity: &str,
    category: &str,
    rationale: &str,
    fix: &str,
    references: &[String],
) {
    let _ = writeln!(out, "# {id}: {title}\n");
    let _ = writeln!(out, "Severity: {severity}. Category: {}.\n", category.to_lowercase());
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
