//! The sandbox, tested with real guest components built from
//! `crates/tenken-test-guests/guests`: each way a plugin can misbehave is
//! stopped and reported, and each capability it could reach for is denied.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use tenken_host::{
    CacheOutcome, DocumentInput, Host, HostConfig, LoadError, LoadedPlugin, PluginError, PluginSource, SandboxLimits,
};

fn source(path: &str) -> PluginSource {
    PluginSource {
        origin: path.to_owned(),
        bytes: Cow::Owned(std::fs::read(path).unwrap()),
        sha256: None,
        precompiled: None,
    }
}

/// A cache shared by the tests of this file, so the guest is compiled once
/// rather than once per test process.
fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sandbox-test-cache")
}

fn host(limits: SandboxLimits) -> Host {
    Host::new(HostConfig { cache_dir: Some(shared_cache()), limits }).unwrap()
}

fn hostile(host: &Host, mode: &str) -> LoadedPlugin {
    let mut plugin = host.load(&source(tenken_test_guests::HOSTILE)).unwrap();
    plugin.configure(&json!({ "mode": mode })).unwrap();
    plugin
}

const TREE: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}"#;

/// `TREE` as the host hands it over: a compact tree. The hostile guest asks
/// for JSON text, which the host writes back from these bytes.
static COMPACT: std::sync::LazyLock<Vec<u8>> =
    std::sync::LazyLock::new(|| tenken_tree::encode(&serde_json::from_str(TREE).unwrap()));

fn document() -> DocumentInput<'static> {
    DocumentInput { path: "k8s/pod.yaml", kind: "kubernetes", format: "yaml", index: 0, tree: &COMPACT }
}

/// Runs `mode` and returns the single observation the guest reports.
fn observe(mode: &str) -> String {
    let host = host(SandboxLimits::default());
    let output = hostile(&host, mode).check(&[document()]).unwrap();
    assert_eq!(output.findings.len(), 1, "{mode}: {:?}", output.findings);
    output.findings[0].message.clone()
}

fn failure(mode: &str, limits: SandboxLimits) -> PluginError {
    let host = host(limits);
    hostile(&host, mode).check(&[document()]).unwrap_err()
}

#[test]
fn documents_reach_the_plugin_intact() {
    assert_eq!(observe("echo"), format!("k8s/pod.yaml #0 is kubernetes with tree {TREE}"));
}

#[test]
fn second_load_hits_the_compile_cache() {
    let cache = tempfile::tempdir().unwrap();
    let config = || HostConfig { cache_dir: Some(cache.path().to_owned()), limits: SandboxLimits::default() };
    let first = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    assert_eq!(first.cache, CacheOutcome::Compiled);
    let second = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    assert_eq!(second.cache, CacheOutcome::Hit);
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(second.info.id, "hostile");
}

#[test]
fn a_damaged_cached_artifact_is_compiled_again_not_run() {
    let cache = tempfile::tempdir().unwrap();
    let config = || HostConfig { cache_dir: Some(cache.path().to_owned()), limits: SandboxLimits::default() };
    Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    // Flip bytes in the middle of the compiled code, as a bad disk would.
    let artifact = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|extension| extension == "cwasm"))
        .unwrap();
    let mut bytes = std::fs::read(&artifact).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 64] {
        *byte = !*byte;
    }
    std::fs::write(&artifact, bytes).unwrap();

    // The info is still cached, so the artifact is read at the first call.
    let plugin = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    plugin.check(&[document()]).expect("the plugin runs from a fresh compile");
    let notes = plugin.cache_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("is damaged (its checksum does not match); replaced"), "{notes:?}");
    assert!(
        std::fs::read_dir(cache.path()).unwrap().all(|entry| !entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file is left behind"
    );
}

#[test]
fn a_plugin_described_from_the_cache_is_linked_only_when_first_called() {
    let cache = tempfile::tempdir().unwrap();
    let config = || HostConfig { cache_dir: Some(cache.path().to_owned()), limits: SandboxLimits::default() };
    let first = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    assert!(first.is_linked(), "a first load links to ask the plugin for its info");

    let host = Host::new(config()).unwrap();
    let mut second = host.load(&source(tenken_test_guests::HOSTILE)).unwrap();
    assert!(!second.is_linked());
    assert_eq!(second.info.rules.len(), first.info.rules.len());
    assert_eq!(second.info.settings_schema, first.info.settings_schema);
    second.configure(&json!({ "mode": "echo" })).unwrap();
    assert!(second.is_linked());
    assert_eq!(second.check(&[document()]).unwrap().findings.len(), 1);
}

#[test]
fn cached_info_without_its_artifact_compiles_on_first_call() {
    let cache = tempfile::tempdir().unwrap();
    let config = || HostConfig { cache_dir: Some(cache.path().to_owned()), limits: SandboxLimits::default() };
    Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "cwasm") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let mut plugin = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    plugin.configure(&json!({ "mode": "echo" })).unwrap();
    assert_eq!(plugin.check(&[document()]).unwrap().findings.len(), 1);
}

#[test]
fn unreadable_cached_info_is_a_miss() {
    let cache = tempfile::tempdir().unwrap();
    let config = || HostConfig { cache_dir: Some(cache.path().to_owned()), limits: SandboxLimits::default() };
    Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    let mut corrupted = 0;
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".info.json") {
            std::fs::write(path, b"{\"id\": \"truncated").unwrap();
            corrupted += 1;
        }
    }
    assert_eq!(corrupted, 1);
    let plugin = Host::new(config()).unwrap().load(&source(tenken_test_guests::HOSTILE)).unwrap();
    assert!(plugin.is_linked(), "the plugin was asked for its info again");
    assert_eq!(plugin.info.id, "hostile");
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline_and_the_plugin_stays_usable() {
    let limits = SandboxLimits { deadline: Duration::from_millis(100), ..SandboxLimits::default() };
    let host = host(limits);
    let mut plugin = hostile(&host, "loop");
    let error = plugin.check(&[document()]).unwrap_err();
    assert_eq!(error, PluginError::Deadline { limit: Duration::from_millis(100) });
    assert_eq!(error.to_string(), "stopped after exceeding its 100-ms deadline");

    // Every call gets a fresh instance, so a trap poisons nothing.
    plugin.configure(&json!({ "mode": "echo" })).unwrap();
    assert_eq!(plugin.check(&[document()]).unwrap().findings.len(), 1);
}

#[test]
fn a_memory_bomb_is_stopped_at_the_cap() {
    let limits = SandboxLimits { memory_bytes: 32 * 1024 * 1024, ..SandboxLimits::default() };
    let error = failure("memory-bomb", limits);
    assert_eq!(error, PluginError::MemoryLimit { limit_bytes: 32 * 1024 * 1024 });
    assert_eq!(error.to_string(), "stopped after exceeding its 32 MiB memory limit");
}

#[test]
fn a_panic_becomes_a_trap_carrying_the_panic_message() {
    let PluginError::Trap { message, stderr } = failure("panic", SandboxLimits::default()) else {
        panic!("expected a trap");
    };
    assert!(message.contains("unreachable"), "{message}");
    assert!(stderr.contains("deliberate panic inside the plugin"), "{stderr}");
}

#[test]
fn files_cannot_be_read() {
    let observed = observe("read-file");
    assert!(!observed.contains("READ"), "{observed}");
    assert_eq!(observed.matches("denied").count(), 4, "{observed}");
}

#[test]
fn files_cannot_be_written() {
    assert_eq!(observe("write-file"), "write: denied");
    assert!(!std::path::Path::new("/tmp/tenken-escape").exists());
}

#[test]
fn environment_and_arguments_are_empty() {
    assert_eq!(observe("env"), "0 environment variables []; 0 arguments");
}

#[test]
fn the_clock_is_frozen_at_the_epoch() {
    assert_eq!(observe("clock"), "wall clock reads 0 s since the epoch");
}

#[test]
fn network_and_name_lookup_are_denied() {
    assert_eq!(observe("network"), "tcp: denied; dns: denied");
}

#[test]
fn output_is_captured_not_inherited() {
    let host = host(SandboxLimits::default());
    let output = hostile(&host, "print").check(&[document()]).unwrap();
    assert_eq!(output.stdout, "hello on stdout\n");
    assert_eq!(output.stderr, "hello on stderr\n");
}

#[test]
fn flooding_stdout_is_bounded() {
    let limits = SandboxLimits { output_bytes: 4096, ..SandboxLimits::default() };
    assert!(matches!(failure("flood-output", limits), PluginError::Trap { .. }));
}

#[test]
fn malformed_findings_are_plugin_errors() {
    let malformed = |mode| match failure(mode, SandboxLimits::default()) {
        PluginError::Malformed(reason) => reason,
        other => panic!("{mode}: expected a malformed finding, got {other:?}"),
    };
    assert_eq!(malformed("unknown-rule"), "finding names unknown rule `no-such-rule`");
    assert_eq!(
        malformed("bad-pointer"),
        "finding for rule `observed` has pointer `spec/containers`, which is not an RFC 6901 JSON pointer"
    );
    assert_eq!(malformed("bad-document"), "finding for rule `observed` names document 7, but the call had 1");
}

#[test]
fn a_plugin_error_result_is_reported() {
    assert_eq!(
        failure("error", SandboxLimits::default()),
        PluginError::Rejected("the plugin gave up on this document".to_owned())
    );
}

#[test]
fn rejected_settings_keep_the_previous_ones() {
    let host = host(SandboxLimits::default());
    let mut plugin = hostile(&host, "env");
    let error = plugin.configure(&json!({ "mode": "reject-settings" })).unwrap_err();
    assert_eq!(error, PluginError::Rejected("mode `reject-settings` is never valid".to_owned()));
    assert!(plugin.check(&[document()]).is_ok());
}

#[test]
fn an_incompatible_contract_is_refused_with_both_versions() {
    let error = host(SandboxLimits::default()).load(&source(tenken_test_guests::WRONG_CONTRACT)).unwrap_err();
    assert!(matches!(&error, LoadError::IncompatibleContract { found, .. } if found == "9.0.0"), "{error:?}");
    assert_eq!(
        error.to_string(),
        "built for plugin contract 9.0.0, but this tenken speaks 0.3.0; rebuild the plugin against a compatible tenken-sdk"
    );
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let garbage = PluginSource {
        origin: "garbage".into(),
        bytes: Cow::Borrowed(b"\0asm garbage"),
        sha256: None,
        precompiled: None,
    };
    let error = host(SandboxLimits::default()).load(&garbage).unwrap_err();
    assert!(matches!(error, LoadError::Compile(_)), "{error:?}");
}
