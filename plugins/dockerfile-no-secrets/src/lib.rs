//! # dockerfile-no-secrets
//!
//! Images carry no secrets: no `ENV` that sets a secret-named variable
//! (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*_KEY`, ...) to a value, no `ARG`
//! with a secret name, and no `COPY`/`ADD` of private keys, `.env` files or
//! credential files. Findings name the variable or file, never a value.
//!
//! ## Why it matters
//! Everything in an image is readable by anyone who can pull it, forever:
//! `ENV` values are in the image config (`docker inspect`), `ARG` values are
//! recorded in the build history (`docker history`), and a copied file
//! stays in its layer even if a later step deletes it. Images travel far
//! beyond the team: registries, CI caches, laptops, customers. Build-time
//! secrets belong in `RUN --mount=type=secret`, runtime secrets in the
//! orchestrator's secret store.

use tenken_sdk::Node;
use tenken_sdk::dockerfile::{Instruction, stages};
use tenken_sdk::secrets::{looks_like_a_secret, names_a_key_file, names_a_secret};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct NoSecrets;

const FIX: &str = "Pass build-time secrets as BuildKit secret mounts, and runtime secrets from the orchestrator:
```dockerfile
# syntax=docker/dockerfile:1
RUN --mount=type=secret,id=npm_token \\
    NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
```
```sh
docker build --secret id=npm_token,env=NPM_TOKEN .
```
Add key files and `.env` to `.dockerignore`, and rotate any secret that was ever built into an image.";

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/build/building/secrets/",
    "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/",
];

/// File names that hold secrets, compared case-insensitively with the
/// last path segment of a COPY or ADD source.
const SECRET_FILES: &[&str] = &[
    ".env",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    "credentials",
    "credentials.json",
    "service-account.json",
    ".htpasswd",
];

/// Whether a COPY/ADD source names a secret file. `.env.example` and the
/// like are templates, not secrets.
fn is_secret_file(source: &str) -> bool {
    let name = source.trim_end_matches('/').rsplit('/').next().unwrap_or(source).to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist", ".tmpl"].iter().any(|suffix| name.ends_with(suffix));
    let env_variant = name.starts_with(".env.") && !template;
    !template && (SECRET_FILES.contains(&name.as_str()) || env_variant || names_a_key_file(&name))
}

impl Policy for NoSecrets {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Images carry no secrets",
            "No secret reaches an image through ENV, ARG or copied files, where anyone who can pull the \
             image can read it.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            Rule::new("secret-in-env", Category::Security, Severity::High, "Do not set secrets with ENV")
                .sensitive()
                .rationale(
                    "ENV values are stored in the image config: anyone who can pull the image reads them \
                         with `docker inspect`.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new("secret-in-arg", Category::Security, Severity::Medium, "Do not pass secrets as build arguments")
                .sensitive()
                .rationale(
                    "Build argument values are recorded in the image history, readable with `docker history`, \
                     even when no later instruction uses them.",
                )
                .fix(FIX)
                .references(REFERENCES),
            Rule::new(
                "secret-file-copied",
                Category::Security,
                Severity::High,
                "Do not copy keys, credentials or .env files into images",
            )
            .rationale(
                "A copied file stays in its layer for good, even if a later step deletes it; whoever \
                     pulls the image gets the key.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        // ARGs before the first FROM.
        if let Some(global) = document.tree.get("args").and_then(Node::as_array) {
            for (index, arg) in global.iter().enumerate() {
                check_pairs("ARG", arg, &Pointer::root().key("args").index(index), findings);
            }
        }
        for stage in stages(document.tree) {
            for instruction in stage.instructions() {
                match instruction.keyword {
                    "ENV" | "ARG" => {
                        check_pairs(instruction.keyword, instruction.value, &instruction.pointer, findings)
                    }
                    "COPY" | "ADD" => check_sources(&instruction, findings),
                    _ => {}
                }
            }
        }
    }
}

fn check_pairs(keyword: &str, instruction: Node<'_>, pointer: &Pointer, findings: &mut Findings) {
    let Some(pairs) = instruction.get("pairs").and_then(Node::as_object) else { return };
    for (name, value) in pairs {
        if !names_a_secret(name) {
            continue;
        }
        let at = pointer.key("pairs").key(name);
        if keyword == "ARG" {
            findings.report(
                "secret-in-arg",
                &at,
                format!("build argument {name} would be recorded in the image history"),
            );
            continue;
        }
        // `ENV TOKEN=$TOKEN` bakes a build argument into the image, too.
        let value = value.as_str().unwrap_or_default();
        if looks_like_a_secret(value) || value.trim_start().starts_with('$') {
            findings.report("secret-in-env", &at, format!("ENV sets {name}, which is stored in the image config"));
        }
    }
}

fn check_sources(instruction: &Instruction<'_>, findings: &mut Findings) {
    // Copies from another stage or image move build outputs, not the context.
    if instruction.value.pointer("/flags/from").is_some() {
        return;
    }
    let Some(sources) = instruction.value.get("sources").and_then(Node::as_array) else { return };
    for (index, source) in sources.iter().enumerate() {
        let Some(source) = source.as_str() else { continue };
        if is_secret_file(source) {
            findings.report(
                "secret-file-copied",
                &instruction.pointer.key("sources").index(index),
                format!("{} copies `{source}` into the image", instruction.keyword),
            );
        }
    }
}

tenken_sdk::export_policy!(NoSecrets);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_files_but_not_templates() {
        for source in
            [".env", "config/.env.production", "keys/id_ed25519", "tls/server.key", "tls/privkey.PEM", "~/.npmrc"]
        {
            assert!(is_secret_file(source), "{source}");
        }
        // Certificates and public keys are public.
        for source in [
            ".env.example",
            "src/",
            "package.json",
            "env.ts",
            "keys.go",
            ".env.sample",
            "certs/ca.PEM",
            "cert-chain.pem",
        ] {
            assert!(!is_secret_file(source), "{source}");
        }
    }
}
