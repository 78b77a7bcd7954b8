//! # tf-container-registry
//!
//! Image repositories keep what a tag names fixed, and look at what is
//! pushed:
//!
//! - **Immutable tags**: ECR repositories (`aws_ecr_repository`) set
//!   `image_tag_mutability = "IMMUTABLE"` (or `IMMUTABLE_WITH_EXCLUSION`);
//!   Artifact Registry Docker repositories
//!   (`google_artifact_registry_repository` with `format = "DOCKER"`,
//!   standard ones: remote and virtual repositories proxy others and are
//!   left alone) set `docker_config { immutable_tags = true }`.
//! - **Scan on push**: ECR repositories set `image_scanning_configuration {
//!   scan_on_push = true }`, unless the same file has an
//!   `aws_ecr_registry_scanning_configuration` (its rules and filters are
//!   not read).
//!
//! In CloudFormation templates, `AWS::ECR::Repository` sets
//! `ImageTagMutability: IMMUTABLE` (tags are mutable when it is not set)
//! and `ImageScanningConfiguration: {ScanOnPush: true}`, unless the
//! template has an `AWS::ECR::RegistryScanningConfiguration`.
//!
//! ## Why it matters
//! A deployment that names `api:1.4.2` trusts that the tag means the image
//! that was tested. A mutable tag can be pushed over, by a release job run
//! twice or by an attacker with push rights, and every node that pulls it
//! next runs something nobody reviewed, while rollbacks to that tag no
//! longer roll back. Scanning on push finds known vulnerabilities in an
//! image before it is deployed, rather than after.

use tenken_sdk::Node;
use tenken_sdk::cloudformation;
use tenken_sdk::terraform::{Resource, as_bool, is_expression, resources};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct ContainerRegistry;

impl Policy for ContainerRegistry {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Image tags are immutable and images are scanned on push",
            "ECR and Artifact Registry repositories keep tags immutable, so a tag always names the image \
             that was tested, and ECR scans images as they are pushed.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            Rule::new("mutable-tags", Category::Security, Severity::Medium, "Make image tags immutable")
                .rationale(
                    "A mutable tag can be pushed over, by a rerun release or an attacker, so the next pull runs an \
                     image nobody tested and rollbacks to the tag stop working.",
                )
                .fix(
                    "```hcl
resource \"aws_ecr_repository\" \"api\" {
  name                 = \"api\"
  image_tag_mutability = \"IMMUTABLE\"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource \"google_artifact_registry_repository\" \"images\" {
  repository_id = \"images\"
  format        = \"DOCKER\"
  docker_config {
    immutable_tags = true
  }
}
```
In a CloudFormation template:
```yaml
ApiRepository:
  Type: AWS::ECR::Repository
  Properties:
    ImageTagMutability: IMMUTABLE
    ImageScanningConfiguration:
      ScanOnPush: true
```",
                )
                .references(&[
                    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html",
                    "https://cloud.google.com/artifact-registry/docs/docker/manage-images#immutable-tags",
                    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecr-repository.html",
                ]),
            Rule::new("scan-on-push-off", Category::Security, Severity::Low, "Scan images on push")
                .rationale("Scanning on push finds known vulnerabilities in an image before it is deployed.")
                .fix(
                    "Set `image_scanning_configuration { scan_on_push = true }` on the repository \
                     (`ImageScanningConfiguration: {ScanOnPush: true}` in CloudFormation), or scan the whole \
                     registry:
```hcl
resource \"aws_ecr_registry_scanning_configuration\" \"this\" {
  scan_type = \"ENHANCED\"
  rule {
    scan_frequency = \"SCAN_ON_PUSH\"
    repository_filter {
      filter      = \"*\"
      filter_type = \"WILDCARD\"
    }
  }
}
```",
                )
                .references(&["https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html"]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            check_cloudformation(document, findings);
            return;
        }
        let resources = resources(document);
        let registry_scans =
            resources.iter().any(|resource| resource.kind == "aws_ecr_registry_scanning_configuration");
        for resource in &resources {
            match resource.kind {
                "aws_ecr_repository" => check_ecr(resource, registry_scans, findings),
                "google_artifact_registry_repository" => check_artifact_registry(resource, findings),
                _ => {}
            }
        }
    }
}

fn check_ecr(resource: &Resource<'_>, registry_scans: bool, findings: &mut Findings) {
    let mutability = resource.get("image_tag_mutability");
    let immutable = mutability.and_then(Node::as_str).is_some_and(|value| value.starts_with("IMMUTABLE"));
    if !immutable && !is_expression(mutability) {
        findings.report(
            "mutable-tags",
            &resource.pointer.key("image_tag_mutability"),
            format!("{} lets a pushed tag be overwritten: image_tag_mutability is not IMMUTABLE", resource.address()),
        );
    }
    if registry_scans || resource.has_dynamic_block("image_scanning_configuration") {
        return;
    }
    let scanning = resource.blocks("image_scanning_configuration").into_iter().next();
    let scan = scanning.as_ref().and_then(|(_, block)| block.get("scan_on_push"));
    if as_bool(scan) != Some(true) && !is_expression(scan) {
        let at = match &scanning {
            Some((pointer, _)) if scan.is_some() => pointer.key("scan_on_push"),
            _ => resource.pointer.key("image_scanning_configuration"),
        };
        findings.report("scan-on-push-off", &at, format!("{} does not scan images on push", resource.address()));
    }
}

/// ECR repositories of a CloudFormation template (`AWS::ECR::Repository`),
/// whose tags are mutable unless `ImageTagMutability` says otherwise.
fn check_cloudformation(document: &Document, findings: &mut Findings) {
    let repositories = cloudformation::resources(document);
    let registry_scans = repositories.iter().any(|resource| resource.kind == "AWS::ECR::RegistryScanningConfiguration");
    for repository in repositories.iter().filter(|resource| resource.kind == "AWS::ECR::Repository") {
        let name = repository.describe();
        let mutability = repository.property("ImageTagMutability");
        let immutable = mutability.and_then(Node::as_str).is_some_and(|value| value.starts_with("IMMUTABLE"));
        if !immutable && !cloudformation::is_intrinsic(mutability) {
            findings.report(
                "mutable-tags",
                &repository.property_pointer("ImageTagMutability"),
                format!("{name} lets a pushed tag be overwritten: ImageTagMutability is not IMMUTABLE"),
            );
        }
        let scanning = repository.property("ImageScanningConfiguration");
        let scan = scanning.and_then(|scanning| scanning.get("ScanOnPush"));
        let scans = cloudformation::as_bool(scan) == Some(true)
            || cloudformation::is_intrinsic(scan)
            || cloudformation::is_intrinsic(scanning);
        if !scans && !registry_scans {
            let at = match scan {
                Some(_) => repository.property_pointer("ImageScanningConfiguration").key("ScanOnPush"),
                None => repository.property_pointer("ImageScanningConfiguration"),
            };
            findings.report("scan-on-push-off", &at, format!("{name} does not scan images on push"));
        }
    }
}

fn check_artifact_registry(resource: &Resource<'_>, findings: &mut Findings) {
    if resource.get("format").and_then(Node::as_str).is_none_or(|format| !format.eq_ignore_ascii_case("DOCKER")) {
        return;
    }
    // Remote and virtual repositories proxy other registries.
    let mode = resource.get("mode").and_then(Node::as_str).unwrap_or("STANDARD_REPOSITORY");
    if mode != "STANDARD_REPOSITORY" {
        return;
    }
    let config = resource.blocks("docker_config").into_iter().next();
    let immutable = config.as_ref().and_then(|(_, block)| block.get("immutable_tags"));
    if as_bool(immutable) != Some(true) && !is_expression(immutable) {
        let at = match &config {
            Some((pointer, _)) if immutable.is_some() => pointer.key("immutable_tags"),
            _ => resource.pointer.key("docker_config"),
        };
        findings.report(
            "mutable-tags",
            &at,
            format!(
                "{} lets a pushed tag be overwritten: docker_config.immutable_tags is not true",
                resource.address()
            ),
        );
    }
}

tenken_sdk::export_policy!(ContainerRegistry);
