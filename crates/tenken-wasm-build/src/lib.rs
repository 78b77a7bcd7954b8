//! Compiles a separate cargo workspace of guest crates to `wasm32-wasip2`
//! components from inside a build script.
//!
//! Both the bundled plugins (`plugins/`) and the host's hostile test guests
//! are built this way, so a fresh clone needs nothing beyond `cargo build`.
//! The nested cargo uses its own target directory, so it never waits on the
//! lock held by the outer build.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

/// The target every tenken plugin is built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// One component produced by [`build_workspace`].
#[derive(Debug, Clone)]
pub struct BuiltComponent {
    /// The cargo package name, e.g. `k8s-resource-limits`.
    pub package: String,
    /// Absolute path of the `.wasm` component.
    pub path: PathBuf,
    /// Lower-case hex sha256 of the component bytes.
    pub sha256: String,
}

/// Builds every `cdylib` in the cargo workspace at `workspace_dir` for
/// [`WASM_TARGET`] in release mode, into `target_dir`.
///
/// Emits `cargo:rerun-if-changed` for the workspace and for `extra_inputs`
/// (e.g. the WIT directory and the SDK the guests depend on). Returns the
/// components sorted by package name, or a message for the build script to
/// print before failing.
pub fn build_workspace(
    workspace_dir: &Path,
    target_dir: &Path,
    extra_inputs: &[&Path],
) -> Result<Vec<BuiltComponent>, String> {
    for input in std::iter::once(&workspace_dir).chain(extra_inputs) {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    ensure_target_installed()?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_dir)
        .args(["build", "--release", "--workspace", "--target", WASM_TARGET])
        .args(["--message-format", "json-render-diagnostics"])
        .arg("--target-dir")
        .arg(target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // The outer build's settings are meant for the host, not the guests:
    // wrappers such as clippy-driver, host RUSTFLAGS (the guests' flags are
    // set below), or a forced target.
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    // Profile overrides such as CARGO_PROFILE_RELEASE_DEBUG would change the
    // plugins' bytes, and so their sha256, with the host's build settings.
    // The plugins' profile is the one in their own workspace.
    for (var, _) in std::env::vars_os() {
        if var.to_str().is_some_and(|name| name.starts_with("CARGO_PROFILE_")) {
            command.env_remove(var);
        }
    }

    command.env("CARGO_ENCODED_RUSTFLAGS", remap_path_flags(workspace_dir, extra_inputs).join("\x1f"));

    let mut child =
        command.spawn().map_err(|err| format!("could not run cargo to build {}: {err}", workspace_dir.display()))?;
    let stdout = child.stdout.take().ok_or("cargo's stdout was not captured")?;
    let mut components = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|err| format!("reading cargo output: {err}"))?;
        if let Some(component) = component_from_message(&line) {
            components.push(component);
        }
    }
    let status = child.wait().map_err(|err| format!("waiting for cargo: {err}"))?;
    if !status.success() {
        return Err(format!(
            "building the wasm components in {} failed; see the cargo output above",
            workspace_dir.display()
        ));
    }

    let mut built = Vec::with_capacity(components.len());
    for (package, path) in components {
        let bytes = std::fs::read(&path).map_err(|err| format!("reading built component {}: {err}", path.display()))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        built.push(BuiltComponent { package, path, sha256 });
    }
    built.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(built)
}

/// `--remap-path-prefix` flags that replace the absolute paths rustc would
/// compile into the components (panic locations name source files) with
/// fixed ones: each input directory becomes `/<its name>` and the cargo
/// home `/cargo`. Without them a component's bytes, and so its sha256,
/// would depend on where the repository was checked out and on the user's
/// home directory.
fn remap_path_flags(workspace_dir: &Path, extra_inputs: &[&Path]) -> Vec<String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut flags: Vec<String> =
        cargo_home.iter().map(|home| format!("--remap-path-prefix={}=/cargo", home.display())).collect();
    for input in std::iter::once(&workspace_dir).chain(extra_inputs) {
        let name = input.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        flags.push(format!("--remap-path-prefix={}=/{name}", input.display()));
    }
    flags
}

/// Fails with a one-line fix when the wasm target's standard library is
/// missing, instead of letting rustc print pages of "can't find crate".
/// Makes sure the toolchain building the guests has [`WASM_TARGET`], before
/// anything long starts. rustup installs the target on its own from
/// `rust-toolchain.toml`, unless its automatic installation is off
/// (`RUSTUP_AUTO_INSTALL=0`, as on some CI images); then the target is
/// added here, with a line saying so. Without rustup, the error says what
/// to install.
fn ensure_target_installed() -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|err| format!("could not run rustc: {err}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let rustup = std::env::var_os("RUSTUP").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("rustup"));
    match ensure_target(&sysroot, &rustup)? {
        TargetState::Present => {}
        TargetState::Added => {
            println!("cargo:warning=installed the {WASM_TARGET} target with rustup, to build the bundled plugins")
        }
    }
    Ok(())
}

/// What [`ensure_target`] found or did.
#[derive(Debug, PartialEq, Eq)]
enum TargetState {
    Present,
    /// Missing, and added with `rustup target add`.
    Added,
}

/// Whether `sysroot` has [`WASM_TARGET`]'s standard library; if not, adds
/// it with `rustup` (for the toolchain in use: rustup passes it down in
/// `RUSTUP_TOOLCHAIN`, which the child inherits).
fn ensure_target(sysroot: &Path, rustup: &Path) -> Result<TargetState, String> {
    let target_lib = sysroot.join("lib/rustlib").join(WASM_TARGET);
    if target_lib.is_dir() {
        return Ok(TargetState::Present);
    }
    let no_rustup = || {
        format!(
            "the {WASM_TARGET} target is not installed for the Rust toolchain at {}, and rustup is not available to \
             add it; install the target for this toolchain (with rustup: `rustup target add {WASM_TARGET}`)",
            sysroot.display()
        )
    };
    let status = Command::new(rustup)
        .args(["target", "add", WASM_TARGET])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|_| no_rustup())?;
    if !status.success() {
        return Err(format!(
            "the {WASM_TARGET} target is not installed, and `rustup target add {WASM_TARGET}` failed ({status}); \
             run it yourself to see why"
        ));
    }
    if target_lib.is_dir() {
        Ok(TargetState::Added)
    } else {
        Err(format!(
            "`rustup target add {WASM_TARGET}` succeeded, but {} still has no {WASM_TARGET} library; is the build \
             using a toolchain rustup does not manage?",
            sysroot.display()
        ))
    }
}

/// Picks the `.wasm` output of a `cdylib` out of one line of cargo's JSON
/// messages.
fn component_from_message(line: &str) -> Option<(String, PathBuf)> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = message.get("target")?;
    let is_cdylib = target.get("kind")?.as_array()?.iter().any(|kind| kind.as_str() == Some("cdylib"));
    if !is_cdylib {
        return None;
    }
    let package = target.get("name")?.as_str()?.replace('_', "-");
    let wasm = message
        .get("filenames")?
        .as_array()?
        .iter()
        .filter_map(|name| name.as_str())
        .find(|name| name.ends_with(".wasm"))?;
    Some((package, PathBuf::from(wasm)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sysroot without the wasm target, and a stand-in for rustup that
    /// records its arguments and, if `installs`, creates the target's
    /// library as rustup would.
    #[cfg(unix)]
    fn fake_toolchain(installs: bool) -> (PathBuf, PathBuf, PathBuf) {
        use std::os::unix::fs::PermissionsExt as _;
        let root = std::env::temp_dir().join(format!("tenken-wasm-build-{}-{installs}", std::process::id()));
        let sysroot = root.join("sysroot");
        std::fs::create_dir_all(sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu")).unwrap();
        let log = root.join("rustup.log");
        let rustup = root.join("rustup");
        let install = if installs { format!("mkdir -p {}/lib/rustlib/$3", sysroot.display()) } else { String::new() };
        std::fs::write(&rustup, format!("#!/bin/sh\necho \"$@\" >> {}\n{install}\n", log.display())).unwrap();
        std::fs::set_permissions(&rustup, std::fs::Permissions::from_mode(0o755)).unwrap();
        (sysroot, rustup, log)
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_target_is_added_with_rustup() {
        let (sysroot, rustup, log) = fake_toolchain(true);
        assert_eq!(ensure_target(&sysroot, &rustup), Ok(TargetState::Added));
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "target add wasm32-wasip2\n");
        // Present now: rustup is not asked again.
        assert_eq!(ensure_target(&sysroot, &rustup), Ok(TargetState::Present));
        assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn without_rustup_the_error_says_what_to_install() {
        let (sysroot, _, _) = fake_toolchain(false);
        let error = ensure_target(&sysroot, Path::new("/nonexistent/rustup")).unwrap_err();
        assert!(error.contains("the wasm32-wasip2 target is not installed"), "{error}");
        assert!(error.contains("rustup is not available"), "{error}");
        let (sysroot, rustup, _) = fake_toolchain(false);
        let error = ensure_target(&sysroot, &rustup).unwrap_err();
        assert!(error.contains("still has no wasm32-wasip2 library"), "{error}");
    }

    #[test]
    fn picks_wasm_of_cdylib_artifacts_only() {
        let cdylib = r#"{"reason":"compiler-artifact","target":{"kind":["cdylib"],"name":"k8s_resource_limits"},"filenames":["/t/k8s_resource_limits.wasm"]}"#;
        let rlib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"serde"},"filenames":["/t/libserde.rlib"]}"#;
        let other = r#"{"reason":"build-finished","success":true}"#;
        assert_eq!(
            component_from_message(cdylib),
            Some(("k8s-resource-limits".to_owned(), PathBuf::from("/t/k8s_resource_limits.wasm")))
        );
        assert_eq!(component_from_message(rlib), None);
        assert_eq!(component_from_message(other), None);
        assert_eq!(component_from_message("not json"), None);
    }
}
