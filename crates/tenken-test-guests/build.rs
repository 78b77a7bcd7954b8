//! Builds the guest components in ./guests and exports their paths as
//! constants, so host tests load real components built from source.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let guests = manifest_dir.join("guests");
    let sdk = manifest_dir.join("../tenken-sdk");
    let tree = manifest_dir.join("../tenken-tree");
    let wit = manifest_dir.join("../../wit");
    let target_dir = manifest_dir.join("../../target/wasm-test-guests");
    let built = match tenken_wasm_build::build_workspace(&guests, &target_dir, &[&sdk, &tree, &wit]) {
        Ok(built) => built,
        Err(message) => {
            // Exiting non-zero makes cargo show the nested build's output.
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    };
    let mut constants = String::new();
    for component in built {
        let name = component.package.to_uppercase().replace('-', "_");
        constants.push_str(&format!(
            "/// Path of the `{}` guest component.\npub const {name}: &str = {:?};\n",
            component.package,
            component.path.display().to_string()
        ));
    }
    std::fs::write(out_dir.join("guests.rs"), constants).expect("OUT_DIR is writable");
}
