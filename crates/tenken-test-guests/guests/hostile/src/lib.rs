//! A plugin that does, on request, everything a plugin must not be able to
//! do or must not be allowed to get away with. The `mode` setting picks the
//! behaviour; observations are reported as the message of one finding so
//! the host test can assert on them.
//!
//! It implements the raw contract rather than the SDK's `Policy`, so that it
//! can also return findings the SDK would never let a plugin build.

use std::hint::black_box;
use std::io::Read;

use serde::Deserialize;
use tenken_sdk::bindings::exports::tenken::plugin::policy::Guest;
use tenken_sdk::bindings::tenken::plugin::types::{Document, Finding, TreeEncoding};
use tenken_sdk::{Category, PluginInfo, Rule, Scope, Severity};

struct Hostile;

#[derive(Default, Deserialize)]
struct Settings {
    #[serde(default)]
    mode: String,
    /// What mode `say` reports, verbatim.
    #[serde(default)]
    message: String,
}

fn finding(message: String) -> Finding {
    Finding { rule: "observed".to_owned(), message, document: 0, pointer: String::new() }
}

fn settings(text: &str) -> Result<Settings, String> {
    let settings: Settings = serde_json::from_str(text).map_err(|err| err.to_string())?;
    if settings.mode == "reject-settings" {
        return Err("mode `reject-settings` is never valid".to_owned());
    }
    Ok(settings)
}

impl Guest for Hostile {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "hostile".to_owned(),
            version: "0.1.0".to_owned(),
            title: "Misbehaves on request".to_owned(),
            summary: "Test guest for the sandbox.".to_owned(),
            kinds: vec!["kubernetes".to_owned(), "yaml".to_owned()],
            scope: Scope::File,
            rules: vec![Rule {
                id: "observed".to_owned(),
                title: "What the guest observed".to_owned(),
                default_severity: Severity::Info,
                category: Category::Security,
                rationale: "Test only.".to_owned(),
                fix: "Test only.".to_owned(),
                references: vec![],
                sensitive: false,
            }],
            settings_schema: None,
            // JSON text, as plugins in other languages ask for it, so the
            // host's JSON path is what the sandbox tests exercise.
            tree_encoding: TreeEncoding::Json,
        }
    }

    fn configure(text: String) -> Result<(), String> {
        settings(&text).map(|_| ())
    }

    fn check(settings: String, documents: Vec<Document>) -> Result<Vec<Finding>, String> {
        let settings = self::settings(&settings)?;
        // One finding per document, as a well-behaved plugin reports: a call
        // may carry the documents of several files.
        let text = |document: &Document| String::from_utf8_lossy(&document.tree).into_owned();
        let per_document = |message: &dyn Fn(&Document) -> String| {
            let findings = documents.iter().enumerate();
            findings.map(|(index, document)| Finding { document: index as u32, ..finding(message(document)) }).collect()
        };
        match settings.mode.as_str() {
            "say" => return Ok(per_document(&|_| settings.message.clone())),
            "echo" => {
                return Ok(per_document(&|document| {
                    format!("{} #{} is {} with tree {}", document.path, document.index, document.kind, text(document))
                }));
            }
            // Crashes when any document contains `message`, else says
            // "checked" for each: a plugin that fails on one file only.
            "panic-on-message" => {
                if documents.iter().any(|document| text(document).contains(&settings.message)) {
                    panic!("deliberate panic on a document containing the message");
                }
                return Ok(per_document(&|_| "checked".to_owned()));
            }
            _ => {}
        }
        let observed = match settings.mode.as_str() {
            "loop" => {
                let mut counter: u64 = 0;
                loop {
                    counter = black_box(counter.wrapping_add(1));
                }
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(black_box(vec![1u8; 1 << 20]));
                }
            }
            "panic" => panic!("deliberate panic inside the plugin"),
            "read-file" => {
                let results: Vec<String> = ["/etc/passwd", "/", ".", "Cargo.toml"]
                    .iter()
                    .map(|path| match std::fs::File::open(path) {
                        Ok(mut file) => {
                            let mut text = String::new();
                            let _ = file.read_to_string(&mut text);
                            format!("{path}: READ {} bytes", text.len())
                        }
                        Err(err) => format!("{path}: denied ({:?})", err.kind()),
                    })
                    .collect();
                results.join("; ")
            }
            "write-file" => {
                let result = std::fs::write("/tmp/tenken-escape", b"escaped");
                format!("write: {}", if result.is_ok() { "WROTE" } else { "denied" })
            }
            "env" => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let args = std::env::args().count();
                format!("{} environment variables {vars:?}; {args} arguments", vars.len())
            }
            "clock" => {
                let since_epoch = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(u64::MAX);
                format!("wall clock reads {since_epoch} s since the epoch")
            }
            "network" => {
                let tcp = std::net::TcpStream::connect("127.0.0.1:9");
                let dns = std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 80));
                format!(
                    "tcp: {}; dns: {}",
                    if tcp.is_ok() { "CONNECTED" } else { "denied" },
                    if dns.is_ok() { "RESOLVED" } else { "denied" }
                )
            }
            "print" => {
                println!("hello on stdout");
                eprintln!("hello on stderr");
                return Ok(Vec::new());
            }
            "flood-output" => {
                let line = "x".repeat(1024);
                for _ in 0..100_000 {
                    println!("{line}");
                }
                return Ok(Vec::new());
            }
            "error" => return Err("the plugin gave up on this document".to_owned()),
            "unknown-rule" => return Ok(vec![Finding { rule: "no-such-rule".to_owned(), ..finding(String::new()) }]),
            "bad-pointer" => {
                return Ok(vec![Finding { pointer: "spec/containers".to_owned(), ..finding(String::new()) }]);
            }
            "bad-document" => return Ok(vec![Finding { document: 7, ..finding(String::new()) }]),
            _ => return Ok(Vec::new()),
        };
        Ok(vec![finding(observed)])
    }
}

tenken_sdk::bindings::export_plugin_bindings!(Hostile with_types_in tenken_sdk::bindings);
