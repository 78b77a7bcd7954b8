//! # tf-ownership-tags
//!
//! Taggable AWS resources carry the tags that say who owns them, by
//! default `owner` and `service`: on the resource (`tags`), or for every
//! resource of a module through the AWS provider's `default_tags`. Since
//! providers and resources usually sit in different files, this plugin is
//! project-scoped and reads each directory (module) as a whole.
//!
//! ## Why it matters
//! An untagged resource has no owner. When it alarms at 3 a.m., costs ten
//! times what it should, or turns up in a security finding, someone has to
//! work out from scratch whose it is, and until then nobody acts. Cost
//! allocation, on-call routing and clean-up of abandoned infrastructure all
//! key off these tags.

use std::collections::BTreeMap;
use tenken_sdk::Node;

use serde::Deserialize;
use tenken_sdk::terraform::{Resource, blocks, module_dir, resources};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct OwnershipTags;

/// Settings, from `[settings.tf-ownership-tags]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Tag keys every taggable AWS resource must carry, directly or through provider default_tags
    /// (case-insensitive).
    #[serde(default = "default_required")]
    #[schemars(length(min = 1), inner(length(min = 1)))]
    pub required_tags: Vec<String>,
}

fn default_required() -> Vec<String> {
    vec!["owner".to_owned(), "service".to_owned()]
}

/// Types that are taggable and are worth owning. Resources with a `tags`
/// argument are checked whatever their type.
const TAGGABLE: &[&str] = &[
    "aws_instance",
    "aws_launch_template",
    "aws_autoscaling_group",
    "aws_ebs_volume",
    "aws_s3_bucket",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_dynamodb_table",
    "aws_elasticache_replication_group",
    "aws_efs_file_system",
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "aws_ecs_cluster",
    "aws_ecs_service",
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_lambda_function",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_kms_key",
    "aws_vpc",
    "aws_subnet",
    "aws_security_group",
    "aws_cloudfront_distribution",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
    "aws_msk_cluster",
    "aws_kinesis_stream",
    "aws_secretsmanager_secret",
    "aws_ecr_repository",
    "aws_api_gateway_rest_api",
    "aws_apigatewayv2_api",
    "aws_nat_gateway",
];

/// Tag keys an AWS provider block applies to every resource.
fn default_tags(document: &Document) -> Vec<String> {
    let mut keys = Vec::new();
    for (_, provider) in blocks(document.tree, &Pointer::root(), "provider") {
        for (_, aws) in blocks(provider, &Pointer::root(), "aws") {
            for (_, defaults) in blocks(aws, &Pointer::root(), "default_tags") {
                if let Some(tags) = defaults.get("tags").and_then(Node::as_object) {
                    keys.extend(tags.keys().map(|key| key.to_ascii_lowercase()));
                }
            }
        }
    }
    keys
}

impl Policy for OwnershipTags {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "AWS resources name their owner",
            "Taggable resources carry the required ownership tags, directly or through the provider's \
             default_tags, so alarms, costs and findings reach a team.",
        )
        .kinds(["terraform", "terraform-plan"])
        .project_scoped()
        .rules(vec![
            Rule::new("missing-ownership-tags", Category::Reliability, Severity::Low, "Tag resources with their owner")
                .rationale(
                    "An untagged resource has no owner: its alarms, costs and security findings wait while \
                         someone works out whose it is.",
                )
                .fix(
                    "Tag every resource of a module once, in the provider:
```hcl
provider \"aws\" {
  region = \"eu-west-1\"
  default_tags {
    tags = {
      owner   = \"team-payments\"
      service = \"checkout\"
    }
  }
}
```",
                )
                .references(&[
                    "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html",
                    "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/resource-tagging",
                ]),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        if settings.required_tags.iter().any(|tag| tag.trim().is_empty()) {
            return Err("required-tags must not contain empty names".to_owned());
        }
        Ok(())
    }

    fn check_all(documents: &[Document], settings: &Settings, findings: &mut Findings) {
        let mut defaults: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for document in documents {
            defaults.entry(module_dir(document)).or_default().extend(default_tags(document));
        }
        for (index, document) in documents.iter().enumerate() {
            let inherited = defaults.get(module_dir(document)).cloned().unwrap_or_default();
            for resource in resources(document) {
                check_resource(&resource, &inherited, settings, findings.in_document(index));
            }
        }
    }
}

fn check_resource(resource: &Resource<'_>, inherited: &[String], settings: &Settings, findings: &mut Findings) {
    let tags = resource.get("tags");
    let taggable = tags.is_some() || TAGGABLE.contains(&resource.kind);
    if !resource.kind.starts_with("aws_") || !taggable {
        return;
    }
    // Tags from a variable or merge() are not known here; trust them. So
    // are `dynamic "tag"` blocks, which autoscaling groups build from a map.
    let computed = tags.is_some_and(|tags| tags.as_str().is_some_and(|text| text.contains("${")));
    if computed || resource.get("dynamic").and_then(|dynamic| dynamic.get("tag")).is_some() {
        return;
    }
    let mut own: Vec<String> = tags
        .and_then(Node::as_object)
        .map(|tags| tags.keys().map(|key| key.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    // Autoscaling groups also take one `tag { key = ... }` block per tag.
    let blocks = resource.get("tag").and_then(Node::as_array).into_iter().flatten();
    own.extend(blocks.filter_map(|block| block.get("key").and_then(Node::as_str)).map(str::to_ascii_lowercase));
    let missing: Vec<&str> = settings
        .required_tags
        .iter()
        .map(String::as_str)
        .filter(|tag| {
            let tag = tag.to_ascii_lowercase();
            !own.contains(&tag) && !inherited.contains(&tag)
        })
        .collect();
    if !missing.is_empty() {
        findings.report(
            "missing-ownership-tags",
            &resource.pointer.key("tags"),
            format!("{} has no {} tag", resource.address(), missing.join(" or ")),
        );
    }
}

tenken_sdk::export_policy!(OwnershipTags);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_documents;

    fn run(trees: Vec<(&str, Value)>) -> Vec<String> {
        let documents = trees.into_iter().map(|(path, tree)| (path.to_owned(), tree)).collect();
        let findings = check_documents::<OwnershipTags>(
            "terraform",
            documents,
            &tenken_sdk::default_settings::<OwnershipTags>().unwrap(),
        );
        findings.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn provider_default_tags_cover_the_module() {
        let provider = json!({"provider": {"aws": [{"default_tags": [{"tags": {"owner": "payments"}}]}]}});
        let resources = json!({"resource": {"aws_s3_bucket": {"a": {"tags": {"Service": "shop"}}, "b": {}},
            "aws_iam_role_policy": {"p": {}}}});
        assert_eq!(
            run(vec![("infra/providers.tf", provider), ("infra/main.tf", resources)]),
            vec!["aws_s3_bucket.b has no service tag"]
        );
    }
}
