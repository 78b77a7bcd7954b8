//! Azure resources keep their logs only through a diagnostic setting
//! (`azurerm_monitor_diagnostic_setting`), a resource of its own that
//! names its target. A Key Vault's audit events, an AKS cluster's
//! `kube-audit` log, an Application Gateway's or Front Door's access log
//! and a SQL server's audit exist nowhere otherwise. Settings and their
//! targets usually sit in different files, so resources are related per
//! module directory.

use tenken_sdk::terraform::{Resource, module_dir, resources};
use tenken_sdk::{Document, Findings, Node};

/// Resources whose logs need a diagnostic setting, with what is lost
/// without one.
const LOGGED_THROUGH_DIAGNOSTICS: &[(&str, &str)] = &[
    ("azurerm_key_vault", "the record of who read which secret"),
    ("azurerm_kubernetes_cluster", "its control plane's audit log"),
    ("azurerm_application_gateway", "its access log"),
    ("azurerm_cdn_frontdoor_profile", "its access log"),
    ("azurerm_frontdoor", "its access log"),
    ("azurerm_mssql_server", "its audit log"),
];

/// Resources that keep a SQL server's audit log without a diagnostic
/// setting.
const SQL_AUDITING: &[&str] = &["azurerm_mssql_server_extended_auditing_policy"];

/// A resource with the document it came from.
struct Located<'a> {
    document: usize,
    resource: Resource<'a>,
}

pub(crate) fn check_diagnostics(documents: &[Document<'_>], findings: &mut Findings) {
    let mut by_module: std::collections::BTreeMap<&str, Vec<Located<'_>>> = std::collections::BTreeMap::new();
    for (index, document) in documents.iter().enumerate().filter(|(_, document)| document.kind == "terraform") {
        for resource in resources(document) {
            by_module.entry(module_dir(document)).or_default().push(Located { document: index, resource });
        }
    }
    for module in by_module.values() {
        check_module(module, findings);
    }
}

fn check_module(module: &[Located<'_>], findings: &mut Findings) {
    let targets: Vec<Node<'_>> = module
        .iter()
        .filter(|located| {
            located.resource.kind == "azurerm_monitor_diagnostic_setting"
                || SQL_AUDITING.contains(&located.resource.kind)
        })
        .filter_map(|located| located.resource.get("target_resource_id").or_else(|| located.resource.get("server_id")))
        .collect();
    // A setting whose target is computed (`each.value`, a variable, a
    // module output) may cover any resource: the module gets the benefit
    // of the doubt.
    let computed = targets
        .iter()
        .any(|target| target.as_str().is_some_and(|text| text.contains("${") && !text.contains("azurerm_")));
    if computed {
        return;
    }
    for located in module {
        let resource = &located.resource;
        let Some((_, lost)) = LOGGED_THROUGH_DIAGNOSTICS.iter().find(|(kind, _)| *kind == resource.kind) else {
            continue;
        };
        if targets.iter().any(|target| resource.is_referenced_by(*target, "id")) {
            continue;
        }
        findings.in_document(located.document).report(
            "missing-diagnostic-setting",
            &resource.pointer,
            format!("{} has no diagnostic setting in its module: {lost} is kept nowhere", resource.address()),
        );
    }
}
