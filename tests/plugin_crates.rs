//! Runs the bundled plugins' own unit tests. The plugins live in a separate
//! cargo workspace (they are built for wasm32-wasip2), so the root
//! workspace's `cargo test` reaches them through this test.

use std::process::Command;

#[test]
fn bundled_plugins_pass_their_unit_tests() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/plugins/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--manifest-path", manifest])
        // Settings of the outer build are for the host, not these crates.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("cargo runs");
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "plugin unit tests failed:\n{report}");
    assert!(report.contains("test result: ok"), "no plugin tests ran:\n{report}");
}
