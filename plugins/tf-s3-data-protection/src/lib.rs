//! # tf-s3-data-protection
//!
//! Every S3 bucket has, in its module:
//!
//! - **encryption** configured explicitly: the legacy inline
//!   `server_side_encryption_configuration` block, or an
//!   `aws_s3_bucket_server_side_encryption_configuration` for the bucket;
//! - **versioning** enabled: inline `versioning { enabled = true }`, or an
//!   `aws_s3_bucket_versioning` with `status = "Enabled"`;
//! - a **public access block** with all four settings on: an
//!   `aws_s3_bucket_public_access_block` for the bucket, or an
//!   `aws_s3_account_public_access_block` in the module.
//!
//! A call of the `terraform-aws-modules/s3-bucket/aws` registry module is
//! judged at the call: `versioning = { enabled = true }`, a
//! `server_side_encryption_configuration`, and none of the four public
//! access inputs turned off (`block_public_acls = false`; the module's
//! defaults for them changed across major versions and are not judged).
//!
//! In CloudFormation templates, each `AWS::S3::Bucket` states the same
//! three inline: `BucketEncryption`, `VersioningConfiguration` with
//! `Status: Enabled`, and `PublicAccessBlockConfiguration` with all four
//! settings `true`.
//!
//! The separate resources reference the bucket (`bucket =
//! aws_s3_bucket.logs.id`) or name it literally. Since they usually live in
//! other files of the module, this plugin is project-scoped and relates
//! the documents of each directory.
//!
//! ## Why it matters
//! Public buckets are the classic cloud data leak: one ACL or policy
//! mistake publishes backups, logs or customer files to anyone with the
//! URL, and the public access block is the switch that makes such mistakes
//! inert. Versioning is what makes a bucket recoverable after an
//! accidental delete, a bad deploy that overwrites objects, or ransomware
//! that encrypts them. AWS encrypts new objects with SSE-S3 by default
//! since 2023; stating the encryption makes the choice (and any KMS key
//! and its access policy) visible and reviewable.

use tenken_sdk::Node;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{ModuleCall, Resource, as_bool, module_calls, module_dir, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct S3DataProtection;

const PUBLIC_ACCESS_SETTINGS: &[&str] =
    &["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

const REFERENCES: &[&str] = &[
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html",
];

const FIX: &str = "Configure the bucket with the separate resources (AWS provider v4+):
```hcl
resource \"aws_s3_bucket_public_access_block\" \"logs\" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource \"aws_s3_bucket_versioning\" \"logs\" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration { status = \"Enabled\" }
}

resource \"aws_s3_bucket_server_side_encryption_configuration\" \"logs\" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = \"aws:kms\" }
  }
}
```
In a CloudFormation template:
```yaml
LogsBucket:
  Type: AWS::S3::Bucket
  Properties:
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      BlockPublicPolicy: true
      IgnorePublicAcls: true
      RestrictPublicBuckets: true
    VersioningConfiguration:
      Status: Enabled
    BucketEncryption:
      ServerSideEncryptionConfiguration:
        - ServerSideEncryptionByDefault:
            SSEAlgorithm: aws:kms
```";

/// Whether a value is computed (`${var.x}`, `${local.y}`), so unknown here.
fn is_expression(value: Option<Node<'_>>) -> bool {
    value.and_then(Node::as_str).is_some_and(|text| text.contains("${"))
}

/// A resource with the document it came from.
struct Located<'a> {
    document: usize,
    resource: Resource<'a>,
}

impl Policy for S3DataProtection {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let rule = |id: &str, severity, title: &str, rationale: &str| {
            Rule::new(id, Category::Security, severity, title).rationale(rationale).fix(FIX).references(REFERENCES)
        };
        tenken_sdk::plugin_info!(
            "S3 buckets are private, versioned and encrypted",
            "Every bucket sits behind a public access block, keeps object versions to recover from \
             deletes and overwrites, and states its encryption.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .project_scoped()
        .rules(vec![
            rule(
                "missing-public-access-block",
                Severity::High,
                "Put every bucket behind a public access block",
                "Without it, one ACL or bucket-policy mistake makes the bucket's contents public.",
            ),
            rule(
                "missing-versioning",
                Severity::Medium,
                "Enable versioning on every bucket",
                "Without versions, an accidental delete, a bad overwrite or ransomware destroys data for good.",
            ),
            rule(
                "missing-encryption",
                Severity::Low,
                "Configure server-side encryption explicitly",
                "The default SSE-S3 hides the choice; stating it (ideally SSE-KMS with a key policy) makes \
                     who can decrypt reviewable.",
            ),
        ])
    }

    fn check_all(documents: &[Document], _settings: &NoSettings, findings: &mut Findings) {
        let mut by_module: std::collections::BTreeMap<&str, Vec<Located<'_>>> = std::collections::BTreeMap::new();
        for (index, document) in documents.iter().enumerate() {
            if document.kind == "cloudformation" {
                for bucket in cloudformation::resources_of(document, "AWS::S3::Bucket") {
                    check_cloudformation_bucket(&bucket, findings.in_document(index));
                }
                continue;
            }
            for call in module_calls(document) {
                if call.registry_module() == Some("terraform-aws-modules/s3-bucket/aws") {
                    check_bucket_module(&call, findings.in_document(index));
                }
            }
            for resource in resources(document) {
                by_module.entry(module_dir(document)).or_default().push(Located { document: index, resource });
            }
        }
        for module in by_module.values() {
            check_module(module, findings);
        }
    }
}

fn check_module(module: &[Located<'_>], findings: &mut Findings) {
    let account_block = module.iter().any(|located| located.resource.kind == "aws_s3_account_public_access_block");
    let configures = |bucket: &Resource<'_>, kind: &str, condition: &dyn Fn(Node<'_>) -> bool| {
        module.iter().any(|other| {
            other.resource.kind == kind
                && other.resource.get("bucket").is_some_and(|target| bucket.is_referenced_by(target, "bucket"))
                && condition(other.resource.body)
        })
    };
    for located in module.iter().filter(|located| located.resource.kind == "aws_s3_bucket") {
        let bucket = &located.resource;
        let name = bucket.address();
        let at = &bucket.pointer;

        // Settings from variables (a module's inputs) are not known here and
        // are given the benefit of the doubt.
        let blocked = account_block
            || configures(bucket, "aws_s3_bucket_public_access_block", &|block| {
                PUBLIC_ACCESS_SETTINGS
                    .iter()
                    .all(|setting| as_bool(block.get(*setting)) == Some(true) || is_expression(block.get(*setting)))
            });
        if !blocked {
            findings.in_document(located.document).report(
                "missing-public-access-block",
                at,
                format!("{name} has no public access block with all four settings on"),
            );
        }

        let inline_versioning =
            bucket.blocks("versioning").iter().any(|(_, block)| as_bool(block.get("enabled")) == Some(true));
        let versioned = inline_versioning
            || configures(bucket, "aws_s3_bucket_versioning", &|resource| {
                resource
                    .get("versioning_configuration")
                    .map(|configuration| match configuration.as_array() {
                        Some(items) => items.iter().collect(),
                        None => vec![configuration],
                    })
                    .unwrap_or_default()
                    .iter()
                    .any(|configuration| {
                        configuration.get("status").and_then(Node::as_str) == Some("Enabled")
                            || is_expression(configuration.get("status"))
                    })
            });
        if !versioned {
            findings.in_document(located.document).report(
                "missing-versioning",
                at,
                format!("{name} does not keep object versions"),
            );
        }

        let encrypted = !bucket.blocks("server_side_encryption_configuration").is_empty()
            || configures(bucket, "aws_s3_bucket_server_side_encryption_configuration", &|_| true);
        if !encrypted {
            findings.in_document(located.document).report(
                "missing-encryption",
                at,
                format!("{name} does not configure server-side encryption"),
            );
        }
    }
}

/// A call of the `terraform-aws-modules/s3-bucket/aws` registry module,
/// judged by its inputs: the module leaves versioning off and encryption
/// unstated unless given `versioning` and
/// `server_side_encryption_configuration`. Its public access defaults
/// changed across major versions, so only an input that turns one of the
/// four settings off is judged.
fn check_bucket_module(call: &ModuleCall<'_>, findings: &mut Findings) {
    if as_bool(call.get("create_bucket")) == Some(false) {
        return;
    }
    let name = format!("module.{} (terraform-aws-modules/s3-bucket/aws)", call.name);
    let turned_off = PUBLIC_ACCESS_SETTINGS.iter().find(|setting| as_bool(call.get(setting)) == Some(false));
    if let Some(setting) = turned_off {
        findings.report(
            "missing-public-access-block",
            &call.pointer.key(setting),
            format!("{name} turns {setting} off: its public access block does not have all four settings on"),
        );
    }
    let versioning = call.get("versioning");
    let enabled = versioning.and_then(|versioning| versioning.get("enabled").or_else(|| versioning.get("status")));
    let versioned = is_expression(versioning)
        || is_expression(enabled)
        || as_bool(enabled) == Some(true)
        || enabled.and_then(Node::as_str) == Some("Enabled");
    if !versioned {
        findings.report(
            "missing-versioning",
            &call.pointer.key("versioning"),
            format!("{name} does not keep object versions: versioning is not enabled"),
        );
    }
    if call.get("server_side_encryption_configuration").is_none() {
        findings.report(
            "missing-encryption",
            &call.pointer.key("server_side_encryption_configuration"),
            format!("{name} does not configure server-side encryption"),
        );
    }
}

/// The public access block settings as CloudFormation names them.
const CLOUDFORMATION_PUBLIC_ACCESS_SETTINGS: &[&str] =
    &["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

/// A CloudFormation bucket, which states all three inline. Values made by
/// intrinsic functions are given the benefit of the doubt.
fn check_cloudformation_bucket(bucket: &cloudformation::Resource<'_>, findings: &mut Findings) {
    let name = bucket.describe();
    let block = bucket.property("PublicAccessBlockConfiguration");
    let blocked = cloudformation::is_intrinsic(block)
        || block.is_some_and(|block| {
            CLOUDFORMATION_PUBLIC_ACCESS_SETTINGS.iter().all(|setting| {
                let value = block.get(setting);
                cloudformation::as_bool(value) == Some(true) || cloudformation::is_intrinsic(value)
            })
        });
    if !blocked {
        findings.report(
            "missing-public-access-block",
            &bucket.property_pointer("PublicAccessBlockConfiguration"),
            format!("{name} has no public access block with all four settings on"),
        );
    }
    let versioning = bucket.property("VersioningConfiguration");
    let status = versioning.and_then(|versioning| versioning.get("Status"));
    let versioned = cloudformation::is_intrinsic(versioning)
        || cloudformation::is_intrinsic(status)
        || status.and_then(Node::as_str) == Some("Enabled");
    if !versioned {
        findings.report(
            "missing-versioning",
            &bucket.property_pointer("VersioningConfiguration"),
            format!("{name} does not keep object versions"),
        );
    }
    if bucket.property("BucketEncryption").is_none() {
        findings.report(
            "missing-encryption",
            &bucket.property_pointer("BucketEncryption"),
            format!("{name} does not configure server-side encryption"),
        );
    }
}

tenken_sdk::export_policy!(S3DataProtection);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_documents;

    fn run(trees: Vec<(&str, Value)>) -> Vec<(String, usize)> {
        let documents = trees.into_iter().map(|(path, tree)| (path.to_owned(), tree)).collect();
        let findings = check_documents::<S3DataProtection>("terraform", documents, &NoSettings::default());
        findings.into_iter().map(|f| (f.rule, f.document as usize)).collect()
    }

    #[test]
    fn separate_resources_in_other_files_of_the_module_count() {
        let bucket = json!({"resource": {"aws_s3_bucket": {"logs": {"bucket": "shop-logs"}}}});
        let protection = json!({"resource": {
            "aws_s3_bucket_public_access_block": {"logs": {"bucket": "${aws_s3_bucket.logs.id}",
                "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}},
            "aws_s3_bucket_versioning": {"logs": {"bucket": "shop-logs", "versioning_configuration": [{"status": "Enabled"}]}},
            "aws_s3_bucket_server_side_encryption_configuration": {"logs": {"bucket": "${aws_s3_bucket.logs.bucket}"}}}});
        assert!(run(vec![("infra/s3.tf", bucket.clone()), ("infra/protection.tf", protection.clone())]).is_empty());
        // In another module, they protect nothing here.
        assert_eq!(run(vec![("infra/s3.tf", bucket), ("other/protection.tf", protection)]).len(), 3);
    }

    #[test]
    fn legacy_inline_blocks_count() {
        let bucket = json!({"resource": {
            "aws_s3_account_public_access_block": {"this": {}},
            "aws_s3_bucket": {"logs": {"versioning": [{"enabled": true}], "server_side_encryption_configuration": [{}]}}}});
        assert!(run(vec![("main.tf", bucket)]).is_empty());
    }
}
