//! # tf-database-resilience
//!
//! RDS instances (`aws_db_instance`) and Aurora clusters
//! (`aws_rds_cluster`):
//!
//! - keep automated backups for at least `min-backup-days` (default 7);
//! - have `deletion_protection = true`;
//! - encrypt their storage (`storage_encrypted = true`);
//! - for RDS instances in production, run `multi_az = true`. An instance
//!   counts as production when `require-multi-az` is set, or when one of
//!   its tags matches `production-tags` (by default `environment`/`env` =
//!   `prod`/`production`). Aurora spreads its storage over three AZs and
//!   fails over to replicas, so clusters are not asked for `multi_az`.
//!
//! ## Why it matters
//! The database is the part of a service that cannot be redeployed. Without
//! backups (the provider defaults to none for instances created without a
//! retention period), a bad migration, a dropped table or a deleted
//! instance is permanent; a retention of one day means a problem noticed
//! after the weekend is permanent too. Deletion protection stops a
//! `terraform destroy` or a renamed resource from deleting production. A
//! single-AZ production database goes down with its AZ and during every
//! maintenance window. Unencrypted storage, and its snapshots, can be read
//! by anyone who can copy a snapshot.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::terraform::{Resource, as_bool, as_u64, resources};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Policy, RuleFamily, Severity};

/// The plugin.
pub struct DatabaseResilience;

/// Settings, from `[settings.tf-database-resilience]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// The shortest automated backup retention allowed, in days.
    #[serde(default = "default_min_backup_days")]
    #[schemars(range(min = 1, max = 35))]
    pub min_backup_days: u64,
    /// Require `multi_az` on every RDS instance, not only those tagged as production.
    #[serde(default)]
    pub require_multi_az: bool,
    /// Tags (`key=value`, case-insensitive) that mark an RDS instance as production.
    #[serde(default = "default_production_tags")]
    #[schemars(inner(regex(pattern = r"^[^=]+=.+$")))]
    pub production_tags: Vec<String>,
}

fn default_min_backup_days() -> u64 {
    7
}

fn default_production_tags() -> Vec<String> {
    ["environment=production", "environment=prod", "env=production", "env=prod"].map(str::to_owned).to_vec()
}

const FIX: &str = "```hcl
resource \"aws_db_instance\" \"orders\" {
  # ...
  backup_retention_period = 14
  deletion_protection     = true
  storage_encrypted       = true
  multi_az                = true
}
```";

const REFERENCES: &[&str] = &[
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
];

fn is_production(resource: &Resource<'_>, settings: &Settings) -> bool {
    if settings.require_multi_az {
        return true;
    }
    let Some(tags) = resource.get("tags").and_then(Node::as_object) else { return false };
    settings.production_tags.iter().any(|wanted| {
        let (key, value) = wanted.split_once('=').unwrap_or((wanted, ""));
        tags.iter().any(|(tag, tagged)| {
            tag.eq_ignore_ascii_case(key) && tagged.as_str().is_some_and(|tagged| tagged.eq_ignore_ascii_case(value))
        })
    })
}

impl Policy for DatabaseResilience {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let reliability = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        let security = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "RDS and Aurora databases survive mistakes and outages",
            "Databases keep enough backups, resist deletion, encrypt storage, and in production survive \
             the loss of an availability zone.",
        )
        .kinds(["terraform", "terraform-plan"])
        .rules(vec![
            reliability.rule(
                "short-backup-retention",
                Severity::High,
                "Keep automated backups for at least min-backup-days",
                "Without enough backups, a bad migration, dropped table or deleted instance noticed too late \
                     is permanent.",
            ),
            reliability.rule(
                "deletion-protection-off",
                Severity::Medium,
                "Enable deletion protection",
                "Without it, a destroy, a replaced resource or a console click deletes the database.",
            ),
            reliability.rule(
                "single-az-production",
                Severity::High,
                "Run production RDS instances Multi-AZ",
                "A single-AZ database goes down with its zone and during maintenance, taking the service with it.",
            ),
            security.rule(
                "storage-not-encrypted",
                Severity::High,
                "Encrypt database storage",
                "Unencrypted storage and its snapshots can be read by anyone able to copy or share a snapshot.",
            ),
        ])
    }

    fn validate(settings: &Settings) -> Result<(), String> {
        if !(1..=35).contains(&settings.min_backup_days) {
            return Err("min-backup-days must be between 1 and 35, as RDS allows".to_owned());
        }
        Ok(())
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for resource in resources(document) {
            let is_cluster = match resource.kind {
                "aws_db_instance" => false,
                "aws_rds_cluster" => true,
                _ => continue,
            };
            // Read replicas inherit their source's backups and encryption.
            if resource.get("replicate_source_db").is_some() {
                continue;
            }
            check_database(&resource, is_cluster, settings, findings);
        }
    }
}

fn check_database(resource: &Resource<'_>, is_cluster: bool, settings: &Settings, findings: &mut Findings) {
    let name = resource.address();
    let at = |field: &str| resource.pointer.key(field);
    let retention_field = resource.get("backup_retention_period");
    match as_u64(retention_field) {
        Some(days) if days >= settings.min_backup_days => {}
        Some(days) => findings.report(
            "short-backup-retention",
            &at("backup_retention_period"),
            format!("{name} keeps backups for {days} days, fewer than {}", settings.min_backup_days),
        ),
        None if retention_field.is_some() => {} // set from a variable: not judged here
        None => findings.report(
            "short-backup-retention",
            &at("backup_retention_period"),
            format!("{name} sets no backup_retention_period; keep at least {} days", settings.min_backup_days),
        ),
    }
    for (field, rule, message) in [
        ("deletion_protection", "deletion-protection-off", "can be deleted: deletion_protection is off"),
        ("storage_encrypted", "storage-not-encrypted", "does not encrypt its storage"),
    ] {
        let value = resource.get(field);
        if as_bool(value) != Some(true) && (value.is_none() || as_bool(value).is_some()) {
            findings.report(rule, &at(field), format!("{name} {message}"));
        }
    }
    if !is_cluster && is_production(resource, settings) && as_bool(resource.get("multi_az")) != Some(true) {
        findings.report("single-az-production", &at("multi_az"), format!("{name} is production but runs in one AZ"));
    }
}

tenken_sdk::export_policy!(DatabaseResilience);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::{check_pointers, check_tree};

    #[test]
    fn a_resilient_production_instance_passes() {
        let tree = json!({"resource": {"aws_db_instance": {"orders": {"backup_retention_period": 14,
            "deletion_protection": true, "storage_encrypted": true, "multi_az": true, "tags": {"Environment": "Production"}}}}});
        assert!(check_tree::<DatabaseResilience>("terraform", tree).is_empty());
    }

    #[test]
    fn gaps_are_reported_where_the_setting_belongs() {
        let tree = json!({"resource": {"aws_db_instance": {"orders": {"backup_retention_period": 1,
            "storage_encrypted": "${var.encrypt}", "tags": {"env": "prod"}}},
            "aws_rds_cluster": {"analytics": {"deletion_protection": true, "storage_encrypted": true, "backup_retention_period": 7}}}});
        let found: Vec<(String, String)> = check_pointers::<DatabaseResilience>("terraform", tree);
        assert_eq!(
            found,
            vec![
                ("short-backup-retention".into(), "/resource/aws_db_instance/orders/backup_retention_period".into()),
                ("deletion-protection-off".into(), "/resource/aws_db_instance/orders/deletion_protection".into()),
                ("single-az-production".into(), "/resource/aws_db_instance/orders/multi_az".into()),
            ]
        );
    }
}
