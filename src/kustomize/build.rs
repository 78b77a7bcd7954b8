//! Kustomize overlays checked as they deploy.
//!
//! What reaches a cluster from a kustomization is what `kustomize build`
//! makes of it: the base's objects with the overlay's patches, images,
//! name prefixes and labels applied. Where `kustomize` (or `kubectl`, which
//! embeds it) is on PATH, each overlay among the inputs is built once
//! ([`render`]), and each file it builds from is checked as the objects it
//! becomes. Findings are then moved back into the file each object comes
//! from, onto the node the finding points at ([`Built::relocate`]), since
//! that is where the fix goes, and each says which build it was found in.
//! A base that several overlays build is reported once per finding, with
//! the builds named, not once per overlay.
//!
//! Which file an object comes from is kustomize's own answer: the build
//! goes through a wrapper kustomization (in a temporary directory, never in
//! the repository) that asks for `buildMetadata: [originAnnotations]`, and
//! each object comes out with a `config.kubernetes.io/origin` annotation
//! naming its file. The annotation stays: it tells plugins that the object
//! is built already, so that they do not apply the kustomizations of the
//! project to it again (`tenken_sdk::kustomize::is_built`).
//!
//! Without the tool, or for an overlay that cannot be built offline (a
//! remote base, a Helm chart inflated by kustomize), files are checked as
//! written, patches as partial documents (see the parent module).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;
use tenken_formats::span::{Span, resolve_pointer};
use tenken_formats::{Format, Hints, Limits, ParsedFile};
use tenken_report::{Finding, Problem, ProblemKind};

use super::{KUSTOMIZATION_NAMES, normalize};
use crate::cli::RenderCharts;
use crate::discover::{Content, InputFile};
use crate::external::{display, shell_word};
use crate::suppress::Exception;

/// The most bytes of output read for one build, in files of the size
/// limit: an overlay builds many files, each bounded by the limit again
/// when it is parsed.
const BUILT_FILES_PER_OVERLAY: u64 = 16;

/// The most kustomizations one overlay may build from, and how deep they
/// may nest: a real overlay has a handful, two or three deep.
const KUSTOMIZATIONS_PER_OVERLAY: usize = 64;
const NESTING: usize = 16;

/// The annotation kustomize writes the origin of each object into.
const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// The overlays built in a run and the files built from them, by display
/// path: what moving their findings back into those files needs.
#[derive(Default)]
pub(crate) struct Built {
    files: HashMap<String, BuiltFile>,
}

struct BuiltFile {
    /// The file on disk.
    path: PathBuf,
    /// What it was built into: the objects, one document each.
    text: Arc<[u8]>,
    /// The overlay each rendered document came from, in the order of the
    /// rendered text.
    documents: Vec<BuiltDocument>,
}

struct BuiltDocument {
    overlay: Arc<Overlay>,
    kind: Option<String>,
    name: Option<String>,
}

/// One overlay that was built.
struct Overlay {
    /// The command that builds it, as a user would run it.
    command: String,
    /// Its directory, as displayed.
    directory: String,
    /// The patch files of the kustomizations it builds from, as displayed:
    /// a finding in the build that its own file does not have, and that a
    /// patch file has too, is the patch's finding and is reported there.
    patches: HashSet<String>,
}

/// The tool that builds overlays.
struct Tool {
    program: PathBuf,
    /// `build` for kustomize, `kustomize` for kubectl.
    subcommand: &'static str,
    /// How commands are shown: `kustomize build` or `kubectl kustomize`.
    shown: &'static str,
}

impl Tool {
    fn find() -> Option<Self> {
        if let Ok(program) = which::which("kustomize") {
            return Some(Self { program, subcommand: "build", shown: "kustomize build" });
        }
        let program = which::which("kubectl").ok()?;
        Some(Self { program, subcommand: "kustomize", shown: "kubectl kustomize" })
    }
}

/// A kustomization read from disk: what building it reads.
struct Kustomization {
    /// Its directory, normalized.
    directory: PathBuf,
    /// `kind: Component`: built only as part of another kustomization.
    component: bool,
    /// The local directories it builds from (`resources`, `bases`,
    /// `components` entries that are directories).
    directories: Vec<PathBuf>,
    /// Its patch files, normalized.
    patches: Vec<PathBuf>,
    /// Why it cannot be built offline, if it cannot.
    not_offline: Option<String>,
    /// A file it reads that must not be read without kustomize's load
    /// restrictions (see [`is_plain`]), if there is one.
    unsafe_read: Option<String>,
}

impl Kustomization {
    /// Reads the kustomization in `directory`, if there is one that parses.
    fn read(directory: &Path) -> Option<Self> {
        let on_disk = if directory.as_os_str().is_empty() { Path::new(".") } else { directory };
        let path = KUSTOMIZATION_NAMES.iter().map(|name| on_disk.join(name)).find(|path| path.is_file())?;
        let bytes = crate::read::read_bounded(&path, crate::read::CONFIG_LIMIT).ok()?;
        let parsed =
            tenken_formats::parse_file(&display(&path), &bytes, Format::Yaml, &Limits::default(), &Hints::default())
                .ok()?;
        let tree = &parsed.documents.first()?.tree;
        let strings = |key: &str| -> Vec<&str> {
            tree.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
        };
        let mut not_offline = None;
        let mut directories = Vec::new();
        for entry in ["resources", "bases", "components"].into_iter().flat_map(strings) {
            if is_remote(entry) {
                not_offline.get_or_insert_with(|| format!("it builds on a remote resource, `{entry}`"));
                continue;
            }
            let joined = normalize(&directory.join(entry));
            if on_disk_path(&joined).is_dir() {
                directories.push(joined);
            }
        }
        if tree.get("helmCharts").is_some_and(|charts| !charts.is_null()) {
            not_offline.get_or_insert_with(|| "it inflates Helm charts (`helmCharts`)".to_owned());
        }
        let patches: Vec<PathBuf> =
            super::patch_paths(tree).into_iter().map(|relative| normalize(&directory.join(relative))).collect();
        // Every file the kustomization reads: resources, patches, and the
        // sources of its generators (`key=path` or `path`).
        let mut read_entries = ["configMapGenerator", "secretGenerator"]
            .into_iter()
            .filter_map(|key| tree.get(key).and_then(Value::as_array))
            .flatten()
            .flat_map(|generator| {
                ["files", "envs"].into_iter().filter_map(|key| generator.get(key)?.as_array()).flatten()
            })
            .chain(
                ["resources", "bases", "components", "crds"]
                    .into_iter()
                    .filter_map(|key| tree.get(key)?.as_array())
                    .flatten(),
            )
            .filter_map(Value::as_str)
            .filter(|entry| !is_remote(entry))
            .map(|entry| entry.rsplit_once('=').map_or(entry, |(_, path)| path).to_owned());
        let unsafe_read = read_entries
            .find(|entry| Path::new(entry).is_absolute() || !is_plain(&directory.join(entry)))
            .or_else(|| patches.iter().find(|path| !is_plain(path)).map(|path| display(path)));
        Some(Self {
            directory: normalize(directory),
            component: tree.get("kind").and_then(Value::as_str) == Some("Component"),
            directories,
            patches,
            not_offline,
            unsafe_read,
        })
    }
}

/// Whether kustomize may read `path` without its load restrictions: a
/// regular file or a directory (a device such as `/dev/zero` never ends,
/// and `/proc` holds the machine's secrets), written as a relative path
/// (checked by the caller). Symbolic links are followed, so one to a
/// device is not plain either.
fn is_plain(path: &Path) -> bool {
    let normalized = normalize(path);
    let system = ["/dev", "/proc", "/sys"].iter().any(|root| normalized.starts_with(root));
    let kind = std::fs::metadata(on_disk_path(&normalized)).map(|metadata| metadata.file_type());
    !system && kind.is_ok_and(|kind| kind.is_file() || kind.is_dir())
}

/// A path as the file system takes it: the empty path is the current
/// directory.
fn on_disk_path(path: &Path) -> &Path {
    if path.as_os_str().is_empty() { Path::new(".") } else { path }
}

/// Whether a kustomization entry names something kustomize fetches: a git
/// repository or a URL.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
}

/// Builds the overlays among `files` and gives each file they build from
/// the objects it becomes. An overlay that cannot be built gets a warning,
/// and its files are checked as written. Runs the tool on the current
/// rayon pool.
pub(crate) fn render(
    files: &mut [InputFile],
    mode: RenderCharts,
    limits: &Limits,
    announce: bool,
    warnings: &mut Vec<Problem>,
) -> anyhow::Result<Built> {
    let mut built = Built::default();
    if mode == RenderCharts::Never {
        return Ok(built);
    }
    let overlays = overlays_among(files);
    if overlays.is_empty() {
        return Ok(built);
    }
    let Some(tool) = Tool::find() else {
        if mode == RenderCharts::Always {
            anyhow::bail!(
                "--render-overlays always: neither `kustomize` nor `kubectl` is on PATH, so the overlay {} cannot be \
                 built; install one, or pass --render-overlays auto to check its files as written",
                display(&overlays[0].directory)
            );
        }
        return Ok(built);
    };
    let mut buildable = Vec::new();
    for overlay in overlays {
        let chain = chain_of(&overlay);
        let command = format!("{} {}", tool.shown, shell_word(&display(&overlay.directory)));
        match chain.not_offline {
            Some(why) => warnings.push(warning(
                &overlay.directory,
                format!(
                    "`{command}` is not run, so its files are checked as written: {why}, which tenken does not fetch"
                ),
            )),
            None => buildable.push((overlay, chain.patches, command, chain.unsafe_read.is_none())),
        }
    }
    if buildable.is_empty() {
        return Ok(built);
    }
    let wrappers = tempfile::Builder::new().prefix("tenken-kustomize").tempdir()?;
    let wrappers_root = std::fs::canonicalize(wrappers.path())?;
    let output_limit = limits.max_file_bytes.saturating_mul(BUILT_FILES_PER_OVERLAY);
    // Overlays build side by side: the tool takes tens of milliseconds to
    // start.
    let outputs: Vec<(Result<String, String>, bool)> = buildable
        .par_iter()
        .enumerate()
        .map(|(index, (overlay, _, _, may_lift_restrictions))| {
            let wrapper = wrappers_root.join(index.to_string());
            build(&tool, &wrapper, &overlay.directory, output_limit, *may_lift_restrictions)
        })
        .collect();
    let mut index = FileIndex::new(files);
    let mut rendered: HashMap<usize, (String, Vec<BuiltDocument>)> = HashMap::new();
    let mut over_limit: HashSet<usize> = HashSet::new();
    for (position, ((kustomization, patches, mut command, _), (output, unrestricted))) in
        buildable.into_iter().zip(outputs).enumerate()
    {
        if unrestricted {
            command = format!("{} {UNRESTRICTED} {}", tool.shown, shell_word(&display(&kustomization.directory)));
        }
        let output = match output {
            Ok(output) => output,
            Err(message) => {
                let message = format!("`{command}` failed, so its files are checked as written: {message}");
                warnings.push(warning(&kustomization.directory, message));
                continue;
            }
        };
        let wrapper = wrappers_root.join(position.to_string());
        let overlay = Arc::new(Overlay {
            command: command.clone(),
            directory: display(&kustomization.directory),
            patches: patches.iter().map(|path| display(path)).collect(),
        });
        if !output.trim().is_empty() && !output.contains(ORIGIN_ANNOTATION) {
            let message = format!(
                "`{command}` does not say which file each object comes from (kustomize before 4.5 does not), so its \
                 files are checked as written"
            );
            warnings.push(warning(&kustomization.directory, message));
            continue;
        }
        let mut objects = 0;
        let mut from_files = HashSet::new();
        for document in crate::helm::documents(&output) {
            // Generated objects (a configMapGenerator's) come from no file.
            let Some(origin) = origin_of(document) else { continue };
            let Some(file) = index.find(&wrapper.join(origin), files) else { continue };
            let entry = rendered.entry(file).or_default();
            // A base that many overlays build holds each build's objects:
            // bounded by the size limit, as any file is. Builds past it
            // are left out, and the run says so.
            if entry.0.len() + document.len() + 4 > limits.max_file_bytes as usize {
                if over_limit.insert(file) {
                    let message = format!(
                        "{}: the objects built from it by every overlay exceed the {}-byte file size limit; it is \
                         checked as the first builds make it, and `{command}` and later builds are left out",
                        files[file].display, limits.max_file_bytes
                    );
                    warnings.push(warning(&kustomization.directory, message));
                }
                continue;
            }
            if !entry.0.is_empty() && !entry.0.ends_with('\n') {
                entry.0.push('\n');
            }
            entry.0.push_str("---\n");
            entry.0.push_str(document);
            entry.1.push(BuiltDocument {
                overlay: Arc::clone(&overlay),
                kind: top_level(document, "kind"),
                name: metadata_name(document),
            });
            objects += 1;
            from_files.insert(file);
        }
        if announce {
            let count = from_files.len();
            let noun = if count == 1 { "file" } else { "files" };
            let line = format!(
                "built {} with `{command}`: {objects} objects from {count} {noun} checked as built",
                display(&kustomization.directory)
            );
            eprintln!("tenken: {}", tenken_report::untrusted::one_line(&line));
        }
    }
    for (file, (text, documents)) in rendered {
        let file = &mut files[file];
        let text: Arc<[u8]> = text.into_bytes().into();
        file.content = Content::Rendered(Arc::clone(&text));
        built.files.insert(file.display.clone(), BuiltFile { path: file.path.clone(), text, documents });
    }
    Ok(built)
}

fn warning(directory: &Path, message: String) -> Problem {
    Problem {
        kind: ProblemKind::Read,
        path: display(directory),
        line: None,
        column: None,
        plugin: None,
        message,
        excerpt: None,
    }
}

/// The kustomizations among `files` that deploy: those no other
/// kustomization among them builds from, and that are not components.
fn overlays_among(files: &[InputFile]) -> Vec<Kustomization> {
    let kustomizations: Vec<Kustomization> = files
        .iter()
        .filter(|file| file.content == Content::OnDisk && file.not_read.is_none())
        .filter(|file| file.path.file_name().is_some_and(|name| KUSTOMIZATION_NAMES.iter().any(|known| name == *known)))
        .filter_map(|file| Kustomization::read(file.path.parent().unwrap_or(Path::new(""))))
        .collect();
    let built_from: HashSet<&Path> =
        kustomizations.iter().flat_map(|kustomization| &kustomization.directories).map(PathBuf::as_path).collect();
    let overlays: Vec<&Kustomization> = kustomizations
        .iter()
        .filter(|kustomization| !kustomization.component && !built_from.contains(kustomization.directory.as_path()))
        .collect();
    let keep: HashSet<PathBuf> = overlays.iter().map(|overlay| overlay.directory.clone()).collect();
    kustomizations.into_iter().filter(|kustomization| keep.contains(&kustomization.directory)).collect()
}

/// What an overlay builds from, read down its kustomizations.
struct Chain {
    patches: Vec<PathBuf>,
    not_offline: Option<String>,
    /// A file that keeps the overlay from being built without load
    /// restrictions, if one does.
    unsafe_read: Option<String>,
}

fn chain_of(overlay: &Kustomization) -> Chain {
    let mut chain = Chain {
        patches: overlay.patches.clone(),
        not_offline: overlay.not_offline.clone(),
        unsafe_read: overlay.unsafe_read.clone(),
    };
    let mut seen: HashSet<PathBuf> = HashSet::from([overlay.directory.clone()]);
    let mut level: Vec<PathBuf> = overlay.directories.clone();
    for depth in 0.. {
        if level.is_empty() {
            break;
        }
        if depth == NESTING || seen.len() > KUSTOMIZATIONS_PER_OVERLAY {
            chain.not_offline.get_or_insert_with(|| {
                format!(
                    "it builds from over {KUSTOMIZATIONS_PER_OVERLAY} kustomizations, or nests them over {NESTING} deep"
                )
            });
            break;
        }
        let mut next = Vec::new();
        for directory in level {
            if !seen.insert(directory.clone()) {
                continue;
            }
            let Some(kustomization) = Kustomization::read(&directory) else { continue };
            chain.patches.extend(kustomization.patches);
            if chain.not_offline.is_none() {
                chain.not_offline = kustomization.not_offline;
            }
            if chain.unsafe_read.is_none() {
                chain.unsafe_read = kustomization.unsafe_read;
            }
            next.extend(kustomization.directories);
        }
        level = next;
    }
    chain
}

/// The flag that lets a kustomization read files outside its directory.
/// kustomize refuses that by default; repositories whose overlays list
/// files of a sibling directory build with this flag, and would not build
/// without it.
const UNRESTRICTED: &str = "--load-restrictor LoadRestrictionsNone";

/// Runs the tool on a wrapper kustomization that builds `overlay` with
/// each object's origin annotated. An overlay that kustomize's default
/// load restrictions refuse is built again without them (whether that
/// happened is the second value) when `may_lift_restrictions`: every file
/// its kustomizations read is a plain file or directory. Objects from
/// files outside the inputs are left out of the check anyway.
fn build(
    tool: &Tool,
    wrapper: &Path,
    overlay: &Path,
    limit: u64,
    may_lift_restrictions: bool,
) -> (Result<String, String>, bool) {
    match build_once(tool, wrapper, overlay, limit, false) {
        Err(message) if may_lift_restrictions && message.contains("is not in or below") => {
            (build_once(tool, wrapper, overlay, limit, true).map_err(|message| tool_error(&message)), true)
        }
        built => (built.map_err(|message| tool_error(&message)), false),
    }
}

fn build_once(tool: &Tool, wrapper: &Path, overlay: &Path, limit: u64, unrestricted: bool) -> Result<String, String> {
    let overlay = std::path::absolute(on_disk_path(overlay)).map_err(|error| error.to_string())?;
    let resource = relative_to(wrapper, &normalize(&overlay));
    let resource = resource.to_str().ok_or("its path is not UTF-8")?;
    std::fs::create_dir_all(wrapper).map_err(|error| format!("cannot make a temporary directory: {error}"))?;
    // JSON is YAML, and quotes any path.
    let kustomization = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [resource],
        "buildMetadata": ["originAnnotations"],
    });
    std::fs::write(wrapper.join("kustomization.yaml"), kustomization.to_string())
        .map_err(|error| format!("cannot write a temporary kustomization: {error}"))?;
    let mut command = std::process::Command::new(&tool.program);
    command.arg(tool.subcommand).arg(wrapper);
    if unrestricted {
        command.args(UNRESTRICTED.split(' '));
    }
    crate::external::run_bounded(command, limit)
}

/// kustomize's error without what the wrapper adds to it: kubectl's log
/// prefix, and the outer layers that name the wrapper's resource. Short
/// enough for one line of a report.
fn tool_error(message: &str) -> String {
    let (mut error, status) = match message.rsplit_once(" (") {
        Some((error, status)) => (error, format!(" ({status}")),
        None => (message, String::new()),
    };
    if let Some((_, quoted)) = error.split_once(" err=\"") {
        error = quoted.strip_suffix('"').unwrap_or(quoted);
    }
    error = error.strip_prefix("Error: ").unwrap_or(error);
    const WRAPPER_LAYER: &str = "recursed accumulation of path '";
    if let Some((_, inner)) = error.split_once(WRAPPER_LAYER)
        && let Some((_, inner)) = inner.split_once("': ")
    {
        error = inner;
    }
    let mut short: String = error.chars().take(400).collect();
    if short.len() < error.len() {
        short.push('…');
    }
    short + &status
}

/// `to` relative to the directory `from`, both absolute and normalized:
/// kustomize refuses an absolute resource path.
fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..from.len() {
        relative.push("..");
    }
    for component in &to[common..] {
        relative.push(component.as_os_str());
    }
    relative
}

/// The path a built object's origin annotation names, if it has one.
/// kustomize writes objects in one layout: `metadata:` at the top level,
/// its keys two spaces in, annotations four, and the annotation a block
/// scalar six in.
fn origin_of(document: &str) -> Option<&str> {
    let marker = format!("    {ORIGIN_ANNOTATION}: |");
    let lines = document.lines().skip_while(|line| *line != marker).skip(1);
    lines
        .take_while(|line| line.starts_with("      "))
        .find_map(|line| line.trim().strip_prefix("path: "))
        .map(|path| path.trim().trim_matches('"'))
}

/// A top-level scalar of a built object, such as its `kind`.
fn top_level(document: &str, key: &str) -> Option<String> {
    let prefix = format!("{key}:");
    document.lines().find_map(|line| line.strip_prefix(&prefix)).map(|value| value.trim().trim_matches('"').to_owned())
}

/// `metadata.name` of a built object.
fn metadata_name(document: &str) -> Option<String> {
    let mut lines = document.lines().skip_while(|line| *line != "metadata:").skip(1);
    lines
        .by_ref()
        .take_while(|line| line.starts_with(' '))
        .find_map(|line| line.strip_prefix("  name:"))
        .map(|value| value.trim().trim_matches('"').to_owned())
}

/// Input files by absolute path, to find the file an origin names.
struct FileIndex {
    lexical: HashMap<PathBuf, usize>,
    /// By resolved path, made the first time a lexical lookup misses:
    /// kustomize may have resolved symbolic links.
    resolved: Option<HashMap<PathBuf, usize>>,
}

impl FileIndex {
    fn new(files: &[InputFile]) -> Self {
        let lexical = files
            .iter()
            .enumerate()
            .filter(|(_, file)| file.content == Content::OnDisk && file.not_read.is_none() && is_yaml(&file.path))
            .filter_map(|(index, file)| Some((normalize(&std::path::absolute(&file.path).ok()?), index)))
            .collect();
        Self { lexical, resolved: None }
    }

    fn find(&mut self, origin: &Path, files: &[InputFile]) -> Option<usize> {
        let origin = normalize(origin);
        if let Some(&index) = self.lexical.get(&origin) {
            return Some(index);
        }
        let resolved = self.resolved.get_or_insert_with(|| {
            self.lexical
                .values()
                .filter_map(|&index| Some((std::fs::canonicalize(&files[index].path).ok()?, index)))
                .collect()
        });
        resolved.get(&std::fs::canonicalize(&origin).ok()?).copied()
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "yaml" || extension == "yml")
}

impl Built {
    /// Moves findings in built files back into the files as written: to
    /// the node each points at, in the object it was built from. A finding
    /// that several builds share is kept once, naming each build.
    /// Findings the file as written cannot place (the build added the
    /// node) that a patch of the build also has are the patch's, and are
    /// left to it.
    ///
    /// The exceptions collected from the built text are replaced by those
    /// written in the files (the build drops comments).
    pub(crate) fn relocate(
        &self,
        findings: &mut Vec<Finding>,
        exceptions: &mut Vec<Exception>,
        limits: &Limits,
        code_frames: bool,
    ) {
        if self.files.is_empty() {
            return;
        }
        let written: HashMap<&str, Option<ParsedFile>> =
            self.files.iter().map(|(display, file)| (display.as_str(), parse(display, &file.path, limits))).collect();
        exceptions.retain(|exception| !self.files.contains_key(exception.path()));
        for parsed in written.values().flatten() {
            exceptions.extend(crate::suppress::collect(parsed));
        }
        // (rule, file) of the findings in patch files.
        let in_patches: HashSet<(String, String)> = findings
            .iter()
            .filter(|finding| !self.files.contains_key(&*finding.location.path))
            .map(|finding| (finding.rule.id.to_string(), finding.location.path.to_string()))
            .collect();
        let mut built_texts: HashMap<&str, Option<ParsedFile>> = HashMap::new();
        // Per kept finding: the builds it was found in.
        let mut builds: Vec<Vec<BuildNamed>> = vec![Vec::new(); findings.len()];
        let mut keep = vec![true; findings.len()];
        // Kept findings by (rule, file, line, column): a finding of another
        // build at the same place is the same finding, though its message
        // may name the object as that build names it (`prod-web`).
        let mut kept_at: HashMap<(String, Arc<str>, u32, u32), Vec<usize>> = HashMap::new();
        for (position, finding) in findings.iter_mut().enumerate() {
            let Some((display, file)) = self.files.get_key_value(&*finding.location.path) else { continue };
            let parsed = written.get(display.as_str()).and_then(Option::as_ref);
            let origin = file.documents.get(finding.document as usize).and_then(|document| {
                let parsed = parsed?;
                Some((document, parsed, &parsed.documents[origin_document(parsed, document)?]))
            });
            // No line of the built text may stay on the file as written.
            let Some((document, parsed, origin_document)) = origin else {
                at_first_line(finding);
                continue;
            };
            let built = built_texts.entry(display).or_insert_with(|| built_text(display, &file.text, limits));
            let built_tree = built.as_ref().and_then(|built| built.documents.get(finding.document as usize));
            let translated = built_tree.map(|built| translate(&built.tree, &origin_document.tree, &finding.pointer));
            let (pointer, exact) = translated.unwrap_or_else(|| (finding.pointer.to_string(), false));
            let in_build = built_tree.is_some_and(|built| built.tree.pointer(&finding.pointer).is_some());
            if !exact
                && in_build
                && document
                    .overlay
                    .patches
                    .iter()
                    .any(|patch| in_patches.contains(&(finding.rule.id.to_string(), patch.clone())))
            {
                keep[position] = false;
                continue;
            }
            let resolved = resolve_pointer(&origin_document.tree, &origin_document.spans, &pointer);
            place(finding, parsed, resolved.span, code_frames);
            finding.document = origin_document.index;
            finding.pointer = pointer.as_str().into();
            let key = (
                finding.rule.id.to_string(),
                Arc::clone(&finding.location.path),
                finding.location.line,
                finding.location.column,
            );
            let mut what = BuildNamed {
                command: document.overlay.command.clone(),
                directory: document.overlay.directory.clone(),
                remark: "",
            };
            let scalar = |node: Option<&Value>| node.is_some_and(|node| !node.is_object() && !node.is_array());
            let built_node = built_tree.and_then(|built| built.tree.pointer(&finding.pointer));
            let written_node = origin_document.tree.pointer(&pointer);
            // A `namePrefix` changes every name: not worth a word.
            let renamed = pointer.starts_with("/metadata/");
            if exact && !renamed && scalar(built_node) && scalar(written_node) && built_node != written_node {
                what.remark = " (which changes this value)";
            } else if !exact && in_build {
                what.remark = " (which adds this node)";
            }
            let same_place = kept_at.entry(key).or_default();
            // Another build's finding here, which this build has not yet
            // joined; else this finding is kept on its own.
            let joined = same_place
                .iter()
                .copied()
                .find(|&kept| !builds[kept].iter().any(|build| build.command == document.overlay.command));
            match joined {
                Some(kept) => {
                    builds[kept].push(what);
                    keep[position] = false;
                }
                None => {
                    same_place.push(position);
                    builds[position].push(what);
                }
            }
        }
        for (finding, builds) in findings.iter_mut().zip(&builds) {
            let Some((first, others)) = builds.split_first() else { continue };
            // "…builds, which changes this value, and in 1 other overlay:
            // overlays/prod (which adds this node)".
            let first_remark = first.remark.trim().trim_start_matches('(').trim_end_matches(')');
            let separator = if first_remark.is_empty() { "" } else { ", " };
            let mut note = format!("found in what `{}` builds{separator}{first_remark}", first.command);
            if !others.is_empty() {
                let overlays: Vec<String> =
                    others.iter().map(|build| format!("{}{}", build.directory, build.remark)).collect();
                let noun = if others.len() == 1 { "overlay" } else { "overlays" };
                note.push_str(&format!(", and in {} other {noun}: {}", others.len(), join_with_and(&overlays)));
            }
            finding.note = Some(match finding.note.take() {
                Some(earlier) => format!("{earlier}; {note}").into(),
                None => note.into(),
            });
        }
        let mut position = 0;
        findings.retain(|_| {
            position += 1;
            keep[position - 1]
        });
    }
}

/// A build a finding was found in, for its note.
#[derive(Clone)]
struct BuildNamed {
    command: String,
    directory: String,
    /// What the build did to the node, if worth saying.
    remark: &'static str,
}

/// `a`, `a and b`, `a, b and c`.
fn join_with_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The file as written, parsed.
fn parse(display: &str, path: &Path, limits: &Limits) -> Option<ParsedFile> {
    let bytes = crate::read::read_bounded(path, limits.max_file_bytes).ok()?;
    tenken_formats::parse_file(display, &bytes, Format::Yaml, limits, &Hints::for_path(path)).ok()
}

/// The built text of a file, parsed again, to compare the objects built
/// with those written.
fn built_text(display: &str, text: &[u8], limits: &Limits) -> Option<ParsedFile> {
    tenken_formats::parse_file(display, text, Format::Yaml, limits, &Hints::default()).ok()
}

/// The document of the file as written that a built object comes from:
/// the object of the same kind whose name the built name contains (a
/// `namePrefix` or `nameSuffix` surrounds it), the longest such name
/// winning.
fn origin_document(parsed: &ParsedFile, built: &BuiltDocument) -> Option<usize> {
    fn kind_of(tree: &Value) -> Option<String> {
        tree.get("kind").and_then(Value::as_str).map(str::to_owned)
    }
    fn name_of(tree: &Value) -> Option<&str> {
        tree.get("metadata").and_then(|metadata| metadata.get("name")).and_then(Value::as_str)
    }
    let of_kind = || parsed.documents.iter().enumerate().filter(|(_, document)| kind_of(&document.tree) == built.kind);
    let by_name = of_kind()
        .filter(|(_, document)| match (name_of(&document.tree), &built.name) {
            (Some(written), Some(built)) => built.contains(written),
            _ => true,
        })
        .max_by_key(|(index, document)| (name_of(&document.tree).map_or(0, str::len), std::cmp::Reverse(*index)));
    // A patch or a replacement may rename the object outright: then the
    // first of its kind, else the file's first document.
    by_name.or_else(|| of_kind().next()).map(|(index, _)| index).or((!parsed.documents.is_empty()).then_some(0))
}

/// The pointer in the object as written that `pointer` in the built
/// object stands for, and whether every step of it exists there. List
/// elements are matched by `name` where they have one: a patch may add a
/// container before those the base wrote. Steps past the last one that
/// exists are kept as they are, so that a finding about something missing
/// points where it would be.
fn translate(built: &Value, written: &Value, pointer: &str) -> (String, bool) {
    let steps: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut translated = String::new();
    let (mut built, mut written) = (Some(built), Some(written));
    let mut exact = true;
    for step in steps {
        let key = step.replace("~1", "/").replace("~0", "~");
        let next_built = built.and_then(|node| match node {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
            Value::Object(members) => members.get(&key),
            _ => None,
        });
        let next_written = match written {
            Some(Value::Array(items)) => {
                // An element with a name is the written one of that name,
                // or none (an element the build added); one without is
                // matched by position.
                let index = match next_built.and_then(|element| element.get("name")) {
                    Some(name) => items.iter().position(|item| item.get("name") == Some(name)),
                    None => key.parse::<usize>().ok().filter(|&index| index < items.len()),
                };
                match index {
                    Some(index) => {
                        translated.push_str(&format!("/{index}"));
                        items.get(index)
                    }
                    None => None,
                }
            }
            Some(Value::Object(members)) => members.get(&key).inspect(|_| {
                translated.push('/');
                translated.push_str(step);
            }),
            _ => None,
        };
        if next_written.is_none() {
            exact = false;
            translated.push('/');
            translated.push_str(step);
        }
        built = next_built;
        written = next_written;
    }
    (translated, exact)
}

/// Puts `finding` on the first line of its file, where nothing better is
/// known: the file as written has no object to place it on.
fn at_first_line(finding: &mut Finding) {
    finding.location.line = 1;
    finding.location.column = 1;
    finding.location.end_line = 1;
    finding.location.end_column = 1;
    finding.excerpt = None;
}

/// Puts `finding` at `span` of `parsed`.
fn place(finding: &mut Finding, parsed: &ParsedFile, span: Span, code_frames: bool) {
    let source = &parsed.source;
    let start = source.lines.line_column(&source.text, span.start);
    let end = source.lines.line_column(&source.text, span.end);
    finding.location.line = start.line;
    finding.location.column = start.column;
    finding.location.end_line = end.line;
    finding.location.end_column = end.column;
    finding.excerpt =
        (code_frames && finding.excerpt.is_some()).then(|| Arc::new(crate::locate::excerpt(parsed, span)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    \
                         config.kubernetes.io/origin: |\n      path: ../../repo/base/deployment.yaml\n  \
                         labels:\n    app: web\n  name: prod-web\nspec:\n  replicas: 2\n";

    #[test]
    fn a_built_object_names_its_file_and_itself() {
        assert_eq!(origin_of(BUILT), Some("../../repo/base/deployment.yaml"));
        assert_eq!(top_level(BUILT, "kind").as_deref(), Some("Deployment"));
        assert_eq!(metadata_name(BUILT).as_deref(), Some("prod-web"));
        // A generated object has no file.
        assert_eq!(origin_of("kind: ConfigMap\nmetadata:\n  name: settings-8h2k\n"), None);
    }

    #[test]
    fn errors_lose_what_the_wrapper_adds() {
        let kubectl = "E1202 17:49:47.958268    1270 run.go:72] \"command failed\" err=\"accumulating resources: \
                       accumulation err='accumulating resources from '../../repo/overlay': '/repo/overlay' must \
                       resolve to a file': recursed accumulation of path '/repo/overlay': loading KV pairs: env \
                       source files: [params.env]: no such file\" (exit status: 1)";
        assert_eq!(
            tool_error(kubectl),
            "loading KV pairs: env source files: [params.env]: no such file (exit status: 1)"
        );
        let kustomize = "Error: accumulating resources: accumulation err='accumulating resources from 'x': \
                         '/x' must resolve to a file': recursed accumulation of path '/x': missing.yaml: no such \
                         file (exit status: 1)";
        assert_eq!(tool_error(kustomize), "missing.yaml: no such file (exit status: 1)");
    }

    #[test]
    fn load_restrictions_stay_for_kustomizations_that_read_devices_or_absolute_paths() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let directory = dir.path().join(name);
            std::fs::create_dir_all(&directory).unwrap();
            std::fs::write(directory.join("kustomization.yaml"), text).unwrap();
            std::fs::write(directory.join("settings.env"), "A=1\n").unwrap();
            Kustomization::read(&directory).unwrap()
        };
        let plain = write("plain", "configMapGenerator:\n  - name: a\n    envs: [settings.env]\n");
        assert_eq!(plain.unsafe_read, None);
        let absolute = write("absolute", "configMapGenerator:\n  - name: a\n    files: [key=/etc/hostname]\n");
        assert_eq!(absolute.unsafe_read.as_deref(), Some("/etc/hostname"));
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        let device = write("device", "secretGenerator:\n  - name: a\n    files: [../zero]\n");
        assert_eq!(device.unsafe_read.as_deref(), Some("../zero"));
    }

    #[test]
    fn the_wrapper_reaches_the_overlay_by_a_relative_path() {
        assert_eq!(
            relative_to(Path::new("/tmp/tenken-kustomize1/0"), Path::new("/work/repo/overlays/prod")),
            Path::new("../../../work/repo/overlays/prod")
        );
        assert_eq!(relative_to(Path::new("/a/b"), Path::new("/a/c")), Path::new("../c"));
    }

    #[test]
    fn pointers_follow_list_elements_by_name() {
        // A patch put a sidecar before the container the base wrote.
        let built = serde_json::json!({"spec": {"containers": [
            {"name": "proxy", "image": "envoy"},
            {"name": "web", "image": "web:latest", "securityContext": {"privileged": true}},
        ]}});
        let written = serde_json::json!({"spec": {"containers": [{"name": "web", "image": "web:1.0"}]}});
        assert_eq!(translate(&built, &written, "/spec/containers/1/image"), ("/spec/containers/0/image".into(), true));
        // What the base does not have keeps its steps, past the last that
        // exists.
        assert_eq!(
            translate(&built, &written, "/spec/containers/1/securityContext/privileged"),
            ("/spec/containers/0/securityContext/privileged".into(), false)
        );
        assert_eq!(translate(&built, &written, "/spec/containers/0/image"), ("/spec/containers/0/image".into(), false));
    }

    #[test]
    fn the_object_of_a_build_is_found_by_kind_and_name() {
        let parsed = tenken_formats::parse_file(
            "base.yaml",
            b"kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: we\n---\n\
              kind: Deployment\nmetadata:\n  name: web\n",
            Format::Yaml,
            &Limits::default(),
            &Hints::default(),
        )
        .unwrap();
        let overlay = Arc::new(Overlay { command: String::new(), directory: String::new(), patches: HashSet::new() });
        let built = |kind: &str, name: &str| BuiltDocument {
            overlay: Arc::clone(&overlay),
            kind: Some(kind.to_owned()),
            name: Some(name.to_owned()),
        };
        assert_eq!(origin_document(&parsed, &built("Deployment", "prod-web")), Some(2));
        assert_eq!(origin_document(&parsed, &built("Deployment", "prod-we-v2")), Some(1));
        assert_eq!(origin_document(&parsed, &built("Service", "prod-web")), Some(0));
        // Renamed outright by a patch: the first of its kind.
        assert_eq!(origin_document(&parsed, &built("Deployment", "jax-hello-world")), Some(1));
        assert_eq!(origin_document(&parsed, &built("ConfigMap", "web")), Some(0));
    }
}
