//! The rules tenken reports itself, as `tenken/<rule>`: files it could not
//! read as the config they are named as, and exceptions that are malformed
//! or stale. They are findings like any plugin's, so they count toward
//! `--fail-on`, `--exit-zero` turns them into exit 0, and exceptions,
//! `[rules]` selection and baselines apply to them.

use std::sync::{Arc, LazyLock};

use tenken_report::{Category, Finding, Location, RuleDescriptor, RuleLabel, Severity};

/// One of tenken's own rules.
pub(crate) struct BuiltinRule {
    /// Full id, `tenken/<rule>`.
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) severity: Severity,
    pub(crate) rationale: &'static str,
    pub(crate) fix: &'static str,
    /// Made once per process and shared by every finding of the rule.
    label: LazyLock<Arc<RuleLabel>>,
}

macro_rules! builtin_rule {
    ($name:ident, $id:literal, $title:literal, $severity:expr, $rationale:literal, $fix:literal $(,)?) => {
        pub(crate) static $name: BuiltinRule = BuiltinRule {
            id: $id,
            title: $title,
            severity: $severity,
            rationale: $rationale,
            fix: $fix,
            label: LazyLock::new(|| RuleLabel::new($id, "tenken", $title)),
        };
    };
}

builtin_rule!(
    INVALID_SYNTAX,
    "tenken/invalid-syntax",
    "Keep config files parseable",
    Severity::High,
    "A file that does not parse is not checked: every practice is silent on it, and the tool that deploys it \
     will reject it or, worse, read it differently from what its author meant. The same holds for a file named \
     as a config whose bytes are not text.",
    "Fix the syntax at the reported location; the ecosystem's own parser (kubectl, docker compose, terraform) \
     reports the same problem. If the file is not a config at all, rename it or map it to the right kind with \
     `[kinds]` in tenken.toml; a file that is knowingly invalid can be exempted under `[per-path-ignores]` in tenken.toml.",
);

builtin_rule!(
    FILE_TOO_LARGE,
    "tenken/file-too-large",
    "Keep config files under the size limit",
    Severity::High,
    "tenken refuses files over its size limit before reading them, so that a padded or generated file cannot \
     exhaust memory. Such a file is not checked: a config could otherwise escape every practice by growing.",
    "Split the file, or raise the limit with `--max-file-size` or `max-file-size` in tenken.toml if files this \
     large are expected.",
);

builtin_rule!(
    INVALID_SUPPRESSION,
    "tenken/invalid-suppression",
    "Give every exception a rule and a reason",
    Severity::Medium,
    "An exception without a reason cannot be reviewed or revisited; one without a valid rule or date does not \
     say what it excuses or for how long.",
    "Write `tenken:ignore <plugin>/<rule> [until=YYYY-MM-DD] -- <reason>`, or in an annotation \
     `tenken.dev/ignore: \"<plugin>/<rule>: <reason>\"`.",
);

builtin_rule!(
    UNUSED_SUPPRESSION,
    "tenken/unused-suppression",
    "Remove exceptions that no longer cover anything",
    Severity::Low,
    "An exception that covers nothing is stale: the config changed or the finding was fixed. Left in place it \
     would silently excuse the next, unrelated problem on that line.",
    "Delete the comment or annotation entry.",
);

/// Every built-in rule.
pub(crate) fn all() -> [&'static BuiltinRule; 4] {
    [&INVALID_SYNTAX, &FILE_TOO_LARGE, &INVALID_SUPPRESSION, &UNUSED_SUPPRESSION]
}

/// The built-in rule with this full id.
pub(crate) fn find(id: &str) -> Option<&'static BuiltinRule> {
    all().into_iter().find(|rule| rule.id == id)
}

/// Descriptions of every built-in rule, for SARIF, `explain` and selection.
pub(crate) fn descriptors() -> Vec<RuleDescriptor> {
    all().iter().map(|rule| rule.descriptor()).collect()
}

impl BuiltinRule {
    pub(crate) fn descriptor(&self) -> RuleDescriptor {
        RuleDescriptor {
            id: self.id.to_owned(),
            plugin: "tenken".to_owned(),
            title: self.title.to_owned(),
            severity: self.severity,
            category: Category::Reliability,
            rationale: self.rationale.to_owned(),
            fix: self.fix.to_owned(),
            references: vec![],
        }
    }

    /// Whether a finding of this rule means its file was not (fully)
    /// checked.
    pub(crate) fn reports_unchecked_files(&self) -> bool {
        std::ptr::eq(self, &INVALID_SYNTAX) || std::ptr::eq(self, &FILE_TOO_LARGE)
    }

    /// A finding of this rule at `location`.
    pub(crate) fn finding(&self, message: impl Into<Arc<str>>, location: Location) -> Finding {
        Finding {
            rule: Arc::clone(&self.label),
            severity: self.severity,
            category: Category::Reliability,
            message: message.into(),
            location,
            document: 0,
            pointer: "".into(),
            excerpt: None,
            suppressed: None,
            note: None,
            rendered_from: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_under_tenken() {
        let ids: std::collections::BTreeSet<&str> = all().iter().map(|rule| rule.id).collect();
        assert_eq!(ids.len(), all().len());
        assert!(ids.iter().all(|id| id.strip_prefix("tenken/").is_some_and(|rule| !rule.is_empty())));
        assert!(find("tenken/invalid-syntax").is_some());
        assert!(find("tenken/nope").is_none());
    }
}
