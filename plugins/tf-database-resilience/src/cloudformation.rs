//! The same practices on CloudFormation templates: RDS instances
//! (`AWS::RDS::DBInstance`) and Aurora clusters (`AWS::RDS::DBCluster`).
//! A property made by an intrinsic function (`!Ref`, `!If`, ...) is not
//! judged, as a Terraform expression is not.

use tenken_sdk::cloudformation::{Resource, as_bool, is_intrinsic, resources};
use tenken_sdk::{Document, Findings, Node};

use crate::{Settings, check_rds_retention, is_production};

pub(crate) fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
    for resource in resources(document) {
        match resource.kind {
            "AWS::RDS::DBInstance" => {
                // An Aurora instance has its cluster's backups, encryption
                // and deletion protection; a read replica its source's.
                let follows = ["DBClusterIdentifier", "SourceDBInstanceIdentifier", "SourceDBClusterIdentifier"]
                    .iter()
                    .any(|property| resource.property(property).is_some());
                if !follows {
                    check_database(&resource, false, settings, findings);
                }
                check_exposure(&resource, findings);
            }
            "AWS::RDS::DBCluster" => {
                let replica = resource.property("ReplicationSourceIdentifier").is_some()
                    || resource.property("SourceDBClusterIdentifier").is_some();
                if !replica {
                    check_database(&resource, true, settings, findings);
                }
            }
            _ => {}
        }
    }
}

fn check_database(resource: &Resource<'_>, is_cluster: bool, settings: &Settings, findings: &mut Findings) {
    let name = resource.describe();
    check_rds_retention(
        &name,
        "BackupRetentionPeriod",
        resource.property("BackupRetentionPeriod"),
        &resource.property_pointer("BackupRetentionPeriod"),
        settings,
        findings,
    );
    for (property, rule, message) in [
        ("DeletionProtection", "deletion-protection-off", "can be deleted: DeletionProtection is off"),
        ("StorageEncrypted", "storage-not-encrypted", "does not encrypt its storage: StorageEncrypted is off"),
    ] {
        let value = resource.property(property);
        // A KMS key implies encryption: CloudFormation refuses a key
        // without StorageEncrypted, and Aurora Serverless always encrypts.
        let implied = property == "StorageEncrypted"
            && (resource.property("KmsKeyId").is_some()
                || resource.property("EngineMode").and_then(Node::as_str) == Some("serverless"));
        if !implied && !is_intrinsic(value) && as_bool(value) != Some(true) {
            findings.report(rule, &resource.property_pointer(property), format!("{name} {message}"));
        }
    }
    let multi_az = resource.property("MultiAZ");
    if !is_cluster
        && is_production(resource.property("Tags"), settings)
        && as_bool(multi_az) != Some(true)
        && !is_intrinsic(multi_az)
    {
        findings.report(
            "single-az-production",
            &resource.property_pointer("MultiAZ"),
            format!("{name} is production but runs in one AZ: MultiAZ is off"),
        );
    }
}

fn check_exposure(resource: &Resource<'_>, findings: &mut Findings) {
    if as_bool(resource.property("PubliclyAccessible")) == Some(true) {
        findings.report(
            "publicly-accessible",
            &resource.property_pointer("PubliclyAccessible"),
            format!("{} is PubliclyAccessible: it gets an address reachable from the internet", resource.describe()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::DatabaseResilience;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    #[test]
    fn a_template_is_judged_like_terraform_and_functions_are_not_judged() {
        let template = json!({"Resources": {
            "Orders": {"Type": "AWS::RDS::DBInstance", "Properties": {
                "BackupRetentionPeriod": "14", "DeletionProtection": {"Ref": "Protect"}, "StorageEncrypted": "true",
                "MultiAZ": false, "Tags": [{"Key": "Environment", "Value": "prod"}]}},
            "Replica": {"Type": "AWS::RDS::DBInstance", "Properties": {
                "SourceDBInstanceIdentifier": {"Ref": "Orders"}, "PubliclyAccessible": true}},
            "Analytics": {"Type": "AWS::RDS::DBCluster", "Properties": {"KmsKeyId": "alias/rds", "DeletionProtection": true}}
        }});
        let found: Vec<(String, String)> = check_pointers::<DatabaseResilience>("cloudformation", template);
        assert_eq!(
            found,
            vec![
                ("single-az-production".into(), "/Resources/Orders/Properties/MultiAZ".into()),
                ("publicly-accessible".into(), "/Resources/Replica/Properties/PubliclyAccessible".into()),
                ("short-backup-retention".into(), "/Resources/Analytics/Properties/BackupRetentionPeriod".into()),
            ]
        );
    }
}
