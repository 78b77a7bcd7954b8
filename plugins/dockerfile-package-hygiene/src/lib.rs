//! # dockerfile-package-hygiene
//!
//! Package installs in image builds stay small and reproducible:
//!
//! - `apt-get install` / `apt install` uses `--no-install-recommends`, and
//!   the same `RUN` removes `/var/lib/apt/lists` (or runs `apt-get
//!   dist-clean`);
//! - `apk add` uses `--no-cache`;
//! - `dnf`, `yum` and `microdnf` installs end with `clean all` (or remove
//!   their cache) in the same `RUN`;
//! - no `apt-get upgrade`, `apk upgrade`, `dnf upgrade` or `yum update`.
//!
//! A `RUN --mount=type=cache` keeps caches out of the image by design, so
//! cache cleanup is not asked of it.
//!
//! ## Why it matters
//! Recommended packages and package indexes are dead weight in every layer:
//! larger images pull slower on every node and every autoscaling event, and
//! every extra package is more CVEs for the scanner to find and the team to
//! triage. Upgrading inside the build makes the image depend on the day it
//! was built rather than on the base image tag: two builds of one commit
//! differ, and the fix for a vulnerable base is a new base tag, which
//! reviewers can see.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::dockerfile::{Instruction, stages};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct PackageHygiene;

const FIX: &str = "Install only what is needed and leave no cache behind, in one RUN:
```dockerfile
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates curl \\
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache ca-certificates curl
RUN dnf install -y ca-certificates curl && dnf clean all
```
To pick up security fixes, move to a newer base image tag instead of upgrading inside the build.";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/build/building/best-practices/#apt-get",
    "https://docs.docker.com/build/cache/optimize/#use-cache-mounts",
];

/// One simple command of a RUN script, as words.
fn simple_commands(script: &str) -> Vec<Vec<&str>> {
    script
        .split(['\n', ';', '|', '&'])
        .map(|command| command.split_whitespace().filter(|word| *word != "\\").collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect()
}

/// The package manager and its subcommand, skipping `sudo`, `env`, options
/// and variable assignments: `("apt-get", "install")`.
fn manager_and_action<'a>(words: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let mut rest = words.iter().copied().filter(|word| !word.contains('=') || word.starts_with('-'));
    let manager = rest.by_ref().find(|word| !matches!(*word, "sudo" | "env" | "exec"))?;
    let manager = manager.rsplit('/').next().unwrap_or(manager);
    let action = rest.find(|word| !word.starts_with('-'))?;
    Some((manager, action))
}

/// What a RUN script does with packages.
#[derive(Debug, Default, PartialEq, Eq)]
struct Usage {
    apt_install_with_recommends: bool,
    apt_install: bool,
    apt_lists_removed: bool,
    apk_add_with_cache: bool,
    dnf_install: bool,
    dnf_cleaned: bool,
    upgrade: Option<String>,
}

fn usage(script: &str) -> Usage {
    let mut usage = Usage::default();
    for words in simple_commands(script) {
        let joined = words.join(" ");
        if words.contains(&"rm") && joined.contains("/var/lib/apt/lists") {
            usage.apt_lists_removed = true;
        }
        if words.contains(&"rm") && (joined.contains("/var/cache/dnf") || joined.contains("/var/cache/yum")) {
            usage.dnf_cleaned = true;
        }
        let Some((manager, action)) = manager_and_action(&words) else { continue };
        let no_recommends = joined.contains("--no-install-recommends") || joined.contains("Install-Recommends=false");
        match (manager, action) {
            ("apt-get" | "apt", "install") => {
                usage.apt_install = true;
                usage.apt_install_with_recommends |= !no_recommends;
            }
            ("apt-get" | "apt", "upgrade" | "dist-upgrade" | "full-upgrade")
            | ("apk", "upgrade")
            | ("dnf" | "yum" | "microdnf", "upgrade" | "update" | "distro-sync") => {
                usage.upgrade = Some(format!("{manager} {action}"));
            }
            // apt 2.7's dist-clean removes the lists along with the cache.
            ("apt-get" | "apt", "dist-clean") => usage.apt_lists_removed = true,
            ("apk", "add") => usage.apk_add_with_cache |= !joined.contains("--no-cache"),
            ("dnf" | "yum" | "microdnf", "install") => usage.dnf_install = true,
            ("dnf" | "yum" | "microdnf", "clean") => usage.dnf_cleaned = true,
            _ => {}
        }
    }
    usage
}

impl Policy for PackageHygiene {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Package installs in image builds stay small and reproducible",
            "Image builds install only what they need, leave no package cache in the layer, and do not \
             upgrade the base image in place.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            family.rule(
                "apt-install-recommends",
                Severity::Low,
                "Use apt-get install --no-install-recommends",
                "Recommended packages add size and CVEs to every image for software nobody asked for.",
            ),
            family.rule(
                "apt-lists-kept",
                Severity::Low,
                "Remove /var/lib/apt/lists in the RUN that installs",
                "Package indexes left in the layer add tens of megabytes to every pull and are stale the \
                     day after the build.",
            ),
            family.rule(
                "apk-cache-kept",
                Severity::Low,
                "Use apk add --no-cache",
                "Without --no-cache the package index stays in the layer.",
            ),
            family.rule(
                "dnf-cache-kept",
                Severity::Low,
                "End dnf/yum installs with clean all",
                "dnf and yum caches left in the layer add size to every image.",
            ),
            family.rule(
                "upgrade-in-build",
                Severity::Medium,
                "Do not upgrade packages inside the image build",
                "Upgrading in the build makes the image depend on the build date instead of the base tag: \
                     two builds of one commit differ, and nobody reviews what changed.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let stages = stages(document.tree);
        // Per stage, whether apt is configured by then to skip recommended
        // packages: a stage inherits its parent stage's configuration.
        let mut skips_recommends: Vec<bool> = Vec::with_capacity(stages.len());
        for stage in &stages {
            let mut configured = stage.parent(&stages).is_some_and(|parent| skips_recommends[parent]);
            for instruction in stage.instructions().iter().filter(|instruction| instruction.keyword == "RUN") {
                let script = instruction.command_text();
                check_run(instruction, &script, configured, findings);
                configured |= configures_apt_without_recommends(&script);
            }
            skips_recommends.push(configured);
        }
    }
}

fn uses_cache_mount(instruction: &Instruction<'_>) -> bool {
    let mounts = match instruction.value.pointer("/flags/mount").map(Node::shape) {
        Some(Shape::String(mount)) => vec![mount],
        Some(Shape::Array(mounts)) => mounts.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    };
    mounts.iter().any(|mount| mount.contains("type=cache"))
}

/// Whether a RUN script writes `APT::Install-Recommends "0"` (or
/// `"false"`) into apt's configuration, which makes every later
/// `apt-get install` skip recommended packages.
fn configures_apt_without_recommends(script: &str) -> bool {
    script.lines().any(|line| {
        line.contains("APT::Install-Recommends")
            && line.contains("apt.conf")
            && ["\"0\"", "\"false\"", "'0'", "'false'", "\\\"0\\\"", "\\\"false\\\""]
                .iter()
                .any(|value| line.contains(value))
    })
}

/// `apt_skips_recommends`: an earlier RUN configured apt to skip
/// recommended packages.
fn check_run(instruction: &Instruction<'_>, script: &str, apt_skips_recommends: bool, findings: &mut Findings) {
    let usage = usage(script);
    let cached = uses_cache_mount(instruction);
    let at = &instruction.pointer;
    if usage.apt_install_with_recommends && !apt_skips_recommends {
        findings.report("apt-install-recommends", at, "apt installs recommended packages too");
    }
    if usage.apt_install && !usage.apt_lists_removed && !cached {
        findings.report("apt-lists-kept", at, "this RUN installs with apt but leaves /var/lib/apt/lists in the layer");
    }
    if usage.apk_add_with_cache && !cached {
        findings.report("apk-cache-kept", at, "apk add without --no-cache keeps the package index in the layer");
    }
    if usage.dnf_install && !usage.dnf_cleaned && !cached {
        findings.report("dnf-cache-kept", at, "this RUN installs with dnf/yum but does not clean its cache");
    }
    if let Some(upgrade) = usage.upgrade {
        findings.report("upgrade-in-build", at, format!("`{upgrade}` upgrades the base image's packages in the build"));
    }
}

tenken_sdk::export_policy!(PackageHygiene);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tidy_apt_install_passes() {
        let tidy =
            usage("apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
        assert_eq!(tidy, Usage { apt_install: true, apt_lists_removed: true, ..Usage::default() });
    }

    #[test]
    fn finds_each_habit() {
        let script = "sudo apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl; apk add git; \
                      yum install -y jq; apt-get -y dist-upgrade";
        let found = usage(script);
        assert!(found.apt_install_with_recommends && found.apt_install && !found.apt_lists_removed);
        assert!(found.apk_add_with_cache && found.dnf_install && !found.dnf_cleaned);
        assert_eq!(found.upgrade.as_deref(), Some("apt-get dist-upgrade"));
        assert!(usage("dnf install -y jq && dnf clean all").dnf_cleaned);
        assert!(
            usage("apt-get update; apt-get install -y --no-install-recommends tzdata; apt-get dist-clean")
                .apt_lists_removed
        );
    }
}
