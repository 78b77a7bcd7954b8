//! # gitlab-variable-secrets
//!
//! `variables:` (at the top level or in a job) never set a secret-named
//! variable (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*_KEY`, ...) to a
//! literal value. References to other variables (`$DB_PASSWORD`) pass. The
//! finding names the variable, never its value.
//!
//! ## Why it matters
//! `.gitlab-ci.yml` is readable by everyone with access to the repository,
//! its forks and its history, and its variables are printed in job logs
//! when debugging is switched on. A secret written there is a secret shared
//! with all of them, and rotating it leaves the old value in Git forever.
//! Project or group CI/CD variables, marked masked and protected, keep the
//! value out of the repository and out of logs.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::gitlab::jobs;
use tenken_sdk::secrets::{looks_like_a_secret, names_a_secret};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct VariableSecrets;

impl Policy for VariableSecrets {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "GitLab CI variables hold no literal secrets",
            "Secrets reach pipelines as masked, protected CI/CD variables, never as values written into \
             .gitlab-ci.yml.",
        )
        .kinds(["gitlab-ci"])
        .rules(vec![
            Rule::new(
                "literal-secret",
                Category::Security,
                Severity::Critical,
                "Never write a secret into .gitlab-ci.yml",
            )
            .sensitive()
            .rationale(
                "Everyone who can read the repository, its forks or its history can read the value, and \
                         debug logging prints it.",
            )
            .fix(
                "Define the secret as a masked, protected CI/CD variable in the project or group settings \
                         and remove it from the file:
```yaml
deploy:
  script:
    - ./deploy.sh           # reads $DEPLOY_TOKEN from the protected variable
```
Then rotate the exposed value: it stays in the repository's history.",
            )
            .references(&[
                "https://docs.gitlab.com/ci/variables/",
                "https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable",
            ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let tree = document.tree;
        check_variables(tree.get("variables"), &Pointer::root().key("variables"), "the pipeline", findings);
        for job in jobs(tree) {
            let whose = format!("job `{}`", job.name);
            check_variables(job.value.get("variables"), &job.pointer.key("variables"), &whose, findings);
        }
    }
}

/// Variables in the short (`NAME: value`) or long (`NAME: {value: ...}`)
/// form.
fn check_variables(variables: Option<Node<'_>>, pointer: &Pointer, whose: &str, findings: &mut Findings) {
    let Some(variables) = variables.and_then(Node::as_object) else { return };
    for (name, definition) in variables {
        let (value, at) = match definition.shape() {
            Shape::String(value) => (value, pointer.key(name)),
            Shape::Object(long) => match long.get("value").and_then(Node::as_str) {
                Some(value) => (value, pointer.key(name).key("value")),
                None => continue,
            },
            _ => continue,
        };
        if names_a_secret(name) && looks_like_a_secret(value) {
            findings.report("literal-secret", &at, format!("{whose} sets {name} to a literal value"));
        }
    }
}

tenken_sdk::export_policy!(VariableSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn literals_are_reported_and_references_are_not() {
        let config = json!({"variables": {"DB_PASSWORD": "hunter2", "API_TOKEN": "$PROTECTED_TOKEN"},
            "deploy": {"variables": {"DEPLOY_KEY": {"value": "abc123", "description": "x"}, "REGION": "eu"}}});
        let found = check_tree::<VariableSecrets>("gitlab-ci", config);
        let pointers: Vec<&str> = found.iter().map(|(_, pointer, _)| pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/variables/DB_PASSWORD", "/deploy/variables/DEPLOY_KEY/value"]);
        assert!(found.iter().all(|(_, _, message)| !message.contains("hunter2") && !message.contains("abc123")));
    }
}
