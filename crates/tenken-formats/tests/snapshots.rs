//! Per-format snapshots on realistic files: each shows the document tree
//! and where several pointers land (key and value, as line:column), so a
//! reviewer sees what a plugin reads and what a user would be shown.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::fmt::Write as _;
use std::path::Path;

use tenken_formats::span::{LineColumn, Span, node_at};
use tenken_formats::{Hints, Limits, classify, parse_file};

fn describe(relative: &str, pointers: &[(u32, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(relative);
    let bytes = std::fs::read(&path).unwrap();
    let format = classify::format_of_path(&path).unwrap();
    let parsed = parse_file(relative, &bytes, format, &Limits::default(), &Hints::default()).unwrap();
    let source = &parsed.source;
    let at = |span: Span| -> String {
        let LineColumn { line, column } = source.lines.line_column(&source.text, span.start);
        let text = &source.text[span.start as usize..span.end as usize];
        let first_line = text.lines().next().unwrap_or_default();
        let shown = if first_line.len() < text.len() { format!("{first_line}…") } else { first_line.to_owned() };
        format!("{line}:{column} `{shown}`")
    };
    let mut out = format!("format: {format}\n");
    for diagnostic in &parsed.diagnostics {
        let _ = writeln!(out, "diagnostic: {}", diagnostic.message);
    }
    for document in &parsed.documents {
        let _ = writeln!(out, "\n--- document {} ({})", document.index, document.kind);
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&document.tree).unwrap());
        for (index, pointer) in pointers.iter().filter(|(index, _)| *index == document.index) {
            let node = node_at(&document.tree, &document.spans, pointer)
                .unwrap_or_else(|| panic!("{relative} #{index}: no node at {pointer}"));
            let key = node.key.map_or_else(|| "-".to_owned(), at);
            let _ = writeln!(out, "{pointer}\n    key   {key}\n    value {}", at(node.value));
        }
    }
    out
}

#[test]
fn multi_document_yaml() {
    insta::assert_snapshot!(describe(
        "workloads.yaml",
        &[
            (0, "/metadata/labels"),
            (0, "/spec/template/metadata/labels/app.kubernetes.io~1name"),
            (0, "/spec/template/spec/containers/0/image"),
            (0, "/spec/template/spec/containers/0/env/0/value"),
            (1, "/spec/ports/0/targetPort"),
        ],
    ));
}

#[test]
fn multi_stage_dockerfile_with_heredoc() {
    insta::assert_snapshot!(describe(
        "Dockerfile",
        &[
            (0, "/args/0/pairs/GO_VERSION"),
            (0, "/stages/0/from/image"),
            (0, "/stages/0/instructions/2/flags/mount"),
            (0, "/stages/0/instructions/4/heredocs/0/body"),
            (0, "/stages/1/instructions/2/ports/0"),
            (0, "/stages/1/instructions/3/user"),
        ],
    ));
}

#[test]
fn terraform_module_with_nested_blocks_and_for_each() {
    insta::assert_snapshot!(describe(
        "terraform/main.tf",
        &[
            (0, "/resource/aws_s3_bucket/this"),
            (0, "/resource/aws_s3_bucket/this/for_each"),
            (0, "/resource/aws_s3_bucket/this/tags/owner"),
            (0, "/resource/aws_s3_bucket_versioning/this/versioning_configuration/0/status"),
            (0, "/resource/aws_security_group/db/ingress/0/cidr_blocks/0"),
            (0, "/resource/aws_security_group/db/dynamic/egress/0/content/0/from_port"),
        ],
    ));
}

#[test]
fn terraform_variables() {
    insta::assert_snapshot!(describe("terraform/prod.tfvars", &[(0, "/buckets/2")]));
}

#[test]
fn json_with_comments() {
    insta::assert_snapshot!(describe(
        "app/devcontainer.json",
        &[(0, "/forwardPorts/1"), (0, "/containerEnv/NODE_ENV")]
    ));
}

#[test]
fn toml() {
    insta::assert_snapshot!(describe(
        "app/pyproject.toml",
        &[(0, "/project/dependencies/1"), (0, "/tool/worker/retries/backoff"), (0, "/tool/worker/queues/0/name")],
    ));
}

#[test]
fn dotenv() {
    insta::assert_snapshot!(describe("app/.env.production", &[(0, "/DATABASE_URL"), (0, "/LOG_LEVEL")]));
}

#[test]
fn java_properties() {
    insta::assert_snapshot!(describe(
        "app/application.properties",
        &[(0, "/management.endpoints.web.exposure.include")],
    ));
}

#[test]
fn ini() {
    insta::assert_snapshot!(describe("app/setup.ini", &[(0, "/uwsgi/harakiri")]));
}
