//! The guest-side SDK for tenken policy plugins.
//!
//! A plugin implements [`Policy`] for a unit struct and exports it with
//! [`export_policy!`]. The SDK owns the contract plumbing: it validates
//! settings, reads each document tree where the host put it, and collects
//! findings, so the plugin's code is only the practice itself. That code is
//! plain Rust over [`Node`], a borrowed view of the document's compact tree
//! whose API follows `serde_json::Value`'s, so it unit-tests natively with
//! `cargo test` on trees written with `serde_json::json!`.
//!
//! ```ignore
//! struct MyPolicy;
//! impl tenken_sdk::Policy for MyPolicy {
//!     type Settings = tenken_sdk::NoSettings;
//!     fn info() -> tenken_sdk::PluginInfo { tenken_sdk::plugin_info!("title", "summary").kinds(["kubernetes"]) }
//!     fn check(doc: &tenken_sdk::Document, _: &Self::Settings, out: &mut tenken_sdk::Findings) {
//!         /* out.report("rule-id", pointer, "message") */
//!     }
//! }
//! tenken_sdk::export_policy!(MyPolicy);
//! ```
#![warn(missing_docs)]

pub use schemars;

pub mod cloudformation;
pub mod compose;
pub mod dockerfile;
pub mod github;
pub mod gitlab;
pub mod helm;
pub mod iam;
pub mod image;
pub mod kubernetes;
pub mod kustomize;
mod pointer;
pub mod ports;
pub mod prometheus;
pub mod removed_api;
pub mod secrets;
pub mod terraform;
pub mod walk;

pub use pointer::Pointer;
pub use tenken_tree::{Array, Node, Number, Object, Shape};

/// Bindings generated from the contract in `wit/`. Plugins rarely need them
/// directly; the useful types are re-exported at the crate root.
#[allow(missing_docs, unreachable_pub, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "plugin",
        pub_export_macro: true,
        export_macro_name: "export_plugin_bindings",
        default_bindings_module: "tenken_sdk::bindings",
    });
}

pub use bindings::tenken::plugin::types::{Category, PluginInfo, Rule, Scope, Severity};

use bindings::tenken::plugin::types::Document as ContractDocument;
pub use bindings::tenken::plugin::types::{Finding, TreeEncoding};
use serde::de::DeserializeOwned;

impl Rule {
    /// A rule with its id, category, default severity and one-line title.
    /// Add the rationale, the fix and references with the builder methods.
    pub fn new(id: &str, category: Category, severity: Severity, title: &str) -> Self {
        Rule {
            id: id.to_owned(),
            title: title.to_owned(),
            default_severity: severity,
            category,
            rationale: String::new(),
            fix: String::new(),
            references: Vec::new(),
            sensitive: false,
        }
    }

    /// Why the practice matters: the failure it prevents. Markdown.
    pub fn rationale(mut self, text: &str) -> Self {
        text.clone_into(&mut self.rationale);
        self
    }

    /// How to fix a finding, ideally with a corrected example. Markdown.
    pub fn fix(mut self, text: &str) -> Self {
        text.clone_into(&mut self.fix);
        self
    }

    /// Links to upstream documentation or standards.
    pub fn references(mut self, links: &[&str]) -> Self {
        self.references = links.iter().map(|link| (*link).to_owned()).collect();
        self
    }

    /// Marks the rule's findings as pointing at secrets: the host masks the
    /// node in every code frame and snippet.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

/// Rules that share a category, a fix and references, as most rules of a
/// plugin do, so each is written as only what sets it apart:
///
/// ```ignore
/// let family = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
/// vec![
///     family.rule("latest-tag", Severity::High, "Do not run :latest images", "Why it matters."),
///     family.rule("missing-tag", Severity::High, "Name an image version", "Why it matters."),
/// ]
/// ```
#[derive(Debug, Clone)]
pub struct RuleFamily {
    /// What every rule of the family shares; its id, title, severity and
    /// rationale are each rule's own.
    shared: Rule,
}

impl RuleFamily {
    /// Rules of `category`, with no fix or references yet.
    pub fn new(category: Category) -> Self {
        Self { shared: Rule::new("", category, Severity::Info, "") }
    }

    /// How to fix a finding of any rule of the family. Markdown.
    pub fn fix(self, text: &str) -> Self {
        Self { shared: self.shared.fix(text) }
    }

    /// Links for every rule of the family.
    pub fn references(self, links: &[&str]) -> Self {
        Self { shared: self.shared.references(links) }
    }

    /// A rule of the family: its id, default severity, one-line title and
    /// rationale.
    pub fn rule(&self, id: &str, severity: Severity, title: &str, rationale: &str) -> Rule {
        let rule =
            Rule { id: id.to_owned(), title: title.to_owned(), default_severity: severity, ..self.shared.clone() };
        rule.rationale(rationale)
    }
}

/// One parsed document, as a plugin sees it: borrowed from the call.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// File path relative to where tenken runs, `/`-separated.
    pub path: &'a str,
    /// The classified kind, e.g. `kubernetes`.
    pub kind: &'a str,
    /// The source format, e.g. `yaml`.
    pub format: &'a str,
    /// Position of the document within its file, from 0.
    pub index: u32,
    /// The document tree, read in place.
    pub tree: Node<'a>,
}

impl Document<'_> {
    /// Whether the document only patches an object defined elsewhere
    /// ([`kubernetes::PATCH_KIND`]): what it does not say is said in the
    /// object it patches, so nothing can be reported missing from it.
    pub fn is_partial(&self) -> bool {
        self.kind == kubernetes::PATCH_KIND
    }
}

/// Settings for plugins that take none. Any key given is rejected, so a typo
/// in `tenken.toml` does not pass silently.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

/// The JSON Schema of a plugin's settings, derived from its settings type
/// (field docs become descriptions, `#[serde(default = ...)]` defaults,
/// `#[schemars(range(...))]` and the like constraints). `None` for a
/// settings type without fields.
pub fn settings_schema<P: Policy>() -> Option<String> {
    let schema = schemars::schema_for!(P::Settings);
    let value = serde_json::to_value(&schema).ok()?;
    let has_fields =
        value.get("properties").and_then(serde_json::Value::as_object).is_some_and(|fields| !fields.is_empty());
    has_fields.then(|| value.to_string())
}

/// Starts the description of the plugin of the crate it is written in: its
/// id is the crate's name and its version the crate's version, so neither
/// is written twice. The plugin is file-scoped, reads no kinds and has no
/// rules until [`PluginInfo::kinds`], [`PluginInfo::project_scoped`] and
/// [`PluginInfo::rules`] say otherwise; the settings schema is derived from
/// the settings type ([`plugin_info`]).
///
/// ```ignore
/// fn info() -> PluginInfo {
///     tenken_sdk::plugin_info!("Containers run pinned images", "Every replica runs the reviewed code.")
///         .kinds(tenken_sdk::kubernetes::kinds_with_patches())
///         .rules(vec![Rule::new("latest-tag", Category::Reliability, Severity::High, "Do not use :latest")])
/// }
/// ```
#[macro_export]
macro_rules! plugin_info {
    ($title:expr, $summary:expr $(,)?) => {
        $crate::PluginInfo::describe(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"), $title, $summary)
    };
}

impl PluginInfo {
    /// A file-scoped plugin with no kinds and no rules yet; see
    /// [`plugin_info!`], which fills the id and version from the crate.
    pub fn describe(id: &str, version: &str, title: &str, summary: &str) -> Self {
        PluginInfo {
            id: id.to_owned(),
            version: version.to_owned(),
            title: title.to_owned(),
            summary: summary.to_owned(),
            kinds: Vec::new(),
            scope: Scope::File,
            rules: Vec::new(),
            settings_schema: None,
            tree_encoding: TreeEncoding::Compact,
        }
    }

    /// The document kinds the plugin reads, e.g. `kubernetes`.
    pub fn kinds<K: Into<String>>(mut self, kinds: impl IntoIterator<Item = K>) -> Self {
        self.kinds = kinds.into_iter().map(Into::into).collect();
        self
    }

    /// The plugin sees every document of a project in one call, to relate
    /// documents to each other (see [`Policy::check_all`]).
    pub fn project_scoped(mut self) -> Self {
        self.scope = Scope::Project;
        self
    }

    /// The plugin's rules.
    pub fn rules(mut self, rules: impl IntoIterator<Item = Rule>) -> Self {
        self.rules = rules.into_iter().collect();
        self
    }
}

/// The plugin's info as the host receives it: with the settings schema
/// derived from the settings type unless the plugin gave one itself.
pub fn plugin_info<P: Policy>() -> PluginInfo {
    let mut info = P::info();
    if info.settings_schema.is_none() {
        info.settings_schema = settings_schema::<P>();
    }
    info
}

/// A policy plugin: one practice, a few rules.
pub trait Policy {
    /// The plugin's settings, deserialized from the user's config. What
    /// an empty config means is what `{}` deserializes to: give every field
    /// a `#[serde(default)]` (or `default = "..."`), and no `Default` impl
    /// needs writing by hand. Their JSON Schema is derived from the type:
    /// document each field, and state constraints with `#[schemars(...)]`
    /// attributes.
    type Settings: DeserializeOwned + schemars::JsonSchema;

    /// Describes the plugin; see [`PluginInfo`].
    fn info() -> PluginInfo;

    /// Checks settings beyond what their type expresses, such as ranges.
    fn validate(_settings: &Self::Settings) -> Result<(), String> {
        Ok(())
    }

    /// Checks one document. File-scoped plugins implement this.
    fn check(_document: &Document<'_>, _settings: &Self::Settings, _findings: &mut Findings) {}

    /// Checks the documents of one call together. The default checks each
    /// on its own with [`Policy::check`]; project-scoped plugins override it
    /// to relate documents to each other, reporting with
    /// [`Findings::in_document`].
    fn check_all(documents: &[Document<'_>], settings: &Self::Settings, findings: &mut Findings) {
        for (index, document) in documents.iter().enumerate() {
            findings.current_document = index as u32;
            Self::check(document, settings, findings);
        }
    }
}

/// Collects the findings of one `check` call.
#[derive(Debug, Default)]
pub struct Findings {
    current_document: u32,
    reported: Vec<Finding>,
}

impl Findings {
    /// Reports a violation of `rule` at `pointer` in the current document.
    pub fn report(&mut self, rule: &str, pointer: &Pointer, message: impl Into<String>) {
        let document = self.current_document;
        self.reported.push(Finding {
            rule: rule.to_owned(),
            message: message.into(),
            document,
            pointer: pointer.to_string(),
        });
    }

    /// Makes later reports address the document at `index` of the call.
    pub fn in_document(&mut self, index: usize) -> &mut Self {
        self.current_document = index as u32;
        self
    }

    /// The findings so far, as (rule, pointer, message), for unit tests.
    pub fn summary(self) -> Vec<(String, String, String)> {
        self.into_inner().into_iter().map(|f| (f.rule, f.pointer, f.message)).collect()
    }

    /// Hands the findings over to the host, without exact repeats: a
    /// project-scoped plugin that meets the same relation twice (say, one
    /// budget for two workloads) reports it once.
    pub fn into_inner(self) -> Vec<Finding> {
        let mut unique: Vec<Finding> = Vec::with_capacity(self.reported.len());
        for finding in self.reported {
            let repeated = unique.iter().any(|seen| {
                seen.document == finding.document
                    && seen.rule == finding.rule
                    && seen.pointer == finding.pointer
                    && seen.message == finding.message
            });
            if !repeated {
                unique.push(finding);
            }
        }
        unique
    }
}

/// The settings an empty config means: `{}` deserialized, so the serde
/// defaults of the fields are the one place defaults are written.
pub fn default_settings<P: Policy>() -> Result<P::Settings, String> {
    serde_json::from_str("{}").map_err(|err| format!("the settings type has a field without a default: {err}"))
}

/// Parses and validates settings: the body of the contract's `configure`.
pub fn configure<P: Policy>(settings: &str) -> Result<P::Settings, String> {
    let parsed: P::Settings = if settings.trim().is_empty() {
        default_settings::<P>()?
    } else {
        serde_json::from_str(settings).map_err(|err| format!("invalid settings: {err}"))?
    };
    P::validate(&parsed)?;
    Ok(parsed)
}

/// Runs a whole `check` call: settings, documents, findings. Each tree is
/// read where the host's bytes lie; nothing is decoded up front.
pub fn run_check<P: Policy>(settings: &str, documents: &[ContractDocument]) -> Result<Vec<Finding>, String> {
    let settings = configure::<P>(settings)?;
    let mut views = Vec::with_capacity(documents.len());
    for document in documents {
        let tree = tenken_tree::read(&document.tree)
            .map_err(|err| format!("document {} #{} is not a compact tree: {err}", document.path, document.index))?;
        views.push(Document {
            path: &document.path,
            kind: &document.kind,
            format: &document.format,
            index: document.index,
            tree,
        });
    }
    let mut findings = Findings::default();
    P::check_all(&views, &settings, &mut findings);
    Ok(findings.into_inner())
}

/// Runs a plugin natively over one tree, with default settings, for unit
/// tests of plugin logic without building wasm. The tree is encoded as the
/// host encodes documents, so the plugin reads it as it would in tenken.
pub fn check_tree<P: Policy>(kind: &str, tree: serde_json::Value) -> Vec<(String, String, String)> {
    let encoded = tenken_tree::encode(&tree);
    let tree = tenken_tree::read(&encoded).expect("a tree just encoded reads back");
    let document = Document { path: "test", kind, format: "test", index: 0, tree };
    let mut findings = Findings::default();
    let settings = default_settings::<P>().expect("every settings field has a default");
    P::check_all(std::slice::from_ref(&document), &settings, &mut findings);
    findings.summary()
}

/// [`check_tree`] without the messages: the (rule, pointer) of each
/// finding, for tests that assert where findings land.
pub fn check_pointers<P: Policy>(kind: &str, tree: serde_json::Value) -> Vec<(String, String)> {
    check_tree::<P>(kind, tree).into_iter().map(|(rule, pointer, _)| (rule, pointer)).collect()
}

/// Runs a plugin natively over several documents of `kind` in one call, as
/// the host calls a project-scoped plugin, for unit tests of practices that
/// relate documents. Each document is a (path, tree); a finding's
/// `document` is its index in `documents`.
pub fn check_documents<P: Policy>(
    kind: &str,
    documents: Vec<(String, serde_json::Value)>,
    settings: &P::Settings,
) -> Vec<Finding> {
    let encoded: Vec<(String, Vec<u8>)> =
        documents.into_iter().map(|(path, tree)| (path, tenken_tree::encode(&tree))).collect();
    let documents: Vec<Document<'_>> = encoded
        .iter()
        .map(|(path, tree)| Document {
            path,
            kind,
            format: "test",
            index: 0,
            tree: tenken_tree::read(tree).expect("a tree just encoded reads back"),
        })
        .collect();
    let mut findings = Findings::default();
    P::check_all(&documents, settings, &mut findings);
    findings.into_inner()
}

/// A tree encoded as the host encodes documents, owned: for unit tests of
/// SDK helpers and plugin functions that take a [`Node`].
///
/// ```
/// let tree = tenken_sdk::OwnedTree::new(&serde_json::json!({"kind": "Pod"}));
/// assert_eq!(tree.root().get("kind").and_then(tenken_sdk::Node::as_str), Some("Pod"));
/// ```
#[derive(Debug, Clone)]
pub struct OwnedTree(Vec<u8>);

impl OwnedTree {
    /// Encodes `value`.
    pub fn new(value: &serde_json::Value) -> Self {
        Self(tenken_tree::encode(value))
    }

    /// The root node.
    pub fn root(&self) -> Node<'_> {
        tenken_tree::read(&self.0).expect("a tree just encoded reads back")
    }
}

/// A document that owns its encoded tree: for unit tests that build
/// [`Document`]s by hand.
#[derive(Debug, Clone)]
pub struct OwnedDocument {
    /// File path, `/`-separated.
    pub path: String,
    /// The classified kind.
    pub kind: String,
    /// The source format.
    pub format: String,
    /// The encoded tree.
    pub tree: OwnedTree,
}

impl OwnedDocument {
    /// A document of `kind` at `path` holding `tree`.
    pub fn new(path: &str, kind: &str, format: &str, tree: &serde_json::Value) -> Self {
        Self { path: path.to_owned(), kind: kind.to_owned(), format: format.to_owned(), tree: OwnedTree::new(tree) }
    }

    /// The document as plugins see it.
    pub fn view(&self) -> Document<'_> {
        Document { path: &self.path, kind: &self.kind, format: &self.format, index: 0, tree: self.tree.root() }
    }
}

/// Exports a [`Policy`] implementation as the plugin's `policy` interface.
///
/// The exports exist only when compiling for wasm: natively the crate is an
/// ordinary library whose logic unit-tests with `cargo test`, and the
/// component's export names would not even link into a native `cdylib`.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        #[cfg(target_family = "wasm")]
        #[doc(hidden)]
        pub struct TenkenExportedPolicy;

        #[cfg(target_family = "wasm")]
        impl $crate::bindings::exports::tenken::plugin::policy::Guest for TenkenExportedPolicy {
            fn info() -> $crate::PluginInfo {
                $crate::plugin_info::<$policy>()
            }

            fn configure(settings: String) -> Result<(), String> {
                $crate::configure::<$policy>(&settings).map(|_| ())
            }

            fn check(
                settings: String,
                documents: Vec<$crate::bindings::tenken::plugin::types::Document>,
            ) -> Result<Vec<$crate::bindings::tenken::plugin::types::Finding>, String> {
                $crate::run_check::<$policy>(&settings, &documents)
            }
        }

        #[cfg(target_family = "wasm")]
        $crate::bindings::export_plugin_bindings!(TenkenExportedPolicy with_types_in $crate::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct WithDefaults;
    struct WithoutDefault;

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Defaulted {
        #[serde(default = "two")]
        min_replicas: u64,
        #[serde(default)]
        strict: bool,
    }

    fn two() -> u64 {
        2
    }

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    struct Required {
        #[allow(dead_code)] // Read by serde only; the test is that it cannot default.
        limit: u64,
    }

    impl Policy for WithDefaults {
        type Settings = Defaulted;
        fn info() -> PluginInfo {
            PluginInfo::describe("with-defaults", "0.1.0", "title", "summary")
        }
    }

    impl Policy for WithoutDefault {
        type Settings = Required;
        fn info() -> PluginInfo {
            PluginInfo::describe("without-default", "0.1.0", "title", "summary")
        }
    }

    #[test]
    fn an_empty_config_means_the_serde_defaults() {
        let settings = configure::<WithDefaults>("").unwrap();
        assert_eq!((settings.min_replicas, settings.strict), (2, false));
        let error = configure::<WithoutDefault>("").unwrap_err();
        assert!(error.contains("a field without a default"), "{error}");
    }
}
