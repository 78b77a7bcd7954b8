//! # dockerfile-safe-fetch
//!
//! Builds fetch code over verified channels: no `ADD <url>` without
//! `--checksum`, no download piped straight into a shell or interpreter
//! (`curl ... | sh`, `bash <(curl ...)`), and no download with TLS
//! verification switched off (`curl -k`, `wget --no-check-certificate`).
//!
//! ## Why it matters
//! A build that runs whatever a URL returns trusts that server, its CDN and
//! every network hop with root in the image. If any of them is compromised,
//! or the script changes under the same URL, the image ships the change with
//! no diff to review and no failure to notice. Downloading to a file and
//! verifying a published checksum or signature before use (or `ADD
//! --checksum`) turns a silent substitution into a failed build. Disabling
//! TLS verification removes even the server's identity check.

use tenken_sdk::Node;
use tenken_sdk::dockerfile::{Instruction, stages};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct SafeFetch;

const FIX: &str = "Download to a file, verify it, then use it:
```dockerfile
ARG TOOL_SHA256=3f1c...
RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool-1.4.2.tgz \\
 && echo \"${TOOL_SHA256}  /tmp/tool.tgz\" | sha256sum -c - \\
 && tar -xzf /tmp/tool.tgz -C /usr/local/bin \\
 && rm /tmp/tool.tgz
# or, with BuildKit:
ADD --checksum=sha256:3f1c... https://example.com/tool-1.4.2.tgz /tmp/
```
Prefer the distribution's package manager, which verifies signatures, over install scripts.";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/reference/dockerfile/#add---checksum",
    "https://docs.docker.com/build/building/best-practices/#add-or-copy",
];

/// Programs that execute what they read on stdin.
const INTERPRETERS: &[&str] =
    &["sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python3", "perl", "ruby", "node", "php"];
const DOWNLOADERS: &[&str] = &["curl", "wget"];

/// The program a pipeline segment runs, skipping `sudo`, `env` and their
/// options and variable assignments.
fn program(segment: &str) -> Option<&str> {
    segment
        .split_whitespace()
        .filter(|word| !word.starts_with('-') && !word.contains('='))
        .find(|word| !matches!(*word, "sudo" | "env" | "exec" | "command"))
        .map(|word| word.rsplit('/').next().unwrap_or(word))
}

fn runs_downloader(segment: &str) -> bool {
    segment.split_whitespace().any(|word| DOWNLOADERS.contains(&word.rsplit('/').next().unwrap_or(word)))
}

/// Whether a shell command pipes a download into an interpreter, or feeds
/// one a download through process or command substitution.
fn pipes_download_to_shell(command: &str) -> bool {
    for line in command.split(['\n', ';']).flat_map(|part| part.split("&&")).flat_map(|part| part.split("||")) {
        let segments: Vec<&str> = line.split('|').collect();
        for pair in segments.windows(2) {
            if runs_downloader(pair[0]) && program(pair[1]).is_some_and(|name| INTERPRETERS.contains(&name)) {
                return true;
            }
        }
        let substituted =
            ["<(curl", "<(wget", "$(curl", "$(wget", "`curl", "`wget"].iter().any(|form| line.contains(form));
        if substituted && program(line).is_some_and(|name| INTERPRETERS.contains(&name)) {
            return true;
        }
    }
    false
}

/// The simple commands of a shell script: split at newlines, `;`, `&&`,
/// `||` and `|`.
fn simple_commands(script: &str) -> impl Iterator<Item = &str> {
    script.split(['\n', ';', '|', '&']).map(str::trim).filter(|command| !command.is_empty())
}

/// Whether a command downloads with TLS verification switched off: curl
/// with `-k`/`--insecure` (alone or in a cluster of short options), wget
/// with `--no-check-certificate`.
fn disables_tls_verification(script: &str) -> bool {
    simple_commands(script).any(|command| {
        let words: Vec<&str> = command.split_whitespace().collect();
        match program(command) {
            Some("curl") => words.iter().any(|word| {
                *word == "--insecure"
                    || (word.starts_with('-')
                        && !word.starts_with("--")
                        && word[1..].chars().all(char::is_alphanumeric)
                        && word.contains('k'))
            }),
            Some("wget") => words.contains(&"--no-check-certificate"),
            _ => false,
        }
    })
}

impl Policy for SafeFetch {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Image builds fetch code over verified channels",
            "Downloads in a build are verified before they run: no unverified ADD from URLs, no \
             curl-to-shell pipes, no switched-off TLS checks.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            family.rule(
                "pipe-to-shell",
                Severity::High,
                "Do not pipe downloads into a shell or interpreter",
                "curl | sh runs whatever the server returns, as root in the build, with no review and no \
                     integrity check.",
            ),
            family.rule(
                "add-from-url",
                Severity::Medium,
                "Do not ADD from a URL without --checksum",
                "ADD <url> accepts whatever the URL serves today; a changed or compromised file goes into \
                     the image silently.",
            ),
            family.rule(
                "tls-verification-disabled",
                Severity::High,
                "Do not download with TLS verification switched off",
                "curl -k and wget --no-check-certificate accept any server, so anyone on the network path \
                     can substitute the download.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for stage in stages(document.tree) {
            for instruction in stage.instructions() {
                match instruction.keyword {
                    "RUN" => check_run(&instruction, findings),
                    "ADD" => check_add(&instruction, findings),
                    _ => {}
                }
            }
        }
    }
}

fn check_run(instruction: &Instruction<'_>, findings: &mut Findings) {
    let command = instruction.command_text();
    if pipes_download_to_shell(&command) {
        findings.report("pipe-to-shell", &instruction.pointer, "RUN pipes a download straight into a shell");
    }
    if disables_tls_verification(&command) {
        findings.report("tls-verification-disabled", &instruction.pointer, "RUN downloads with TLS verification off");
    }
}

fn check_add(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.value.pointer("/flags/checksum").is_some() {
        return;
    }
    let Some(sources) = instruction.value.get("sources").and_then(Node::as_array) else { return };
    for (index, source) in sources.iter().enumerate() {
        let Some(source) = source.as_str() else { continue };
        if source.starts_with("http://") || source.starts_with("https://") {
            findings.report(
                "add-from-url",
                &instruction.pointer.key("sources").index(index),
                format!("ADD fetches `{source}` without verifying a checksum"),
            );
        }
    }
}

tenken_sdk::export_policy!(SafeFetch);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pipes_and_substitutions_into_interpreters() {
        for command in [
            "curl -fsSL https://get.example.com | sh",
            "wget -qO- https://x | sudo -E bash -",
            "apt-get update && curl -s https://x | /bin/bash -s -- --yes",
            "bash <(curl -s https://x)",
            "sh -c \"$(curl -fsSL https://x)\"",
            "curl https://bootstrap.pypa.io/get-pip.py | python3",
        ] {
            assert!(pipes_download_to_shell(command), "{command}");
        }
        for command in [
            "curl -fsSLo /tmp/x.tgz https://x && sha256sum -c sums",
            "curl -s https://x | tar -xz",
            "cat list | sh",
            "curl -s https://x || echo failed",
        ] {
            assert!(!pipes_download_to_shell(command), "{command}");
        }
    }

    #[test]
    fn recognises_disabled_tls_checks() {
        assert!(disables_tls_verification("curl -k https://x"));
        assert!(disables_tls_verification("curl -fsSLk https://x"));
        assert!(disables_tls_verification("wget --no-check-certificate https://x"));
        assert!(!disables_tls_verification("curl -fsSL https://x"));
        assert!(!disables_tls_verification("kubectl -k ./overlays"));
        assert!(!disables_tls_verification("curl -fsSLo /tmp/x.tar https://x && tar -xkf /tmp/x.tar"));
    }
}
