//! Local Terraform modules checked with their callers' inputs.
//!
//! `tests/fixtures/terraform-modules` is a root module that calls
//! `./modules/db` twice (deletion protection off, and on through
//! terraform.tfvars) and `./modules/app`, which calls the database module
//! again with a public flag passed through.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use common::{repo_root, shared_cache, tenken_in};

fn check(format: &str) -> common::Run {
    let dir = repo_root().join("tests/fixtures/terraform-modules");
    let args = ["check", ".", "--no-config", "--format", format, "--select", "tf-database-resilience", "--quiet"];
    tenken_in(&dir, &shared_cache(), &args)
}

#[test]
fn a_modules_finding_lands_in_its_file_and_names_the_call() {
    let run = check("concise");
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn the_note_names_the_call_and_the_value_in_every_format() {
    let run = check("json");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let deletion: Vec<&serde_json::Value> =
        findings.iter().filter(|finding| finding["rule"] == "tf-database-resilience/deletion-protection-off").collect();
    assert_eq!(deletion.len(), 1, "only the staging call turns protection off: {findings:#?}");
    assert_eq!(deletion[0]["path"], "modules/db/main.tf");
    assert_eq!(deletion[0]["line"], 8);
    assert_eq!(
        deletion[0]["note"],
        "with the inputs of module \"staging_db\" (main.tf:4): var.deletion_protection = false"
    );

    let public: Vec<&serde_json::Value> =
        findings.iter().filter(|finding| finding["rule"] == "tf-database-resilience/publicly-accessible").collect();
    assert_eq!(public.len(), 1, "{findings:#?}");
    let note = public[0]["note"].as_str().unwrap();
    assert!(
        note.starts_with("with the inputs of module \"database\" (modules/app/main.tf:6), called with the inputs of module \"reports\" (main.tf:18)"),
        "{note}"
    );

    let text = check("text");
    assert!(text.stdout.contains("with the inputs of module \"staging_db\""), "{}", text.stdout);
}

#[test]
fn a_module_checked_alone_gives_references_the_benefit_of_the_doubt() {
    let dir = repo_root().join("tests/fixtures/terraform-modules");
    let args = ["check", "modules", "--no-config", "--format", "concise", "--select", "tf-database-resilience"];
    let run = tenken_in(&dir, &shared_cache(), &args);
    assert_eq!(run.code, 0, "without its callers, the module's references are unknown: {}", run.stdout);
}
