//! # tf-kubernetes-control-plane
//!
//! Managed Kubernetes control planes, on each cloud:
//!
//! | rule | EKS (`aws_eks_cluster`) | GKE (`google_container_cluster`) | AKS (`azurerm_kubernetes_cluster`) |
//! |---|---|---|---|
//! | `public-endpoint` | `vpc_config` leaves `endpoint_public_access` on (the default) with `public_access_cidrs` unset or `0.0.0.0/0`/`::/0` | no `master_authorized_networks_config` (or one allowing `0.0.0.0/0` or `::/0`), no private endpoint, and no `control_plane_endpoints_config` turning the public IP endpoint off | not `private_cluster_enabled`, and no authorized IP ranges (or `0.0.0.0/0`) |
//! | `legacy-authentication` | | `enable_legacy_abac = true`, or `issue_client_certificate = true` | `role_based_access_control_enabled = false`, or local accounts not disabled (`local_account_disabled = true`) |
//! | `control-plane-logs-off` | `enabled_cluster_log_types` without `audit` | `logging_service = "none"`, or `logging_config` with no components | (logs go through a diagnostic setting, a resource of its own) |
//! | `secrets-not-encrypted` | no `encryption_config` for `secrets` | no `database_encryption` with `state = "ENCRYPTED"` | no `key_management_service` |
//!
//! A call of the `terraform-aws-modules/eks/aws` registry module is judged
//! at the call: `endpoint_public_access = true` (or
//! `cluster_endpoint_public_access`, before v21) without
//! `endpoint_public_access_cidrs` that exclude `0.0.0.0/0` is a public
//! endpoint; the module's defaults keep audit logs and encrypt Secrets.
//!
//! EKS clusters of CloudFormation templates (`AWS::EKS::Cluster`) are held
//! to the same rules, through `ResourcesVpcConfig`
//! (`EndpointPublicAccess`, `PublicAccessCidrs`),
//! `Logging.ClusterLogging.EnabledTypes` and `EncryptionConfig`.
//!
//! A setting given by a variable, or a block written as `dynamic`, is given
//! the benefit of the doubt, as tenken does for every Terraform expression;
//! so is a value made by a CloudFormation intrinsic function.
//!
//! ## Why it matters
//! The API server is the key to every workload, Secret and node of the
//! cluster. Reachable from any address, it faces credential stuffing and
//! every API server vulnerability before a patch lands; an allow list or a
//! private endpoint takes it off the internet. Legacy authentication (ABAC,
//! client certificates, local admin accounts) bypasses the identity
//! provider: it cannot be revoked per person, is not tied to MFA, and a
//! leaked credential works until the cluster's CA rotates. Control plane
//! audit logs are the only record of who read a Secret or exec'ed into a
//! pod. Envelope encryption of Secrets with a key of yours puts their
//! plaintext behind a key policy you audit and can revoke.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{
    ModuleCall, Resource, as_bool, block, blocks, has_dynamic_block, is_expression, module_calls, resources,
};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, RuleFamily, Severity};

/// The plugin.
pub struct ControlPlane;

const PUBLIC_CIDRS: &[&str] = &["0.0.0.0/0", "::/0"];

const FIX: &str = "```hcl
resource \"aws_eks_cluster\" \"main\" {
  # ...
  enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\"]
  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }
  encryption_config {
    resources = [\"secrets\"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}

resource \"google_container_cluster\" \"main\" {
  # ...
  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = \"10.0.0.0/8\"
      display_name = \"internal\"
    }
  }
  database_encryption {
    state    = \"ENCRYPTED\"
    key_name = google_kms_crypto_key.gke.id
  }
}

resource \"azurerm_kubernetes_cluster\" \"main\" {
  # ...
  private_cluster_enabled           = true
  local_account_disabled            = true
  role_based_access_control_enabled = true
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
  key_management_service {
    key_vault_key_id = azurerm_key_vault_key.aks.id
  }
}
```
An EKS cluster in a CloudFormation template:
```yaml
Cluster:
  Type: AWS::EKS::Cluster
  Properties:
    # ...
    ResourcesVpcConfig:
      SubnetIds: !Ref PrivateSubnets
      EndpointPrivateAccess: true
      EndpointPublicAccess: false
    Logging:
      ClusterLogging:
        EnabledTypes: [{Type: api}, {Type: audit}, {Type: authenticator}]
    EncryptionConfig:
      - Provider: {KeyArn: !GetAtt ClusterKey.Arn}
        Resources: [secrets]
```";

const REFERENCES: &[&str] = &[
    "https://docs.aws.amazon.com/eks/latest/best-practices/control-plane.html",
    "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
    "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
    "https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster",
    "https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks",
    "https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets",
    "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
    "https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",
    "https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption",
];

impl Policy for ControlPlane {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let security = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes control planes are private, authenticated, logged and encrypted",
            "EKS, GKE and AKS API servers are private or allow-listed, accept no legacy credentials, keep \
             audit logs and encrypt Secrets with a key of yours.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            security.rule(
                "public-endpoint",
                Severity::High,
                "Keep the Kubernetes API server off the internet, or allow-list who reaches it",
                "An API server reachable from any address faces credential stuffing and every API server flaw \
                 before the patch lands.",
            ),
            security.rule(
                "legacy-authentication",
                Severity::High,
                "Do not allow legacy authentication to the cluster (ABAC, client certificates, local accounts)",
                "Legacy credentials bypass the identity provider: they cannot be revoked per person, skip MFA, and \
                 a leaked one works until the cluster's CA rotates.",
            ),
            security.rule(
                "control-plane-logs-off",
                Severity::Medium,
                "Keep control plane audit logs",
                "Audit logs are the only record of who read a Secret, changed a role or exec'ed into a pod.",
            ),
            security.rule(
                "secrets-not-encrypted",
                Severity::Medium,
                "Encrypt Kubernetes Secrets with a key of yours",
                "Envelope encryption puts the Secrets in etcd and its backups behind a key policy you audit and \
                 can revoke.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            for cluster in cloudformation::resources_of(document, "AWS::EKS::Cluster") {
                check_eks_cloudformation(&cluster, findings);
            }
            return;
        }
        for call in module_calls(document) {
            if call.registry_module() == Some("terraform-aws-modules/eks/aws") {
                check_eks_module(&call, findings);
            }
        }
        for resource in resources(document) {
            match resource.kind {
                "aws_eks_cluster" => check_eks(&resource, findings),
                "google_container_cluster" => check_gke(&resource, findings),
                "azurerm_kubernetes_cluster" => check_aks(&resource, findings),
                _ => {}
            }
        }
    }
}

/// Whether `body` has the block `name`, literal or `dynamic`. A plan
/// (`terraform show -json`) gives an absent block as `[]`.
fn has_block(body: Node<'_>, name: &str) -> bool {
    let literal = body.get(name).is_some_and(|block| match block.shape() {
        Shape::Array(items) => !items.is_empty(),
        _ => true,
    });
    literal || has_dynamic_block(body, name)
}

/// The strings of a list argument, or `None` when it is an expression.
fn string_list(value: Node<'_>) -> Option<Vec<&str>> {
    match value.shape() {
        Shape::Array(items) => Some(items.iter().filter_map(Node::as_str).collect()),
        _ => None,
    }
}

fn report(findings: &mut Findings, rule: &str, pointer: &Pointer, resource: &Resource<'_>, what: &str) {
    findings.report(rule, pointer, format!("{} {what}", resource.address()));
}

fn check_eks(resource: &Resource<'_>, findings: &mut Findings) {
    let body = resource.body;
    if let Some((pointer, vpc)) = block(body, &resource.pointer, "vpc_config") {
        // Public access is on unless turned off (or left to a variable).
        let public_access = vpc.get("endpoint_public_access");
        let turned_off =
            public_access.is_some_and(|value| as_bool(Some(value)) == Some(false) || is_expression(Some(value)));
        let cidrs = vpc.get("public_access_cidrs");
        // Without an allow list, EKS allows 0.0.0.0/0.
        let open_to_all = cidrs.is_none_or(|cidrs| {
            string_list(cidrs).is_some_and(|cidrs| cidrs.iter().any(|cidr| PUBLIC_CIDRS.contains(cidr)))
        });
        if !turned_off && open_to_all {
            // At the setting that opens it, else at the block that lacks one.
            let at = match (cidrs, public_access) {
                (Some(_), _) => pointer.key("public_access_cidrs"),
                (None, Some(_)) => pointer.key("endpoint_public_access"),
                (None, None) => resource.pointer.key("vpc_config"),
            };
            report(findings, "public-endpoint", &at, resource, "serves its API server to every address");
        }
    }
    match body.get("enabled_cluster_log_types") {
        None => report(
            findings,
            "control-plane-logs-off",
            &resource.pointer.key("enabled_cluster_log_types"),
            resource,
            "sends no control plane logs: enabled_cluster_log_types is not set",
        ),
        Some(types) => {
            if string_list(types).is_some_and(|types| !types.contains(&"audit")) {
                report(
                    findings,
                    "control-plane-logs-off",
                    &resource.pointer.key("enabled_cluster_log_types"),
                    resource,
                    "does not keep audit logs: enabled_cluster_log_types lacks \"audit\"",
                );
            }
        }
    }
    let encrypts_secrets = resource.has_dynamic_block("encryption_config")
        || blocks(body, &resource.pointer, "encryption_config").iter().any(|(_, config)| {
            config.get("resources").is_some_and(|listed| {
                is_expression(Some(listed)) || string_list(listed).is_some_and(|listed| listed.contains(&"secrets"))
            })
        });
    if !encrypts_secrets {
        report(
            findings,
            "secrets-not-encrypted",
            &resource.pointer.key("encryption_config"),
            resource,
            "does not envelope-encrypt Secrets with a KMS key of yours: no encryption_config for secrets",
        );
    }
}

/// An EKS cluster of a CloudFormation template (`AWS::EKS::Cluster`), by
/// the same rules as `aws_eks_cluster`. Values made by intrinsic functions
/// are not judged.
fn check_eks_cloudformation(cluster: &cloudformation::Resource<'_>, findings: &mut Findings) {
    use cloudformation::is_intrinsic;
    let name = cluster.describe();
    let mut report =
        |rule: &str, pointer: Pointer, what: &str| findings.report(rule, &pointer, format!("{name} {what}"));
    let vpc_pointer = cluster.property_pointer("ResourcesVpcConfig");
    let vpc = cluster.property("ResourcesVpcConfig");
    if let Some(vpc) = vpc.filter(|vpc| !is_intrinsic(Some(*vpc))) {
        let public_access = vpc.get("EndpointPublicAccess");
        let turned_off = cloudformation::as_bool(public_access) == Some(false) || is_intrinsic(public_access);
        let cidrs = vpc.get("PublicAccessCidrs");
        let open_to_all = cidrs.is_none_or(|cidrs| {
            string_list(cidrs).is_some_and(|cidrs| cidrs.iter().any(|cidr| PUBLIC_CIDRS.contains(cidr)))
        });
        if !turned_off && open_to_all {
            let at = match (cidrs, public_access) {
                (Some(_), _) => vpc_pointer.key("PublicAccessCidrs"),
                (None, Some(_)) => vpc_pointer.key("EndpointPublicAccess"),
                (None, None) => vpc_pointer,
            };
            report("public-endpoint", at, "serves its API server to every address");
        }
    }
    let logging = cluster.property("Logging");
    let types = logging.and_then(|logging| logging.get("ClusterLogging")?.get("EnabledTypes"));
    let logs_audit = types.and_then(Node::as_array).is_some_and(|types| {
        types.iter().any(|entry| entry.get("Type").and_then(Node::as_str) == Some("audit") || is_intrinsic(Some(entry)))
    });
    if !logs_audit && !is_intrinsic(logging) && !is_intrinsic(types) {
        let what = if types.is_some() {
            "does not keep audit logs: Logging.ClusterLogging.EnabledTypes lacks audit"
        } else {
            "sends no control plane logs: Logging.ClusterLogging.EnabledTypes is not set"
        };
        report("control-plane-logs-off", cluster.property_pointer("Logging"), what);
    }
    let encryption = cluster.property("EncryptionConfig");
    let encrypts_secrets = is_intrinsic(encryption)
        || encryption.and_then(Node::as_array).is_some_and(|configs| {
            configs.iter().any(|config| {
                let listed = config.get("Resources");
                is_intrinsic(listed) || listed.and_then(string_list).is_some_and(|listed| listed.contains(&"secrets"))
            })
        });
    if !encrypts_secrets {
        report(
            "secrets-not-encrypted",
            cluster.property_pointer("EncryptionConfig"),
            "does not envelope-encrypt Secrets with a KMS key of yours: no EncryptionConfig for secrets",
        );
    }
}

/// A call of the `terraform-aws-modules/eks/aws` registry module, judged
/// by its inputs: the module's code is not here. It turns the public
/// endpoint on only when asked (`endpoint_public_access`, named
/// `cluster_endpoint_public_access` before v21), and then allows
/// `0.0.0.0/0` unless its CIDR input narrows it. Its defaults already keep
/// audit logs and encrypt Secrets with a key it creates, so only the
/// endpoint is judged.
fn check_eks_module(call: &ModuleCall<'_>, findings: &mut Findings) {
    let Some((pointer, public)) = call.input(&["endpoint_public_access", "cluster_endpoint_public_access"]) else {
        return;
    };
    if as_bool(Some(public)) != Some(true) {
        return;
    }
    let cidrs = call.input(&["endpoint_public_access_cidrs", "cluster_endpoint_public_access_cidrs"]);
    let open_to_all = cidrs.as_ref().is_none_or(|(_, cidrs)| {
        string_list(*cidrs).is_some_and(|cidrs| cidrs.iter().any(|cidr| PUBLIC_CIDRS.contains(cidr)))
    });
    if open_to_all {
        let has_list = cidrs.is_some();
        let at = cidrs.map_or(pointer, |(pointer, _)| pointer);
        findings.report(
            "public-endpoint",
            &at,
            format!(
                "module.{} (terraform-aws-modules/eks/aws) serves its API server to every address: public access \
                 is on {}",
                call.name,
                if has_list { "and its allow list includes 0.0.0.0/0" } else { "with no CIDR allow list" }
            ),
        );
    }
}

fn check_gke(resource: &Resource<'_>, findings: &mut Findings) {
    let body = resource.body;
    let private_endpoint = block(body, &resource.pointer, "private_cluster_config").is_some_and(|(_, config)| {
        config.get("enable_private_endpoint").is_some_and(|value| as_bool(Some(value)) != Some(false))
    }) || resource.has_dynamic_block("private_cluster_config")
        || public_ip_endpoint_off(resource);
    if !private_endpoint {
        match block(body, &resource.pointer, "master_authorized_networks_config") {
            Some((pointer, networks)) => {
                for (cidr_pointer, cidr) in blocks(networks, &pointer, "cidr_blocks") {
                    if cidr.get("cidr_block").and_then(Node::as_str).is_some_and(|cidr| PUBLIC_CIDRS.contains(&cidr)) {
                        report(
                            findings,
                            "public-endpoint",
                            &cidr_pointer.key("cidr_block"),
                            resource,
                            "authorizes every address to reach its control plane",
                        );
                    }
                }
            }
            None if !has_block(body, "master_authorized_networks_config") => report(
                findings,
                "public-endpoint",
                &resource.pointer.key("master_authorized_networks_config"),
                resource,
                "serves its control plane to every address: no master_authorized_networks_config",
            ),
            None => {}
        }
    }
    if as_bool(body.get("enable_legacy_abac")) == Some(true) {
        report(
            findings,
            "legacy-authentication",
            &resource.pointer.key("enable_legacy_abac"),
            resource,
            "enables legacy ABAC, which grants by static policy outside Kubernetes RBAC",
        );
    }
    if let Some((auth, master_auth)) = block(body, &resource.pointer, "master_auth")
        && let Some((certificate, config)) = block(master_auth, &auth, "client_certificate_config")
        && as_bool(config.get("issue_client_certificate")) == Some(true)
    {
        report(
            findings,
            "legacy-authentication",
            &certificate.key("issue_client_certificate"),
            resource,
            "issues a client certificate, a credential that cannot be revoked",
        );
    }
    if body.get("logging_service").and_then(Node::as_str) == Some("none") {
        report(
            findings,
            "control-plane-logs-off",
            &resource.pointer.key("logging_service"),
            resource,
            "turns logging off: logging_service is \"none\"",
        );
    }
    if let Some((pointer, config)) = block(body, &resource.pointer, "logging_config")
        && config.get("enable_components").and_then(string_list).is_some_and(|components| components.is_empty())
    {
        report(findings, "control-plane-logs-off", &pointer.key("enable_components"), resource, "logs no component");
    }
    match block(body, &resource.pointer, "database_encryption") {
        Some((pointer, encryption)) => {
            if let Some(state) = encryption.get("state")
                && !is_expression(Some(state))
                && state.as_str() != Some("ENCRYPTED")
            {
                report(
                    findings,
                    "secrets-not-encrypted",
                    &pointer.key("state"),
                    resource,
                    "does not encrypt Secrets with a Cloud KMS key: database_encryption is not ENCRYPTED",
                );
            }
        }
        None if !has_block(body, "database_encryption") => report(
            findings,
            "secrets-not-encrypted",
            &resource.pointer.key("database_encryption"),
            resource,
            "does not encrypt Secrets with a Cloud KMS key: no database_encryption",
        ),
        None => {}
    }
}

/// Whether the newer `control_plane_endpoints_config` turns the public IP
/// endpoint off (`ip_endpoints_config { enabled = false }`), leaving the
/// DNS endpoint, which IAM guards; a `dynamic` block is given the benefit
/// of the doubt.
fn public_ip_endpoint_off(resource: &Resource<'_>) -> bool {
    if resource.has_dynamic_block("control_plane_endpoints_config") {
        return true;
    }
    let Some((pointer, endpoints)) = block(resource.body, &resource.pointer, "control_plane_endpoints_config") else {
        return false;
    };
    if has_dynamic_block(endpoints, "ip_endpoints_config") {
        return true;
    }
    block(endpoints, &pointer, "ip_endpoints_config").is_some_and(|(_, ip)| {
        let enabled = ip.get("enabled");
        as_bool(enabled) == Some(false) || is_expression(enabled)
    })
}

fn check_aks(resource: &Resource<'_>, findings: &mut Findings) {
    let body = resource.body;
    let private = body.get("private_cluster_enabled").is_some_and(|value| as_bool(Some(value)) != Some(false));
    if !private {
        let profile = block(body, &resource.pointer, "api_server_access_profile");
        let ranges = profile
            .as_ref()
            .and_then(|(pointer, profile)| {
                Some((pointer.key("authorized_ip_ranges"), profile.get("authorized_ip_ranges")?))
            })
            .or_else(|| {
                Some((
                    resource.pointer.key("api_server_authorized_ip_ranges"),
                    body.get("api_server_authorized_ip_ranges")?,
                ))
            });
        let dynamic_profile = resource.has_dynamic_block("api_server_access_profile");
        match ranges {
            Some((pointer, ranges)) => {
                let listed = string_list(ranges);
                if listed
                    .as_ref()
                    .is_some_and(|listed| listed.is_empty() || listed.iter().any(|cidr| PUBLIC_CIDRS.contains(cidr)))
                {
                    report(findings, "public-endpoint", &pointer, resource, "serves its API server to every address");
                }
            }
            None if !dynamic_profile => report(
                findings,
                "public-endpoint",
                &resource.pointer.key("private_cluster_enabled"),
                resource,
                "serves its API server to every address: not private, and no authorized IP ranges",
            ),
            None => {}
        }
    }
    if as_bool(body.get("role_based_access_control_enabled")) == Some(false) {
        report(
            findings,
            "legacy-authentication",
            &resource.pointer.key("role_based_access_control_enabled"),
            resource,
            "turns Kubernetes RBAC off",
        );
    }
    let local_accounts = body.get("local_account_disabled");
    if local_accounts.is_none_or(|value| as_bool(Some(value)) == Some(false)) {
        report(
            findings,
            "legacy-authentication",
            &resource.pointer.key("local_account_disabled"),
            resource,
            "keeps local accounts: an admin kubeconfig that bypasses Entra ID",
        );
    }
    if !has_block(body, "key_management_service") {
        report(
            findings,
            "secrets-not-encrypted",
            &resource.pointer.key("key_management_service"),
            resource,
            "does not encrypt Secrets with a Key Vault key: no key_management_service",
        );
    }
}

tenken_sdk::export_policy!(ControlPlane);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn a_plan_gives_absent_blocks_as_empty_lists() {
        let tree = json!({"planned_values": {"root_module": {"resources": [
            {"mode": "managed", "type": "google_container_cluster", "name": "main", "values": {
                "master_authorized_networks_config": [], "private_cluster_config": [],
                "control_plane_endpoints_config": [],
                "database_encryption": [{"state": "ENCRYPTED", "key_name": "k"}]}}]}}});
        let found: Vec<(String, String)> = check_pointers::<ControlPlane>("terraform-plan", tree);
        assert_eq!(
            found,
            vec![(
                "public-endpoint".into(),
                "/planned_values/root_module/resources/0/values/master_authorized_networks_config".into()
            )]
        );
    }
}
