//! `tenken.toml`: one SRE team's baseline, adapted by each product team.
//!
//! ```toml
//! extends = ["../platform/tenken-base.toml"]   # resolved against this file
//! select = ["security", "k8s-probes"]          # default: every rule
//! extend-select = ["k8s-replicas/too-few-replicas"]
//! ignore = ["low", "k8s-service-account-token"]
//!
//! [severity]
//! "k8s-probes/missing-liveness-probe" = "high"
//!
//! [settings.k8s-replicas]
//! min-replicas = 3
//!
//! [kinds]
//! "deploy/**/*.yml" = "kubernetes"
//!
//! [per-path-ignores]
//! "examples/**" = ["k8s-image-pinning"]
//! ```
//!
//! The file is found by walking up from the first checked path, as ruff and
//! cargo do; `--config` names one. It is parsed with tenken's own TOML
//! reader, so every error points at its line, and all errors are reported
//! together. Each value remembers the file and line it came from, which is
//! what `tenken config show` prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tenken_formats::span::resolve_pointer;
use tenken_formats::{Format, Hints, Limits, ParsedFile};

use crate::cli::ConfigShowArgs;

/// The file name looked for.
pub(crate) const FILE_NAME: &str = "tenken.toml";

/// Where a setting was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A configuration error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    pub(crate) origin: Origin,
    pub(crate) column: u32,
    pub(crate) message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.origin, self.column, self.message)
    }
}

/// A list of selectors with where each was written.
pub(crate) type Selectors = Vec<(String, Origin)>;

/// The effective configuration, after `extends`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    /// The files read, the extended ones first.
    pub(crate) chain: Vec<String>,
    /// `None`: every rule.
    pub(crate) select: Option<Selectors>,
    pub(crate) extend_select: Selectors,
    pub(crate) ignore: Selectors,
    /// Selector → severity.
    pub(crate) severity: BTreeMap<String, (String, Origin)>,
    /// Plugin id → settings object.
    pub(crate) settings: BTreeMap<String, (Value, Origin)>,
    /// Glob → kind.
    pub(crate) kinds: BTreeMap<String, (String, Origin)>,
    /// Glob → selectors to ignore there.
    pub(crate) per_path_ignores: BTreeMap<String, (Vec<String>, Origin)>,
    /// Extra plugins: `[[plugins]] path = "..."`, optionally pinned.
    pub(crate) plugins: Vec<PluginEntry>,
    /// `max-file-size`: the largest file checked, in bytes.
    pub(crate) max_file_size: Option<(u64, Origin)>,
}

/// A plugin named in `[[plugins]]`.
#[derive(Debug, Clone)]
pub(crate) struct PluginEntry {
    /// The `.wasm` file or directory, resolved against the config file.
    pub(crate) path: PathBuf,
    /// The sha256 the file must have.
    pub(crate) sha256: Option<String>,
    pub(crate) origin: Origin,
}

/// A parsed `tenken.toml`, kept for locating later errors (in selectors or
/// plugin settings) at their line.
pub(crate) struct Source {
    pub(crate) display: String,
    /// The directory relative paths in the file resolve against.
    dir: PathBuf,
    parsed: ParsedFile,
}

impl Source {
    /// The line and column of the node at `pointer` (or its nearest
    /// existing ancestor).
    pub(crate) fn locate(&self, pointer: &str) -> (Origin, u32) {
        let document = &self.parsed.documents[0];
        let resolved = resolve_pointer(&document.tree, &document.spans, pointer);
        let at = self.parsed.source.lines.line_column(&self.parsed.source.text, resolved.span.start);
        (Origin { file: self.display.clone(), line: at.line, column: at.column }, at.column)
    }

    pub(crate) fn error(&self, pointer: &str, message: impl Into<String>) -> ConfigError {
        let (origin, column) = self.locate(pointer);
        ConfigError { origin, column, message: message.into() }
    }

    fn tree(&self) -> &Value {
        &self.parsed.documents[0].tree
    }
}

/// Escapes a key for a JSON pointer.
pub(crate) fn pointer_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The config file for `paths`: `explicit` if given, else the first
/// `tenken.toml` found walking up from the first path (or the current
/// directory).
pub(crate) fn find(explicit: Option<&Path>, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(current) = dir {
        let candidate = current.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = current.parent();
    }
    None
}

/// Display form of a config path: relative to the current directory when
/// it is below it.
fn display(path: &Path) -> String {
    let current = std::env::current_dir().ok().and_then(|dir| std::fs::canonicalize(dir).ok());
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = current.and_then(|dir| absolute.strip_prefix(dir).ok().map(Path::to_path_buf)).unwrap_or(absolute);
    shown.to_string_lossy().replace('\\', "/")
}

/// Loads `path` and everything it extends. Returns the configuration, the
/// parsed sources (for locating later errors), and every error found.
pub(crate) fn load(path: &Path) -> (Config, Vec<Source>, Vec<ConfigError>) {
    let mut config = Config::default();
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut visits = Visits::default();
    load_into(path, &mut config, &mut sources, &mut errors, &mut visits);
    (config, sources, errors)
}

/// The deepest `extends` chain accepted. Real ones are two or three files
/// deep; the bound keeps a generated chain of thousands from exhausting
/// the stack.
const MAX_EXTENDS_DEPTH: usize = 32;

/// The files of an `extends` graph seen so far.
#[derive(Default)]
struct Visits {
    /// The chain from the first file to the one being loaded, to tell a
    /// loop from a file extended twice.
    chain: Vec<PathBuf>,
    /// Every file loaded. A file reached again through another path (a
    /// diamond) is applied once, at its first place, so that a lattice of
    /// a few dozen files cannot mean millions of loads.
    loaded: std::collections::HashSet<PathBuf>,
}

fn load_into(
    path: &Path,
    config: &mut Config,
    sources: &mut Vec<Source>,
    errors: &mut Vec<ConfigError>,
    visits: &mut Visits,
) {
    let shown = display(path);
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let whole_file = |message: String| ConfigError {
        origin: Origin { file: shown.clone(), line: 1, column: 1 },
        column: 1,
        message,
    };
    if visits.chain.contains(&canonical) {
        errors.push(whole_file("`extends` loops back to this file".to_owned()));
        return;
    }
    if visits.chain.len() >= MAX_EXTENDS_DEPTH {
        errors.push(whole_file(format!("`extends` chains more than {MAX_EXTENDS_DEPTH} files; not read")));
        return;
    }
    if !visits.loaded.insert(canonical.clone()) {
        return;
    }
    let bytes = match crate::read::read_bounded(path, crate::read::CONFIG_LIMIT) {
        Ok(bytes) => bytes,
        Err(error) => {
            errors.push(whole_file(format!("cannot read the config: {error}")));
            return;
        }
    };
    let parsed = match tenken_formats::parse_file(&shown, &bytes, Format::Toml, &Limits::default(), &Hints::default()) {
        Ok(parsed) => parsed,
        Err(skip) => {
            errors.push(whole_file(format!("cannot read the config: {skip}")));
            return;
        }
    };
    if let Some(diagnostic) = parsed.diagnostics.first() {
        let at = diagnostic.span.map(|span| parsed.source.lines.line_column(&parsed.source.text, span.start));
        errors.push(ConfigError {
            origin: Origin {
                file: shown.clone(),
                line: at.as_ref().map_or(1, |at| at.line),
                column: at.as_ref().map_or(1, |at| at.column),
            },
            column: at.map_or(1, |at| at.column),
            message: diagnostic.message.clone(),
        });
        return;
    }
    if parsed.documents.is_empty() {
        return;
    }
    let source = Source { display: shown.clone(), dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(), parsed };

    // Extended files first, so this file overrides them.
    visits.chain.push(canonical);
    if let Some(extends) = source.tree().get("extends") {
        match extends.as_array() {
            Some(bases) => {
                for (index, base) in bases.iter().enumerate() {
                    match base.as_str() {
                        Some(base) => {
                            let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
                            load_into(&base_path, config, sources, errors, visits);
                        }
                        None => errors
                            .push(source.error(&format!("/extends/{index}"), "`extends` entries are paths (strings)")),
                    }
                }
            }
            None => errors.push(source.error("/extends", "`extends` is a list of paths")),
        }
    }
    visits.chain.pop();
    config.chain.push(shown);
    apply(&source, config, errors);
    sources.push(source);
}

const KNOWN_KEYS: &[&str] = &[
    "extends",
    "select",
    "extend-select",
    "ignore",
    "severity",
    "settings",
    "kinds",
    "per-path-ignores",
    "plugins",
    "max-file-size",
];

/// Merges one file into the configuration, collecting every error.
fn apply(source: &Source, config: &mut Config, errors: &mut Vec<ConfigError>) {
    let Some(top) = source.tree().as_object() else { return };
    let origin_of = |pointer: &str| source.locate(pointer).0;
    for (key, value) in top {
        let pointer = format!("/{}", pointer_key(key));
        match key.as_str() {
            "extends" => {}
            "select" => config.select = strings(source, &pointer, value, errors),
            "extend-select" => {
                config.extend_select.extend(strings(source, &pointer, value, errors).unwrap_or_default())
            }
            "ignore" => config.ignore.extend(strings(source, &pointer, value, errors).unwrap_or_default()),
            "severity" => {
                for (selector, severity, at) in string_table(source, &pointer, value, errors) {
                    if tenken_report::Severity::ALL.iter().any(|known| known.as_str() == severity) {
                        config
                            .severity
                            .insert(crate::aliases::current(&selector).to_owned(), (severity, origin_of(&at)));
                    } else {
                        errors.push(
                            source.error(
                                &at,
                                format!("`{severity}` is not a severity (critical, high, medium, low, info)"),
                            ),
                        );
                    }
                }
            }
            "kinds" => {
                for (glob, kind, at) in string_table(source, &pointer, value, errors) {
                    if let Err(error) = globset::Glob::new(&glob) {
                        errors.push(source.error(&at, format!("`{glob}` is not a valid glob: {error}")));
                    } else {
                        config.kinds.insert(glob, (kind, origin_of(&at)));
                    }
                }
            }
            "settings" => match value.as_object() {
                Some(plugins) => {
                    for (plugin, settings) in plugins {
                        let at = format!("{pointer}/{}", pointer_key(plugin));
                        if settings.is_object() {
                            config.settings.insert(plugin.clone(), (settings.clone(), origin_of(&at)));
                        } else {
                            errors.push(source.error(&at, format!("`settings.{plugin}` must be a table")));
                        }
                    }
                }
                None => errors.push(source.error(&pointer, "`settings` is a table of plugin tables")),
            },
            "per-path-ignores" => match value.as_object() {
                Some(globs) => {
                    for (glob, selectors) in globs {
                        let at = format!("{pointer}/{}", pointer_key(glob));
                        if let Err(error) = globset::Glob::new(glob) {
                            errors.push(source.error(&at, format!("`{glob}` is not a valid glob: {error}")));
                            continue;
                        }
                        if let Some(selectors) = strings(source, &at, selectors, errors) {
                            let selectors = selectors.into_iter().map(|(selector, _)| selector).collect();
                            config.per_path_ignores.insert(glob.clone(), (selectors, origin_of(&at)));
                        }
                    }
                }
                None => errors.push(source.error(&pointer, "`per-path-ignores` maps globs to lists of selectors")),
            },
            "max-file-size" => {
                let size = match value {
                    Value::Number(number) => {
                        number.as_u64().ok_or_else(|| "must be a whole number of bytes".to_owned())
                    }
                    Value::String(text) => crate::cli::parse_size(text),
                    _ => Err("must be a size such as 16777216 or \"16MiB\"".to_owned()),
                };
                match size {
                    Ok(size) => config.max_file_size = Some((size, origin_of(&pointer))),
                    Err(message) => errors.push(source.error(&pointer, format!("`max-file-size`: {message}"))),
                }
            }
            "plugins" => match value.as_array() {
                Some(entries) => {
                    for (index, entry) in entries.iter().enumerate() {
                        let at = format!("{pointer}/{index}");
                        if let Some(entry) = plugin_entry(source, &at, entry, errors) {
                            config.plugins.push(entry);
                        }
                    }
                }
                None => errors.push(source.error(&pointer, "`plugins` is a list of [[plugins]] tables")),
            },
            unknown => errors.push(source.error(
                &pointer,
                match crate::suggest::closest(unknown, KNOWN_KEYS.iter().copied()) {
                    Some(near) => format!("unknown key `{unknown}`; did you mean `{near}`?"),
                    None => format!("unknown key `{unknown}`; tenken.toml knows {}", KNOWN_KEYS.join(", ")),
                },
            )),
        }
    }
}

/// One `[[plugins]]` table: `path`, and optionally `sha256`.
fn plugin_entry(source: &Source, pointer: &str, entry: &Value, errors: &mut Vec<ConfigError>) -> Option<PluginEntry> {
    let Some(table) = entry.as_object() else {
        errors.push(source.error(pointer, "each [[plugins]] entry is a table with `path`"));
        return None;
    };
    let mut valid = true;
    for key in table.keys().filter(|key| !["path", "sha256"].contains(&key.as_str())) {
        errors.push(source.error(
            &format!("{pointer}/{}", pointer_key(key)),
            format!("unknown key `{key}`; [[plugins]] takes path and sha256"),
        ));
        valid = false;
    }
    let path = match table.get("path").and_then(Value::as_str) {
        Some(path) => source.dir.join(path),
        None => {
            errors.push(source.error(pointer, "[[plugins]] needs `path`: a .wasm component or a directory of them"));
            return None;
        }
    };
    let sha256 = match table.get("sha256") {
        None => None,
        Some(Value::String(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(hash.to_ascii_lowercase())
        }
        Some(_) => {
            errors.push(source.error(&format!("{pointer}/sha256"), "`sha256` is 64 hexadecimal digits"));
            valid = false;
            None
        }
    };
    valid.then(|| PluginEntry { path, sha256, origin: source.locate(pointer).0 })
}

/// Checks the pins of `[[plugins]]` entries and returns the paths to load.
/// A pinned entry must be a file whose sha256 matches; a mismatch refuses
/// the run, naming the plugin and both hashes.
pub(crate) fn plugin_paths(config: &Config, errors: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for entry in &config.plugins {
        let located =
            |message: String| ConfigError { origin: entry.origin.clone(), column: entry.origin.column, message };
        if let Some(expected) = &entry.sha256 {
            match crate::read::read_bounded(&entry.path, crate::read::PLUGIN_LIMIT) {
                Ok(bytes) => {
                    let found = tenken_host::sha256_hex(&bytes);
                    if &found != expected {
                        errors.push(located(format!(
                            "plugin {} has sha256 {found}, but the config pins {expected}; refusing to run it",
                            entry.path.display()
                        )));
                        continue;
                    }
                }
                Err(error) => {
                    errors.push(located(format!("cannot read plugin {}: {error}", entry.path.display())));
                    continue;
                }
            }
        }
        paths.push(entry.path.clone());
    }
    paths
}

/// A list of strings, each with its origin.
fn strings(source: &Source, pointer: &str, value: &Value, errors: &mut Vec<ConfigError>) -> Option<Selectors> {
    let Some(items) = value.as_array() else {
        errors.push(source.error(pointer, "expected a list of strings"));
        return None;
    };
    let mut found = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("{pointer}/{index}");
        match item.as_str() {
            Some(text) => found.push((crate::aliases::current(text).to_owned(), source.locate(&at).0)),
            None => errors.push(source.error(&at, "expected a string")),
        }
    }
    Some(found)
}

/// A table of strings: (key, value, pointer of the value).
fn string_table(
    source: &Source,
    pointer: &str,
    value: &Value,
    errors: &mut Vec<ConfigError>,
) -> Vec<(String, String, String)> {
    let Some(table) = value.as_object() else {
        errors.push(source.error(pointer, "expected a table"));
        return Vec::new();
    };
    let mut found = Vec::new();
    for (key, item) in table {
        let at = format!("{pointer}/{}", pointer_key(key));
        match item.as_str() {
            Some(text) => found.push((key.clone(), text.to_owned(), at)),
            None => errors.push(source.error(&at, "expected a string")),
        }
    }
    found
}

/// `tenken config show`: the effective configuration, each value with the
/// file and line it came from.
pub(crate) fn show(args: &ConfigShowArgs) -> anyhow::Result<u8> {
    let from = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let found = match &args.config {
        Some(path) => Some(path.clone()),
        None => crate::scope::nearest_config(&from),
    };
    let Some(path) = found else {
        crate::output::print(&format!(
            "no {FILE_NAME} found from {} up; every bundled rule applies with its defaults\n",
            from.display()
        ))?;
        return Ok(0);
    };
    let (config, _, errors) = load(&path);
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("tenken: error: {}", tenken_report::untrusted::one_line(&error.to_string()));
        }
        return Ok(2);
    }
    let judged = match &args.path {
        Some(file) => format!("# {} is judged by {}\n", file.display(), display(&path)),
        None => String::new(),
    };
    crate::output::print(&format!("{judged}{}", describe(&config)))?;
    Ok(0)
}

/// The effective configuration as TOML-like lines with origins.
pub(crate) fn describe(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# read, in order: {}", config.chain.join(" <- "));
    let list = |selectors: &Selectors| {
        selectors
            .iter()
            .map(|(selector, origin)| format!("  \"{selector}\",  # {origin}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match &config.select {
        Some(selectors) => {
            let _ = writeln!(out, "select = [\n{}\n]", list(selectors));
        }
        None => {
            let _ = writeln!(out, "select = [\"*\"]  # default: every rule");
        }
    }
    for (name, selectors) in [("extend-select", &config.extend_select), ("ignore", &config.ignore)] {
        if !selectors.is_empty() {
            let _ = writeln!(out, "{name} = [\n{}\n]", list(selectors));
        }
    }
    if let Some((size, origin)) = &config.max_file_size {
        let _ = writeln!(out, "max-file-size = {size}  # {origin}");
    }
    if !config.severity.is_empty() {
        let _ = writeln!(out, "\n[severity]");
        for (selector, (severity, origin)) in &config.severity {
            let _ = writeln!(out, "\"{selector}\" = \"{severity}\"  # {origin}");
        }
    }
    for (plugin, (settings, origin)) in &config.settings {
        let _ = writeln!(out, "\n[settings.{plugin}]  # {origin}");
        if let Some(settings) = settings.as_object() {
            for (key, value) in settings {
                let _ = writeln!(out, "{key} = {value}");
            }
        }
    }
    if !config.kinds.is_empty() {
        let _ = writeln!(out, "\n[kinds]");
        for (glob, (kind, origin)) in &config.kinds {
            let _ = writeln!(out, "\"{glob}\" = \"{kind}\"  # {origin}");
        }
    }
    for entry in &config.plugins {
        let _ = writeln!(out, "\n[[plugins]]  # {}", entry.origin);
        let _ = writeln!(out, "path = \"{}\"", entry.path.display());
        if let Some(sha256) = &entry.sha256 {
            let _ = writeln!(out, "sha256 = \"{sha256}\"");
        }
    }
    if !config.per_path_ignores.is_empty() {
        let _ = writeln!(out, "\n[per-path-ignores]");
        for (glob, (selectors, origin)) in &config.per_path_ignores {
            let quoted: Vec<String> = selectors.iter().map(|selector| format!("\"{selector}\"")).collect();
            let _ = writeln!(out, "\"{glob}\" = [{}]  # {origin}", quoted.join(", "));
        }
    }
    out
}

/// Applies `[settings.<plugin>]`: each table is checked against the
/// plugin's JSON Schema by the host, then by the plugin's own `configure`.
/// Every problem is reported at its line, all of them at once.
pub(crate) fn configure_plugins(
    config: &Config,
    sources: &[Source],
    plugins: &mut [tenken_host::LoadedPlugin],
    errors: &mut Vec<ConfigError>,
) {
    for (id, (settings, origin)) in &config.settings {
        let Some(source) = sources.iter().find(|source| source.display == origin.file) else { continue };
        let pointer = format!("/settings/{}", pointer_key(id));
        let Some(plugin) = plugins.iter_mut().find(|plugin| &plugin.info.id == id) else {
            let next = match crate::suggest::closest(id, plugins.iter().map(|plugin| plugin.info.id.as_str())) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            errors.push(source.error(&pointer, format!("`settings.{id}`: no plugin `{id}` is loaded{next}")));
            continue;
        };
        if let Some(schema) = &plugin.info.settings_schema {
            match jsonschema::validator_for(schema) {
                Ok(validator) => {
                    let known_keys: Vec<&str> = schema
                        .get("properties")
                        .and_then(serde_json::Value::as_object)
                        .map(|properties| properties.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let problems: Vec<ConfigError> = validator
                        .iter_errors(settings)
                        .flat_map(|problem| {
                            let at = format!("{pointer}{}", problem.instance_path().as_str());
                            // An unknown key is reported at the key, with the
                            // nearest known one, not at its table.
                            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                                problem.kind()
                            {
                                return unexpected
                                    .iter()
                                    .map(|key| {
                                        let next = match crate::suggest::closest(key, known_keys.iter().copied()) {
                                            Some(near) => format!("did you mean `{near}`?"),
                                            None if known_keys.is_empty() => "it takes none".to_owned(),
                                            None => format!("it takes {}", known_keys.join(", ")),
                                        };
                                        source.error(
                                            &format!("{at}/{}", pointer_key(key)),
                                            format!("`settings.{id}`: unknown key `{key}`; {next}"),
                                        )
                                    })
                                    .collect::<Vec<_>>();
                            }
                            vec![source.error(&at, format!("`settings.{id}`: {problem}"))]
                        })
                        .collect();
                    if !problems.is_empty() {
                        errors.extend(problems);
                        continue;
                    }
                }
                Err(problem) => {
                    errors.push(
                        source.error(&pointer, format!("plugin `{id}` has an invalid settings schema: {problem}")),
                    );
                    continue;
                }
            }
        }
        if let Err(problem) = plugin.configure(settings) {
            errors.push(
                source.error(&pointer, format!("`settings.{id}`: plugin `{id}` rejected its settings: {problem}")),
            );
        }
    }
}
