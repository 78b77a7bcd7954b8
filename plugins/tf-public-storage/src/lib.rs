//! # tf-public-storage
//!
//! No object storage is opened to everyone on the internet by the
//! configuration itself:
//!
//! | cloud | public when |
//! |---|---|
//! | AWS | an `aws_s3_bucket` (legacy `acl` argument) or `aws_s3_bucket_acl` has the canned ACL `public-read`, `public-read-write` or `authenticated-read` |
//! | GCP | a `google_storage_bucket_iam_member` or `_iam_binding` grants a role to `allUsers` or `allAuthenticatedUsers`; a `google_storage_bucket_acl` has `predefined_acl` `publicRead`/`publicReadWrite`/`authenticatedRead` or a `role_entity` for `allUsers`/`allAuthenticatedUsers`; a `google_storage_default_object_acl` or `google_storage_object_acl` has such a `role_entity` or `predefined_acl` |
//! | Azure | an `azurerm_storage_container` has `container_access_type` `blob` or `container`; an `azurerm_storage_account` sets `allow_nested_items_to_be_public` (or the older `allow_blob_public_access`) to `true` explicitly (the provider's default is not reported) |
//!
//! In CloudFormation templates, an `AWS::S3::Bucket` whose `AccessControl`
//! is `PublicRead`, `PublicReadWrite` or `AuthenticatedRead`.
//!
//! An S3 bucket policy (`aws_s3_bucket_policy`, the legacy `policy` of
//! `aws_s3_bucket`, or `AWS::S3::BucketPolicy`) with a statement that
//! allows the principal `*` and has no `Condition` is public storage too.
//! The same statement in the access policy of an OpenSearch or
//! Elasticsearch domain outside a VPC (`access_policies`, or
//! `AccessPolicies` without `VPCOptions`) is `public-search-domain`: a
//! domain in a VPC is guarded by its network, and AWS documents open
//! policies for them. A policy held by a reference is not read.
//!
//! S3's public access block, the guard that makes such grants inert, is
//! `tf-s3-data-protection/missing-public-access-block`.
//!
//! ## Why it matters
//! Public buckets are the classic cloud data leak: backups, logs, exports
//! and customer files published to anyone with the URL, found within hours
//! by scanners that enumerate bucket names. "All authenticated users" is no
//! better: it means any account of the cloud provider, not of the
//! organization. A bucket that serves a public website is the exception,
//! and deserves an exception with its reason, in tenken.toml or next to the
//! resource; content for the public is better served through a CDN that
//! reads a private bucket.

mod policies;

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{Resource, as_bool, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct PublicStorage;

/// S3 canned ACLs that grant reading to everyone, or to every AWS account.
const S3_PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];

/// GCS members that stand for everyone, or for every Google account.
const GCS_PUBLIC_MEMBERS: &[&str] = &["allUsers", "allAuthenticatedUsers"];

/// GCS predefined ACLs that grant reading to everyone or every account.
const GCS_PUBLIC_ACLS: &[&str] = &["publicRead", "publicReadWrite", "authenticatedRead"];

/// Azure container access levels that allow anonymous reads.
const AZURE_PUBLIC_ACCESS: &[&str] = &["blob", "container"];

impl Policy for PublicStorage {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Object storage is not public",
            "No S3 bucket (Terraform or CloudFormation), Cloud Storage bucket, Azure blob container or \
             OpenSearch domain is made readable by everyone on the internet, or by every account of the cloud \
             provider.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            Rule::new(
                "public-storage",
                Category::Security,
                Severity::Critical,
                "Do not make buckets or blob containers readable by everyone",
            )
            .rationale(
                "A public bucket publishes every object in it to anyone with its name; scanners enumerate bucket \
                 names, and public buckets are the most common cloud data leak.",
            )
            .fix(
                "Keep the bucket private and grant reading to the identities that need it. On AWS, drop the \
                 public ACL and keep the public access block on; on GCP, grant a role to a service account or \
                 group instead of `allUsers`; on Azure, keep containers private:
```yaml
# CloudFormation: no AccessControl, or a private one
ReportsBucket:
  Type: AWS::S3::Bucket
  Properties:
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      BlockPublicPolicy: true
      IgnorePublicAcls: true
      RestrictPublicBuckets: true
```
```hcl
resource \"google_storage_bucket_iam_member\" \"reports_reader\" {
  bucket = google_storage_bucket.reports.name
  role   = \"roles/storage.objectViewer\"
  member = \"serviceAccount:${google_service_account.reporting.email}\"
}

resource \"azurerm_storage_container\" \"reports\" {
  name                  = \"reports\"
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = \"private\"
}
```
To publish a website, serve it through a CDN (CloudFront with origin access control, Cloud CDN, Azure \
Front Door) that reads the private bucket, and record an exception with the reason where a bucket must \
stay public.",
            )
            .references(&[
                "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl",
                "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html",
                "https://cloud.google.com/storage/docs/public-access-prevention",
                "https://cloud.google.com/storage/docs/access-control/making-data-public",
                "https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent",
                "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
            ]),
            Rule::new(
                "public-search-domain",
                Category::Security,
                Severity::Critical,
                "Do not let everyone use a search domain",
            )
            .rationale(
                "An OpenSearch or Elasticsearch domain on a public endpoint whose access policy allows `*` \
                 answers anyone on the internet: every index can be read, rewritten or deleted without \
                 credentials. Open search clusters are among the largest sources of data leaks.",
            )
            .fix(
                "Allow the roles that use the domain, or put it in a VPC, where the network is the guard:
```hcl
resource \"aws_opensearch_domain\" \"search\" {
  # ...
  vpc_options {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.search.id]
  }
  access_policies = jsonencode({
    Version = \"2012-10-17\"
    Statement = [{
      Effect    = \"Allow\"
      Principal = { AWS = aws_iam_role.indexer.arn }
      Action    = \"es:ESHttp*\"
      Resource  = \"arn:aws:es:eu-west-1:111122223333:domain/search/*\"
    }]
  })
}
```
In a CloudFormation template, `AccessPolicies` names the role the same way, or `VPCOptions` puts the domain \
in a VPC.",
            )
            .references(&[
                "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html",
                "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html",
            ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            for resource in cloudformation::resources(document) {
                if resource.kind == "AWS::S3::Bucket" {
                    check_cloudformation_bucket(&resource, findings);
                }
                policies::check_cloudformation(&resource, findings);
            }
            return;
        }
        let resources = resources(document);
        policies::check_terraform(&resources, findings);
        for resource in resources {
            match resource.kind {
                "aws_s3_bucket" | "aws_s3_bucket_acl" => check_s3_acl(&resource, findings),
                "google_storage_bucket_iam_member" | "google_storage_bucket_iam_binding" => {
                    check_gcs_members(&resource, findings);
                }
                "google_storage_bucket_acl" | "google_storage_default_object_acl" | "google_storage_object_acl" => {
                    check_gcs_acl(&resource, findings);
                }
                "azurerm_storage_container" => check_azure_container(&resource, findings),
                "azurerm_storage_account" => check_azure_account(&resource, findings),
                _ => {}
            }
        }
    }
}

fn report(findings: &mut Findings, resource: &Resource<'_>, pointer: &Pointer, what: &str) {
    findings.report("public-storage", pointer, format!("{} {what}", resource.address()));
}

/// CloudFormation's canned ACLs that grant reading to everyone, or to every
/// AWS account (`AccessControl` of `AWS::S3::Bucket`).
const CLOUDFORMATION_PUBLIC_ACLS: &[&str] = &["PublicRead", "PublicReadWrite", "AuthenticatedRead"];

fn check_cloudformation_bucket(bucket: &cloudformation::Resource<'_>, findings: &mut Findings) {
    let Some(acl) = bucket.property("AccessControl").and_then(Node::as_str) else { return };
    if CLOUDFORMATION_PUBLIC_ACLS.contains(&acl) {
        let whom = if acl == "AuthenticatedRead" { "every AWS account" } else { "everyone" };
        findings.report(
            "public-storage",
            &bucket.property_pointer("AccessControl"),
            format!("{} has the ACL `{acl}`: {whom} can read it", bucket.describe()),
        );
    }
}

fn check_s3_acl(resource: &Resource<'_>, findings: &mut Findings) {
    let Some(acl) = resource.get("acl").and_then(Node::as_str) else { return };
    if S3_PUBLIC_ACLS.contains(&acl) {
        let whom = if acl == "authenticated-read" { "every AWS account" } else { "everyone" };
        report(findings, resource, &resource.pointer.key("acl"), &format!("has the ACL `{acl}`: {whom} can read it"));
    }
}

fn check_gcs_members(resource: &Resource<'_>, findings: &mut Findings) {
    let role = resource.get("role").and_then(Node::as_str).unwrap_or("a role");
    let mut members: Vec<(Pointer, &str)> = Vec::new();
    if let Some(member) = resource.get("member").and_then(Node::as_str) {
        members.push((resource.pointer.key("member"), member));
    }
    if let Some(Shape::Array(listed)) = resource.get("members").map(Node::shape) {
        for (index, member) in listed.iter().enumerate() {
            if let Some(member) = member.as_str() {
                members.push((resource.pointer.key("members").index(index), member));
            }
        }
    }
    for (pointer, member) in members {
        if GCS_PUBLIC_MEMBERS.contains(&member) {
            report(findings, resource, &pointer, &format!("grants {role} to `{member}`"));
        }
    }
}

fn check_gcs_acl(resource: &Resource<'_>, findings: &mut Findings) {
    if let Some(acl) = resource.get("predefined_acl").and_then(Node::as_str)
        && GCS_PUBLIC_ACLS.contains(&acl)
    {
        report(findings, resource, &resource.pointer.key("predefined_acl"), &format!("has the predefined ACL `{acl}`"));
    }
    // `role_entity = ["READER:allUsers"]`.
    let entities: Vec<(Pointer, &str)> = match resource.get("role_entity").map(Node::shape) {
        Some(Shape::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| Some((resource.pointer.key("role_entity").index(index), item.as_str()?)))
            .collect(),
        _ => Vec::new(),
    };
    for (pointer, entity) in entities {
        if let Some((_, whom)) = entity.split_once(':')
            && GCS_PUBLIC_MEMBERS.contains(&whom)
        {
            report(findings, resource, &pointer, &format!("grants `{entity}`"));
        }
    }
}

fn check_azure_container(resource: &Resource<'_>, findings: &mut Findings) {
    let Some(access) = resource.get("container_access_type").and_then(Node::as_str) else { return };
    if AZURE_PUBLIC_ACCESS.contains(&access) {
        let what = if access == "container" { "its blobs and their list" } else { "its blobs" };
        report(
            findings,
            resource,
            &resource.pointer.key("container_access_type"),
            &format!("has container_access_type `{access}`: anyone can read {what} without signing in"),
        );
    }
}

fn check_azure_account(resource: &Resource<'_>, findings: &mut Findings) {
    for field in ["allow_nested_items_to_be_public", "allow_blob_public_access"] {
        if as_bool(resource.get(field)) == Some(true) {
            report(
                findings,
                resource,
                &resource.pointer.key(field),
                &format!("sets {field} = true: any of its containers can be made public"),
            );
        }
    }
}

tenken_sdk::export_policy!(PublicStorage);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn public_grants_are_found_on_each_cloud() {
        let tree = json!({"resource": {
            "aws_s3_bucket_acl": {"site": {"bucket": "${aws_s3_bucket.site.id}", "acl": "public-read"}},
            "aws_s3_bucket": {"logs": {"acl": "log-delivery-write"}},
            "google_storage_bucket_iam_binding": {"assets": {"role": "roles/storage.objectViewer",
                "members": ["group:eng@example.com", "allUsers"]}},
            "google_storage_bucket_acl": {"old": {"role_entity": ["OWNER:project-owners-1", "READER:allAuthenticatedUsers"]}},
            "azurerm_storage_container": {"media": {"container_access_type": "blob"}, "private": {"container_access_type": "private"}},
            "azurerm_storage_account": {"main": {"allow_nested_items_to_be_public": false}}}});
        let found: Vec<(String, String)> = check_pointers::<PublicStorage>("terraform", tree);
        let pointers: Vec<&str> = found.iter().map(|(_, pointer)| pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/resource/aws_s3_bucket_acl/site/acl",
                "/resource/google_storage_bucket_iam_binding/assets/members/1",
                "/resource/google_storage_bucket_acl/old/role_entity/1",
                "/resource/azurerm_storage_container/media/container_access_type",
            ]
        );
    }
}
