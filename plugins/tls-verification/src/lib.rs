//! # tls-verification
//!
//! No config switches off TLS certificate verification, in any of the
//! spellings tools use:
//!
//! - boolean settings: `insecure_skip_verify` / `insecureSkipVerify` /
//!   `tls_skip_verify` / `skip_tls_verify` set to `true`; `verify_ssl`,
//!   `ssl_verify`, `tls_verify`, `verify_tls`, `verify_certs`,
//!   `rejectUnauthorized`, `strict_ssl`, `sslverify` set to `false`;
//! - PostgreSQL `sslmode=disable` (or `allow`), as a key or inside a
//!   connection URL;
//! - `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
//!   `GIT_SSL_NO_VERIFY=1`, `CURL_INSECURE`-style environment settings.
//!
//! ## Why it matters
//! TLS without certificate verification encrypts traffic to whoever
//! answers: anyone who can redirect DNS or sit on the network path (a
//! compromised pod, a rogue Wi-Fi, a misconfigured proxy) reads and alters
//! it, including the credentials it carries. The setting is usually added
//! to get past a self-signed certificate in a test environment and then
//! ships to production. Trust the right CA instead.

use serde_json::Value;
use tenken_sdk::walk::visit;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct TlsVerification;

/// Settings that disable verification when true.
const SKIP_WHEN_TRUE: &[&str] = &["insecureskipverify", "tlsskipverify", "skiptlsverify", "sslskipverify", "insecure"];

/// Settings that disable verification when false.
const VERIFY_WHEN_TRUE: &[&str] = &[
    "verifyssl",
    "sslverify",
    "tlsverify",
    "verifytls",
    "verifycerts",
    "verifycertificate",
    "rejectunauthorized",
    "strictssl",
    "checkcertificate",
    "sslverification",
];

/// Environment variables that disable verification, and the value that does.
const ENV_SWITCHES: &[(&str, &str)] = &[
    ("NODE_TLS_REJECT_UNAUTHORIZED", "0"),
    ("PYTHONHTTPSVERIFY", "0"),
    ("GIT_SSL_NO_VERIFY", "1"),
    ("GIT_SSL_NO_VERIFY", "true"),
    ("CURL_SSL_NO_VERIFY", "1"),
];

/// A key folded for comparison: lower case, without separators.
fn folded(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        Value::Number(number) => number.as_u64().map(|n| n != 0),
        _ => None,
    }
}

/// Why a key/value pair disables verification, if it does.
fn disables(key: &str, value: &Value) -> Option<String> {
    let name = folded(key);
    // `insecure` alone is too vague outside TLS sections; only the explicit names count.
    if SKIP_WHEN_TRUE.iter().any(|skip| name == *skip && *skip != "insecure") && truthy(value) == Some(true) {
        return Some(format!("`{key}: true` skips certificate verification"));
    }
    if VERIFY_WHEN_TRUE.contains(&name.as_str()) && truthy(value) == Some(false) {
        return Some(format!("`{key}: false` turns certificate verification off"));
    }
    if name == "sslmode" && value.as_str().is_some_and(|mode| matches!(mode.trim(), "disable" | "allow")) {
        return Some(format!(
            "sslmode={} connects to PostgreSQL without verified TLS",
            value.as_str().unwrap_or_default().trim()
        ));
    }
    if let Some(text) = value.as_str() {
        let lower = text.to_ascii_lowercase();
        if ["sslmode=disable", "sslmode=allow"].iter().any(|mode| lower.contains(mode)) {
            return Some("the connection string sets sslmode to skip verified TLS".to_owned());
        }
        if lower.contains("tls=skip-verify") || lower.contains("ssl=false&") || lower.ends_with("ssl=false") {
            return Some("the connection string skips TLS verification".to_owned());
        }
    }
    for (variable, off) in ENV_SWITCHES {
        if key.eq_ignore_ascii_case(variable)
            && value_text(value).is_some_and(|text| text.trim().eq_ignore_ascii_case(off))
        {
            return Some(format!("{variable}={off} turns certificate verification off for the whole process"));
        }
    }
    None
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

impl Policy for TlsVerification {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "TLS certificates are always verified",
            "No config turns off certificate verification, which would let anyone on the network path \
             read and alter supposedly encrypted traffic.",
        )
        .kinds(["*"])
        .rules(vec![
                Rule::new(
                    "verification-disabled",
                    Category::Security,
                    Severity::High,
                    "Do not turn off TLS certificate verification",
                )
                .rationale(
                    "Without verification, TLS encrypts traffic to whoever answers: DNS spoofing or a \
                     position on the network path is enough to read and alter it, credentials included.",
                )
                .fix(
                    "Trust the CA that signs the certificate instead of skipping the check:
```yaml
tls:
  ca_file: /etc/ssl/internal-ca.pem     # instead of insecure_skip_verify: true
```
For PostgreSQL use `sslmode=verify-full` with `sslrootcert`; for Node.js set `NODE_EXTRA_CA_CERTS` rather than `NODE_TLS_REJECT_UNAUTHORIZED=0`.",
                )
                .references(&[
                    "https://owasp.org/www-community/attacks/Manipulator-in-the-middle_attack",
                    "https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION",
                ]),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        visit(&document.tree, |leaf| {
            let Some(key) = leaf.key else { return };
            // Kubernetes env entries are {name, value}: judge the pair.
            let key = match key {
                "value" => name_of_env_entry(&document.tree, &leaf.pointer()).unwrap_or(key),
                _ => key,
            };
            if let Some(why) = disables(key, leaf.value) {
                findings.report("verification-disabled", &leaf.pointer(), why);
            }
        });
    }
}

/// The `name` next to a `value` in a `{name, value}` list entry.
fn name_of_env_entry<'a>(tree: &'a Value, pointer: &tenken_sdk::Pointer) -> Option<&'a str> {
    let parent = pointer.as_str().rsplit_once('/')?.0;
    tree.pointer(parent)?.get("name")?.as_str()
}

tenken_sdk::export_policy!(TlsVerification);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn recognises_the_spellings() {
        assert!(disables("insecure_skip_verify", &json!(true)).is_some());
        assert!(disables("insecureSkipVerify", &json!("true")).is_some());
        assert!(disables("verify_ssl", &json!(false)).is_some());
        assert!(disables("rejectUnauthorized", &json!(false)).is_some());
        assert!(disables("sslmode", &json!("disable")).is_some());
        assert!(disables("url", &json!("postgres://db:5432/app?sslmode=disable")).is_some());
        assert!(disables("NODE_TLS_REJECT_UNAUTHORIZED", &json!("0")).is_some());
        assert!(disables("verify_ssl", &json!(true)).is_none());
        assert!(disables("insecure_skip_verify", &json!(false)).is_none());
        assert!(disables("sslmode", &json!("verify-full")).is_none());
        assert!(disables("insecure", &json!(true)).is_none());
    }

    #[test]
    fn kubernetes_env_entries_are_read_as_pairs() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"env": [{"name": "NODE_TLS_REJECT_UNAUTHORIZED", "value": "0"}]}]}});
        let found = check_tree::<TlsVerification>("kubernetes", pod);
        assert_eq!(found[0].1, "/spec/containers/0/env/0/value");
    }
}
