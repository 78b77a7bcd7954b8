//! Resource policies that let everyone in: an S3 bucket policy, or the
//! access policy of an OpenSearch (or Elasticsearch) domain, with a
//! statement that allows the principal `*` with no `Condition`. A
//! condition (a source VPC, an organization, an IP range) narrows who
//! "everyone" is, and is left to review.

use tenken_sdk::cloudformation;
use tenken_sdk::iam::statements;
use tenken_sdk::terraform::{Resource, json_argument};
use tenken_sdk::{Findings, Node, Pointer};

/// Terraform resources that hold a bucket policy, with its argument.
const BUCKET_POLICIES: &[(&str, &str)] = &[("aws_s3_bucket_policy", "policy"), ("aws_s3_bucket", "policy")];

/// Terraform search domains, whose access policy is `access_policies`.
const DOMAINS: &[&str] = &["aws_opensearch_domain", "aws_elasticsearch_domain"];

/// Terraform resources that attach an access policy to a domain.
const DOMAIN_POLICIES: &[&str] = &["aws_opensearch_domain_policy", "aws_elasticsearch_domain_policy"];

/// CloudFormation search domains, whose access policy is `AccessPolicies`.
const CLOUDFORMATION_DOMAINS: &[&str] = &["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"];

/// Whether a principal is everyone: `"*"`, or `{"AWS": "*"}` (alone or in
/// a list).
fn is_everyone(principal: Option<Node<'_>>) -> bool {
    let Some(principal) = principal else { return false };
    let star = |value: Node<'_>| match value.as_array() {
        Some(items) => items.iter().any(|item| item.as_str() == Some("*")),
        None => value.as_str() == Some("*"),
    };
    star(principal) || principal.get("AWS").is_some_and(star)
}

/// The statements of a policy that allow everyone without a condition,
/// with their pointers under `pointer`.
fn public_statements(policy: Node<'_>, pointer: &Pointer) -> Vec<Pointer> {
    statements(policy, pointer)
        .into_iter()
        .filter(|(_, statement)| {
            let allows = statement.get("Effect").and_then(Node::as_str).is_none_or(|effect| effect == "Allow");
            allows && statement.get("Condition").is_none() && is_everyone(statement.get("Principal"))
        })
        .map(|(at, _)| at.key("Principal"))
        .collect()
}

/// Bucket and domain policies of a Terraform document. A policy's text
/// has no locations of its own, so findings land on the argument.
pub(crate) fn check_terraform(resources: &[Resource<'_>], findings: &mut Findings) {
    for resource in resources {
        if let Some((_, argument)) = BUCKET_POLICIES.iter().find(|(kind, _)| *kind == resource.kind)
            && let Some(policy) = json_argument(resource.get(argument))
            && !public_statements(policy.root(), &Pointer::root()).is_empty()
        {
            findings.report(
                "public-storage",
                &resource.pointer.key(argument),
                format!("{}'s bucket policy allows everyone (Principal `*`) with no condition", resource.address()),
            );
        }
        let in_vpc = |domain: &Resource<'_>| !domain.blocks("vpc_options").is_empty();
        let domain_is_public = if DOMAINS.contains(&resource.kind) {
            !in_vpc(resource)
        } else if DOMAIN_POLICIES.contains(&resource.kind) {
            // Judged only when its domain is in the same file and outside
            // a VPC, where the policy is the only guard.
            resource.get("domain_name").is_some_and(|name| {
                resources.iter().any(|domain| {
                    DOMAINS.contains(&domain.kind) && domain.is_referenced_by(name, "domain_name") && !in_vpc(domain)
                })
            })
        } else {
            false
        };
        if domain_is_public
            && let Some(policy) = json_argument(resource.get("access_policies"))
            && !public_statements(policy.root(), &Pointer::root()).is_empty()
        {
            findings.report(
                "public-search-domain",
                &resource.pointer.key("access_policies"),
                format!(
                    "{}'s access policy allows everyone (Principal `*`) with no condition, on a public endpoint",
                    resource.address()
                ),
            );
        }
    }
}

/// Bucket and domain policies of a CloudFormation template, located at
/// each public statement's `Principal`.
pub(crate) fn check_cloudformation(resource: &cloudformation::Resource<'_>, findings: &mut Findings) {
    let (rule, property, whose) = match resource.kind {
        "AWS::S3::BucketPolicy" => ("public-storage", "PolicyDocument", "bucket policy"),
        kind if CLOUDFORMATION_DOMAINS.contains(&kind) && resource.property("VPCOptions").is_none() => {
            ("public-search-domain", "AccessPolicies", "access policy")
        }
        _ => return,
    };
    let Some(policy) = resource.property(property) else { return };
    for at in public_statements(policy, &resource.property_pointer(property)) {
        findings.report(
            rule,
            &at,
            format!("{}'s {whose} allows everyone (Principal `*`) with no condition", resource.describe()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::OwnedTree;

    #[test]
    fn only_unconditioned_grants_to_everyone_are_public() {
        let policy = OwnedTree::new(&json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "Action": "es:*"},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*"},
            {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject"}
        ]}));
        let found: Vec<String> =
            public_statements(policy.root(), &Pointer::root()).iter().map(|at| at.as_str().to_owned()).collect();
        assert_eq!(found, ["/Statement/0/Principal", "/Statement/1/Principal"]);
    }
}
