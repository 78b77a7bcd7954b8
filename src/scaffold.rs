//! `tenken plugin new <name>`: a standalone Rust plugin project that builds
//! with one command and passes `tenken plugin test` out of the box.
//!
//! The project carries its own copy of the SDK and of the contract (the
//! SDK is not published to a registry), so it builds anywhere with only
//! public crates, and keeps building against the contract version it was
//! created with until its author updates the copy.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::cli::{Language, PluginNewArgs};

/// The SDK's source files, as this tenken was built with them.
const SDK_FILES: &[(&str, &str)] = &[
    ("src/lib.rs", include_str!("../crates/tenken-sdk/src/lib.rs")),
    ("src/pointer.rs", include_str!("../crates/tenken-sdk/src/pointer.rs")),
    ("src/ports.rs", include_str!("../crates/tenken-sdk/src/ports.rs")),
    ("src/kubernetes.rs", include_str!("../crates/tenken-sdk/src/kubernetes.rs")),
    ("src/kustomize.rs", include_str!("../crates/tenken-sdk/src/kustomize.rs")),
    ("src/prometheus.rs", include_str!("../crates/tenken-sdk/src/prometheus.rs")),
    ("src/removed_api.rs", include_str!("../crates/tenken-sdk/src/removed_api.rs")),
    ("src/cloudformation.rs", include_str!("../crates/tenken-sdk/src/cloudformation.rs")),
    ("src/compose.rs", include_str!("../crates/tenken-sdk/src/compose.rs")),
    ("src/dockerfile.rs", include_str!("../crates/tenken-sdk/src/dockerfile.rs")),
    ("src/github.rs", include_str!("../crates/tenken-sdk/src/github.rs")),
    ("src/gitlab.rs", include_str!("../crates/tenken-sdk/src/gitlab.rs")),
    ("src/helm.rs", include_str!("../crates/tenken-sdk/src/helm.rs")),
    ("src/iam.rs", include_str!("../crates/tenken-sdk/src/iam.rs")),
    ("src/image.rs", include_str!("../crates/tenken-sdk/src/image.rs")),
    ("src/secrets.rs", include_str!("../crates/tenken-sdk/src/secrets.rs")),
    ("src/terraform.rs", include_str!("../crates/tenken-sdk/src/terraform.rs")),
    ("src/walk.rs", include_str!("../crates/tenken-sdk/src/walk.rs")),
];

/// The compact tree crate the SDK reads documents with, copied beside it.
const TREE_FILES: &[(&str, &str)] = &[
    ("src/lib.rs", include_str!("../crates/tenken-tree/src/lib.rs")),
    ("src/de.rs", include_str!("../crates/tenken-tree/src/de.rs")),
    ("src/encode.rs", include_str!("../crates/tenken-tree/src/encode.rs")),
    ("src/node.rs", include_str!("../crates/tenken-tree/src/node.rs")),
    ("src/ser.rs", include_str!("../crates/tenken-tree/src/ser.rs")),
];

const CONTRACT: &str = include_str!("../wit/tenken-plugin.wit");

/// Writes the project and returns its directory.
pub(crate) fn run(args: &PluginNewArgs) -> anyhow::Result<u8> {
    let (project, build) = match args.lang {
        Language::Rust => (create(&args.name, &args.dir)?, "cargo build --release --target wasm32-wasip2"),
        Language::Python => (
            create_python(&args.name, &args.dir)?,
            "componentize-py -d wit -w plugin componentize --stub-wasi app -o dist/plugin.wasm",
        ),
        Language::Js => (create_js(&args.name, &args.dir)?, "npm ci && npm run build"),
    };
    crate::output::print(&format!(
        "created {project}\nbuild:  cd {project} && {build}\ntest:   tenken plugin test {project}\n",
        project = project.display()
    ))?;
    Ok(0)
}

/// The example plugins in other languages, which CI builds and tests; new
/// projects start as copies of them under the new name.
const PYTHON_APP: &str = include_str!("../examples/plugins/python-owner-label/app.py");
const JS_APP: &str = include_str!("../examples/plugins/js-owner-label/app.js");
const JS_PACKAGE: &str = include_str!("../examples/plugins/js-owner-label/package.json");
const JS_LOCK: &str = include_str!("../examples/plugins/js-owner-label/package-lock.json");
const JS_NPMRC: &str = include_str!("../examples/plugins/js-owner-label/.npmrc");

/// Writes `files` under a new directory `parent/name`.
fn write_project(name: &str, parent: &Path, files: Vec<(PathBuf, String)>) -> anyhow::Result<PathBuf> {
    if !valid_name(name) {
        bail!("`{name}` is not a valid plugin name: use kebab-case, e.g. `owner-label`");
    }
    let project = parent.join(name);
    if project.exists() {
        bail!("{} already exists", project.display());
    }
    for (path, text) in files {
        let target = project.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(project)
}

fn create_python(name: &str, parent: &Path) -> anyhow::Result<PathBuf> {
    let readme = format!(
        "# {name}\n\nA tenken policy plugin in Python. `app.py` is the practice; `tests/fixtures/` holds\n\
         annotated configs it must (and must not) flag; `wit/` is the plugin contract.\n\n\
         ```sh\n\
         python3 -m venv .venv && .venv/bin/pip install componentize-py==0.25.1\n\
         .venv/bin/componentize-py -d wit -w plugin componentize --stub-wasi app -o dist/plugin.wasm\n\
         tenken plugin test .\n\
         ```\n"
    );
    write_project(
        name,
        parent,
        vec![
            (PathBuf::from("app.py"), PYTHON_APP.replace("python-owner-label", name)),
            (PathBuf::from("tests/fixtures/deployments.yaml"), FIXTURE.to_owned()),
            (PathBuf::from("wit/tenken-plugin.wit"), CONTRACT.to_owned()),
            (PathBuf::from("README.md"), readme),
            (PathBuf::from(".gitignore"), "/dist/\n/.venv/\n__pycache__/\n".to_owned()),
        ],
    )
}

fn create_js(name: &str, parent: &Path) -> anyhow::Result<PathBuf> {
    let package = JS_PACKAGE
        .replace("js-owner-label", name)
        .replace("--wit ../../../wit", "--wit wit")
        .replace("dist/js_owner_label.wasm", "dist/plugin.wasm");
    let readme = format!(
        "# {name}\n\nA tenken policy plugin in JavaScript. `app.js` is the practice; `tests/fixtures/` holds\n\
         annotated configs it must (and must not) flag; `wit/` is the plugin contract.\n\n\
         ```sh\n\
         npm ci\n\
         npm run build          # dist/plugin.wasm\n\
         tenken plugin test .\n\
         ```\n"
    );
    write_project(
        name,
        parent,
        vec![
            (PathBuf::from("app.js"), JS_APP.replace("js-owner-label", name)),
            (PathBuf::from("package.json"), package),
            (PathBuf::from("package-lock.json"), JS_LOCK.replace("js-owner-label", name)),
            (PathBuf::from(".npmrc"), JS_NPMRC.to_owned()),
            (PathBuf::from("tests/fixtures/deployments.yaml"), FIXTURE.to_owned()),
            (PathBuf::from("wit/tenken-plugin.wit"), CONTRACT.to_owned()),
            (PathBuf::from("README.md"), readme),
            (PathBuf::from(".gitignore"), "/dist/\n/node_modules/\n".to_owned()),
        ],
    )
}

/// Whether `name` can be a plugin id and a crate name: kebab-case ASCII.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

pub(crate) fn create(name: &str, parent: &Path) -> anyhow::Result<PathBuf> {
    let sdk_lib = SDK_FILES[0].1.replace("path: \"../../wit\"", "path: \"wit\"");
    let mut files: Vec<(PathBuf, String)> = vec![
        (PathBuf::from("Cargo.toml"), cargo_toml(name)),
        (PathBuf::from("src/lib.rs"), plugin_source(name)),
        (PathBuf::from("tests/fixtures/deployments.yaml"), FIXTURE.to_owned()),
        (PathBuf::from("README.md"), readme(name)),
        (PathBuf::from(".gitignore"), "/target\n".to_owned()),
        (PathBuf::from("tenken-sdk/Cargo.toml"), SDK_MANIFEST.to_owned()),
        (PathBuf::from("tenken-sdk/wit/tenken-plugin.wit"), CONTRACT.to_owned()),
        (PathBuf::from("tenken-sdk/src/lib.rs"), sdk_lib),
    ];
    files.extend(SDK_FILES[1..].iter().map(|(path, text)| (Path::new("tenken-sdk").join(path), (*text).to_owned())));
    files.push((PathBuf::from("tenken-tree/Cargo.toml"), TREE_MANIFEST.to_owned()));
    files.extend(TREE_FILES.iter().map(|(path, text)| (Path::new("tenken-tree").join(path), (*text).to_owned())));
    write_project(name, parent, files)
}

fn cargo_toml(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A standalone project, not a member of any enclosing workspace.
[workspace]

[lib]
# cdylib: the WebAssembly component; rlib: native unit tests.
crate-type = ["cdylib", "rlib"]

[dependencies]
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tenken-sdk = {{ path = "tenken-sdk" }}

[profile.release]
lto = true
strip = true
codegen-units = 1
"#
    )
}

const SDK_MANIFEST: &str = r#"[package]
name = "tenken-sdk"
description = "Guest-side SDK for tenken policy plugins (a copy, made by tenken plugin new)."
version = "0.3.0"
edition = "2024"
publish = false

[dependencies]
schemars = { version = "1.2.3", default-features = false, features = ["derive", "std"] }
serde = { version = "1", features = ["derive"] }
serde_json = { version = "1", features = ["preserve_order"] }
tenken-tree = { path = "../tenken-tree" }
wit-bindgen = { version = "0.63.0", default-features = false, features = ["macros", "realloc", "std"] }
"#;

const TREE_MANIFEST: &str = r#"[package]
name = "tenken-tree"
description = "The compact tree tenken hands documents to plugins in (a copy, made by tenken plugin new)."
version = "0.3.0"
edition = "2024"
publish = false

[dependencies]
serde = "1"
serde_json = { version = "1", features = ["preserve_order"] }
"#;

fn plugin_source(name: &str) -> String {
    PLUGIN_TEMPLATE.replace("{{name}}", name).replace("{{type}}", &type_name(name))
}

/// `owner-label` → `OwnerLabel`.
fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

const PLUGIN_TEMPLATE: &str = r#"//! # {{name}}
//!
//! Every Deployment carries an `owner` label (a starting point: replace it
//! with your practice).
//!
//! ## Why it matters
//! An alert on a workload nobody owns pages nobody. The owner label routes
//! alerts, cost reports and security findings to the team that can act.

use tenken_sdk::kubernetes::objects;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct {{type}};

impl Policy for {{type}} {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        // The id and version come from Cargo.toml; the settings schema from
        // the Settings type.
        tenken_sdk::plugin_info!(
            "Deployments name their owning team",
            "Every Deployment has an `owner` label, so alerts and incidents reach a team.",
        )
        .kinds(["kubernetes"])
        .rules(vec![
            Rule::new("missing-owner", Category::Reliability, Severity::Low, "Label Deployments with their owner")
                .rationale("An alert on a workload nobody owns pages nobody.")
                .fix("Add `metadata.labels.owner: <team>` to the Deployment."),
        ])
    }

    // `document.tree` is a `tenken_sdk::Node`: the document read where the
    // host put it, with `get`, `pointer`, `as_str`, `as_array` and
    // `as_object` as on a `serde_json::Value`.
    fn check(document: &Document<'_>, _settings: &NoSettings, findings: &mut Findings) {
        for object in objects(document.tree).into_iter().filter(|object| object.kind == "Deployment") {
            if !object.labels(&["metadata", "labels"]).iter().any(|(key, _)| *key == "owner") {
                // Point at where the label belongs; tenken shows the nearest
                // node that exists (`labels`, or else `metadata`).
                let (_, pointer) = object.get(&["metadata", "labels", "owner"]);
                findings.report("missing-owner", &pointer, format!("{} has no owner label", object.describe()));
            }
        }
    }
}

tenken_sdk::export_policy!({{type}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_a_deployment_without_owner() {
        let tree = serde_json::json!({"kind": "Deployment", "metadata": {"name": "web", "labels": {}}});
        let found = tenken_sdk::check_tree::<{{type}}>("kubernetes", tree);
        assert_eq!(found[0].1, "/metadata/labels/owner");
    }
}
"#;

const FIXTURE: &str = r#"# Fixture cases for `tenken plugin test`: `# expect: <rule>` above the
# line that must be flagged, `# ok: <rule>` where it must not fire.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:  # ok: missing-owner
    owner: storefront
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  # expect: missing-owner
  labels:
    app: api
"#;

fn readme(name: &str) -> String {
    format!(
        "# {name}\n\n\
         A tenken policy plugin. `src/lib.rs` is the practice; `tests/fixtures/` holds annotated\n\
         configs it must (and must not) flag.\n\n\
         ```sh\n\
         rustup target add wasm32-wasip2                  # once\n\
         cargo test                                       # unit tests, natively\n\
         cargo build --release --target wasm32-wasip2     # the component\n\
         tenken plugin test .                             # fixtures, in tenken's sandbox\n\
         tenken check path/to/configs --plugin target/wasm32-wasip2/release/{crate_name}.wasm\n\
         ```\n\n\
         `tenken-sdk/` is a copy of the SDK and of the plugin contract that this project was\n\
         created with. `tenken plugin inspect <file>` shows the documents a plugin receives.\n",
        crate_name = name.replace('-', "_")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source files under `crate_dir/src` on disk, against `copied`.
    fn assert_every_source_file_is_copied(crate_dir: &str, copied: &[(&str, &str)]) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_dir).join("src");
        let mut on_disk: Vec<String> = std::fs::read_dir(src)
            .map(|entries| {
                entries.filter_map(|entry| Some(format!("src/{}", entry.ok()?.file_name().to_str()?))).collect()
            })
            .unwrap_or_default();
        on_disk.sort();
        let mut copied: Vec<String> = copied.iter().map(|(path, _)| (*path).to_owned()).collect();
        copied.sort();
        assert_eq!(copied, on_disk, "{crate_dir}");
    }

    #[test]
    fn every_sdk_and_tree_source_file_is_copied() {
        assert_every_source_file_is_copied("crates/tenken-sdk", SDK_FILES);
        assert_every_source_file_is_copied("crates/tenken-tree", TREE_FILES);
    }

    #[test]
    fn names_are_kebab_case() {
        assert!(valid_name("owner-label") && valid_name("a1"));
        for bad in ["Owner", "owner_label", "-x", "x-", "a--b", ""] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(type_name("owner-label"), "OwnerLabel");
    }
}
