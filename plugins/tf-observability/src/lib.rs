//! # tf-observability
//!
//! The edges and the audit trail of an AWS account keep records:
//!
//! - load balancers (`aws_lb`, `aws_alb`, `aws_elb`) write access logs
//!   (`access_logs { enabled = true }`);
//! - CloudFront distributions write access logs (`logging_config`);
//! - on GCP, the backend services of external and internal HTTP(S) load
//!   balancers (`google_compute_backend_service`,
//!   `google_compute_region_backend_service` with an `EXTERNAL`,
//!   `EXTERNAL_MANAGED` or `INTERNAL_MANAGED` scheme) log requests
//!   (`log_config { enable = true }`), which Cloud Load Balancing does not
//!   do by default;
//! - CloudTrail trails cover every region (`is_multi_region_trail = true`)
//!   and validate their log files (`enable_log_file_validation = true`).
//!
//! On Azure, whose resources keep logs only through a diagnostic setting
//! (`missing-diagnostic-setting`): Key Vaults, AKS clusters, Application
//! Gateways, Front Doors and SQL servers are the target of an
//! `azurerm_monitor_diagnostic_setting` in their module (a SQL server may
//! use `azurerm_mssql_server_extended_auditing_policy` instead). Settings
//! and targets usually sit in different files, so this plugin is
//! project-scoped and reads each directory as a whole; a setting whose
//! target is computed (`each.value`) covers its whole module. A directory
//! too large for one project call is read in parts, and a setting and its
//! target in different parts are not related. Being project-scoped, this
//! plugin does not see a local module's documents as its calls make them
//! (see docs/design.md).
//!
//! CloudFormation templates are held to the same: `access_logs.s3.enabled`
//! among the `LoadBalancerAttributes` of application and network load
//! balancers, `AccessLoggingPolicy` of classic ones, `Logging` in a
//! CloudFront `DistributionConfig`, and `IsMultiRegionTrail` and
//! `EnableLogFileValidation` of trails.
//!
//! ## Why it matters
//! When something goes wrong at the edge (a spike of 5xx, a scraping bot,
//! a request that exploited a bug) the access log is the only record of
//! who asked for what and what they got; without it an incident review
//! starts from guesses, and some compliance regimes fail outright. A
//! CloudTrail trail that covers one region misses an attacker who simply
//! works in another, and without log file validation nobody can show the
//! logs were not edited after the fact.

mod azure;

use tenken_sdk::Node;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{Resource, as_bool, is_expression, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct Observability;

const FIX: &str = "```hcl
resource \"aws_lb\" \"web\" {
  # ...
  access_logs {
    bucket  = aws_s3_bucket.lb_logs.id
    enabled = true
  }
}

resource \"aws_cloudtrail\" \"main\" {
  # ...
  is_multi_region_trail      = true
  enable_log_file_validation = true
}
```
In a CloudFormation template:
```yaml
WebLoadBalancer:
  Type: AWS::ElasticLoadBalancingV2::LoadBalancer
  Properties:
    # ...
    LoadBalancerAttributes:
      - Key: access_logs.s3.enabled
        Value: \"true\"
      - Key: access_logs.s3.bucket
        Value: !Ref LoadBalancerLogs
Trail:
  Type: AWS::CloudTrail::Trail
  Properties:
    # ...
    IsMultiRegionTrail: true
    EnableLogFileValidation: true
```";

fn has_enabled_block(resource: &Resource<'_>, block: &str) -> bool {
    resource.blocks(block).iter().any(|(_, body)| as_bool(body.get("enabled")) != Some(false))
}

impl Policy for Observability {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let references: &[&str] = &[
            "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
            "https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring",
        ];
        tenken_sdk::plugin_info!(
            "Load balancers, CDNs and audit trails keep records",
            "Edges write access logs, the audit trail covers every region with tamper-evident log files, and \
             Azure resources send their audit logs somewhere, so incidents can be reconstructed.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .project_scoped()
        .rules(vec![
                Rule::new("missing-access-logs", Category::Reliability, Severity::Medium, "Write access logs at the edge")
                    .rationale("Without access logs, nobody can say who requested what during an incident.")
                    .fix(FIX)
                    .references(references),
                Rule::new("single-region-trail", Category::Security, Severity::High, "Make CloudTrail trails multi-region")
                    .rationale("A single-region trail misses everything done in the other regions, which is where an attacker would work.")
                    .fix(FIX)
                    .references(references),
                Rule::new("trail-without-validation", Category::Security, Severity::Medium, "Validate CloudTrail log files")
                    .rationale("Without validation, nobody can prove the audit log was not altered after the fact.")
                    .fix(FIX)
                    .references(references),
                Rule::new("missing-diagnostic-setting", Category::Security, Severity::Medium,
                          "Send the logs of Azure Key Vaults, AKS clusters, gateways and SQL servers somewhere")
                    .rationale("Azure keeps these resources' audit and access logs only through a diagnostic setting: \
                                without one, nobody can say who read a secret, who ran what against the cluster, or \
                                which requests reached the gateway.")
                    .fix("Add a diagnostic setting for the resource, to a Log Analytics workspace (or a storage \
                          account for long retention):
```hcl
resource \"azurerm_monitor_diagnostic_setting\" \"vault\" {
  name                       = \"audit\"
  target_resource_id         = azurerm_key_vault.main.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category_group = \"audit\"
  }
}
```
For a SQL server, `azurerm_mssql_server_extended_auditing_policy` does the same.")
                    .references(&[
                        "https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings",
                        "https://learn.microsoft.com/azure/key-vault/general/logging",
                        "https://learn.microsoft.com/azure/aks/monitor-aks",
                    ]),
            ])
    }

    fn check_all(documents: &[Document<'_>], settings: &NoSettings, findings: &mut Findings) {
        for (index, document) in documents.iter().enumerate() {
            Self::check(document, settings, findings.in_document(index));
        }
        azure::check_diagnostics(documents, findings);
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            for resource in cloudformation::resources(document) {
                check_cloudformation(&resource, findings);
            }
            return;
        }
        for resource in resources(document) {
            let name = resource.address();
            match resource.kind {
                "aws_lb" | "aws_alb" | "aws_elb" if !has_enabled_block(&resource, "access_logs") => findings.report(
                    "missing-access-logs",
                    &resource.pointer.key("access_logs"),
                    format!("{name} writes no access logs"),
                ),
                "aws_cloudfront_distribution" if resource.blocks("logging_config").is_empty() => findings.report(
                    "missing-access-logs",
                    &resource.pointer.key("logging_config"),
                    format!("{name} writes no access logs"),
                ),
                "google_compute_backend_service" | "google_compute_region_backend_service"
                    if serves_http(&resource) && !logs_requests(&resource) =>
                {
                    // At `enable = false` where it is written, else where
                    // the block is missing.
                    let at = match resource.blocks("log_config").into_iter().next() {
                        Some((pointer, config)) if config.get("enable").is_some() => pointer.key("enable"),
                        _ => resource.pointer.key("log_config"),
                    };
                    findings.report(
                        "missing-access-logs",
                        &at,
                        format!("{name} logs no requests: log_config is not enabled"),
                    );
                }
                "aws_cloudtrail" => {
                    if as_bool(resource.get("is_multi_region_trail")) != Some(true) {
                        findings.report(
                            "single-region-trail",
                            &resource.pointer.key("is_multi_region_trail"),
                            format!("{name} records one region only"),
                        );
                    }
                    if as_bool(resource.get("enable_log_file_validation")) != Some(true) {
                        findings.report(
                            "trail-without-validation",
                            &resource.pointer.key("enable_log_file_validation"),
                            format!("{name} does not validate its log files"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// The same practices on a CloudFormation resource. Values made by
/// intrinsic functions are not judged.
fn check_cloudformation(resource: &cloudformation::Resource<'_>, findings: &mut Findings) {
    use cloudformation::{as_bool, is_intrinsic};
    let name = resource.describe();
    let mut report = |rule: &str, pointer: tenken_sdk::Pointer, what: &str| {
        findings.report(rule, &pointer, format!("{name} {what}"));
    };
    match resource.kind {
        // Application and network load balancers log through an attribute;
        // gateway load balancers have no access logs.
        "AWS::ElasticLoadBalancingV2::LoadBalancer"
            if resource.property("Type").and_then(Node::as_str) != Some("gateway") =>
        {
            let attributes = resource.property("LoadBalancerAttributes");
            let enabled = attributes.and_then(Node::as_array).and_then(|attributes| {
                attributes
                    .iter()
                    .find(|attribute| attribute.get("Key").and_then(Node::as_str) == Some("access_logs.s3.enabled"))
                    .and_then(|attribute| attribute.get("Value"))
            });
            if as_bool(enabled) != Some(true) && !is_intrinsic(enabled) && !is_intrinsic(attributes) {
                report(
                    "missing-access-logs",
                    resource.property_pointer("LoadBalancerAttributes"),
                    "writes no access logs: access_logs.s3.enabled is not true",
                );
            }
        }
        "AWS::ElasticLoadBalancing::LoadBalancer" => {
            let policy = resource.property("AccessLoggingPolicy");
            let enabled = policy.and_then(|policy| policy.get("Enabled"));
            if as_bool(enabled) != Some(true) && !is_intrinsic(enabled) && !is_intrinsic(policy) {
                report(
                    "missing-access-logs",
                    resource.property_pointer("AccessLoggingPolicy"),
                    "writes no access logs",
                );
            }
        }
        "AWS::CloudFront::Distribution" => {
            let config = resource.property("DistributionConfig");
            if config.is_some_and(|config| config.get("Logging").is_none()) && !is_intrinsic(config) {
                report(
                    "missing-access-logs",
                    resource.property_pointer("DistributionConfig").key("Logging"),
                    "writes no access logs: DistributionConfig has no Logging",
                );
            }
        }
        "AWS::CloudTrail::Trail" => {
            for (property, rule, what) in [
                ("IsMultiRegionTrail", "single-region-trail", "records one region only"),
                ("EnableLogFileValidation", "trail-without-validation", "does not validate its log files"),
            ] {
                let value = resource.property(property);
                if as_bool(value) != Some(true) && !is_intrinsic(value) {
                    report(rule, resource.property_pointer(property), what);
                }
            }
        }
        _ => {}
    }
}

/// Whether a GCP backend service belongs to an HTTP(S) load balancer: an
/// external one (classic or global), or an internal Application Load
/// Balancer. Passthrough network load balancers log as flow logs instead.
fn serves_http(resource: &Resource<'_>) -> bool {
    let scheme = resource.get("load_balancing_scheme").and_then(Node::as_str).unwrap_or("EXTERNAL");
    let protocol = resource.get("protocol").and_then(Node::as_str).unwrap_or("HTTP");
    matches!(scheme, "EXTERNAL" | "EXTERNAL_MANAGED" | "INTERNAL_MANAGED") && protocol.starts_with("HTTP")
}

fn logs_requests(resource: &Resource<'_>) -> bool {
    resource.has_dynamic_block("log_config")
        || resource.blocks("log_config").iter().any(|(_, config)| {
            let enable = config.get("enable");
            as_bool(enable) == Some(true) || is_expression(enable)
        })
}

tenken_sdk::export_policy!(Observability);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn logs_and_trails() {
        let tree = json!({"resource": {
            "aws_lb": {"web": {"access_logs": [{"bucket": "b", "enabled": true}]}, "api": {"access_logs": [{"bucket": "b", "enabled": false}]}},
            "aws_cloudtrail": {"main": {"is_multi_region_trail": true}}}});
        let rules: Vec<String> =
            check_tree::<Observability>("terraform", tree).into_iter().map(|(rule, _, _)| rule).collect();
        assert_eq!(rules, vec!["missing-access-logs", "trail-without-validation"]);
    }
}
