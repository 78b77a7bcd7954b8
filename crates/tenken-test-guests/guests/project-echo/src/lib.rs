//! A project-scoped plugin that reports, on every document it is given, how
//! many documents the call held: tests use it to see which documents a
//! cross-document practice is shown, and which findings are kept.

use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Scope, Severity};

struct ProjectEcho;

impl Policy for ProjectEcho {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        PluginInfo {
            id: "project-echo".to_owned(),
            version: "0.1.0".to_owned(),
            title: "Reports what a project-scoped call sees".to_owned(),
            summary: "Test guest for cross-document calls.".to_owned(),
            kinds: vec!["kubernetes".to_owned(), "dockerfile".to_owned()],
            scope: Scope::Project,
            rules: vec![Rule {
                id: "seen".to_owned(),
                title: "Seen in a project call".to_owned(),
                default_severity: Severity::Info,
                category: Category::Reliability,
                rationale: "Test only.".to_owned(),
                fix: "Test only.".to_owned(),
                references: vec![],
                sensitive: false,
            }],
            settings_schema: None,
            tree_encoding: tenken_sdk::TreeEncoding::Compact,
        }
    }

    fn check_all(documents: &[Document<'_>], _settings: &NoSettings, findings: &mut Findings) {
        let paths: Vec<String> =
            documents.iter().map(|document| format!("{}#{}", document.path, document.index)).collect();
        for index in 0..documents.len() {
            findings.in_document(index).report("seen", &Pointer::root(), format!("call held {}", paths.join(" ")));
        }
    }
}

tenken_sdk::export_policy!(ProjectEcho);
