//! Builds the bundled plugins in `plugins/` for wasm32-wasip2 and embeds
//! them, with their sha256, in the tenken binary. A fresh clone therefore
//! needs only `cargo build`: a missing wasm target is added with rustup
//! (see `tenken_wasm_build`), or, without rustup, fails with what to do.
//!
//! Each plugin is also compiled to machine code here, for the baseline CPU
//! of the target architecture, and embedded with its info: no run of the
//! binary compiles a bundled plugin or needs a cache for it. The compile
//! uses the host crate itself, so the engine configuration is the one the
//! binary loads with; the build then loads each artifact as a run would,
//! and fails if one does not load.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-env-changed=TENKEN_PLUGIN_TARGET_DIR");
    let target_dir = std::env::var_os("TENKEN_PLUGIN_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("target/wasm-plugins"));
    let plugins = manifest_dir.join("plugins");
    let sdk = manifest_dir.join("crates/tenken-sdk");
    let tree = manifest_dir.join("crates/tenken-tree");
    let wit = manifest_dir.join("wit");

    let built = match tenken_wasm_build::build_workspace(&plugins, &target_dir, &[&sdk, &tree, &wit]) {
        Ok(built) => built,
        Err(message) => fail(&message),
    };

    let target = precompile_target();
    let mut code = String::from("/// The plugins built from `plugins/`, sorted by package name.\n");
    code.push_str("pub static BUNDLED_PLUGINS: &[BundledPlugin] = &[\n");
    for plugin in &built {
        let precompiled = match &target {
            Some(target) => precompile(&plugin.path, &plugin.package, target, &out_dir),
            None => "None".to_owned(),
        };
        let _ = writeln!(
            code,
            "    BundledPlugin {{ package: {:?}, sha256: {:?}, bytes: include_bytes!({:?}), precompiled: {precompiled} }},",
            plugin.package,
            plugin.sha256,
            plugin.path.display().to_string()
        );
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("bundled_plugins.rs"), code).expect("OUT_DIR is writable");
}

/// The target triple to precompile for, or `None` when the binary is built
/// for another architecture or operating system than this machine's: the
/// build could not load the artifacts to check them, so that binary
/// compiles bundled plugins on first use, into its cache.
fn precompile_target() -> Option<String> {
    println!("cargo:rerun-if-env-changed=TENKEN_NO_PRECOMPILE");
    if std::env::var_os("TENKEN_NO_PRECOMPILE").is_some() {
        println!("cargo:warning=TENKEN_NO_PRECOMPILE is set: bundled plugins are compiled on first use");
        return None;
    }
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").ok()?;
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").ok()?;
    // The build script runs on the build machine, so its own constants
    // describe that machine.
    if target_arch != std::env::consts::ARCH || target_os != std::env::consts::OS {
        println!(
            "cargo:warning=building for {target_arch}-{target_os} on {}-{}: bundled plugins are compiled on first use",
            std::env::consts::ARCH,
            std::env::consts::OS
        );
        return None;
    }
    std::env::var("TARGET").ok()
}

/// Compiles one plugin, writes the artifact and its info to `out_dir`, and
/// returns the Rust expression that embeds them.
fn precompile(wasm: &Path, package: &str, target: &str, out_dir: &Path) -> String {
    let bytes = std::fs::read(wasm).unwrap_or_else(|error| fail(&format!("cannot read {}: {error}", wasm.display())));
    let precompiled = tenken_host::precompile_portable(&bytes, target)
        .unwrap_or_else(|error| fail(&format!("plugin {package} could not be precompiled for {target}: {error}")));
    let artifact = out_dir.join(format!("{package}.cwasm"));
    let info = out_dir.join(format!("{package}.info.json"));
    std::fs::write(&artifact, &precompiled.artifact).expect("OUT_DIR is writable");
    std::fs::write(&info, precompiled.info.as_bytes()).expect("OUT_DIR is writable");
    format!(
        "Some(Precompiled {{ artifact: Cow::Borrowed(include_bytes!({:?})), info: Cow::Borrowed(include_str!({:?})) }})",
        artifact.display().to_string(),
        info.display().to_string()
    )
}

fn fail(message: &str) -> ! {
    // Exiting non-zero makes cargo show the nested build's output.
    eprintln!("error: {message}");
    std::process::exit(1);
}
