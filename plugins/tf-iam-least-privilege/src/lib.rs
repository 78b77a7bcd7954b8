//! # tf-iam-least-privilege
//!
//! No IAM policy allows every action on every resource (`Action: "*"` with
//! `Resource: "*"`), nor every IAM action on every resource (`iam:*`), which
//! amounts to the same by letting the holder grant itself anything.
//! Policies are read wherever they are statically known: JSON strings and
//! `jsonencode({...})` in `aws_iam_policy`, `aws_iam_role_policy`,
//! `aws_iam_user_policy`, `aws_iam_group_policy` and a role's
//! `inline_policy`, and `data "aws_iam_policy_document"` statements.
//!
//! ## Why it matters
//! A `*`/`*` policy is administrator access. Attached to a CI role, an
//! application's instance profile or a Lambda, it turns any flaw in that
//! code (a dependency, an SSRF that reaches instance credentials, a leaked
//! key) into full control of the account: data, backups, logs that would
//! show the intrusion, and IAM itself to stay in. Least privilege bounds
//! the damage to what the workload actually needed.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::terraform::{Resource, data_sources, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct IamLeastPrivilege;

/// Resource types whose `policy` argument is an identity policy.
const POLICY_RESOURCES: &[&str] =
    &["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/// What a statement grants.
#[derive(Debug, PartialEq, Eq)]
enum Grant {
    Everything,
    AllOfIam,
}

fn strings(value: Option<Node<'_>>) -> Vec<&str> {
    match value.map(Node::shape) {
        Some(Shape::String(text)) => vec![text],
        Some(Shape::Array(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Judges one statement from its effect, actions and resources.
fn grant(effect: Option<&str>, actions: &[&str], resources: &[&str]) -> Option<Grant> {
    let allows = effect.is_none_or(|effect| effect.eq_ignore_ascii_case("allow"));
    if !allows || !resources.contains(&"*") {
        return None;
    }
    if actions.iter().any(|action| *action == "*" || *action == "*:*") {
        Some(Grant::Everything)
    } else if actions.iter().any(|action| action.eq_ignore_ascii_case("iam:*")) {
        Some(Grant::AllOfIam)
    } else {
        None
    }
}

/// The grants of a policy document in IAM's JSON form.
fn document_grants(policy: Node<'_>) -> Vec<Grant> {
    let statements = match policy.get("Statement") {
        Some(statement) if statement.is_object() => vec![statement],
        Some(statements) => statements.as_array().into_iter().flatten().collect(),
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|statement| {
            grant(
                statement.get("Effect").and_then(Node::as_str),
                &strings(statement.get("Action")),
                &strings(statement.get("Resource")),
            )
        })
        .collect()
}

fn report(findings: &mut Findings, pointer: &Pointer, whose: &str, grant: &Grant) {
    match grant {
        Grant::Everything => findings.report(
            "full-admin-policy",
            pointer,
            format!("{whose} allows every action on every resource: administrator access"),
        ),
        Grant::AllOfIam => findings.report(
            "iam-admin-policy",
            pointer,
            format!("{whose} allows every IAM action on every resource, so it can grant itself anything"),
        ),
    }
}

impl Policy for IamLeastPrivilege {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let fix = "Grant the actions the workload calls, on the resources it uses:
```hcl
data \"aws_iam_policy_document\" \"uploader\" {
  statement {
    actions   = [\"s3:PutObject\"]
    resources = [\"${aws_s3_bucket.uploads.arn}/*\"]
  }
}
```
IAM Access Analyzer can generate a policy from the calls a role actually made.";
        let references = &[
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html",
        ];
        tenken_sdk::plugin_info!(
            "IAM policies grant least privilege",
            "No policy grants every action (or every IAM action) on every resource, so a compromised \
             workload cannot take over the account.",
        )
        .kinds(["terraform", "terraform-plan"])
        .rules(vec![
                Rule::new("full-admin-policy", Category::Security, Severity::Critical, "Do not allow Action * on Resource *")
                    .rationale("Action * on Resource * is administrator access: any flaw in the holder becomes control of the account.")
                    .fix(fix)
                    .references(references),
                Rule::new("iam-admin-policy", Category::Security, Severity::High, "Do not allow iam:* on Resource *")
                    .rationale("iam:* on every resource lets the holder attach any policy to itself: administrator access in two steps.")
                    .fix(fix)
                    .references(references),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for resource in resources(document) {
            if POLICY_RESOURCES.contains(&resource.kind) {
                check_policy_argument(&resource, resource.get("policy"), &resource.pointer.key("policy"), findings);
            }
            if resource.kind == "aws_iam_role" {
                for (pointer, inline) in resource.blocks("inline_policy") {
                    check_policy_argument(&resource, inline.get("policy"), &pointer.key("policy"), findings);
                }
            }
        }
        for data in data_sources(document).iter().filter(|data| data.kind == "aws_iam_policy_document") {
            for (pointer, statement) in data.blocks("statement") {
                let found = grant(
                    statement.get("effect").and_then(Node::as_str),
                    &strings(statement.get("actions")),
                    &strings(statement.get("resources")),
                );
                if let Some(found) = found {
                    report(findings, &pointer.key("actions"), &format!("data.{}", data.address()), &found);
                }
            }
        }
    }
}

/// A `policy` argument: JSON text (from `jsonencode` or a heredoc), or the
/// object a plan gives. References (`data...json`) are checked at their
/// data source.
fn check_policy_argument(
    resource: &Resource<'_>,
    policy: Option<Node<'_>>,
    pointer: &Pointer,
    findings: &mut Findings,
) {
    // A policy written inline as JSON text (`jsonencode` is an expression
    // and reads as one) is encoded as a tree of its own to be judged.
    let inline;
    let parsed = match policy {
        Some(object) if object.is_object() => object,
        Some(text) => match text.as_str().filter(|text| text.trim_start().starts_with('{')) {
            Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value) => {
                    inline = tenken_sdk::OwnedTree::new(&value);
                    inline.root()
                }
                Err(_) => return,
            },
            None => return,
        },
        None => return,
    };
    for found in document_grants(parsed) {
        report(findings, pointer, &resource.address(), &found);
    }
}

tenken_sdk::export_policy!(IamLeastPrivilege);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn judges_statements() {
        assert_eq!(grant(None, &["*"], &["*"]), Some(Grant::Everything));
        assert_eq!(grant(Some("Allow"), &["iam:*"], &["*"]), Some(Grant::AllOfIam));
        assert_eq!(grant(Some("Deny"), &["*"], &["*"]), None);
        assert_eq!(grant(Some("Allow"), &["*"], &["arn:aws:s3:::logs/*"]), None);
        assert_eq!(grant(Some("Allow"), &["s3:*"], &["*"]), None);
    }

    #[test]
    fn reads_json_policies_and_policy_documents() {
        let tree = json!({
            "resource": {"aws_iam_policy": {"admin": {"policy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}"}},
                         "aws_iam_role": {"ci": {"inline_policy": [{"policy": "${data.aws_iam_policy_document.ci.json}"}]}}},
            "data": {"aws_iam_policy_document": {"ci": {"statement": [{"actions": ["iam:*"], "resources": ["*"]}]}}}});
        let found: Vec<(String, String)> = check_pointers::<IamLeastPrivilege>("terraform", tree);
        assert_eq!(
            found,
            vec![
                ("full-admin-policy".into(), "/resource/aws_iam_policy/admin/policy".into()),
                ("iam-admin-policy".into(), "/data/aws_iam_policy_document/ci/statement/0/actions".into()),
            ]
        );
    }
}
