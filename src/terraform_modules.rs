//! Local Terraform modules, checked with what their callers give them.
//!
//! A module reads its settings from variables: `deletion_protection =
//! var.deletion_protection`. Checked alone, that reference is an
//! expression, and plugins give expressions the benefit of the doubt, so
//! the module alone cannot show that a root module calls `./modules/db`
//! with `deletion_protection = false`. Terraform evaluates the module once
//! per call; so does this module, in a small way:
//!
//! - Before the check, every `module` block whose `source` is a local path
//!   (`./` or `../`, as Terraform defines it) is read, with the variables
//!   declared next to it and the root's `terraform.tfvars` and
//!   `*.auto.tfvars`.
//! - Each call gives the module's variables values: a literal input, an
//!   input that passes on a variable of the caller whose value is known
//!   (from the caller's own callers, its tfvars or its default), or else
//!   the module variable's default. Anything else (a template, a call, a
//!   conditional) stays unknown.
//! - Each `.tf` file of a called module is then checked once more per
//!   call, as a second document in which every whole-value reference
//!   `var.NAME` with a known value is replaced by that value, located
//!   where the reference is written. Findings of those documents that the
//!   module's own document does not already have are reported in the
//!   module's file, with a note naming the call and the values involved.
//!
//! Only modules among the checked files are followed; registry and git
//! modules stay opaque, and a call with a literal `count = 0` or an empty
//! `for_each` creates nothing and is not followed. The ways each module
//! is evaluated are computed once per module, at most
//! [`MAX_CALLS_PER_MODULE`] of them from at most [`MAX_CALL_ATTEMPTS`]
//! (call, caller evaluation) pairs, and nesting is followed
//! [`MAX_NESTING`] deep: a cycle or a fan-out of calls cannot multiply the
//! work. The extra documents go to file-scoped plugins only.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;
use tenken_formats::span::{Span, SpanNode};
use tenken_formats::{Document, Format, ParsedFile};
use tenken_report::Finding;

use crate::check::Reader;
use crate::discover::InputFile;

/// The most calls of one module that are followed; the rest are checked
/// with the module's own document only.
const MAX_CALLS_PER_MODULE: usize = 16;

/// The deepest chain of module calls followed.
const MAX_NESTING: usize = 8;

/// The most (call, caller evaluation) pairs tried for one module, however
/// many of them give values already seen.
const MAX_CALL_ATTEMPTS: usize = 256;

/// The longest value a note shows, in characters.
const MAX_NOTE_VALUE_CHARS: usize = 60;

/// Module arguments that are not inputs of the module.
const META_ARGUMENTS: &[&str] = &["source", "version", "count", "for_each", "providers", "depends_on"];

/// What the local module calls of a scope give each module directory.
#[derive(Default)]
pub(crate) struct ModuleCalls {
    /// Module directory (normalised) → one entry per call followed.
    by_dir: HashMap<PathBuf, Vec<Arc<CallInputs>>>,
}

/// The values one call gives a module's variables.
#[derive(Debug, PartialEq)]
pub(crate) struct CallInputs {
    /// How a note names the call, e.g. `module "db" (main.tf:4)`.
    call: String,
    /// Variable name → its value under this call.
    values: BTreeMap<String, Input>,
}

/// A variable's value under one call.
#[derive(Debug, Clone, PartialEq)]
struct Input {
    value: Value,
    /// The module variable's default, which the call left alone.
    default: bool,
}

/// A module document as one call makes it, checked besides the module's
/// own document.
pub(crate) struct CallDocument {
    pub(crate) document: Document,
    /// The document's compact tree, as plugins receive it.
    pub(crate) tree: Vec<u8>,
    inputs: Arc<CallInputs>,
    /// Where a reference was replaced: its pointer and variable name.
    replaced: Vec<(String, String)>,
}

impl ModuleCalls {
    /// Reads the module calls, variables and tfvars among `files`. Files
    /// that cannot be read or parsed are left to the check to report.
    pub(crate) fn gather(files: &[InputFile], reader: Reader<'_>) -> Self {
        let facts: Vec<(PathBuf, FileFacts)> = files
            .par_iter()
            .filter(|file| {
                file.not_read.is_none() && file.content.in_memory().is_none() && terraform_file(file).is_some()
            })
            .filter_map(|file| Some((normalise(file.path.parent()?), read_facts(file, reader)?)))
            .collect();
        let mut directories: HashMap<PathBuf, DirectoryFacts> = HashMap::new();
        for (dir, file) in facts {
            let directory = directories.entry(dir).or_default();
            directory.calls.extend(file.calls);
            directory.variables.extend(file.variables);
            // tfvars files are applied in the order Terraform loads them:
            // terraform.tfvars, then *.auto.tfvars in lexical order.
            directory.tfvars.extend(file.tfvars);
        }
        Self::from_directories(&directories)
    }

    fn from_directories(directories: &HashMap<PathBuf, DirectoryFacts>) -> Self {
        let mut callers: HashMap<&Path, Vec<(&Path, &Call)>> = HashMap::new();
        for (dir, facts) in directories {
            for call in &facts.calls {
                if directories.contains_key(&call.target) {
                    callers.entry(call.target.as_path()).or_default().push((dir.as_path(), call));
                }
            }
        }
        for list in callers.values_mut() {
            list.sort_by(|a, b| (&a.1.caller, a.1.line).cmp(&(&b.1.caller, b.1.line)));
        }
        let resolver =
            Resolver { directories, callers: &callers, known: RefCell::default(), visiting: RefCell::default() };
        let by_dir = callers
            .keys()
            .map(|dir| {
                let contexts = resolver.contexts(dir, 0).iter().filter_map(|context| context.call.clone()).collect();
                (dir.to_path_buf(), contexts)
            })
            .collect();
        Self { by_dir }
    }

    /// The documents `parsed` becomes under each call of its module, for a
    /// Terraform file of a called module. A call that replaces nothing in
    /// it adds nothing.
    pub(crate) fn call_documents(&self, file: &InputFile, parsed: &ParsedFile) -> Vec<CallDocument> {
        if self.by_dir.is_empty() || file.content.in_memory().is_some() || terraform_file(file) != Some(Role::Config) {
            return Vec::new();
        }
        let Some(calls) = file.path.parent().and_then(|dir| self.by_dir.get(&normalise(dir))) else {
            return Vec::new();
        };
        let mut documents = Vec::new();
        for document in parsed.documents.iter().filter(|document| document.kind == "terraform") {
            for inputs in calls {
                let mut tree = document.tree.clone();
                let mut spans = document.spans.clone();
                let mut replaced = Vec::new();
                replace_references(&mut tree, &mut spans, &mut String::new(), &inputs.values, &mut replaced);
                if replaced.is_empty() {
                    continue;
                }
                let encoded = tenken_tree::encode(&tree);
                documents.push(CallDocument {
                    document: Document { tree, spans, ..document.clone() },
                    tree: encoded,
                    inputs: inputs.clone(),
                    replaced,
                });
            }
        }
        documents
    }
}

impl CallDocument {
    /// Says on `finding` which call it comes from, and the values it read.
    pub(crate) fn annotate(&self, finding: &mut Finding) {
        let pointer = &*finding.pointer;
        let related = |replaced: &str| {
            replaced == pointer
                || replaced.strip_prefix(pointer).is_some_and(|rest| rest.starts_with('/'))
                || pointer.strip_prefix(replaced).is_some_and(|rest| rest.starts_with('/'))
        };
        let mut note = format!("with the inputs of {}", self.inputs.call);
        // The values at or under the finding's node first, then those of
        // its ancestors; each variable once.
        let at_or_under = |replaced: &str| {
            replaced == pointer || replaced.strip_prefix(pointer).is_some_and(|rest| rest.starts_with('/'))
        };
        let mut ordered: Vec<&(String, String)> = self.replaced.iter().filter(|(at, _)| related(at)).collect();
        ordered.sort_by_key(|(at, _)| !at_or_under(at));
        let mut names: Vec<&str> = Vec::new();
        for (_, name) in ordered {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        for (position, name) in names.iter().take(3).enumerate() {
            let Some(input) = self.inputs.values.get(*name) else { continue };
            note.push_str(if position == 0 { ": " } else { ", " });
            let _ = write!(note, "var.{name} = {}", short_value(&input.value));
            if input.default {
                note.push_str(" (its default)");
            }
        }
        finding.note = Some(note.into_boxed_str());
    }
}

/// Adds to `findings` those of `from_calls` that say something new: a
/// finding the module's own document has, or that another call already
/// gave, is reported once.
pub(crate) fn merge_findings(findings: &mut Vec<Finding>, from_calls: Vec<Finding>) {
    let key = |finding: &Finding| {
        (finding.rule.id.clone(), finding.location.line, finding.location.column, finding.message.clone())
    };
    let mut seen: std::collections::HashSet<_> = findings.iter().map(key).collect();
    for finding in from_calls {
        if seen.insert(key(&finding)) {
            findings.push(finding);
        }
    }
}

/// What a Terraform file is to module following.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A `.tf` or `.tf.json` configuration file.
    Config,
    /// Variable values Terraform loads by itself: `terraform.tfvars` and
    /// `*.auto.tfvars` (or their `.json`).
    AutoVars,
}

fn terraform_file(file: &InputFile) -> Option<Role> {
    let name = file.path.file_name()?.to_str()?;
    if name.ends_with(".tf") || name.ends_with(".tf.json") {
        Some(Role::Config)
    } else if matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
    {
        Some(Role::AutoVars)
    } else {
        None
    }
}

/// What one file says about its module.
#[derive(Default)]
struct FileFacts {
    calls: Vec<Call>,
    /// Declared variables and their defaults.
    variables: BTreeMap<String, Option<Value>>,
    /// Values of a tfvars file, with the key that orders it among others.
    tfvars: Option<((bool, String), BTreeMap<String, Value>)>,
}

/// What one module directory holds, from all its files.
#[derive(Default)]
struct DirectoryFacts {
    calls: Vec<Call>,
    variables: BTreeMap<String, Option<Value>>,
    tfvars: BTreeMap<(bool, String), BTreeMap<String, Value>>,
}

/// One `module` block with a local source.
struct Call {
    name: String,
    /// The calling file, as displayed, and the block's line.
    caller: String,
    line: u32,
    /// The module's directory, normalised.
    target: PathBuf,
    inputs: BTreeMap<String, Value>,
}

fn read_facts(file: &InputFile, reader: Reader<'_>) -> Option<FileFacts> {
    let role = terraform_file(file)?;
    // Most Terraform files call no module and declare no variable: a look
    // at the text spares parsing them twice.
    let text = reader.text(file)?;
    if role == Role::Config && !(text.contains("module") || text.contains("variable")) {
        return None;
    }
    let format =
        if file.path.extension().is_some_and(|extension| extension == "json") { Format::Json } else { Format::Hcl };
    let parsed =
        tenken_formats::parse_file(&file.display, text.as_bytes(), format, reader.limits, &Default::default()).ok()?;
    let mut facts = FileFacts::default();
    for document in &parsed.documents {
        match role {
            Role::Config => {
                read_calls(file, &parsed, document, &mut facts.calls);
                read_variables(&document.tree, &mut facts.variables);
            }
            Role::AutoVars => {
                let values = document.tree.as_object().map(|object| {
                    object.iter().map(|(name, value)| (name.clone(), value.clone())).collect::<BTreeMap<_, _>>()
                });
                let name = file.path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
                let order = (name.contains(".auto."), name);
                facts.tfvars = values.map(|values| (order, values));
            }
        }
    }
    Some(facts)
}

/// The bodies of a top-level block type by label: one object per label in
/// `.tf` files, possibly a list of them in `.tf.json`.
fn labelled_bodies<'a>(tree: &'a Value, block: &str) -> Vec<(&'a str, &'a serde_json::Map<String, Value>, usize)> {
    let mut found = Vec::new();
    let sections: Vec<&Value> = match tree.get(block) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(section) => vec![section],
        None => Vec::new(),
    };
    for (section_index, section) in sections.into_iter().enumerate() {
        let Some(by_label) = section.as_object() else { continue };
        for (label, body) in by_label {
            match body {
                Value::Object(body) => found.push((label.as_str(), body, section_index)),
                Value::Array(bodies) => found.extend(
                    bodies.iter().filter_map(Value::as_object).map(|body| (label.as_str(), body, section_index)),
                ),
                _ => {}
            }
        }
    }
    found
}

fn read_calls(file: &InputFile, parsed: &ParsedFile, document: &Document, calls: &mut Vec<Call>) {
    let Some(dir) = file.path.parent() else { return };
    let sections_are_listed = document.tree.get("module").is_some_and(Value::is_array);
    for (name, body, section) in labelled_bodies(&document.tree, "module") {
        let Some(source) = body.get("source").and_then(Value::as_str) else { continue };
        if !(source.starts_with("./") || source.starts_with("../")) || source.contains("${") || creates_nothing(body) {
            continue;
        }
        let inputs = body
            .iter()
            .filter(|(key, _)| !META_ARGUMENTS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let pointer = if sections_are_listed {
            format!("/module/{section}/{}", escape_pointer_token(name))
        } else {
            format!("/module/{}", escape_pointer_token(name))
        };
        let span = tenken_formats::span::resolve_pointer(&document.tree, &document.spans, &pointer).span;
        let line = parsed.source.lines.line_column(&parsed.source.text, span.start).line;
        calls.push(Call {
            name: name.to_owned(),
            caller: file.display.clone(),
            line,
            target: normalise(&dir.join(source)),
            inputs,
        });
    }
}

/// Whether a call creates no instance of its module: a literal `count =
/// 0`, or a literal empty `for_each`.
fn creates_nothing(body: &serde_json::Map<String, Value>) -> bool {
    let no_count = body.get("count").is_some_and(|count| count.as_u64() == Some(0) || count.as_str() == Some("0"));
    let no_each = body.get("for_each").is_some_and(|each| match each {
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    });
    no_count || no_each
}

fn read_variables(tree: &Value, variables: &mut BTreeMap<String, Option<Value>>) {
    for (name, body, _) in labelled_bodies(tree, "variable") {
        variables.insert(name.to_owned(), body.get("default").cloned());
    }
}

/// One way a module directory is evaluated: by a call (with the values it
/// gives), or as a root module (with its tfvars and defaults).
#[derive(Clone)]
struct Context {
    /// Variable name → value, as far as known.
    values: BTreeMap<String, Input>,
    /// The call, for a called module; `None` for a root.
    call: Option<Arc<CallInputs>>,
}

struct Resolver<'a> {
    directories: &'a HashMap<PathBuf, DirectoryFacts>,
    callers: &'a HashMap<&'a Path, Vec<(&'a Path, &'a Call)>>,
    /// The evaluations of each module already worked out.
    known: RefCell<HashMap<PathBuf, Rc<Vec<Context>>>>,
    /// The modules being worked out, to end a cycle of calls.
    visiting: RefCell<HashSet<PathBuf>>,
}

impl Resolver<'_> {
    /// The ways `dir` is evaluated, at most [`MAX_CALLS_PER_MODULE`],
    /// worked out once. A module reached again through a cycle, or deeper
    /// than [`MAX_NESTING`], counts as a root there.
    fn contexts(&self, dir: &Path, depth: usize) -> Rc<Vec<Context>> {
        if let Some(known) = self.known.borrow().get(dir) {
            return Rc::clone(known);
        }
        let facts = &self.directories[dir];
        let calls = self.callers.get(dir).filter(|calls| !calls.is_empty() && depth < MAX_NESTING);
        let Some(calls) = calls.filter(|_| !self.visiting.borrow().contains(dir)) else {
            return Rc::new(vec![self.root(facts)]);
        };
        self.visiting.borrow_mut().insert(dir.to_path_buf());
        let contexts = Rc::new(self.called(facts, calls, depth));
        self.visiting.borrow_mut().remove(dir);
        self.known.borrow_mut().insert(dir.to_path_buf(), Rc::clone(&contexts));
        contexts
    }

    /// The evaluations the calls of a module give it.
    fn called(&self, facts: &DirectoryFacts, calls: &[(&Path, &Call)], depth: usize) -> Vec<Context> {
        let mut contexts: Vec<Context> = Vec::new();
        let mut attempts = 0;
        'calls: for (caller_dir, call) in calls {
            for caller in self.contexts(caller_dir, depth + 1).iter() {
                attempts += 1;
                if attempts > MAX_CALL_ATTEMPTS {
                    break 'calls;
                }
                let values = inputs_under(call, &caller.values, &facts.variables);
                if contexts.iter().any(|known| known.values == values) {
                    continue;
                }
                let mut described = format!("module \"{}\" ({}:{})", call.name, call.caller, call.line);
                if let Some(above) = &caller.call {
                    let _ = write!(described, ", called with the inputs of {}", above.call);
                }
                let inputs = Arc::new(CallInputs { call: described, values: values.clone() });
                contexts.push(Context { values, call: Some(inputs) });
                if contexts.len() == MAX_CALLS_PER_MODULE {
                    break 'calls;
                }
            }
        }
        contexts
    }

    /// A root module's values: its variables' defaults, overridden by the
    /// tfvars Terraform loads by itself.
    fn root(&self, facts: &DirectoryFacts) -> Context {
        let mut values: BTreeMap<String, Input> = facts
            .variables
            .iter()
            .filter_map(|(name, default)| Some((name.clone(), Input { value: default.clone()?, default: true })))
            .collect();
        for tfvars in facts.tfvars.values() {
            for (name, value) in tfvars {
                values.insert(name.clone(), Input { value: value.clone(), default: false });
            }
        }
        Context { values, call: None }
    }
}

/// The values `call` gives a module whose variables are `variables`, when
/// the caller's own variables are `caller`.
fn inputs_under(
    call: &Call,
    caller: &BTreeMap<String, Input>,
    variables: &BTreeMap<String, Option<Value>>,
) -> BTreeMap<String, Input> {
    let mut values = BTreeMap::new();
    for (name, default) in variables {
        if !call.inputs.contains_key(name)
            && let Some(default) = default
        {
            values.insert(name.clone(), Input { value: default.clone(), default: true });
        }
    }
    for (name, given) in &call.inputs {
        if let Some(value) = known_value(given, caller) {
            values.insert(name.clone(), Input { value, default: false });
        }
    }
    values
}

/// `value` with the caller's known variables put in, or `None` when the
/// value as a whole is an expression that cannot be known here. Inside a
/// list or object, an unknown part stays the expression it is.
fn known_value(value: &Value, caller: &BTreeMap<String, Input>) -> Option<Value> {
    match value {
        Value::String(text) => match whole_variable_reference(text) {
            Some(name) => caller.get(name).map(|input| input.value.clone()),
            None if text.contains("${") => None,
            None => Some(value.clone()),
        },
        Value::Array(items) => Some(Value::Array(
            items.iter().map(|item| known_value(item, caller).unwrap_or_else(|| item.clone())).collect(),
        )),
        Value::Object(members) => Some(Value::Object(
            members
                .iter()
                .map(|(key, item)| (key.clone(), known_value(item, caller).unwrap_or_else(|| item.clone())))
                .collect(),
        )),
        _ => Some(value.clone()),
    }
}

/// `NAME` of a string that is exactly the reference `${var.NAME}`, as the
/// HCL parser writes an expression.
fn whole_variable_reference(text: &str) -> Option<&str> {
    let name = text.strip_prefix("${")?.strip_suffix('}')?.trim().strip_prefix("var.")?;
    let identifier = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    identifier.then_some(name)
}

/// Replaces each whole reference to a variable of `values` in `tree` by its
/// value, giving the value's nodes the reference's span, and records the
/// pointer and variable of each replacement.
fn replace_references(
    tree: &mut Value,
    spans: &mut SpanNode,
    pointer: &mut String,
    values: &BTreeMap<String, Input>,
    replaced: &mut Vec<(String, String)>,
) {
    match tree {
        Value::String(text) => {
            let Some(name) = whole_variable_reference(text) else { return };
            let Some(input) = values.get(name) else { return };
            replaced.push((pointer.clone(), name.to_owned()));
            *spans = mirrored_spans(&input.value, spans.key, spans.value);
            *tree = input.value.clone();
        }
        Value::Array(items) => {
            for (index, (item, span)) in items.iter_mut().zip(spans.children.iter_mut()).enumerate() {
                let length = pointer.len();
                let _ = write!(pointer, "/{index}");
                replace_references(item, span, pointer, values, replaced);
                pointer.truncate(length);
            }
        }
        Value::Object(members) => {
            for ((key, item), span) in members.iter_mut().zip(spans.children.iter_mut()) {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(key));
                replace_references(item, span, pointer, values, replaced);
                pointer.truncate(length);
            }
        }
        _ => {}
    }
}

/// Spans for `value` put where a reference was: every node of it at the
/// reference, so that a finding anywhere inside lands on the reference.
fn mirrored_spans(value: &Value, key: Option<Span>, at: Span) -> SpanNode {
    let children = match value {
        Value::Array(items) => items.iter().map(|item| mirrored_spans(item, None, at)).collect(),
        Value::Object(members) => members.values().map(|item| mirrored_spans(item, Some(at), at)).collect(),
        _ => Vec::new(),
    };
    SpanNode { key, value: at, children }
}

fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A value as a note shows it: compact JSON, cut short.
fn short_value(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_NOTE_VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_NOTE_VALUE_CHARS).collect();
    format!("{cut}…")
}

/// `path` with `.` and `..` resolved lexically, as module sources are: a
/// module directory is the same whichever caller names it.
fn normalise(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let pops = matches!(normal.components().next_back(), Some(Component::Normal(_)));
                if pops {
                    normal.pop();
                } else {
                    normal.push("..");
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_whole_variable_reference_is_replaced() {
        assert_eq!(whole_variable_reference("${var.deletion_protection}"), Some("deletion_protection"));
        assert_eq!(whole_variable_reference("${ var.x }"), Some("x"));
        assert_eq!(whole_variable_reference("${var.a}-${var.b}"), None);
        assert_eq!(whole_variable_reference("${var.a.b}"), None);
        assert_eq!(whole_variable_reference("${local.a}"), None);
        assert_eq!(whole_variable_reference("var.a"), None);
    }

    #[test]
    fn paths_normalise_lexically() {
        assert_eq!(normalise(Path::new("./envs/prod/../../modules/db")), PathBuf::from("modules/db"));
        assert_eq!(normalise(Path::new("../modules/db")), PathBuf::from("../modules/db"));
        assert_eq!(normalise(Path::new("a/./b/..")), PathBuf::from("a"));
    }

    #[test]
    fn known_values_pass_through_callers_and_leave_expressions_unknown() {
        let caller: BTreeMap<String, Input> =
            [("protect".to_owned(), Input { value: json!(false), default: false })].into();
        assert_eq!(known_value(&json!("${var.protect}"), &caller), Some(json!(false)));
        assert_eq!(known_value(&json!("${var.unknown}"), &caller), None);
        assert_eq!(known_value(&json!("${var.env}-db"), &caller), None);
        assert_eq!(known_value(&json!("db"), &caller), Some(json!("db")));
        assert_eq!(
            known_value(&json!({"a": "${var.protect}", "b": "${aws_kms_key.k.arn}"}), &caller),
            Some(json!({"a": false, "b": "${aws_kms_key.k.arn}"}))
        );
    }

    #[test]
    fn replaced_values_take_the_span_of_the_reference() {
        let values: BTreeMap<String, Input> =
            [("tags".to_owned(), Input { value: json!({"team": "db"}), default: false })].into();
        let mut tree = json!({"tags": "${var.tags}", "name": "${var.name}"});
        let reference = Span::new(10, 18);
        let mut spans = SpanNode {
            key: None,
            value: Span::new(0, 40),
            children: vec![
                SpanNode { key: Some(Span::new(2, 6)), value: reference, children: vec![] },
                SpanNode { key: Some(Span::new(20, 24)), value: Span::new(27, 37), children: vec![] },
            ],
        };
        let mut replaced = Vec::new();
        replace_references(&mut tree, &mut spans, &mut String::new(), &values, &mut replaced);
        assert_eq!(tree, json!({"tags": {"team": "db"}, "name": "${var.name}"}));
        assert_eq!(replaced, [("/tags".to_owned(), "tags".to_owned())]);
        let team = &spans.children[0].children[0];
        assert_eq!((team.key, team.value), (Some(reference), reference));
        assert_eq!(spans.children[0].key, Some(Span::new(2, 6)), "the member keeps its key's span");
    }

    fn directory(calls: Vec<Call>, variables: &[(&str, Option<Value>)]) -> DirectoryFacts {
        DirectoryFacts {
            calls,
            variables: variables.iter().map(|(name, default)| ((*name).to_owned(), default.clone())).collect(),
            tfvars: BTreeMap::new(),
        }
    }

    fn call(name: &str, caller: &str, target: &str, inputs: Value) -> Call {
        Call {
            name: name.to_owned(),
            caller: caller.to_owned(),
            line: 1,
            target: PathBuf::from(target),
            inputs: inputs.as_object().unwrap().iter().map(|(key, value)| (key.clone(), value.clone())).collect(),
        }
    }

    #[test]
    fn nested_calls_carry_values_down_and_defaults_fill_the_rest() {
        let mut root = directory(
            vec![call("app", "main.tf", "modules/app", json!({"protect": "${var.protect}"}))],
            &[("protect", Some(json!(true)))],
        );
        root.tfvars.insert((false, "terraform.tfvars".to_owned()), [("protect".to_owned(), json!(false))].into());
        let app = directory(
            vec![call("db", "modules/app/main.tf", "modules/db", json!({"deletion_protection": "${var.protect}"}))],
            &[("protect", None)],
        );
        let db = directory(vec![], &[("deletion_protection", Some(json!(true))), ("multi_az", Some(json!(false)))]);
        let directories: HashMap<PathBuf, DirectoryFacts> =
            [(PathBuf::new(), root), (PathBuf::from("modules/app"), app), (PathBuf::from("modules/db"), db)].into();

        let calls = ModuleCalls::from_directories(&directories);

        let db = &calls.by_dir[Path::new("modules/db")];
        assert_eq!(db.len(), 1);
        assert_eq!(db[0].values["deletion_protection"], Input { value: json!(false), default: false }, "from tfvars");
        assert_eq!(db[0].values["multi_az"], Input { value: json!(false), default: true });
        assert_eq!(
            db[0].call,
            "module \"db\" (modules/app/main.tf:1), called with the inputs of module \"app\" (main.tf:1)"
        );
    }

    #[test]
    fn a_fan_out_of_calls_is_worked_out_once_and_bounded() {
        // Each level calls the module 40 times with new values: followed
        // naively, eight levels of this are 40^8 evaluations.
        let again = (0..40).map(|i| call(&format!("again{i}"), "m/main.tf", "m", json!({"x": i}))).collect();
        let looping = directory(again, &[("x", None)]);
        let from_root = (0..40).map(|i| call(&format!("m{i}"), "main.tf", "m", json!({"x": 100 + i}))).collect();
        let root = directory(from_root, &[]);
        let directories: HashMap<PathBuf, DirectoryFacts> =
            [(PathBuf::new(), root), (PathBuf::from("m"), looping)].into();

        let calls = ModuleCalls::from_directories(&directories);

        assert_eq!(calls.by_dir[Path::new("m")].len(), MAX_CALLS_PER_MODULE);
    }

    #[test]
    fn calls_that_create_nothing_are_not_followed() {
        let body = |value: Value| value.as_object().unwrap().clone();
        assert!(creates_nothing(&body(json!({"count": 0}))));
        assert!(creates_nothing(&body(json!({"for_each": {}}))));
        assert!(!creates_nothing(&body(json!({"count": "${var.enabled ? 1 : 0}"}))));
        assert!(!creates_nothing(&body(json!({"count": 1}))));
    }

    #[test]
    fn a_module_that_calls_itself_ends() {
        let looping =
            directory(vec![call("again", "m/main.tf", "m", json!({"x": "${var.x}"}))], &[("x", Some(json!(1)))]);
        let root = directory(vec![call("m", "main.tf", "m", json!({"x": 2}))], &[]);
        let directories: HashMap<PathBuf, DirectoryFacts> =
            [(PathBuf::new(), root), (PathBuf::from("m"), looping)].into();

        let calls = ModuleCalls::from_directories(&directories);

        assert!(calls.by_dir[Path::new("m")].len() <= MAX_CALLS_PER_MODULE);
    }
}
