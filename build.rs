//! Builds the bundled plugins in `plugins/` for wasm32-wasip2 and embeds
//! them, with their sha256, in the tenken binary. A fresh clone therefore
//! needs only `cargo build`: a missing wasm target is added with rustup
//! (see `tenken_wasm_build`), or, without rustup, fails with what to do.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-env-changed=TENKEN_PLUGIN_TARGET_DIR");
    let target_dir = std::env::var_os("TENKEN_PLUGIN_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("target/wasm-plugins"));
    let plugins = manifest_dir.join("plugins");
    let sdk = manifest_dir.join("crates/tenken-sdk");
    let wit = manifest_dir.join("wit");

    let built = match tenken_wasm_build::build_workspace(&plugins, &target_dir, &[&sdk, &wit]) {
        Ok(built) => built,
        Err(message) => {
            // Exiting non-zero makes cargo show the nested build's output.
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    };

    let mut code = String::from("/// The plugins built from `plugins/`, sorted by package name.\n");
    code.push_str("pub static BUNDLED_PLUGINS: &[BundledPlugin] = &[\n");
    for plugin in &built {
        let _ = writeln!(
            code,
            "    BundledPlugin {{ package: {:?}, sha256: {:?}, bytes: include_bytes!({:?}) }},",
            plugin.package,
            plugin.sha256,
            plugin.path.display().to_string()
        );
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("bundled_plugins.rs"), code).expect("OUT_DIR is writable");
}
