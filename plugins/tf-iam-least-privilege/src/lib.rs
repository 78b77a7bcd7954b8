//! # tf-iam-least-privilege
//!
//! Identities get the permissions they use, on every cloud, and no
//! credential outlives its need.
//!
//! - **AWS**: no IAM policy allows every action on every resource
//!   (`Action: "*"` with `Resource: "*"`), every IAM action (`iam:*`, which
//!   lets the holder grant itself anything) or every action of a service
//!   (`s3:*`, `ec2:*`) on every resource. Policies are read wherever they
//!   are statically known: JSON heredocs and strings, and `jsonencode` of
//!   literal values (a policy holding any reference is not read), in
//!   `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`,
//!   `aws_iam_group_policy` and a role's `inline_policy`; and
//!   `data "aws_iam_policy_document"` statements, references and all.
//!   Attaching the AWS managed `AdministratorAccess` or `IAMFullAccess`
//!   policy (`aws_iam_*_policy_attachment`) counts as granting it.
//! - **GCP**: no project, folder or organization IAM member or binding
//!   grants a basic role (`roles/owner`, `roles/editor`).
//! - **Azure**: no role assignment gives Owner, Contributor or User Access
//!   Administrator at the tenant root, a management group or a
//!   subscription, and no custom role definition allows `*`.
//! - **Long-lived keys**: no IAM user access key, GCP service account key,
//!   Azure AD application or service principal password, or Azure
//!   Container Registry admin user is created.
//!
//! - **CloudFormation**: the same AWS rules, on the `PolicyDocument` of
//!   `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` and the inline
//!   `Policies` of roles, users and groups (each statement judged at its
//!   `Action`); `ManagedPolicyArns` attaching `AdministratorAccess` or
//!   `IAMFullAccess`; and `AWS::IAM::AccessKey`.
//!
//! ## Why it matters
//! An administrator grant attached to a CI role, an application's instance
//! profile, a service account or a managed identity turns any flaw in that
//! code (a dependency, an SSRF that reaches instance credentials, a leaked
//! key) into control of the account, project or subscription: data,
//! backups, logs that would show the intrusion, and IAM itself to stay in.
//! Least privilege bounds the damage to what the workload actually needed.
//! A long-lived key is the credential that leaks: it sits in files, CI
//! variables and laptops, and works from anywhere until someone rotates it;
//! federation (OIDC, workload identity, managed identities) issues
//! short-lived credentials instead.

mod cloudformation;

use tenken_sdk::Node;
use tenken_sdk::iam::{statements, strings};
use tenken_sdk::terraform::{Resource, as_bool, data_sources, json_argument, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct IamLeastPrivilege;

/// Resource types whose `policy` argument is an identity policy.
const POLICY_RESOURCES: &[&str] =
    &["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/// Resource types that bind a role to members on a GCP project, folder or
/// organization.
const GCP_IAM_GRANTS: &[&str] = &[
    "google_project_iam_member",
    "google_project_iam_binding",
    "google_folder_iam_member",
    "google_folder_iam_binding",
    "google_organization_iam_member",
    "google_organization_iam_binding",
];

/// GCP's basic roles that write: nearly every permission of every service.
const GCP_BASIC_ROLES: &[&str] = &["roles/owner", "roles/editor"];

/// Azure built-in roles that administer everything in their scope, by name
/// and by the GUID of their definition.
const AZURE_PRIVILEGED_ROLES: &[(&str, &str)] = &[
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
];

/// Resources that create a long-lived secret credential, with what it
/// belongs to.
const LONG_LIVED_KEYS: &[(&str, &str)] = &[
    ("aws_iam_access_key", "an access key of an IAM user"),
    ("google_service_account_key", "a key of a service account"),
    ("azuread_application_password", "a client secret of an application"),
    ("azuread_service_principal_password", "a password of a service principal"),
];

/// What a statement grants, most powerful first.
#[derive(Debug, PartialEq, Eq)]
enum Grant<'a> {
    Everything,
    AllOfIam,
    /// Every action of these services (`s3:*`).
    WholeServices(Vec<&'a str>),
}

/// Judges one statement from its effect, actions and resources.
fn grant<'a>(effect: Option<&str>, actions: &[&'a str], resources: &[&str]) -> Option<Grant<'a>> {
    let allows = effect.is_none_or(|effect| effect.eq_ignore_ascii_case("allow"));
    if !allows || !resources.contains(&"*") {
        return None;
    }
    let whole_service = |action: &&str| {
        action.strip_suffix(":*").is_some_and(|service| {
            !service.is_empty() && service.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    };
    if actions.iter().any(|action| *action == "*" || *action == "*:*") {
        Some(Grant::Everything)
    } else if actions.iter().any(|action| action.eq_ignore_ascii_case("iam:*")) {
        Some(Grant::AllOfIam)
    } else {
        let services: Vec<&str> = actions.iter().copied().filter(whole_service).collect();
        (!services.is_empty()).then_some(Grant::WholeServices(services))
    }
}

/// The grants of a policy document in IAM's JSON form.
fn document_grants<'a>(policy: Node<'a>) -> Vec<Grant<'a>> {
    statements(policy, &Pointer::root())
        .into_iter()
        .filter_map(|(_, statement)| {
            grant(
                statement.get("Effect").and_then(Node::as_str),
                &strings(statement.get("Action")),
                &strings(statement.get("Resource")),
            )
        })
        .collect()
}

/// Resource types that attach a managed policy (`policy_arn`) to an
/// identity.
const POLICY_ATTACHMENTS: &[&str] = &[
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
];

/// What an AWS managed policy grants, for those that grant administrator
/// access, by its ARN in any partition.
fn managed_policy_grant(arn: &str) -> Option<Grant<'static>> {
    match arn.rsplit_once(":iam::aws:policy/")?.1 {
        "AdministratorAccess" => Some(Grant::Everything),
        "IAMFullAccess" => Some(Grant::AllOfIam),
        _ => None,
    }
}

fn report(findings: &mut Findings, pointer: &Pointer, whose: &str, grant: &Grant<'_>) {
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
        Grant::WholeServices(services) => findings.report(
            "service-wide-policy",
            pointer,
            format!(
                "{whose} allows {} on every resource: every action of the service, on every resource of the account",
                services.iter().map(|action| format!("`{action}`")).collect::<Vec<_>>().join(", ")
            ),
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
In a CloudFormation template, the same statement:
```yaml
UploaderPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: \"2012-10-17\"
      Statement:
        - Effect: Allow
          Action: s3:PutObject
          Resource: !Sub \"${UploadsBucket.Arn}/*\"
```
Attach narrow policies rather than the AWS managed `AdministratorAccess`. IAM Access Analyzer can generate a \
policy from the calls a role actually made. On Azure, a custom role lists \
the operations it needs (`Microsoft.Storage/storageAccounts/blobServices/containers/read`), not `*`.";
        let references = &[
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html",
            "https://learn.microsoft.com/azure/role-based-access-control/custom-roles",
        ];
        tenken_sdk::plugin_info!(
            "IAM grants least privilege",
            "No policy, binding or role assignment grants administrator access or every action of a service, \
             and no long-lived key is created, so a compromised workload cannot take over the account.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
                Rule::new("full-admin-policy", Category::Security, Severity::Critical, "Do not grant every action on every resource")
                    .rationale("Every action on every resource is administrator access: any flaw in the holder becomes control of the account.")
                    .fix(fix)
                    .references(references),
                Rule::new("iam-admin-policy", Category::Security, Severity::High, "Do not allow iam:* on Resource *")
                    .rationale("iam:* on every resource lets the holder attach any policy to itself: administrator access in two steps.")
                    .fix(fix)
                    .references(references),
                Rule::new("service-wide-policy", Category::Security, Severity::High, "Do not allow every action of a service on Resource *")
                    .rationale("s3:* on every resource reads, rewrites and deletes every bucket of the account; ec2:* or lambda:* \
                                 runs and removes anything. A flaw in the holder reaches all of it.")
                    .fix(fix)
                    .references(references),
                Rule::new("basic-role", Category::Security, Severity::High, "Do not grant GCP basic roles (owner, editor)")
                    .rationale("roles/owner and roles/editor hold nearly every permission of every service in the project, \
                                 folder or organization; a workload or person with one can read and change everything there.")
                    .fix("Grant the predefined roles of the services used, on the narrowest resource:
```hcl
resource \"google_project_iam_member\" \"uploader\" {
  project = var.project
  role    = \"roles/storage.objectCreator\"
  member  = \"serviceAccount:${google_service_account.uploader.email}\"
}
```
IAM Recommender proposes smaller roles from what a principal actually used.")
                    .references(&[
                        "https://cloud.google.com/iam/docs/roles-overview#basic",
                        "https://cloud.google.com/iam/docs/using-iam-securely#least_privilege",
                        "https://cloud.google.com/policy-intelligence/docs/role-recommendations-overview",
                    ]),
                Rule::new("privileged-role-at-broad-scope", Category::Security, Severity::High,
                          "Do not assign Owner, Contributor or User Access Administrator on a subscription or management group")
                    .rationale("These roles administer every resource in their scope, and Owner and User Access Administrator \
                                 can grant access to anyone; assigned on a subscription or management group, a compromised \
                                 identity controls all of it.")
                    .fix("Assign a role that covers what the identity does, on the resource group or resource it works on:
```hcl
resource \"azurerm_role_assignment\" \"deployer\" {
  scope                = azurerm_resource_group.app.id
  role_definition_name = \"Website Contributor\"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
}
```
Use Privileged Identity Management for the few people who need Owner, just in time.")
                    .references(&[
                        "https://learn.microsoft.com/azure/role-based-access-control/best-practices",
                        "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles",
                    ]),
                Rule::new("long-lived-key", Category::Security, Severity::Medium, "Do not create long-lived access keys")
                    .rationale("A key lives in files, CI variables and laptops and works from anywhere until rotated; most \
                                 cloud credential leaks are such keys. Federation issues credentials that expire in an hour.")
                    .fix("Let workloads and CI federate instead: an IAM role assumed through OIDC (GitHub Actions, \
                          EKS service accounts), GCP Workload Identity Federation, or an Azure managed identity or \
                          federated credential:
```hcl
resource \"azuread_application_federated_identity_credential\" \"ci\" {
  application_id = azuread_application.ci.id
  display_name   = \"github-main\"
  issuer         = \"https://token.actions.githubusercontent.com\"
  subject        = \"repo:example/shop:ref:refs/heads/main\"
  audiences      = [\"api://AzureADTokenExchange\"]
}
```")
                    .references(&[
                        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles",
                        "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys",
                        "https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
                    ]),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            cloudformation::check(document, findings);
            return;
        }
        for resource in resources(document) {
            check_gcp_basic_role(&resource, findings);
            check_azure_role(&resource, findings);
            if resource.kind == "azurerm_container_registry" && as_bool(resource.get("admin_enabled")) == Some(true) {
                findings.report(
                    "long-lived-key",
                    &resource.pointer.key("admin_enabled"),
                    format!("{} enables its admin user, a shared long-lived password", resource.address()),
                );
            }
            if let Some((_, what)) = LONG_LIVED_KEYS.iter().find(|(kind, _)| *kind == resource.kind) {
                findings.report(
                    "long-lived-key",
                    &resource.pointer,
                    format!("{} creates {what}, a long-lived credential", resource.address()),
                );
            }
            if POLICY_ATTACHMENTS.contains(&resource.kind)
                && let Some(found) = resource.get("policy_arn").and_then(Node::as_str).and_then(managed_policy_grant)
            {
                let policy = resource
                    .get("policy_arn")
                    .and_then(Node::as_str)
                    .and_then(|arn| arn.rsplit_once('/'))
                    .map_or("policy", |(_, policy)| policy);
                let whose = format!("{} attaches the AWS managed `{policy}`, which", resource.address());
                report(findings, &resource.pointer.key("policy_arn"), &whose, &found);
            }
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

/// A GCP IAM member or binding of a basic role.
fn check_gcp_basic_role(resource: &Resource<'_>, findings: &mut Findings) {
    if !GCP_IAM_GRANTS.contains(&resource.kind) {
        return;
    }
    let Some(role) = resource.get("role").and_then(Node::as_str) else { return };
    if GCP_BASIC_ROLES.contains(&role) {
        let scope = resource.kind.trim_start_matches("google_").split('_').next().unwrap_or("project");
        findings.report(
            "basic-role",
            &resource.pointer.key("role"),
            format!("{} grants {role}, a basic role over nearly every service of the {scope}", resource.address()),
        );
    }
}

/// An Azure role assignment of an administering role at a subscription or
/// management group, and a custom role that allows every action.
fn check_azure_role(resource: &Resource<'_>, findings: &mut Findings) {
    match resource.kind {
        "azurerm_role_assignment" => {
            let by_name = resource.get("role_definition_name").and_then(Node::as_str).and_then(|name| {
                AZURE_PRIVILEGED_ROLES.iter().find(|(role, _)| role.eq_ignore_ascii_case(name.trim()))
            });
            let by_id = resource
                .get("role_definition_id")
                .and_then(Node::as_str)
                .and_then(|id| AZURE_PRIVILEGED_ROLES.iter().find(|(_, guid)| id.to_ascii_lowercase().ends_with(guid)));
            let Some((role, _)) = by_name.or(by_id) else { return };
            let Some(scope) = resource.get("scope").and_then(Node::as_str) else { return };
            if let Some(scope_kind) = broad_azure_scope(scope) {
                findings.report(
                    "privileged-role-at-broad-scope",
                    &resource.pointer.key("scope"),
                    format!("{} assigns {role} on a whole {scope_kind}", resource.address()),
                );
            }
        }
        "azurerm_role_definition" => {
            for (pointer, permissions) in resource.blocks("permissions") {
                if strings(permissions.get("actions")).contains(&"*") {
                    findings.report(
                        "full-admin-policy",
                        &pointer.key("actions"),
                        format!("{} allows every action (`*`) in its assignable scopes", resource.address()),
                    );
                }
            }
        }
        _ => {}
    }
}

/// "subscription" or "management group" when `scope` is one: an ID such as
/// `/subscriptions/<id>`, or a reference to an `azurerm_subscription` or
/// `azurerm_management_group`'s `id`.
fn broad_azure_scope(scope: &str) -> Option<&'static str> {
    let scope = scope.trim();
    let reference = scope.strip_prefix("${").and_then(|inner| inner.strip_suffix('}'));
    if let Some(reference) = reference {
        let reference = reference.trim().trim_start_matches("data.");
        if reference.starts_with("azurerm_subscription.") && reference.ends_with(".id") {
            return Some("subscription");
        }
        if reference.starts_with("azurerm_management_group.") && reference.ends_with(".id") {
            return Some("management group");
        }
        return None;
    }
    let parts: Vec<&str> = scope.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["", "subscriptions", id] if !id.is_empty() => Some("subscription"),
        ["", "providers", provider, "managementGroups", id]
            if provider.eq_ignore_ascii_case("Microsoft.Management") && !id.is_empty() =>
        {
            Some("management group")
        }
        [""] => Some("tenant root"),
        _ => None,
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
    // A policy written inline as JSON text (a heredoc, or `jsonencode` of
    // literals) is decoded to be judged; a reference is judged at its
    // data source.
    let Some(policy) = json_argument(policy) else { return };
    let parsed = policy.root();
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
        assert_eq!(grant(Some("Allow"), &["s3:*", "ec2:Describe*"], &["*"]), Some(Grant::WholeServices(vec!["s3:*"])));
        assert_eq!(grant(Some("Allow"), &["s3:*"], &["arn:aws:s3:::logs"]), None);
        assert_eq!(grant(Some("Allow"), &["s3:Get*"], &["*"]), None);
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

    #[test]
    fn azure_scopes_are_told_by_their_ids_and_references() {
        assert_eq!(broad_azure_scope("/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"), Some("subscription"));
        assert_eq!(broad_azure_scope("${data.azurerm_subscription.primary.id}"), Some("subscription"));
        assert_eq!(
            broad_azure_scope("/providers/Microsoft.Management/managementGroups/platform"),
            Some("management group")
        );
        assert_eq!(broad_azure_scope("/subscriptions/0b1f/resourceGroups/app"), None);
        assert_eq!(broad_azure_scope("${azurerm_resource_group.app.id}"), None);
        assert_eq!(broad_azure_scope("${data.azurerm_subscription.primary.id}/resourceGroups/app"), None);
    }

    #[test]
    fn gcp_azure_and_key_grants_are_found() {
        let tree = json!({"resource": {
            "google_project_iam_member": {"ci": {"role": "roles/editor", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"}},
            "google_folder_iam_binding": {"ok": {"role": "roles/logging.viewer", "members": []}},
            "azurerm_role_assignment": {"ci": {"scope": "${data.azurerm_subscription.primary.id}", "role_definition_name": "owner"}},
            "azurerm_role_definition": {"all": {"permissions": [{"actions": ["*"]}]}},
            "aws_iam_access_key": {"deployer": {"user": "${aws_iam_user.deployer.name}"}}}});
        let found: Vec<(String, String)> = check_pointers::<IamLeastPrivilege>("terraform", tree);
        assert_eq!(
            found,
            vec![
                ("basic-role".into(), "/resource/google_project_iam_member/ci/role".into()),
                ("privileged-role-at-broad-scope".into(), "/resource/azurerm_role_assignment/ci/scope".into()),
                ("full-admin-policy".into(), "/resource/azurerm_role_definition/all/permissions/0/actions".into()),
                ("long-lived-key".into(), "/resource/aws_iam_access_key/deployer".into()),
            ]
        );
    }
}
