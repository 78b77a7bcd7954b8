//! A plugin whose rule title is 10 MB long: every finding repeats its rule's
//! title in some report formats, so one such plugin once turned a handful
//! of findings into hundreds of megabytes of output. The host must refuse
//! it at load time, say why, and check with the other plugins.

use tenken_sdk::bindings::exports::tenken::plugin::policy::Guest;
use tenken_sdk::bindings::tenken::plugin::types::{Document, Finding, TreeEncoding};
use tenken_sdk::{Category, PluginInfo, Rule, Scope, Severity};

struct OversizedInfo;

impl Guest for OversizedInfo {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "oversized-info".to_owned(),
            version: "0.1.0".to_owned(),
            title: "Declares a rule title of 10 MB".to_owned(),
            summary: "Test guest for the host's bounds on plugin metadata.".to_owned(),
            kinds: vec!["kubernetes".to_owned()],
            scope: Scope::File,
            rules: vec![Rule {
                id: "everywhere".to_owned(),
                title: "T".repeat(10 * 1024 * 1024),
                default_severity: Severity::Info,
                category: Category::Security,
                rationale: "Test only.".to_owned(),
                fix: "Test only.".to_owned(),
                references: vec![],
                sensitive: false,
            }],
            settings_schema: None,
            tree_encoding: TreeEncoding::Compact,
        }
    }

    fn configure(_settings: String) -> Result<(), String> {
        Ok(())
    }

    fn check(_settings: String, documents: Vec<Document>) -> Result<Vec<Finding>, String> {
        let documents = 0..documents.len() as u32;
        Ok(documents
            .map(|document| Finding {
                rule: "everywhere".to_owned(),
                message: "reported on every document".to_owned(),
                document,
                pointer: String::new(),
            })
            .collect())
    }
}

tenken_sdk::bindings::export_plugin_bindings!(OversizedInfo with_types_in tenken_sdk::bindings);
