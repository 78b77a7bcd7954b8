//! # tf-instance-metadata
//!
//! EC2 instances (`aws_instance`), launch templates
//! (`aws_launch_template`) and launch configurations
//! (`aws_launch_configuration`) require IMDSv2: a `metadata_options` block
//! with `http_tokens = "required"`, or the metadata endpoint turned off
//! (`http_endpoint = "disabled"`). Without the block, EC2 allows IMDSv1
//! unless the AMI or the account says otherwise; an
//! `aws_ec2_instance_metadata_defaults` with `http_tokens = "required"` in
//! the same file is taken as the account's word. A `dynamic` block, or a
//! variable for `http_tokens` or `http_endpoint`, is given the benefit of
//! the doubt.
//!
//! In CloudFormation templates: `AWS::EC2::LaunchTemplate`
//! (`LaunchTemplateData.MetadataOptions`) and
//! `AWS::AutoScaling::LaunchConfiguration` (`MetadataOptions`) set
//! `HttpTokens: required` or `HttpEndpoint: disabled`; an
//! `AWS::EC2::Instance`, which has no metadata options of its own, names a
//! `LaunchTemplate`. A launcher whose `ImageId` names Amazon Linux 2023
//! through its public SSM parameter (`/aws/service/ami-amazon-linux-latest/al2023-...`)
//! is not reported for missing options: those AMIs require IMDSv2 by
//! default; an explicit `HttpTokens: optional` still is.
//!
//! ## Why it matters
//! IMDSv1 answers any plain GET from the instance with the credentials of
//! its IAM role. A server-side request forgery in any application on the
//! instance (a URL fetcher, an image proxy, a webhook tester) then hands
//! those credentials to the attacker: this is how the Capital One breach
//! exfiltrated 100 million records. IMDSv2 requires a session token
//! obtained with a PUT and a hop limit, which SSRF and open proxies cannot
//! produce.

use tenken_sdk::Node;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{Resource, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct InstanceMetadata;

/// Resource types that launch instances, and so choose their metadata
/// service options.
const LAUNCHERS: &[&str] = &["aws_instance", "aws_launch_template", "aws_launch_configuration"];

impl Policy for InstanceMetadata {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Instances require IMDSv2",
            "EC2 instances, launch templates and launch configurations require session tokens for instance \
             metadata, so a \
             server-side request forgery cannot read the instance role's credentials.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            Rule::new("imdsv1-allowed", Category::Security, Severity::High, "Require IMDSv2 (http_tokens = \"required\")")
                .rationale(
                    "IMDSv1 gives the instance role's credentials to any plain GET, so one SSRF in any application \
                     on the instance leaks them; IMDSv2's session tokens stop that.",
                )
                .fix(
                    "```hcl
resource \"aws_launch_template\" \"app\" {
  # ...
  metadata_options {
    http_endpoint               = \"enabled\"
    http_tokens                 = \"required\"
    http_put_response_hop_limit = 1   # 2 for containers that call IMDS through a bridge network
  }
}
```
In a CloudFormation template, a launch template (which an `AWS::EC2::Instance` names in `LaunchTemplate`):
```yaml
AppLaunchTemplate:
  Type: AWS::EC2::LaunchTemplate
  Properties:
    LaunchTemplateData:
      MetadataOptions:
        HttpEndpoint: enabled
        HttpTokens: required
        HttpPutResponseHopLimit: 1
```
Or require IMDSv2 for the whole account and region with `aws_ec2_instance_metadata_defaults`.",
                )
                .references(&[
                    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
                    "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8",
                    "https://aws.amazon.com/blogs/security/defense-in-depth-open-firewalls-reverse-proxies-ssrf-vulnerabilities-ec2-instance-metadata-service/",
                ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            for resource in cloudformation::resources(document) {
                let imdsv2_image = launches_imdsv2_image(document, &resource);
                check_cloudformation_launcher(&resource, imdsv2_image, findings);
            }
            return;
        }
        let resources = resources(document);
        if account_requires_imdsv2(&resources) {
            return;
        }
        for resource in resources.iter().filter(|resource| LAUNCHERS.contains(&resource.kind)) {
            check_launcher(resource, findings);
        }
    }
}

/// Whether the document sets the account's default to IMDSv2.
fn account_requires_imdsv2(resources: &[Resource<'_>]) -> bool {
    resources.iter().any(|resource| {
        resource.kind == "aws_ec2_instance_metadata_defaults"
            && resource.get("http_tokens").and_then(Node::as_str) == Some("required")
    })
}

/// Whether a CloudFormation launcher's image is Amazon Linux 2023, named
/// through its public SSM parameter (directly, by `{{resolve:ssm:...}}`,
/// or as the default of the parameter `ImageId` refers to): its AMIs
/// require IMDSv2 (`ImdsSupport: v2.0`) unless told otherwise.
fn launches_imdsv2_image(document: &Document, resource: &cloudformation::Resource<'_>) -> bool {
    let image = match resource.kind {
        "AWS::EC2::LaunchTemplate" => resource.property("LaunchTemplateData").and_then(|data| data.get("ImageId")),
        _ => resource.property("ImageId"),
    };
    let Some(image) = image else { return false };
    let named = image.as_str().or_else(|| {
        let parameter = image.get("Ref")?.as_str()?;
        document.tree.get("Parameters")?.get(parameter)?.get("Default")?.as_str()
    });
    named.is_some_and(|name| name.contains("/aws/service/ami-amazon-linux-latest/al2023-"))
}

/// A CloudFormation launch template (`LaunchTemplateData.MetadataOptions`),
/// launch configuration (`MetadataOptions`), or instance, which takes its
/// metadata options only from a `LaunchTemplate`.
/// With `imdsv2_image`, a launcher that leaves the options to its image
/// is not reported: only one that asks for IMDSv1.
fn check_cloudformation_launcher(resource: &cloudformation::Resource<'_>, imdsv2_image: bool, findings: &mut Findings) {
    use cloudformation::is_intrinsic;
    let name = resource.describe();
    let (parent, pointer) = match resource.kind {
        "AWS::EC2::LaunchTemplate" => {
            let data = resource.property("LaunchTemplateData");
            if is_intrinsic(data) {
                return;
            }
            (data, resource.property_pointer("LaunchTemplateData"))
        }
        "AWS::AutoScaling::LaunchConfiguration" => {
            (resource.body.get("Properties"), resource.pointer.key("Properties"))
        }
        "AWS::EC2::Instance" => {
            // Its launch template, if any, is judged where it is defined.
            if resource.property("LaunchTemplate").is_none() && !imdsv2_image {
                findings.report(
                    "imdsv1-allowed",
                    &resource.property_pointer("LaunchTemplate"),
                    format!("{name} has no LaunchTemplate requiring IMDSv2: IMDSv1 stays allowed"),
                );
            }
            return;
        }
        _ => return,
    };
    let options = parent.and_then(|parent| parent.get("MetadataOptions"));
    let options_pointer = pointer.key("MetadataOptions");
    let Some(options) = options.filter(|options| !is_intrinsic(Some(*options))) else {
        if options.is_none() && !imdsv2_image {
            findings.report(
                "imdsv1-allowed",
                &options_pointer,
                format!("{name} has no MetadataOptions: IMDSv1 stays allowed"),
            );
        }
        return;
    };
    let tokens = options.get("HttpTokens");
    let endpoint = options.get("HttpEndpoint");
    if endpoint.and_then(Node::as_str) == Some("disabled") || is_intrinsic(endpoint) || is_intrinsic(tokens) {
        return;
    }
    if tokens.and_then(Node::as_str) != Some("required") {
        let at = if tokens.is_some() { options_pointer.key("HttpTokens") } else { options_pointer };
        findings.report("imdsv1-allowed", &at, format!("{name} allows IMDSv1: HttpTokens is not required"));
    }
}

fn check_launcher(resource: &Resource<'_>, findings: &mut Findings) {
    if resource.has_dynamic_block("metadata_options") {
        return; // Built from variables: given the benefit of the doubt.
    }
    let Some((pointer, options)) = resource.blocks("metadata_options").into_iter().next() else {
        findings.report(
            "imdsv1-allowed",
            &resource.pointer.key("metadata_options"),
            format!("{} has no metadata_options: IMDSv1 stays allowed", resource.address()),
        );
        return;
    };
    let text = |field: &str| options.get(field).and_then(Node::as_str);
    let computed = |field: &str| text(field).is_some_and(|value| value.contains("${"));
    if text("http_endpoint") == Some("disabled") || computed("http_endpoint") || computed("http_tokens") {
        return;
    }
    if text("http_tokens") != Some("required") {
        let at = if options.get("http_tokens").is_some() {
            pointer.key("http_tokens")
        } else {
            resource.pointer.key("metadata_options")
        };
        findings.report(
            "imdsv1-allowed",
            &at,
            format!("{} allows IMDSv1: http_tokens is not \"required\"", resource.address()),
        );
    }
}

tenken_sdk::export_policy!(InstanceMetadata);
