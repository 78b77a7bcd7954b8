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
//!
//! ## Why it matters
//! Encryption at rest is what keeps data safe outside the service: in a
//! snapshot shared by mistake, a volume detached and attached elsewhere, a
//! decommissioned disk, a backup copied to another account. With a KMS key
//! the key policy also becomes a second access control, and its use is
//! logged in CloudTrail. Many compliance regimes require it, and it costs
//! almost nothing to enable at creation, but requires a migration later.

use tenken_sdk::Node;
use tenken_sdk::terraform::{Resource, as_bool, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct EncryptionAtRest;

fn flag_is_true(resource: &Resource<'_>, field: &str) -> bool {
    as_bool(resource.get(field)) == Some(true)
        || resource.get(field).is_some_and(|value| value.as_str().is_some_and(|text| text.contains("${")))
}

fn report(findings: &mut Findings, resource: &Resource<'_>, field: &str, what: &str) {
    findings.report("unencrypted-at-rest", &resource.pointer.key(field), format!("{} {what}", resource.address()));
}

impl Policy for EncryptionAtRest {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Data services encrypt data at rest",
            "Volumes, file systems, tables, topics, queues and caches encrypt what they store, so a \
             snapshot, disk or backup outside the service is unreadable.",
        )
        .kinds(["terraform", "terraform-plan"])
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
For EBS, also turn on `aws_ebs_encryption_by_default` for the account and region.",
                )
                .references(&[
                    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
                    "https://docs.aws.amazon.com/kms/latest/developerguide/services.html",
                ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for resource in resources(document) {
            match resource.kind {
                "aws_ebs_volume" | "aws_efs_file_system" if !flag_is_true(&resource, "encrypted") => {
                    report(findings, &resource, "encrypted", "does not set encrypted = true");
                }
                "aws_elasticache_replication_group" if !flag_is_true(&resource, "at_rest_encryption_enabled") => {
                    report(findings, &resource, "at_rest_encryption_enabled", "does not encrypt its data at rest");
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
                    let enabled = resource
                        .blocks("server_side_encryption")
                        .iter()
                        .any(|(_, block)| as_bool(block.get("enabled")) == Some(true));
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
                    for device in ["root_block_device", "ebs_block_device"] {
                        for (pointer, block) in resource.blocks(device) {
                            let encrypted = as_bool(block.get("encrypted")) == Some(true)
                                || block
                                    .get("encrypted")
                                    .and_then(Node::as_str)
                                    .is_some_and(|text| text.contains("${"));
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
