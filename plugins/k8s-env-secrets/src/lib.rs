//! # k8s-env-secrets
//!
//! Environment variables whose names say they hold a secret (`*PASSWORD*`,
//! `*TOKEN*`, `*SECRET*`, `*_KEY`, `*CREDENTIALS*`, ...) take their value
//! from a Secret (`valueFrom.secretKeyRef`), never from a literal `value`.
//! The finding names the variable, never its value.
//!
//! ## Why it matters
//! A literal in a manifest is a secret in Git: in every clone, every CI
//! log that prints the rendered manifest, every `kubectl get -o yaml`, and
//! the history long after it is rotated. Anyone who can read the
//! Deployment can read the password, which in most clusters is far more
//! people than can read Secrets. A `secretKeyRef` keeps the value in a
//! Secret (ideally synced from a vault), access-controlled and rotatable
//! without a code change.
//!
//! Names that describe a secret without holding one (`*_FILE`, `*_PATH`,
//! `*_URL`, `*_NAME`, `*_ID`, `*_LENGTH`, ...) are not checked, nor are
//! values that are references (`$(OTHER_VAR)`), booleans or empty.

use tenken_sdk::Node;
use tenken_sdk::kubernetes::{Container, ContainerList, each_container};
use tenken_sdk::secrets::{looks_like_a_secret, names_a_secret};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct EnvSecrets;

impl Policy for EnvSecrets {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes containers take secrets from Secrets, not literals",
            "Environment variables that hold passwords, tokens or keys reference a Secret, so the \
             value never sits in Git, CI logs or the workload's spec.",
        )
        .kinds(tenken_sdk::kubernetes::kinds_with_patches())
        .rules(vec![
            Rule::new("secret-in-env", Category::Security, Severity::High, "Use secretKeyRef for secret values")
                .sensitive()
                .rationale(
                    "A literal secret in a manifest lives in Git history, CI logs and every read of the \
                         workload's spec, readable by far more people than the Secret would be, and survives \
                         rotation in old commits.",
                )
                .fix(
                    "Move the value into a Secret and reference it:
```yaml
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: shop-db          # created by your secret manager, not committed
        key: password
```
Then rotate the exposed value: it is in the repository's history.",
                )
                .references(&[
                    "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",
                    "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
                ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        each_container(document.tree, ContainerList::ALL, |_, container| check_container(container, findings));
    }
}

fn check_container(container: &Container<'_>, findings: &mut Findings) {
    let Some(env) = container.value.get("env").and_then(Node::as_array) else { return };
    for (index, variable) in env.iter().enumerate() {
        let Some(name) = variable.get("name").and_then(Node::as_str) else { continue };
        // Numbers are never secrets worth the name; only strings are checked.
        let Some(value) = variable.get("value").and_then(Node::as_str) else { continue };
        if names_a_secret(name) && looks_like_a_secret(value) {
            findings.report(
                "secret-in-env",
                &container.pointer.key("env").index(index).key("value"),
                format!("{} sets {name} to a literal value; reference a Secret instead", container.describe()),
            );
        }
    }
}

tenken_sdk::export_policy!(EnvSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn reports_literals_without_their_value() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "api", "env": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}},
            {"name": "REDIS_PASSWORD", "value": "$(SHARED_PASSWORD)"},
            {"name": "TOKEN_REFRESH", "value": "true"},
            {"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/var/secrets/google/key.json"}]}]}});
        let found = check_tree::<EnvSecrets>("kubernetes", pod);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "/spec/containers/0/env/0/value");
        assert!(!found[0].2.contains("hunter2"));
    }
}
