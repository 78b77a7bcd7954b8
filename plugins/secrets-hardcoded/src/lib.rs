//! # secrets-hardcoded
//!
//! No config file of any kind holds a credential in clear text:
//!
//! - private keys (`-----BEGIN ... PRIVATE KEY-----`);
//! - GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab
//!   (`glpat-`) and Slack (`xoxb-`, `xoxp-`, ...) tokens, and Slack webhooks;
//! - JSON Web Tokens;
//! - values under a password-like name (`password`, `secret`, `token`,
//!   `*_key`, ...) that look like a real secret, by the SDK's one model
//!   (`tenken_sdk::secrets::looks_like_a_secret`): at least 6 characters
//!   of at least two kinds, one word, and not a reference or a placeholder
//!   (`changeme`, `password123`, `${VAR}`, `<password>`, `your-token`).
//!
//! AWS access key IDs (`AKIA...`) alone are not reported: an ID names a
//! key and grants nothing without its secret.
//!
//! Findings name the kind of secret and where it is, and never print the
//! value: the report itself must not leak what it found.
//!
//! ## Why it matters
//! A secret committed to a repository is compromised: it is in every clone,
//! fork, CI cache and backup, and in the history after it is "removed".
//! Attackers scan public and leaked repositories for these exact patterns
//! within minutes of a push. The only fix is to rotate the credential, so
//! the cheapest moment to catch it is before the commit.
//!
//! The name-based rule does not repeat practices that already cover
//! secrets by name in their own kind (Kubernetes env, Dockerfiles, GitHub
//! and GitLab CI variables); the patterns apply everywhere.

use tenken_sdk::secrets::{looks_like_a_secret, names_a_secret};
use tenken_sdk::walk::visit;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct HardcodedSecrets;

/// Kinds whose own practices already judge secrets by their name.
const NAMED_ELSEWHERE: &[&str] = &["kubernetes", "dockerfile", "github-workflow", "github-action", "gitlab-ci"];

/// A recognised credential format.
fn credential_kind(value: &str) -> Option<&'static str> {
    let trimmed = value.trim();
    // Every format below is longer than this; most values are not.
    if trimmed.len() < SHORTEST_TOKEN {
        return None;
    }
    if trimmed.contains("-----BEGIN") && trimmed.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    if trimmed.contains("hooks.slack.com/services/T") {
        return Some("a Slack webhook URL");
    }
    for word in trimmed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/' || c == ':'))
    {
        if word.len() >= SHORTEST_TOKEN
            && let Some(kind) = token_kind(word)
        {
            return Some(kind);
        }
    }
    None
}

/// The length of the shortest token [`token_kind`] recognises: a GitLab
/// token (`glpat-` and 20 characters).
const SHORTEST_TOKEN: usize = 26;

fn token_kind(word: &str) -> Option<&'static str> {
    let token_chars = |text: &str| text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    // AWS access key IDs (`AKIA...`) are not here: an ID names a key and
    // grants nothing without its secret, which the name-based rule finds
    // under `aws_secret_access_key` and the like.
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() >= 36
            && token_chars(rest)
        {
            return Some("a GitHub token");
        }
    }
    if word.strip_prefix("github_pat_").is_some_and(|rest| rest.len() >= 60 && token_chars(rest)) {
        return Some("a GitHub fine-grained token");
    }
    if word.strip_prefix("glpat-").is_some_and(|rest| rest.len() >= 20) {
        return Some("a GitLab token");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].iter().any(|prefix| word.starts_with(prefix)) && word.len() >= 30 {
        return Some("a Slack token");
    }
    let mut parts = word.split('.');
    if let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && header.starts_with("eyJ")
        && payload.starts_with("eyJ")
        && signature.len() >= 16
    {
        return Some("a JSON Web Token");
    }
    None
}

impl Policy for HardcodedSecrets {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let fix = "Remove the value, rotate the credential (it is compromised the moment it is pushed), and load \
                   it at runtime from a secret store: a Kubernetes Secret, AWS Secrets Manager, Vault, or your CI's \
                   secret variables.\n```yaml\npassword: ${DB_PASSWORD}   # injected at deploy time\n```\nThen purge \
                   it from history if the repository is public.";
        let references: &[&str] = &[
            "https://owasp.org/www-community/vulnerabilities/Use_of_hard-coded_password",
            "https://docs.github.com/en/code-security/secret-scanning/introduction/about-secret-scanning",
        ];
        tenken_sdk::plugin_info!(
            "Configs hold no hard-coded credentials",
            "No cloud key, private key, platform token, JWT or real-looking password is written into a \
             config file of any kind. Findings never show the value.",
        )
        .kinds(["*"])
        .rules(vec![
            Rule::new("credential-pattern", Category::Security, Severity::Critical, "Do not commit credentials")
                .sensitive()
                .rationale(
                    "A recognised credential format (cloud key, private key, token) in a repository is \
                         compromised: scanners find such patterns within minutes of a push.",
                )
                .fix(fix)
                .references(references),
            Rule::new(
                "hardcoded-password",
                Category::Security,
                Severity::High,
                "Do not write passwords or secrets into config files",
            )
            .sensitive()
            .rationale(
                "A real-looking value under a password or secret name is readable by everyone with the \
                     repository, and stays in its history after removal.",
            )
            .fix(fix)
            .references(references),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let by_name = !NAMED_ELSEWHERE.contains(&document.kind);
        // Every scalar of every document passes through here, so the
        // place and pointer are made only for a finding.
        visit(document.tree, |leaf| {
            let Some(value) = leaf.value.as_str() else { return };
            let place = || match leaf.path.join(".") {
                place if place.is_empty() => "a value".to_owned(),
                place => format!("`{place}`"),
            };
            if let Some(kind) = credential_kind(value) {
                findings.report("credential-pattern", &leaf.pointer(), format!("{} holds {kind}", place()));
                return;
            }
            // Kinds whose own plugins judge secrets by name skip the name
            // test, which is the costly part of a leaf.
            let named =
                || leaf.key.is_some_and(names_a_secret) || leaf.path.last().is_some_and(|last| names_a_secret(last));
            if by_name && named() && looks_like_a_secret(value) {
                findings.report(
                    "hardcoded-password",
                    &leaf.pointer(),
                    format!("{} holds a literal secret ({} characters)", place(), value.chars().count()),
                );
            }
        });
    }
}

tenken_sdk::export_policy!(HardcodedSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn recognises_credential_formats() {
        // An access key ID names a key; it is not the secret.
        assert_eq!(credential_kind(&format!("AKIA{}", "Z3MBB5TQ7WP4D2LK")), None);
        assert_eq!(credential_kind("key: -----BEGIN OPENSSH PRIVATE KEY-----\nabc"), Some("a private key"));
        assert_eq!(credential_kind(&format!("token ghp_{}", "a".repeat(36))), Some("a GitHub token"));
        assert_eq!(credential_kind("glpat-abcdefghij0123456789"), Some("a GitLab token"));
        assert_eq!(
            credential_kind("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
            Some("a JSON Web Token")
        );
        assert_eq!(credential_kind("AKIA-not-a-key"), None);
        assert_eq!(credential_kind("https://example.com"), None);
    }

    #[test]
    fn never_prints_the_value() {
        let tree =
            json!({"database": {"password": "p8Xq2!vLz9#Rk4mW"}, "ci": {"token": format!("ghp_{}", "a1".repeat(18))}});
        let found = check_tree::<HardcodedSecrets>("yaml", tree);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|(_, _, message)| !message.contains("p8Xq2") && !message.contains("ghp_")));
    }
}
