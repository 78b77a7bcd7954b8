//! A loaded plugin: its validated info, its settings, and calls into it.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tenken_types::{Category, Severity};
use wasmtime::component::Component;

use crate::bindings::{self, PluginPre};
use crate::cache::CacheOutcome;
use crate::sandbox::{self, CapturedOutput, HostState};
use crate::{LoadError, PluginError, PluginSource, Shared, SwitchedOff, contract};

/// What a plugin says about itself, validated.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PluginInfo {
    /// Stable kebab-case id.
    pub id: String,
    /// The plugin's own version.
    pub version: String,
    /// The practice, in a few words.
    pub title: String,
    /// What the practice is and why it is checked.
    pub summary: String,
    /// Document kinds the plugin applies to; `*` means every kind.
    pub kinds: Vec<String>,
    /// How documents are grouped into calls.
    pub scope: Scope,
    /// The plugin's rules.
    pub rules: Vec<RuleInfo>,
    /// JSON Schema of the settings, if the plugin takes any.
    pub settings_schema: Option<serde_json::Value>,
    /// How the plugin wants document trees encoded.
    pub tree_encoding: TreeEncoding,
}

impl PluginInfo {
    /// Whether the plugin reads documents of `kind`.
    pub fn applies_to(&self, kind: &str) -> bool {
        self.kinds.iter().any(|wanted| wanted == "*" || wanted == kind)
    }

    /// The rule with local id `id`.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|rule| rule.id == id)
    }
}

/// One rule of a plugin.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RuleInfo {
    /// Kebab-case id, unique within the plugin.
    pub id: String,
    /// What the rule asks for, in one line.
    pub title: String,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// Reliability or security.
    pub category: Category,
    /// Why the practice matters.
    pub rationale: String,
    /// How to fix a finding.
    pub fix: String,
    /// Further reading.
    pub references: Vec<String>,
    /// Findings point at secrets: mask them in excerpts.
    pub sensitive: bool,
}

/// How a plugin wants document trees encoded (see `tenken_tree`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreeEncoding {
    /// The compact tree, as the host built it: shared, read in place.
    Compact,
    /// JSON text, written from the compact tree for each call.
    Json,
}

/// How the host groups documents into one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// One call per file.
    File,
    /// One call per project, with all documents of the plugin's kinds.
    Project,
}

/// One document handed to a plugin. `tree` is its compact tree
/// (`tenken_tree`), encoded once per document and shared by every plugin.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInput<'a> {
    /// Display path of the file.
    pub path: &'a str,
    /// The document's kind.
    pub kind: &'a str,
    /// The source format.
    pub format: &'a str,
    /// Position within the file.
    pub index: u32,
    /// The compact tree.
    pub tree: &'a [u8],
}

/// The documents of one call in the contract's form, built once and handed
/// to every plugin that reads the same documents: on a Kubernetes manifest
/// that is some eighteen plugins, which used to get a copy each. The JSON
/// text plugins in other languages ask for is written from the compact
/// tree when the first of them is called.
#[derive(Debug)]
pub struct CallDocuments {
    compact: Vec<bindings::Document>,
    json: OnceLock<Vec<bindings::Document>>,
}

impl CallDocuments {
    /// Prepares `inputs` for any number of plugin calls.
    pub fn new(inputs: &[DocumentInput<'_>]) -> Self {
        let compact = inputs
            .iter()
            .map(|document| bindings::Document {
                path: document.path.to_owned(),
                kind: document.kind.to_owned(),
                format: document.format.to_owned(),
                index: document.index,
                tree: document.tree.to_vec(),
            })
            .collect();
        Self { compact, json: OnceLock::new() }
    }

    /// How many documents the call carries.
    pub fn len(&self) -> usize {
        self.compact.len()
    }

    /// Whether the call carries no documents.
    pub fn is_empty(&self) -> bool {
        self.compact.is_empty()
    }

    fn encoded(&self, encoding: TreeEncoding) -> &[bindings::Document] {
        match encoding {
            TreeEncoding::Compact => &self.compact,
            TreeEncoding::Json => self.json.get_or_init(|| {
                self.compact
                    .iter()
                    .map(|document| bindings::Document {
                        tree: json_text(&document.tree).into_bytes(),
                        ..document.clone()
                    })
                    .collect()
            }),
        }
    }
}

/// The JSON text of a compact tree. The host encoded the tree itself, so it
/// always reads; `null` stands in should that ever not hold.
fn json_text(compact: &[u8]) -> String {
    tenken_tree::read(compact).map_or_else(|_| "null".to_owned(), |root| root.to_string())
}

/// A finding as a plugin reported it, validated against the plugin's info
/// and the request: the rule exists, the document index is in range and
/// the pointer is well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// The rule's local id.
    pub rule: String,
    /// The plugin's message.
    pub message: String,
    /// Index into the documents of the call.
    pub document: usize,
    /// RFC 6901 pointer into that document's tree.
    pub pointer: String,
}

/// The result of a successful call, with what the plugin printed.
#[derive(Debug, Clone, Default)]
pub struct CheckOutput {
    /// The plugin's findings.
    pub findings: Vec<RawFinding>,
    /// What the plugin wrote to stdout (bounded).
    pub stdout: String,
    /// What the plugin wrote to stderr (bounded).
    pub stderr: String,
}

/// A described plugin, ready to be called. Its component is linked on the
/// first call (see [`crate::Host::load`]), once, whichever thread gets
/// there first.
#[derive(Clone)]
pub struct LoadedPlugin {
    /// The plugin's validated description.
    pub info: PluginInfo,
    /// Where the plugin came from, e.g. `bundled` or a file path.
    pub origin: String,
    /// sha256 of the component bytes: the plugin's identity.
    pub sha256: String,
    /// Whether loading hit the compile cache.
    pub cache: CacheOutcome,
    settings: String,
    bytes: Cow<'static, [u8]>,
    /// The artifact compiled when tenken was built, for bundled plugins.
    precompiled: Option<Cow<'static, [u8]>>,
    shared: Arc<Shared>,
    /// The linked component, or why linking failed.
    pre: Arc<OnceLock<Result<PluginPre<HostState>, String>>>,
    /// Calls in this run that ran out of time or memory. From
    /// [`EXHAUSTED_CALLS_BEFORE_DISABLING`] on, the plugin is not called
    /// again: a plugin that loops on every file would otherwise cost its
    /// whole deadline once per file.
    exhausted: Arc<AtomicUsize>,
}

/// How many calls may run out of time or memory before a plugin is
/// switched off for the rest of the run.
pub const EXHAUSTED_CALLS_BEFORE_DISABLING: usize = 3;

/// The most findings a call may return for each of its documents; a
/// plugin over it is broken, and its findings would only flood the report.
pub const MAX_FINDINGS_PER_DOCUMENT: usize = 1_000;

/// The longest message a finding may carry, in bytes; a longer one is
/// cut there, and says so.
pub const MAX_MESSAGE_BYTES: usize = 2_000;

/// The longest title, summary or rule title a plugin may declare, in
/// bytes: every finding repeats its rule's title in some formats.
pub const MAX_TITLE_BYTES: usize = 300;

/// The most rules a plugin may declare.
pub const MAX_RULES: usize = 500;

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin").field("id", &self.info.id).field("origin", &self.origin).finish()
    }
}

/// Compiles `bytes` (or maps them from the compile cache), checks the
/// contract version and links the component into the sandbox.
pub(crate) fn compile_and_link(
    shared: &Shared,
    bytes: &[u8],
    sha256: &str,
) -> Result<(PluginPre<HostState>, CacheOutcome), LoadError> {
    let (component, outcome) = shared.cache.load(&shared.engine, bytes, sha256)?;
    link(shared, &component).map(|pre| (pre, outcome))
}

/// Links an artifact compiled when tenken was built (through the cache,
/// see [`crate::cache::CompileCache::load_embedded`]).
pub(crate) fn link_precompiled(
    shared: &Shared,
    artifact: &[u8],
    sha256: &str,
) -> Result<PluginPre<HostState>, LoadError> {
    let component = shared.cache.load_embedded(&shared.engine, artifact, sha256)?;
    link(shared, &component)
}

/// Checks the contract version and links the component into the sandbox.
fn link(shared: &Shared, component: &Component) -> Result<PluginPre<HostState>, LoadError> {
    contract::check_compatible(&shared.engine, component)?;
    let instance_pre = shared.linker.instantiate_pre(component).map_err(|err| LoadError::Link(format!("{err:#}")))?;
    PluginPre::new(instance_pre).map_err(|err| LoadError::Link(format!("{err:#}")))
}

impl LoadedPlugin {
    /// A plugin whose info came from the cache or the binary; linked on
    /// first call.
    pub(crate) fn described(
        shared: &Arc<Shared>,
        source: &PluginSource,
        sha256: String,
        info: PluginInfo,
        outcome: CacheOutcome,
    ) -> Self {
        Self::new(shared, source, sha256, info, outcome, OnceLock::new())
    }

    /// A plugin linked now, asked for its info.
    pub(crate) fn linked(
        shared: &Arc<Shared>,
        source: &PluginSource,
        sha256: String,
        cache: CacheOutcome,
        pre: PluginPre<HostState>,
    ) -> Result<Self, LoadError> {
        let mut plugin = Self::new(shared, source, sha256, placeholder_info(), cache, OnceLock::from(Ok(pre)));
        let info = plugin
            .call(|plugin, store| plugin.tenken_plugin_policy().call_info(store))
            .map_err(|err| LoadError::Info(err.to_string()))?;
        plugin.info = validate_info(info)?;
        Ok(plugin)
    }

    fn new(
        shared: &Arc<Shared>,
        source: &PluginSource,
        sha256: String,
        info: PluginInfo,
        cache: CacheOutcome,
        pre: OnceLock<Result<PluginPre<HostState>, String>>,
    ) -> Self {
        Self {
            info,
            origin: source.origin.clone(),
            sha256,
            cache,
            settings: "{}".to_owned(),
            bytes: source.bytes.clone(),
            precompiled: source.precompiled.as_ref().map(|precompiled| precompiled.artifact.clone()),
            shared: Arc::clone(shared),
            pre: Arc::new(pre),
            exhausted: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// What the compile cache found damaged and compiled again so far in
    /// this run (shared by every plugin of a host), for `-v`.
    pub fn cache_notes(&self) -> Vec<String> {
        self.shared.cache.notes()
    }

    /// Whether the component has been linked in this run.
    pub fn is_linked(&self) -> bool {
        self.pre.get().is_some()
    }

    /// The linked component, linking it now if no call has yet.
    fn pre(&self) -> Result<&PluginPre<HostState>, PluginError> {
        let linked = self.pre.get_or_init(|| {
            if let Some(artifact) = &self.precompiled {
                match link_precompiled(&self.shared, artifact, &self.sha256) {
                    Ok(pre) => return Ok(pre),
                    // Not expected (the build loaded the same artifact), but
                    // a plugin that can still be compiled is never lost.
                    Err(error) => self.shared.cache.note(format!(
                        "plugin {}: the artifact built into tenken does not load ({error}); compiled it",
                        self.info.id
                    )),
                }
            }
            compile_and_link(&self.shared, &self.bytes, &self.sha256).map(|(pre, _)| pre).map_err(|err| err.to_string())
        });
        linked.as_ref().map_err(|message| PluginError::Load(message.clone()))
    }

    /// Validates `settings` with the plugin's `configure` and keeps them for
    /// every later check. On error the previous settings stay.
    pub fn configure(&mut self, settings: &serde_json::Value) -> Result<(), PluginError> {
        let text = settings.to_string();
        self.call(|plugin, store| plugin.tenken_plugin_policy().call_configure(store, &text))?
            .map_err(PluginError::Rejected)?;
        self.settings = text;
        Ok(())
    }

    /// Checks `documents` in a fresh sandbox.
    pub fn check(&self, documents: &[DocumentInput<'_>]) -> Result<CheckOutput, PluginError> {
        self.check_documents(&CallDocuments::new(documents))
    }

    /// Checks documents prepared once for several plugins, in a fresh
    /// sandbox.
    pub fn check_documents(&self, documents: &CallDocuments) -> Result<CheckOutput, PluginError> {
        if self.exhausted.load(Ordering::Relaxed) >= EXHAUSTED_CALLS_BEFORE_DISABLING {
            return Err(PluginError::SwitchedOff(SwitchedOff::Exhausted));
        }
        let budget = self.shared.limits.run_budget;
        let spent = Duration::from_nanos(self.shared.spent_nanos.load(Ordering::Relaxed));
        if spent >= budget {
            return Err(PluginError::SwitchedOff(SwitchedOff::RunBudget(budget)));
        }
        let started = Instant::now();
        let request = documents.encoded(self.info.tree_encoding);
        let (store, output) = sandbox::new_store(&self.shared.engine, &self.shared.limits);
        let result = self.call_in(store, &output, |plugin, store| {
            plugin.tenken_plugin_policy().call_check(store, &self.settings, request)
        });
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.shared.spent_nanos.fetch_add(took, Ordering::Relaxed);
        if matches!(result, Err(PluginError::Deadline { .. } | PluginError::MemoryLimit { .. })) {
            self.exhausted.fetch_add(1, Ordering::Relaxed);
        }
        let findings = result?.map_err(PluginError::Rejected)?;
        let most = MAX_FINDINGS_PER_DOCUMENT.saturating_mul(documents.len().max(1));
        if findings.len() > most {
            return Err(PluginError::Malformed(format!(
                "returned {} findings for {} documents, over the limit of {MAX_FINDINGS_PER_DOCUMENT} a document",
                findings.len(),
                documents.len()
            )));
        }
        let findings = findings
            .into_iter()
            .map(|finding| self.validate_finding(finding, documents.len()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CheckOutput { findings, stdout: output.stdout(), stderr: output.stderr() })
    }

    /// Runs `check` `iterations` times in a single instance and returns the
    /// number of findings of the last call. Only for the benchmark that
    /// compares instance reuse with a fresh instance per call (see
    /// docs/design.md); tenken itself never reuses an instance.
    #[doc(hidden)]
    pub fn check_reusing_one_instance(
        &self,
        documents: &CallDocuments,
        iterations: usize,
    ) -> Result<usize, PluginError> {
        let request = documents.encoded(self.info.tree_encoding);
        let (store, output) = sandbox::new_store(&self.shared.engine, &self.shared.limits);
        self.call_in(store, &output, |plugin, store| {
            let mut findings = 0;
            for _ in 0..iterations {
                // Each call gets its own deadline, as a fresh store would.
                store.set_epoch_deadline(crate::engine::deadline_ticks(self.shared.limits.deadline));
                findings = match plugin.tenken_plugin_policy().call_check(&mut *store, &self.settings, request)? {
                    Ok(list) => list.len(),
                    Err(_) => 0,
                };
            }
            Ok(findings)
        })
    }

    fn validate_finding(&self, finding: bindings::Finding, documents: usize) -> Result<RawFinding, PluginError> {
        if self.info.rule(&finding.rule).is_none() {
            return Err(PluginError::Malformed(format!("finding names unknown rule `{}`", finding.rule)));
        }
        let document = finding.document as usize;
        if document >= documents {
            return Err(PluginError::Malformed(format!(
                "finding for rule `{}` names document {document}, but the call had {documents}",
                finding.rule
            )));
        }
        if !(finding.pointer.is_empty() || finding.pointer.starts_with('/')) {
            return Err(PluginError::Malformed(format!(
                "finding for rule `{}` has pointer `{}`, which is not an RFC 6901 JSON pointer",
                finding.rule, finding.pointer
            )));
        }
        let message = bounded_message(finding.message);
        Ok(RawFinding { rule: finding.rule, message, document, pointer: finding.pointer })
    }

    fn call<R>(
        &self,
        f: impl FnOnce(&bindings::Plugin, &mut wasmtime::Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let (store, output) = sandbox::new_store(&self.shared.engine, &self.shared.limits);
        self.call_in(store, &output, f)
    }

    /// Instantiates the plugin in `store` and runs `f`, turning every way a
    /// guest can fail into a [`PluginError`].
    fn call_in<R>(
        &self,
        mut store: wasmtime::Store<HostState>,
        output: &CapturedOutput,
        f: impl FnOnce(&bindings::Plugin, &mut wasmtime::Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let pre = self.pre()?;
        let result = pre.instantiate(&mut store).and_then(|plugin| f(&plugin, &mut store));
        result.map_err(|err| {
            if sandbox::memory_was_denied(&store) {
                PluginError::MemoryLimit { limit_bytes: self.shared.limits.memory_bytes }
            } else if err.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) {
                PluginError::Deadline { limit: self.shared.limits.deadline }
            } else {
                PluginError::Trap { message: trap_message(&err), stderr: output.stderr() }
            }
        })
    }
}

/// The first line of a trap: what happened, without the wasm backtrace.
fn trap_message(err: &wasmtime::Error) -> String {
    let text = match err.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => err.to_string(),
    };
    text.lines().next().unwrap_or("trap").to_owned()
}

fn placeholder_info() -> PluginInfo {
    PluginInfo {
        id: String::new(),
        version: String::new(),
        title: String::new(),
        summary: String::new(),
        kinds: Vec::new(),
        scope: Scope::File,
        rules: Vec::new(),
        settings_schema: None,
        tree_encoding: TreeEncoding::Compact,
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// A finding's message, cut at [`MAX_MESSAGE_BYTES`] with a note saying
/// how long it was, never silently.
fn bounded_message(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut cut = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… [cut by tenken: the plugin's message was {} bytes]", &message[..cut], message.len())
}

fn validate_info(info: bindings::PluginInfo) -> Result<PluginInfo, LoadError> {
    let invalid = |reason: String| LoadError::InvalidInfo { plugin: info.id.clone(), reason };
    if !is_kebab_case(&info.id) || info.id.len() > MAX_TITLE_BYTES {
        return Err(invalid(format!("plugin id `{}` is not kebab-case", info.id)));
    }
    if info.rules.len() > MAX_RULES {
        return Err(invalid(format!(
            "the plugin declares {} rules; at most {MAX_RULES} are accepted",
            info.rules.len()
        )));
    }
    let too_long = [&info.title, &info.summary].into_iter().chain(info.rules.iter().map(|rule| &rule.title));
    if let Some(title) = too_long.into_iter().find(|title| title.len() > MAX_TITLE_BYTES) {
        return Err(invalid(format!(
            "a title or summary is {} bytes long; at most {MAX_TITLE_BYTES} are accepted",
            title.len()
        )));
    }
    if info.kinds.is_empty() {
        return Err(invalid("the plugin declares no document kinds".to_owned()));
    }
    if info.rules.is_empty() {
        return Err(invalid("the plugin declares no rules".to_owned()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for rule in &info.rules {
        if !is_kebab_case(&rule.id) {
            return Err(invalid(format!("rule id `{}` is not kebab-case", rule.id)));
        }
        if !seen.insert(rule.id.as_str()) {
            return Err(invalid(format!("rule id `{}` is declared twice", rule.id)));
        }
    }
    let settings_schema = match &info.settings_schema {
        None => None,
        Some(text) => Some(
            serde_json::from_str(text).map_err(|err| invalid(format!("settings schema is not valid JSON: {err}")))?,
        ),
    };
    let rules = info
        .rules
        .iter()
        .map(|rule| RuleInfo {
            id: rule.id.clone(),
            title: rule.title.clone(),
            default_severity: severity(rule.default_severity),
            category: category(rule.category),
            rationale: rule.rationale.clone(),
            fix: rule.fix.clone(),
            references: rule.references.clone(),
            sensitive: rule.sensitive,
        })
        .collect();
    Ok(PluginInfo {
        id: info.id.clone(),
        version: info.version.clone(),
        title: info.title.clone(),
        summary: info.summary.clone(),
        kinds: info.kinds.clone(),
        scope: match info.scope {
            bindings::Scope::File => Scope::File,
            bindings::Scope::Project => Scope::Project,
        },
        rules,
        settings_schema,
        tree_encoding: match info.tree_encoding {
            bindings::TreeEncoding::Compact => TreeEncoding::Compact,
            bindings::TreeEncoding::Json => TreeEncoding::Json,
        },
    })
}

fn severity(severity: bindings::Severity) -> Severity {
    match severity {
        bindings::Severity::Critical => Severity::Critical,
        bindings::Severity::High => Severity::High,
        bindings::Severity::Medium => Severity::Medium,
        bindings::Severity::Low => Severity::Low,
        bindings::Severity::Info => Severity::Info,
    }
}

fn category(category: bindings::Category) -> Category {
    match category {
        bindings::Category::Reliability => Category::Reliability,
        bindings::Category::Security => Category::Security,
    }
}

#[cfg(test)]
mod tests {
    use super::is_kebab_case;

    #[test]
    fn oversized_titles_and_rule_lists_are_refused_at_load() {
        let rule = |id: &str, title: &str| crate::bindings::tenken::plugin::types::Rule {
            id: id.to_owned(),
            title: title.to_owned(),
            default_severity: super::bindings::Severity::Low,
            category: super::bindings::Category::Reliability,
            rationale: String::new(),
            fix: String::new(),
            references: Vec::new(),
            sensitive: false,
        };
        let info = |rules| super::bindings::PluginInfo {
            id: "p".to_owned(),
            version: "1".to_owned(),
            title: "t".to_owned(),
            summary: String::new(),
            kinds: vec!["yaml".to_owned()],
            scope: super::bindings::Scope::File,
            rules,
            settings_schema: None,
            tree_encoding: super::bindings::TreeEncoding::Compact,
        };
        assert!(super::validate_info(info(vec![rule("r", "fine")])).is_ok());
        let long = super::validate_info(info(vec![rule("r", &"t".repeat(10 << 20))])).unwrap_err();
        assert!(long.to_string().contains("at most 300 are accepted"), "{long}");
        let many = (0..=super::MAX_RULES).map(|index| rule(&format!("r{index}"), "t")).collect();
        assert!(super::validate_info(info(many)).unwrap_err().to_string().contains("at most 500 are accepted"));
    }

    #[test]
    fn long_messages_are_cut_and_say_so() {
        assert_eq!(super::bounded_message("short".to_owned()), "short");
        let long = "é".repeat(super::MAX_MESSAGE_BYTES);
        let cut = super::bounded_message(long);
        assert!(cut.len() < super::MAX_MESSAGE_BYTES + 100, "{}", cut.len());
        assert!(
            cut.ends_with(&format!("[cut by tenken: the plugin's message was {} bytes]", 2 * super::MAX_MESSAGE_BYTES))
        );
    }

    #[test]
    fn kebab_case_ids() {
        assert!(is_kebab_case("k8s-resource-limits"));
        assert!(is_kebab_case("a1"));
        assert!(!is_kebab_case(""));
        assert!(!is_kebab_case("Upper"));
        assert!(!is_kebab_case("double--dash"));
        assert!(!is_kebab_case("-leading"));
        assert!(!is_kebab_case("snake_case"));
    }
}
