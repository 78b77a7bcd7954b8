//! # tf-database-resilience
//!
//! Managed databases survive mistakes and outages, and are not reachable
//! from the whole internet.
//!
//! RDS instances (`aws_db_instance`) and Aurora clusters
//! (`aws_rds_cluster`):
//!
//! - keep automated backups for at least `min-backup-days` (default 7);
//! - have `deletion_protection = true`;
//! - encrypt their storage (`storage_encrypted = true`);
//! - are not `publicly_accessible`;
//! - for RDS instances in production, run `multi_az = true`. An instance
//!   counts as production when `require-multi-az` is set, or when one of
//!   its tags matches `production-tags` (by default `environment`/`env` =
//!   `prod`/`production`). Aurora spreads its storage over three AZs and
//!   fails over to replicas, so clusters are not asked for `multi_az`.
//!
//! RDS read replicas (`replicate_source_db`) follow their source and are
//! checked for exposure only; Aurora makes instances public, so
//! `aws_rds_cluster_instance` is checked for `publicly_accessible`.
//!
//! Cloud SQL instances (`google_sql_database_instance`):
//!
//! - have automated backups (`settings.backup_configuration.enabled`),
//!   keeping at least `min-backup-days` of them (Cloud SQL keeps 7 when
//!   `retained_backups` is not set); read replicas
//!   (`master_instance_name`) are not asked for backups;
//! - do not turn Terraform's `deletion_protection` off;
//! - authorize no public range (`0.0.0.0/0`) in `ip_configuration`;
//! - in production (by their `user_labels`), run `availability_type =
//!   "REGIONAL"`. Cloud SQL always encrypts storage.
//!
//! Azure: PostgreSQL and MySQL flexible servers keep backups for at least
//! `min-backup-days` (`backup_retention_days`; the service keeps 7 when it
//! is not set) and, in production (by their `tags`), run with
//! `high_availability { mode = "ZoneRedundant" }`; replicas (`create_mode
//! = "Replica"`) follow their source. No firewall rule of a PostgreSQL,
//! MySQL or SQL server admits every address (`0.0.0.0` to
//! `255.255.255.255`).
//!
//! A call of the `terraform-aws-modules/rds/aws` registry module is judged
//! at the call, by its inputs and the module's defaults (deletion
//! protection off, backups left to RDS's 1 day, storage encrypted).
//!
//! CloudFormation templates are held to the same practices:
//! `AWS::RDS::DBInstance` and `AWS::RDS::DBCluster` keep
//! `BackupRetentionPeriod` of at least `min-backup-days` (RDS keeps 1 day
//! when it is not set), set `DeletionProtection` and `StorageEncrypted`
//! (or a `KmsKeyId`), are not `PubliclyAccessible`, and instances tagged as
//! production set `MultiAZ`. Aurora instances (`DBClusterIdentifier`) and
//! read replicas follow their cluster or source.
//!
//! Settings given by a variable (or an intrinsic function, `!Ref`, `!If`,
//! ..., in a template) are not judged.
//!
//! ## Why it matters
//! The database is the part of a service that cannot be redeployed. Without
//! backups (Cloud SQL takes none without a `backup_configuration`), a bad
//! migration, a dropped table or a deleted instance is permanent; a
//! retention of one day (what RDS keeps when none is set) means a problem
//! noticed after the weekend is permanent too. Deletion protection stops a
//! `terraform destroy` or a renamed resource from deleting production. A
//! single-AZ production database goes down with its AZ and during every
//! maintenance window. Unencrypted storage, and its snapshots, can be read
//! by anyone who can copy a snapshot.

mod cloudformation;

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::terraform::{
    ModuleCall, Resource, as_bool, as_u64, block, blocks, is_expression, module_calls, resources,
};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, RuleFamily, Severity};

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
    /// Require zone redundancy on every database (RDS `multi_az`, Cloud SQL `REGIONAL`, Azure zone-redundant high
    /// availability), not only those tagged as production.
    #[serde(default)]
    pub require_multi_az: bool,
    /// Tags (labels on GCP; `key=value`, case-insensitive) that mark a database as production.
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
  publicly_accessible     = false
}

resource \"google_sql_database_instance\" \"orders\" {
  # ...
  deletion_protection = true
  settings {
    availability_type = \"REGIONAL\"
    backup_configuration {
      enabled = true
      backup_retention_settings {
        retained_backups = 14
      }
    }
    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
    }
  }
}

resource \"azurerm_postgresql_flexible_server\" \"orders\" {
  # ...
  backup_retention_days = 14
  high_availability {
    mode = \"ZoneRedundant\"
  }
}
```
In a CloudFormation template:
```yaml
OrdersDatabase:
  Type: AWS::RDS::DBInstance
  DeletionPolicy: Snapshot
  Properties:
    BackupRetentionPeriod: 14
    DeletionProtection: true
    StorageEncrypted: true
    MultiAZ: true
    PubliclyAccessible: false
```
Reach a database from the networks of its clients (private IP, Private Service Connect, private endpoints), \
not through a firewall opening to every address.";

const REFERENCES: &[&str] = &[
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html",
    "https://cloud.google.com/sql/docs/postgres/backup-recovery/backups",
    "https://cloud.google.com/sql/docs/postgres/high-availability",
    "https://cloud.google.com/sql/docs/postgres/authorize-networks",
    "https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore",
    "https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-firewall-rules",
];

/// Whether a database is production: always with `require-multi-az`, else
/// by its tags: a map (Terraform's tags, GCP's labels) or CloudFormation's
/// list of `{Key, Value}`.
pub(crate) fn is_production(tags: Option<Node<'_>>, settings: &Settings) -> bool {
    if settings.require_multi_az {
        return true;
    }
    let pairs: Vec<(&str, &str)> = match tags.map(Node::shape) {
        Some(Shape::Object(map)) => map.iter().filter_map(|(key, value)| Some((key, value.as_str()?))).collect(),
        Some(Shape::Array(items)) => {
            items.iter().filter_map(|tag| Some((tag.get("Key")?.as_str()?, tag.get("Value")?.as_str()?))).collect()
        }
        _ => Vec::new(),
    };
    settings.production_tags.iter().any(|wanted| {
        let (key, value) = wanted.split_once('=').unwrap_or((wanted, ""));
        pairs.iter().any(|(tag, tagged)| tag.eq_ignore_ascii_case(key) && tagged.eq_ignore_ascii_case(value))
    })
}

impl Policy for DatabaseResilience {
    type Settings = Settings;

    fn info() -> PluginInfo {
        let reliability = RuleFamily::new(Category::Reliability).fix(FIX).references(REFERENCES);
        let security = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Databases survive mistakes and outages",
            "Databases (RDS, Aurora, Cloud SQL, Azure flexible servers; Terraform and CloudFormation) keep enough \
             backups, resist deletion, encrypt storage, are not open to the internet, and in production survive the \
             loss of a zone.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
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
                "Run production databases across zones (Multi-AZ, regional, zone-redundant)",
                "A single-zone database goes down with its zone and during maintenance, taking the service with it.",
            ),
            security.rule(
                "storage-not-encrypted",
                Severity::High,
                "Encrypt database storage",
                "Unencrypted storage and its snapshots can be read by anyone able to copy or share a snapshot.",
            ),
            security.rule(
                "publicly-accessible",
                Severity::High,
                "Do not expose databases to the whole internet",
                "A database reachable from every address faces password guessing and every unpatched flaw of \
                     its engine; exposed databases are among the most common sources of data leaks.",
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
        if document.kind == "cloudformation" {
            cloudformation::check(document, settings, findings);
            return;
        }
        for call in module_calls(document) {
            if call.registry_module() == Some("terraform-aws-modules/rds/aws") {
                check_rds_module(&call, settings, findings);
            }
        }
        for resource in resources(document) {
            match resource.kind {
                "aws_db_instance" | "aws_rds_cluster" => {
                    // A read replica follows its source: backups,
                    // encryption, deletion and zones are the source's.
                    if resource.get("replicate_source_db").is_none() {
                        check_database(&resource, resource.kind == "aws_rds_cluster", settings, findings);
                    }
                    check_rds_exposure(&resource, findings);
                }
                // Aurora makes an instance public, not its cluster.
                "aws_rds_cluster_instance" => check_rds_exposure(&resource, findings),
                "google_sql_database_instance" => check_cloud_sql(&resource, settings, findings),
                "azurerm_postgresql_flexible_server" | "azurerm_mysql_flexible_server" => {
                    check_azure_flexible_server(&resource, settings, findings);
                }
                kind if AZURE_FIREWALL_RULES.contains(&kind) => check_azure_firewall_rule(&resource, findings),
                _ => {}
            }
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
            format!("{name} keeps backups for {}, fewer than {}", day_count(days), settings.min_backup_days),
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
    let multi_az = resource.get("multi_az");
    if !is_cluster
        && is_production(resource.get("tags"), settings)
        && as_bool(multi_az) != Some(true)
        && !is_expression(multi_az)
    {
        findings.report("single-az-production", &at("multi_az"), format!("{name} is production but runs in one AZ"));
    }
}

/// A call of the `terraform-aws-modules/rds/aws` registry module, judged
/// by its inputs and the module's defaults: deletion protection and
/// Multi-AZ off, storage encrypted, not public, and the backup retention
/// left to RDS, which keeps 1 day. Inputs given by expressions are not
/// judged; a read replica (`replicate_source_db`) is judged for exposure
/// only, and a call with `create_db_instance = false` not at all.
fn check_rds_module(call: &ModuleCall<'_>, settings: &Settings, findings: &mut Findings) {
    if as_bool(call.get("create_db_instance")) == Some(false) {
        return;
    }
    let name = format!("module.{} (terraform-aws-modules/rds/aws)", call.name);
    let at = |input: &str| call.pointer.key(input);
    if as_bool(call.get("publicly_accessible")) == Some(true) {
        findings.report(
            "publicly-accessible",
            &at("publicly_accessible"),
            format!("{name} is publicly_accessible: it gets an address reachable from the internet"),
        );
    }
    if call.get("replicate_source_db").is_some() {
        return;
    }
    check_rds_retention(
        &name,
        "backup_retention_period",
        call.get("backup_retention_period"),
        &at("backup_retention_period"),
        settings,
        findings,
    );
    // The module's default for deletion_protection is false.
    let protection = call.get("deletion_protection");
    if as_bool(protection) != Some(true) && !is_expression(protection) {
        findings.report(
            "deletion-protection-off",
            &at("deletion_protection"),
            format!("{name} can be deleted: deletion_protection is off (the module's default)"),
        );
    }
    // The module encrypts storage unless told not to.
    if as_bool(call.get("storage_encrypted")) == Some(false) {
        findings.report(
            "storage-not-encrypted",
            &at("storage_encrypted"),
            format!("{name} does not encrypt its storage"),
        );
    }
    let multi_az = call.get("multi_az");
    if is_production(call.get("tags"), settings) && as_bool(multi_az) != Some(true) && !is_expression(multi_az) {
        findings.report("single-az-production", &at("multi_az"), format!("{name} is production but runs in one AZ"));
    }
}

/// `1 day`, `7 days`.
fn day_count(days: u64) -> String {
    if days == 1 { "1 day".to_owned() } else { format!("{days} days") }
}

/// The days of automated backups RDS keeps when none is set.
const RDS_DEFAULT_BACKUP_DAYS: u64 = 1;

/// The backups an RDS database keeps by `property` (`retention`), or RDS's
/// default of 1 day when it is unset: for a template, or a call of the
/// registry module, which passes no value of its own. A value made by an
/// expression or function (not a number) is not judged.
pub(crate) fn check_rds_retention(
    name: &str,
    property: &str,
    retention: Option<Node<'_>>,
    at: &Pointer,
    settings: &Settings,
    findings: &mut Findings,
) {
    let days = if retention.is_none() { Some(RDS_DEFAULT_BACKUP_DAYS) } else { as_u64(retention) };
    let Some(days) = days.filter(|days| *days < settings.min_backup_days) else { return };
    let kept = if retention.is_none() {
        format!("sets no {property}, so RDS keeps backups for {}", day_count(days))
    } else {
        format!("keeps backups for {}", day_count(days))
    };
    findings.report("short-backup-retention", at, format!("{name} {kept}, fewer than {}", settings.min_backup_days));
}

/// An RDS instance or cluster given a public address.
fn check_rds_exposure(resource: &Resource<'_>, findings: &mut Findings) {
    if as_bool(resource.get("publicly_accessible")) == Some(true) {
        findings.report(
            "publicly-accessible",
            &resource.pointer.key("publicly_accessible"),
            format!("{} is publicly_accessible: it gets an address reachable from the internet", resource.address()),
        );
    }
}

fn check_cloud_sql(resource: &Resource<'_>, settings: &Settings, findings: &mut Findings) {
    let name = resource.address();
    if as_bool(resource.get("deletion_protection")) == Some(false) {
        findings.report(
            "deletion-protection-off",
            &resource.pointer.key("deletion_protection"),
            format!("{name} can be deleted: deletion_protection is off"),
        );
    }
    let Some((settings_pointer, instance)) = block(resource.body, &resource.pointer, "settings") else { return };
    if let Some((ip_pointer, ip)) = block(instance, &settings_pointer, "ip_configuration") {
        for (network_pointer, network) in blocks(ip, &ip_pointer, "authorized_networks") {
            if network.get("value").and_then(Node::as_str).is_some_and(|value| matches!(value, "0.0.0.0/0" | "::/0")) {
                findings.report(
                    "publicly-accessible",
                    &network_pointer.key("value"),
                    format!("{name} authorizes every address to connect"),
                );
            }
        }
    }
    // A read replica's backups are its primary's.
    if resource.get("master_instance_name").is_none() {
        check_cloud_sql_backups(
            &name,
            &settings_pointer,
            &resource.pointer.key("settings"),
            instance,
            settings,
            findings,
        );
    }
    let availability = instance.get("availability_type");
    if is_production(instance.get("user_labels"), settings)
        && availability.and_then(Node::as_str) != Some("REGIONAL")
        && !is_expression(availability)
    {
        // A missing setting is reported at the `settings` block that lacks it.
        let at = match instance.get("availability_type") {
            Some(_) => settings_pointer.key("availability_type"),
            None => resource.pointer.key("settings"),
        };
        findings.report(
            "single-az-production",
            &at,
            format!("{name} is production but runs in one zone: availability_type is not REGIONAL"),
        );
    }
}

fn check_cloud_sql_backups(
    name: &str,
    settings_pointer: &Pointer,
    settings_block: &Pointer,
    instance: Node<'_>,
    settings: &Settings,
    findings: &mut Findings,
) {
    let Some((pointer, backups)) = block(instance, settings_pointer, "backup_configuration") else {
        findings.report(
            "short-backup-retention",
            settings_block,
            format!("{name} has no automated backups: settings has no backup_configuration"),
        );
        return;
    };
    let enabled = backups.get("enabled");
    match as_bool(enabled) {
        Some(true) => {}
        // Set from a variable: not judged here.
        None if enabled.is_some() => return,
        _ => {
            findings.report(
                "short-backup-retention",
                &pointer.key("enabled"),
                format!("{name} has no automated backups: backup_configuration is not enabled"),
            );
            return;
        }
    }
    // Cloud SQL keeps a number of daily backups, 7 unless set.
    let retention = block(backups, &pointer, "backup_retention_settings");
    let by_count = retention.as_ref().is_none_or(|(_, retention)| {
        retention.get("retention_unit").and_then(Node::as_str).is_none_or(|unit| unit == "COUNT")
    });
    let retained = retention.as_ref().and_then(|(_, retention)| retention.get("retained_backups"));
    let kept = if retained.is_none() { Some(CLOUD_SQL_DEFAULT_BACKUPS) } else { as_u64(retained) };
    if let Some(kept) = kept
        && by_count
        && kept < settings.min_backup_days
    {
        let at = match &retention {
            Some((retention_pointer, _)) => retention_pointer.key("retained_backups"),
            None => pointer.key("backup_retention_settings"),
        };
        let how_many = if retained.is_none() { format!("the default {kept}") } else { kept.to_string() };
        findings.report(
            "short-backup-retention",
            &at,
            format!("{name} keeps {how_many} daily backups, fewer than {}", settings.min_backup_days),
        );
    }
}

fn check_azure_flexible_server(resource: &Resource<'_>, settings: &Settings, findings: &mut Findings) {
    let name = resource.address();
    // A replica (`create_mode = "Replica"`) has its source's backups.
    if resource.get("create_mode").and_then(Node::as_str).is_some_and(|mode| mode.eq_ignore_ascii_case("Replica")) {
        return;
    }
    let retention = resource.get("backup_retention_days");
    // Azure keeps 7 days when the argument is not set.
    let days = if retention.is_none() { Some(AZURE_DEFAULT_BACKUP_DAYS) } else { as_u64(retention) };
    if let Some(days) = days
        && days < settings.min_backup_days
    {
        let kept = if retention.is_none() { format!("the default {days} days") } else { format!("{days} days") };
        findings.report(
            "short-backup-retention",
            &resource.pointer.key("backup_retention_days"),
            format!("{name} keeps backups for {kept}, fewer than {}", settings.min_backup_days),
        );
    }
    if !is_production(resource.get("tags"), settings) {
        return;
    }
    // Only zone-redundant high availability survives the loss of a zone;
    // `SameZone` keeps the standby next to the primary.
    match block(resource.body, &resource.pointer, "high_availability") {
        Some((pointer, availability)) => {
            let mode = availability.get("mode");
            if mode.and_then(Node::as_str).is_some_and(|mode| mode != "ZoneRedundant") && !is_expression(mode) {
                findings.report(
                    "single-az-production",
                    &pointer.key("mode"),
                    format!("{name} is production but keeps its standby in the same zone"),
                );
            }
        }
        None => findings.report(
            "single-az-production",
            &resource.pointer.key("high_availability"),
            format!("{name} is production but runs in one zone: it has no high_availability block"),
        ),
    }
}

/// The days of backups Azure flexible servers keep when
/// `backup_retention_days` is not set.
const AZURE_DEFAULT_BACKUP_DAYS: u64 = 7;

/// The daily backups Cloud SQL keeps when `retained_backups` is not set.
const CLOUD_SQL_DEFAULT_BACKUPS: u64 = 7;

/// Azure database firewall rules, which open a server to a range of
/// addresses.
const AZURE_FIREWALL_RULES: &[&str] = &[
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_mssql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_sql_firewall_rule",
];

fn check_azure_firewall_rule(resource: &Resource<'_>, findings: &mut Findings) {
    let address = |field: &str| resource.get(field).and_then(Node::as_str).map(str::trim);
    if address("start_ip_address") == Some("0.0.0.0") && address("end_ip_address") == Some("255.255.255.255") {
        findings.report(
            "publicly-accessible",
            &resource.pointer.key("end_ip_address"),
            format!("{} admits every address, 0.0.0.0 to 255.255.255.255", resource.address()),
        );
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
