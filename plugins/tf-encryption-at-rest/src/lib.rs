//! # tf-encryption-at-rest
//!
//! Data services encrypt what they store, with the argument each resource
//! type uses:
//!
//! | resource | encrypted when |
//! |---|---|
//! | `aws_ebs_volume` | `encrypted = true` |
//! | `aws_instance` | every `root_block_device` and `ebs_block_device` has `encrypted = true` |
//! | `aws_efs_file_system` | `encrypted = true` |
//! | `aws_dynamodb_table` | `server_side_encryption { enabled = true }` (a customer or AWS managed KMS key) |
//! | `aws_sns_topic` | `kms_master_key_id` is set |
//! | `aws_sqs_queue` | not `sqs_managed_sse_enabled = false` without a `kms_master_key_id`: SQS encrypts new queues with SSE-SQS by default (since 2022) |
//! | `aws_elasticache_replication_group` | `at_rest_encryption_enabled = true` |
//! | `aws_neptune_cluster`, `aws_docdb_cluster` | `storage_encrypted = true` |
//! | `aws_redshift_cluster` | not `encrypted = false` (Redshift encrypts new clusters by default since 2025) |
//! | `aws_opensearch_domain`, `aws_elasticsearch_domain` | `encrypt_at_rest { enabled = true }` |
//!
//! An `aws_instance` without a `root_block_device` block gets an
//! unencrypted root volume, unless EBS encryption by default is on: it is
//! reported unless the same file turns `aws_ebs_encryption_by_default` on,
//! which also covers block devices that do not set `encrypted`.
//!
//! In transit (`unencrypted-in-transit`): ElastiCache replication groups set
//! `transit_encryption_enabled = true`; OpenSearch and Elasticsearch domains
//! enable `node_to_node_encryption` and have `domain_endpoint_options` that
//! do not turn off `enforce_https` (true by default inside the block); MSK
//! clusters do not let clients speak plaintext (`client_broker` is `TLS`).
//!
//! Key rotation (`key-rotation-off`): symmetric `aws_kms_key`s set
//! `enable_key_rotation = true`.
//!
//! On GCP and Azure, which encrypt storage at rest by default with no way
//! to turn it off, `unencrypted-in-transit` reads what a configuration can
//! get wrong: Azure storage accounts that accept plain HTTP
//! (`https_traffic_only_enabled = false`) or TLS below 1.2, Redis caches
//! with the plaintext port open or a `minimum_tls_version` below 1.2, SQL,
//! PostgreSQL, MySQL and MariaDB servers that do not enforce TLS (or
//! accept TLS 1.0 and 1.1, or whose flexible server sets
//! `require_secure_transport` off), App Service and Function apps without
//! `https_only = true` or with a `site_config` minimum TLS below 1.2; Cloud SQL instances whose `ssl_mode`
//! allows unencrypted connections (explicitly, `require_ssl = false`, or
//! by default while `authorized_networks` can connect directly), and
//! `google_compute_ssl_policy` below TLS 1.2 (TLS 1.0 when not set).
//!
//! CloudFormation templates are held to the same practices, with each
//! type's properties: `Encrypted` of `AWS::EC2::Volume` and
//! `AWS::EFS::FileSystem`, each `Ebs` of an `AWS::EC2::Instance`'s
//! `BlockDeviceMappings` (an instance without any is reported as above),
//! `AtRestEncryptionEnabled` and `TransitEncryptionEnabled` of ElastiCache
//! replication groups, `StorageEncrypted` of Neptune and DocumentDB
//! clusters, `Encrypted: false` of Redshift, `EncryptionAtRestOptions`,
//! `NodeToNodeEncryptionOptions` and `DomainEndpointOptions.EnforceHTTPS`
//! (false by default in CloudFormation) of OpenSearch and Elasticsearch
//! domains, `KmsMasterKeyId` of SNS topics, `SqsManagedSseEnabled: false`
//! of SQS queues, `SSESpecification.SSEEnabled` of DynamoDB tables,
//! `ClientBroker` of MSK clusters, and `EnableKeyRotation` of KMS keys.
//! Values made by intrinsic functions are not judged.
//!
//! ## Why it matters
//! Encryption at rest is what keeps data safe outside the service: in a
//! snapshot shared by mistake, a volume detached and attached elsewhere, a
//! decommissioned disk, a backup copied to another account. With a KMS key
//! the key policy also becomes a second access control, and its use is
//! logged in CloudTrail. Many compliance regimes require it, and it costs
//! almost nothing to enable at creation, but requires a migration later.

mod cloudformation;
mod gcp_azure;

use tenken_sdk::Node;
use tenken_sdk::terraform::{Resource, as_bool, blocks, is_expression, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct EncryptionAtRest;

fn flag_is_true(resource: &Resource<'_>, field: &str) -> bool {
    as_bool(resource.get(field)) == Some(true)
        || resource.get(field).is_some_and(|value| value.as_str().is_some_and(|text| text.contains("${")))
}

fn report(findings: &mut Findings, resource: &Resource<'_>, field: &str, what: &str) {
    findings.report("unencrypted-at-rest", &resource.pointer.key(field), format!("{} {what}", resource.address()));
}

/// Whether a nested block's flag is on (or left to an expression): `block
/// { field = true }`.
fn block_flag_is_true(resource: &Resource<'_>, block: &str, field: &str) -> bool {
    resource.blocks(block).iter().any(|(_, body)| {
        as_bool(body.get(field)) == Some(true)
            || body.get(field).and_then(Node::as_str).is_some_and(|text| text.contains("${"))
    })
}

/// Whether the document turns EBS encryption by default on, which covers
/// instances' root volumes.
fn encrypts_ebs_by_default(resources: &[Resource<'_>]) -> bool {
    resources.iter().any(|resource| {
        resource.kind == "aws_ebs_encryption_by_default" && as_bool(resource.get("enabled")) != Some(false)
    })
}

fn check_in_transit(resource: &Resource<'_>, findings: &mut Findings) {
    let mut report = |pointer: Pointer, what: &str| {
        findings.report("unencrypted-in-transit", &pointer, format!("{} {what}", resource.address()));
    };
    match resource.kind {
        "aws_elasticache_replication_group" if !flag_is_true(resource, "transit_encryption_enabled") => {
            report(
                resource.pointer.key("transit_encryption_enabled"),
                "sends data between clients and nodes in plaintext",
            );
        }
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => {
            if !block_flag_is_true(resource, "node_to_node_encryption", "enabled") {
                report(resource.pointer.key("node_to_node_encryption"), "sends data between its nodes in plaintext");
            }
            // Inside the block the provider defaults enforce_https to true;
            // without the block the domain accepts plain HTTP.
            match resource.blocks("domain_endpoint_options").into_iter().next() {
                Some((pointer, options)) if as_bool(options.get("enforce_https")) == Some(false) => {
                    report(pointer.key("enforce_https"), "accepts plain HTTP: enforce_https is false");
                }
                Some(_) => {}
                None if resource.has_dynamic_block("domain_endpoint_options") => {}
                None => report(
                    resource.pointer.key("domain_endpoint_options"),
                    "accepts plain HTTP: no domain_endpoint_options enforce HTTPS",
                ),
            }
        }
        "aws_msk_cluster" => {
            for (info, body) in resource.blocks("encryption_info") {
                for (transit, settings) in blocks(body, &info, "encryption_in_transit") {
                    let mode = settings.get("client_broker").and_then(Node::as_str);
                    if matches!(mode, Some("PLAINTEXT" | "TLS_PLAINTEXT")) {
                        report(transit.key("client_broker"), "lets clients send data in plaintext");
                    }
                }
            }
        }
        _ => {}
    }
}

fn check_key_rotation(resource: &Resource<'_>, findings: &mut Findings) {
    // Only symmetric keys rotate; asymmetric and HMAC keys cannot.
    let spec = resource.get("customer_master_key_spec").and_then(Node::as_str);
    if spec.is_some_and(|spec| spec != "SYMMETRIC_DEFAULT") {
        return;
    }
    let rotation = resource.get("enable_key_rotation");
    let rotates =
        as_bool(rotation) == Some(true) || rotation.and_then(Node::as_str).is_some_and(|text| text.contains("${"));
    if !rotates {
        findings.report(
            "key-rotation-off",
            &resource.pointer.key("enable_key_rotation"),
            format!("{} does not rotate its key material: enable_key_rotation is not true", resource.address()),
        );
    }
}

impl Policy for EncryptionAtRest {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Data services encrypt data at rest and in transit",
            "Volumes, file systems, tables, topics, queues, caches, search domains and warehouses encrypt \
             what they store and what they send, and KMS keys rotate, so a snapshot, disk, backup or \
             captured packet outside the service is unreadable.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            Rule::new("unencrypted-at-rest", Category::Security, Severity::High, "Encrypt data at rest")
                .rationale(
                    "Unencrypted storage is readable wherever a snapshot, detached volume or backup ends up; \
                         enabling encryption later means migrating the data.",
                )
                .fix(
                    "Set the resource's encryption argument, ideally with a customer managed KMS key:
```hcl
resource \"aws_ebs_volume\" \"data\" {
  # ...
  encrypted  = true
  kms_key_id = aws_kms_key.data.arn
}
resource \"aws_sqs_queue\" \"jobs\" {
  sqs_managed_sse_enabled = true   # or kms_master_key_id = aws_kms_key.queues.id
}
```
In a CloudFormation template:
```yaml
DataVolume:
  Type: AWS::EC2::Volume
  Properties:
    # ...
    Encrypted: true
    KmsKeyId: !Ref DataKey
```
For EBS, also turn on `aws_ebs_encryption_by_default` for the account and region.",
                )
                .references(&[
                    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
                    "https://docs.aws.amazon.com/kms/latest/developerguide/services.html",
                ]),
            Rule::new("unencrypted-in-transit", Category::Security, Severity::Medium, "Encrypt data in transit")
                .rationale(
                    "Plaintext traffic between clients and a cache, search cluster, database, broker or web app, or \
                     between their nodes, can be read and altered by anything on the network path; TLS 1.0 and 1.1 \
                     have known attacks and no longer meet compliance baselines.",
                )
                .fix(
                    "Turn on the service's TLS settings:
```hcl
resource \"aws_opensearch_domain\" \"search\" {
  # ...
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\"
  }
}

resource \"aws_elasticache_replication_group\" \"sessions\" {
  # ...
  transit_encryption_enabled = true
}
```
In a CloudFormation template:
```yaml
SearchDomain:
  Type: AWS::OpenSearchService::Domain
  Properties:
    # ...
    NodeToNodeEncryptionOptions:
      Enabled: true
    DomainEndpointOptions:
      EnforceHTTPS: true
      TLSSecurityPolicy: Policy-Min-TLS-1-2-2019-07
```
On Azure and GCP:
```hcl
resource \"azurerm_storage_account\" \"data\" {
  # ...
  https_traffic_only_enabled = true
  min_tls_version            = \"TLS1_2\"
}

resource \"azurerm_linux_web_app\" \"api\" {
  # ...
  https_only = true
}

resource \"google_sql_database_instance\" \"orders\" {
  # ...
  settings {
    ip_configuration {
      ssl_mode = \"ENCRYPTED_ONLY\"
    }
  }
}

resource \"google_compute_ssl_policy\" \"modern\" {
  name            = \"modern\"
  profile         = \"MODERN\"
  min_tls_version = \"TLS_1_2\"
}
```",
                )
                .references(&[
                    "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html",
                    "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html",
                    "https://docs.aws.amazon.com/msk/latest/developerguide/msk-encryption.html",
                    "https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer",
                    "https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https",
                    "https://cloud.google.com/sql/docs/postgres/configure-ssl-instance",
                    "https://cloud.google.com/load-balancing/docs/ssl-policies-concepts",
                ]),
            Rule::new("key-rotation-off", Category::Security, Severity::Medium, "Rotate KMS keys")
                .rationale(
                    "Rotation limits how much data one key version protects and how long a compromised version \
                     stays useful; AWS rotates symmetric keys yearly once it is on, with no change for callers.",
                )
                .fix(
                    "```hcl
resource \"aws_kms_key\" \"data\" {
  description         = \"data at rest\"
  enable_key_rotation = true
}
```
In a CloudFormation template:
```yaml
DataKey:
  Type: AWS::KMS::Key
  Properties:
    EnableKeyRotation: true
```",
                )
                .references(&["https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            cloudformation::check(document, findings);
            return;
        }
        let resources = resources(document);
        let ebs_encrypted_by_default = encrypts_ebs_by_default(&resources);
        for resource in resources {
            check_in_transit(&resource, findings);
            gcp_azure::check_in_transit(&resource, findings);
            if resource.kind == "aws_kms_key" {
                check_key_rotation(&resource, findings);
            }
            match resource.kind {
                "aws_ebs_volume" | "aws_efs_file_system" if !flag_is_true(&resource, "encrypted") => {
                    report(findings, &resource, "encrypted", "does not set encrypted = true");
                }
                "aws_elasticache_replication_group" if !flag_is_true(&resource, "at_rest_encryption_enabled") => {
                    report(findings, &resource, "at_rest_encryption_enabled", "does not encrypt its data at rest");
                }
                "aws_neptune_cluster" | "aws_docdb_cluster" if !flag_is_true(&resource, "storage_encrypted") => {
                    report(findings, &resource, "storage_encrypted", "does not set storage_encrypted = true");
                }
                // Redshift encrypts new clusters by default since 2025: only
                // turning it off is reported.
                "aws_redshift_cluster" if as_bool(resource.get("encrypted")) == Some(false) => {
                    report(findings, &resource, "encrypted", "turns encryption off: encrypted = false");
                }
                "aws_opensearch_domain" | "aws_elasticsearch_domain"
                    if !block_flag_is_true(&resource, "encrypt_at_rest", "enabled") =>
                {
                    report(findings, &resource, "encrypt_at_rest", "does not encrypt its indices at rest");
                }
                "aws_sns_topic" if resource.get("kms_master_key_id").is_none() => {
                    report(findings, &resource, "kms_master_key_id", "has no KMS key for its messages");
                }
                // SQS encrypts new queues with SSE-SQS unless told not to.
                "aws_sqs_queue"
                    if resource.get("kms_master_key_id").is_none()
                        && as_bool(resource.get("sqs_managed_sse_enabled")) == Some(false) =>
                {
                    report(
                        findings,
                        &resource,
                        "sqs_managed_sse_enabled",
                        "turns off the default encryption of its messages",
                    );
                }
                "aws_dynamodb_table" => {
                    // Left to a variable or built by a dynamic block: not judged.
                    let enabled = resource.has_dynamic_block("server_side_encryption")
                        || resource.blocks("server_side_encryption").iter().any(|(_, block)| {
                            as_bool(block.get("enabled")) == Some(true) || is_expression(block.get("enabled"))
                        });
                    if !enabled {
                        report(
                            findings,
                            &resource,
                            "server_side_encryption",
                            "uses the AWS owned key only; enable server_side_encryption with a KMS key",
                        );
                    }
                }
                "aws_instance" => {
                    if resource.blocks("root_block_device").is_empty()
                        && !ebs_encrypted_by_default
                        && !resource.has_dynamic_block("root_block_device")
                    {
                        report(
                            findings,
                            &resource,
                            "root_block_device",
                            "has no root_block_device: its root volume is unencrypted unless EBS encryption by \
                             default is on for the account",
                        );
                    }
                    for device in ["root_block_device", "ebs_block_device"] {
                        for (pointer, block) in resource.blocks(device) {
                            let setting = block.get("encrypted");
                            // Unset, a volume takes the account's default.
                            let encrypted = as_bool(setting) == Some(true)
                                || is_expression(setting)
                                || (setting.is_none() && ebs_encrypted_by_default);
                            if !encrypted {
                                findings.report(
                                    "unencrypted-at-rest",
                                    &pointer.key("encrypted"),
                                    format!("{}'s {device} is not encrypted", resource.address()),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

tenken_sdk::export_policy!(EncryptionAtRest);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn each_type_is_judged_by_its_own_argument() {
        let tree = json!({"resource": {
            "aws_ebs_volume": {"a": {"encrypted": true}, "b": {}},
            "aws_sqs_queue": {"a": {"sqs_managed_sse_enabled": true}, "b": {"kms_master_key_id": "k"}, "c": {},
                "d": {"sqs_managed_sse_enabled": false}},
            "aws_dynamodb_table": {"a": {"server_side_encryption": [{"enabled": true}]}},
            "aws_instance": {"a": {"root_block_device": [{"encrypted": false}]}},
            "aws_efs_file_system": {"a": {"encrypted": "${var.encrypted}"}}}});
        let pointers: Vec<String> =
            check_tree::<EncryptionAtRest>("terraform", tree).into_iter().map(|(_, pointer, _)| pointer).collect();
        assert_eq!(
            pointers,
            vec![
                "/resource/aws_ebs_volume/b/encrypted",
                "/resource/aws_sqs_queue/d/sqs_managed_sse_enabled",
                "/resource/aws_instance/a/root_block_device/0/encrypted",
            ]
        );
    }
}
