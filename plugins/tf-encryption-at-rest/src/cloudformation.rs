//! The same practices on CloudFormation templates, with the property each
//! resource type uses. A value made by an intrinsic function (`!Ref`,
//! `!If`, ...) is not judged.

use tenken_sdk::cloudformation::{Resource, as_bool, is_intrinsic, resources};
use tenken_sdk::{Document, Findings, Node, Pointer};

/// A property at `path` under `Properties`, and its pointer.
fn property<'a>(resource: &Resource<'a>, path: &[&str]) -> (Option<Node<'a>>, Pointer) {
    let mut pointer = resource.pointer.key("Properties");
    let mut value = resource.body.get("Properties");
    for key in path {
        pointer = pointer.key(key);
        value = value.and_then(|node| node.get(key));
    }
    (value, pointer)
}

/// Whether the flag at `path` is on, or left to an intrinsic function, at
/// any level of the path.
fn is_on(resource: &Resource<'_>, path: &[&str]) -> bool {
    let (value, _) = property(resource, path);
    as_bool(value) == Some(true) || (1..=path.len()).any(|depth| is_intrinsic(property(resource, &path[..depth]).0))
}

pub(crate) fn check(document: &Document, findings: &mut Findings) {
    for resource in resources(document) {
        let name = resource.describe();
        let mut report = |rule: &str, path: &[&str], what: &str| {
            findings.report(rule, &property(&resource, path).1, format!("{name} {what}"));
        };
        let mut at_rest = |path: &[&str], what: &str| report("unencrypted-at-rest", path, what);
        match resource.kind {
            "AWS::EC2::Volume" | "AWS::EFS::FileSystem" if !is_on(&resource, &["Encrypted"]) => {
                at_rest(&["Encrypted"], "does not set Encrypted: true");
            }
            "AWS::ElastiCache::ReplicationGroup" if !is_on(&resource, &["AtRestEncryptionEnabled"]) => {
                at_rest(&["AtRestEncryptionEnabled"], "does not encrypt its data at rest");
            }
            "AWS::Neptune::DBCluster" | "AWS::DocDB::DBCluster" if !is_on(&resource, &["StorageEncrypted"]) => {
                at_rest(&["StorageEncrypted"], "does not set StorageEncrypted: true");
            }
            // Redshift encrypts new clusters by default since 2025: only
            // turning it off is reported.
            "AWS::Redshift::Cluster" if as_bool(property(&resource, &["Encrypted"]).0) == Some(false) => {
                at_rest(&["Encrypted"], "turns encryption off: Encrypted is false");
            }
            "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain"
                if !is_on(&resource, &["EncryptionAtRestOptions", "Enabled"]) =>
            {
                at_rest(&["EncryptionAtRestOptions"], "does not encrypt its indices at rest");
            }
            "AWS::SNS::Topic" if property(&resource, &["KmsMasterKeyId"]).0.is_none() => {
                at_rest(&["KmsMasterKeyId"], "has no KMS key for its messages");
            }
            // SQS encrypts new queues with SSE-SQS unless told not to.
            "AWS::SQS::Queue"
                if property(&resource, &["KmsMasterKeyId"]).0.is_none()
                    && as_bool(property(&resource, &["SqsManagedSseEnabled"]).0) == Some(false) =>
            {
                at_rest(&["SqsManagedSseEnabled"], "turns off the default encryption of its messages");
            }
            "AWS::DynamoDB::Table" if !is_on(&resource, &["SSESpecification", "SSEEnabled"]) => {
                at_rest(
                    &["SSESpecification"],
                    "uses the AWS owned key only; set SSESpecification.SSEEnabled with a KMS key",
                );
            }
            "AWS::EC2::Instance" => check_instance(&resource, findings),
            _ => {}
        }
        check_in_transit(&resource, findings);
        if resource.kind == "AWS::KMS::Key" {
            check_key_rotation(&resource, findings);
        }
    }
}

/// An instance's volumes: each of its `BlockDeviceMappings` with an `Ebs`
/// volume encrypts it; without any (and without a launch template that
/// may give them), the root volume is the AMI's default, unencrypted
/// unless EBS encryption by default is on for the account.
fn check_instance(resource: &Resource<'_>, findings: &mut Findings) {
    let (mappings, pointer) = property(resource, &["BlockDeviceMappings"]);
    // Volumes may come from its launch template, judged where it is defined.
    if is_intrinsic(mappings) || (mappings.is_none() && resource.property("LaunchTemplate").is_some()) {
        return;
    }
    let Some(mappings) = mappings.and_then(Node::as_array) else {
        findings.report(
            "unencrypted-at-rest",
            &pointer,
            format!(
                "{} has no BlockDeviceMappings: its root volume is unencrypted unless EBS encryption by default is \
                 on for the account",
                resource.describe()
            ),
        );
        return;
    };
    for (index, mapping) in mappings.iter().enumerate() {
        let Some(volume) = mapping.get("Ebs") else { continue };
        let encrypted = volume.get("Encrypted");
        if as_bool(encrypted) != Some(true) && !is_intrinsic(encrypted) && !is_intrinsic(Some(volume)) {
            let device = mapping.get("DeviceName").and_then(Node::as_str).unwrap_or("a device");
            findings.report(
                "unencrypted-at-rest",
                &pointer.index(index).key("Ebs").key("Encrypted"),
                format!("{}'s volume {device} is not encrypted", resource.describe()),
            );
        }
    }
}

fn check_in_transit(resource: &Resource<'_>, findings: &mut Findings) {
    let name = resource.describe();
    let mut report =
        |pointer: Pointer, what: &str| findings.report("unencrypted-in-transit", &pointer, format!("{name} {what}"));
    match resource.kind {
        "AWS::ElastiCache::ReplicationGroup" if !is_on(resource, &["TransitEncryptionEnabled"]) => {
            report(
                property(resource, &["TransitEncryptionEnabled"]).1,
                "sends data between clients and nodes in plaintext",
            );
        }
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
            if !is_on(resource, &["NodeToNodeEncryptionOptions", "Enabled"]) {
                report(
                    property(resource, &["NodeToNodeEncryptionOptions"]).1,
                    "sends data between its nodes in plaintext",
                );
            }
            // CloudFormation's default for EnforceHTTPS is false.
            if !is_on(resource, &["DomainEndpointOptions", "EnforceHTTPS"]) {
                report(
                    property(resource, &["DomainEndpointOptions", "EnforceHTTPS"]).1,
                    "accepts plain HTTP: DomainEndpointOptions.EnforceHTTPS is not true",
                );
            }
        }
        "AWS::MSK::Cluster" => {
            let (mode, pointer) = property(resource, &["EncryptionInfo", "EncryptionInTransit", "ClientBroker"]);
            if matches!(mode.and_then(Node::as_str), Some("PLAINTEXT" | "TLS_PLAINTEXT")) {
                report(pointer, "lets clients send data in plaintext");
            }
        }
        _ => {}
    }
}

fn check_key_rotation(resource: &Resource<'_>, findings: &mut Findings) {
    // Only symmetric keys rotate; asymmetric and HMAC keys cannot.
    let spec = property(resource, &["KeySpec"]).0.and_then(Node::as_str);
    if spec.is_some_and(|spec| spec != "SYMMETRIC_DEFAULT") || is_on(resource, &["EnableKeyRotation"]) {
        return;
    }
    findings.report(
        "key-rotation-off",
        &property(resource, &["EnableKeyRotation"]).1,
        format!("{} does not rotate its key material: EnableKeyRotation is not true", resource.describe()),
    );
}
