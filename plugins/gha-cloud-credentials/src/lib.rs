//! # gha-cloud-credentials
//!
//! Workflows authenticate to AWS, Google Cloud and Azure with OpenID
//! Connect, not with long-lived keys stored as secrets, and no workflow
//! holds a secret as a literal value.
//!
//! Reported:
//! - long-lived cloud keys passed in `env:` (workflow, job or step) or as
//!   inputs of the official login actions (`aws-secret-access-key`,
//!   `credentials_json`, `creds`);
//! - literal values in `env:` or `with:` under a secret-looking name.
//!
//! ## Why it matters
//! A cloud access key in repository secrets is valid until someone rotates
//! it, usually never, and it works from anywhere: one leaked log line, one
//! compromised action or one malicious pull request that reaches it and the
//! attacker has the cloud account. With OIDC the workflow exchanges a token
//! GitHub signs for this repository, branch and run for credentials that
//! expire within the hour, and the cloud's trust policy decides which
//! workflows may assume which role. A literal secret in a workflow file is
//! simply public to everyone who can read the repository.

use tenken_sdk::Node;
use tenken_sdk::github::{ActionRef, jobs};
use tenken_sdk::secrets::{looks_like_a_secret, names_a_secret};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct CloudCredentials;

/// Environment variables that carry long-lived cloud keys, and the cloud.
const KEY_VARIABLES: &[(&str, &str)] = &[
    ("AWS_SECRET_ACCESS_KEY", "AWS"),
    ("AWS_ACCESS_KEY_ID", "AWS"),
    ("GOOGLE_CREDENTIALS", "Google Cloud"),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", "Google Cloud"),
    ("GCP_SA_KEY", "Google Cloud"),
    ("AZURE_CLIENT_SECRET", "Azure"),
    ("ARM_CLIENT_SECRET", "Azure"),
    ("AZURE_CREDENTIALS", "Azure"),
];

/// Inputs of official login actions that take long-lived keys.
const KEY_INPUTS: &[(&str, &str, &str)] = &[
    ("aws-actions/configure-aws-credentials", "aws-secret-access-key", "AWS"),
    ("google-github-actions/auth", "credentials_json", "Google Cloud"),
    ("azure/login", "creds", "Azure"),
];

const REFERENCES: &[&str] = &[
    "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect",
    "https://github.com/aws-actions/configure-aws-credentials#oidc",
    "https://github.com/google-github-actions/auth#workload-identity-federation-through-a-service-account",
];

impl Policy for CloudCredentials {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitHub Actions use OIDC for clouds and hold no literal secrets",
            "Workflows get short-lived cloud credentials through OpenID Connect instead of long-lived \
             keys, and never spell a secret out in the workflow file.",
        )
        .kinds(["github-workflow", "github-action"])
        .rules(vec![
                Rule::new(
                    "long-lived-cloud-key",
                    Category::Security,
                    Severity::Medium,
                    "Authenticate to the cloud with OIDC, not stored keys",
                )
                .rationale(
                    "A stored cloud key works from anywhere until rotated; one leak hands over the account. \
                     OIDC credentials are scoped to the workflow and expire within the hour.",
                )
                .fix(
                    "Let the workflow assume a role through OIDC:
```yaml
permissions:
  id-token: write
  contents: read
steps:
  - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502  # v4.0.2
    with:
      role-to-assume: arn:aws:iam::123456789012:role/deploy-shop
      aws-region: eu-west-1
```
Then delete the stored key and revoke it in the cloud.",
                )
                .references(REFERENCES),
                Rule::new(
                    "literal-secret",
                    Category::Security,
                    Severity::Critical,
                    "Never write a secret into a workflow file",
                )
                .sensitive()
                .rationale("Anyone who can read the repository, its forks and its history can read the value.")
                .fix("Store the value as an encrypted secret and reference it: `${{ secrets.NAME }}`. Rotate the exposed value.")
                .references(&["https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions"]),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let tree = document.tree;
        check_env(tree.get("env"), &Pointer::root().key("env"), findings);
        for job in jobs(tree) {
            check_env(job.value.get("env"), &job.pointer.key("env"), findings);
            for step in job.steps() {
                check_env(step.value.get("env"), &step.pointer.key("env"), findings);
                check_inputs(step.uses(), step.value.get("with"), &step.pointer.key("with"), findings);
            }
        }
        for step in tenken_sdk::github::action_steps(tree) {
            check_env(step.value.get("env"), &step.pointer.key("env"), findings);
            check_inputs(step.uses(), step.value.get("with"), &step.pointer.key("with"), findings);
        }
    }
}

fn check_env(env: Option<Node<'_>>, pointer: &Pointer, findings: &mut Findings) {
    let Some(env) = env.and_then(Node::as_object) else { return };
    for (name, value) in env {
        let Some(value) = value.as_str() else { continue };
        let at = pointer.key(name);
        if let Some((_, cloud)) = KEY_VARIABLES.iter().find(|(key, _)| key.eq_ignore_ascii_case(name))
            && value.contains("secrets.")
        {
            findings.report(
                "long-lived-cloud-key",
                &at,
                format!("{name} passes a stored {cloud} key; use OIDC to get short-lived credentials"),
            );
            continue;
        }
        if names_a_secret(name) && looks_like_a_secret(value) {
            findings.report("literal-secret", &at, format!("{name} is set to a literal value in the workflow file"));
        }
    }
}

fn check_inputs(uses: Option<&str>, with: Option<Node<'_>>, pointer: &Pointer, findings: &mut Findings) {
    let Some(with) = with.and_then(Node::as_object) else { return };
    let action = match uses.map(ActionRef::parse) {
        Some(ActionRef::Repository { action, .. }) => Some(action),
        _ => None,
    };
    for (name, value) in with {
        let Some(value) = value.as_str() else { continue };
        let at = pointer.key(name);
        let key_input = KEY_INPUTS.iter().find(|(login, input, _)| {
            action.is_some_and(|action| action.eq_ignore_ascii_case(login)) && input.eq_ignore_ascii_case(name)
        });
        if let Some((_, _, cloud)) = key_input {
            findings.report(
                "long-lived-cloud-key",
                &at,
                format!("`{name}` logs in to {cloud} with a stored key; use OIDC"),
            );
        } else if names_a_secret(name) && looks_like_a_secret(value) {
            findings.report(
                "literal-secret",
                &at,
                format!("input `{name}` is set to a literal value in the workflow file"),
            );
        }
    }
}

tenken_sdk::export_policy!(CloudCredentials);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn stored_keys_and_literals_are_reported_without_values() {
        let workflow = json!({"env": {"AWS_SECRET_ACCESS_KEY": "${{ secrets.AWS_SECRET }}", "API_TOKEN": "abc123secret"},
            "jobs": {"deploy": {"steps": [
                {"uses": "aws-actions/configure-aws-credentials@v4", "with": {"aws-secret-access-key": "${{ secrets.K }}", "aws-region": "eu-west-1"}},
                {"uses": "some/action@v1", "with": {"token": "${{ secrets.GITHUB_TOKEN }}"}}]}}});
        let found = check_tree::<CloudCredentials>("github-workflow", workflow);
        let rules: Vec<(&str, &str)> =
            found.iter().map(|(rule, pointer, _)| (rule.as_str(), pointer.as_str())).collect();
        assert_eq!(
            rules,
            vec![
                ("long-lived-cloud-key", "/env/AWS_SECRET_ACCESS_KEY"),
                ("literal-secret", "/env/API_TOKEN"),
                ("long-lived-cloud-key", "/jobs/deploy/steps/0/with/aws-secret-access-key"),
            ]
        );
        assert!(found.iter().all(|(_, _, message)| !message.contains("abc123secret")));
    }
}
