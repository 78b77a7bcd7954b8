//! Encryption in transit on GCP and Azure. Both encrypt storage at rest
//! by default with no way to turn it off, so what a configuration can get
//! wrong is the traffic: a service that accepts plaintext, or TLS 1.0 and
//! 1.1. Settings that only exist in older provider versions are read
//! under both names. A value left to a variable is not judged.

use tenken_sdk::terraform::{Resource, as_bool, block, blocks, is_expression};
use tenken_sdk::{Findings, Node, Pointer};

/// TLS versions too old to accept, as each API spells them.
const OLD_TLS: &[&str] = &["TLS1_0", "TLS1_1", "1.0", "1.1", "TLS_1_0", "TLS_1_1"];

fn report(findings: &mut Findings, resource: &Resource<'_>, pointer: &Pointer, what: &str) {
    findings.report("unencrypted-in-transit", pointer, format!("{} {what}", resource.address()));
}

/// The first of `names` the resource sets, with its pointer: an argument
/// that a provider version renamed.
fn argument<'a>(resource: &Resource<'a>, names: &[&str]) -> Option<(Pointer, Node<'a>)> {
    names.iter().find_map(|name| Some((resource.pointer.key(name), resource.get(name)?)))
}

/// Reports an explicit `false` of the first of `names` set.
fn report_if_off(resource: &Resource<'_>, names: &[&str], what: &str, findings: &mut Findings) {
    if let Some((pointer, value)) = argument(resource, names)
        && as_bool(Some(value)) == Some(false)
    {
        report(findings, resource, &pointer, what);
    }
}

/// Reports a TLS version below 1.2 in the first of `names` set.
fn report_old_tls(resource: &Resource<'_>, body: Node<'_>, at: &Pointer, names: &[&str], findings: &mut Findings) {
    for name in names {
        let Some(version) = body.get(name).and_then(Node::as_str) else { continue };
        if OLD_TLS.contains(&version) {
            report(findings, resource, &at.key(name), &format!("accepts TLS older than 1.2: {name} is `{version}`"));
        } else if version == "Disabled" || version == "TLSEnforcementDisabled" {
            report(
                findings,
                resource,
                &at.key(name),
                &format!("enforces no minimum TLS version: {name} is `{version}`"),
            );
        }
        return;
    }
}

pub(crate) fn check_in_transit(resource: &Resource<'_>, findings: &mut Findings) {
    let top = &resource.pointer;
    match resource.kind {
        "azurerm_storage_account" => {
            report_if_off(
                resource,
                &["https_traffic_only_enabled", "enable_https_traffic_only"],
                "accepts plain HTTP",
                findings,
            );
            report_old_tls(resource, resource.body, top, &["min_tls_version"], findings);
        }
        "azurerm_redis_cache" => {
            if let Some((pointer, value)) = argument(resource, &["non_ssl_port_enabled", "enable_non_ssl_port"])
                && as_bool(Some(value)) == Some(true)
            {
                report(findings, resource, &pointer, "opens its plaintext port 6379");
            }
            report_old_tls(resource, resource.body, top, &["minimum_tls_version"], findings);
        }
        "azurerm_mssql_server" | "azurerm_sql_server" => {
            report_old_tls(resource, resource.body, top, &["minimum_tls_version"], findings);
        }
        "azurerm_postgresql_server" | "azurerm_mysql_server" | "azurerm_mariadb_server" => {
            report_if_off(resource, &["ssl_enforcement_enabled"], "accepts unencrypted connections", findings);
            report_old_tls(resource, resource.body, top, &["ssl_minimal_tls_version_enforced"], findings);
        }
        "azurerm_postgresql_flexible_server_configuration" | "azurerm_mysql_flexible_server_configuration" => {
            let name = resource.get("name").and_then(Node::as_str);
            let value = resource.get("value").and_then(Node::as_str);
            if name == Some("require_secure_transport") && value.is_some_and(|value| value.eq_ignore_ascii_case("off"))
            {
                report(findings, resource, &top.key("value"), "lets its server accept unencrypted connections");
            }
        }
        "azurerm_linux_web_app"
        | "azurerm_windows_web_app"
        | "azurerm_linux_function_app"
        | "azurerm_windows_function_app"
        | "azurerm_app_service"
        | "azurerm_function_app" => {
            // App Service answers plain HTTP unless https_only is set.
            let https_only = resource.get("https_only");
            if as_bool(https_only) != Some(true) && !is_expression(https_only) {
                report(findings, resource, &top.key("https_only"), "answers plain HTTP: https_only is not true");
            }
            if let Some((pointer, config)) = block(resource.body, top, "site_config") {
                report_old_tls(resource, config, &pointer, &["minimum_tls_version", "min_tls_version"], findings);
            }
        }
        "google_sql_database_instance" => check_cloud_sql(resource, findings),
        "google_compute_ssl_policy" => {
            // Without min_tls_version, a policy allows TLS 1.0.
            let minimum = resource.get("min_tls_version");
            match minimum.and_then(Node::as_str) {
                None if !is_expression(minimum) => report(
                    findings,
                    resource,
                    &top.key("min_tls_version"),
                    "accepts TLS 1.0: min_tls_version is not set (the default is TLS_1_0)",
                ),
                _ => report_old_tls(resource, resource.body, top, &["min_tls_version"], findings),
            }
        }
        _ => {}
    }
}

/// A Cloud SQL instance that lets clients connect without TLS: its
/// `ssl_mode` allows unencrypted connections (explicitly, or by default
/// while authorized networks can connect directly), or `require_ssl =
/// false`. Connections through the Cloud SQL Auth Proxy and connectors are
/// encrypted whatever the mode, and a public IP without authorized
/// networks admits nothing else.
fn check_cloud_sql(resource: &Resource<'_>, findings: &mut Findings) {
    let Some((settings, body)) = block(resource.body, &resource.pointer, "settings") else { return };
    let Some((ip, config)) = block(body, &settings, "ip_configuration") else { return };
    let mode = config.get("ssl_mode");
    let require = config.get("require_ssl");
    if is_expression(mode) || is_expression(require) {
        return;
    }
    match (mode.and_then(Node::as_str), as_bool(require)) {
        (Some("ALLOW_UNENCRYPTED_AND_ENCRYPTED"), _) => {
            report(findings, resource, &ip.key("ssl_mode"), "accepts unencrypted connections: ssl_mode allows them");
        }
        (Some(_), _) | (None, Some(true)) => {}
        (None, Some(false)) => {
            report(findings, resource, &ip.key("require_ssl"), "accepts unencrypted connections: require_ssl is false");
        }
        // Reported at the block, which lacks the setting.
        (None, None)
            if !blocks(config, &ip, "authorized_networks").is_empty()
                && as_bool(config.get("ipv4_enabled")) != Some(false) =>
        {
            report(
                findings,
                resource,
                &settings.key("ip_configuration"),
                "accepts unencrypted connections from its authorized networks: ssl_mode is not set (the default \
                 allows them)",
            );
        }
        (None, None) => {}
    }
}
