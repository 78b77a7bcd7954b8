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

use tenken_sdk::Node;
use tenken_sdk::Shape;
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

/// The longest switch name above, folded.
const FOLDED_MAX: usize = 18;

/// A key as the switch names are written: lower case, letters and digits
/// only, so `insecure_skip_verify`, `insecureSkipVerify` and
/// `INSECURE-SKIP-VERIFY` all read `insecureskipverify`. This runs for
/// every key of every document: folding into a new string each time was
/// most of the plugin's cost, and folding again for each of the 16 names
/// compared most of what was left. So a key is folded once, on the stack,
/// and a key too long to be any name folds to nothing.
struct Folded {
    bytes: [u8; FOLDED_MAX],
    length: usize,
}

impl Folded {
    fn new(key: &str) -> Self {
        let mut folded = Folded { bytes: [0; FOLDED_MAX], length: 0 };
        for byte in key.bytes().filter(u8::is_ascii_alphanumeric) {
            let Some(slot) = folded.bytes.get_mut(folded.length) else {
                return Folded { bytes: [0; FOLDED_MAX], length: 0 };
            };
            *slot = byte.to_ascii_lowercase();
            folded.length += 1;
        }
        folded
    }

    /// Whether the key folds to `name`.
    fn is(&self, name: &str) -> bool {
        &self.bytes[..self.length] == name.as_bytes()
    }
}

/// Whether `haystack` contains `needle` (lower case ASCII), ignoring case,
/// without lower-casing a copy of it.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

fn truthy(value: Node<'_>) -> Option<bool> {
    match value.shape() {
        Shape::Bool(flag) => Some(flag),
        Shape::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        Shape::Number(number) => number.as_u64().map(|n| n != 0),
        _ => None,
    }
}

/// Why a key/value pair disables verification, if it does.
fn disables(key: &str, value: Node<'_>) -> Option<String> {
    let folded = Folded::new(key);
    // `insecure` alone is too vague outside TLS sections; only the explicit names count.
    if SKIP_WHEN_TRUE.iter().any(|skip| *skip != "insecure" && folded.is(skip)) && truthy(value) == Some(true) {
        return Some(format!("`{key}: true` skips certificate verification"));
    }
    if VERIFY_WHEN_TRUE.iter().any(|verify| folded.is(verify)) && truthy(value) == Some(false) {
        return Some(format!("`{key}: false` turns certificate verification off"));
    }
    if folded.is("sslmode") && value.as_str().is_some_and(|mode| matches!(mode.trim(), "disable" | "allow")) {
        return Some(format!(
            "sslmode={} connects to PostgreSQL without verified TLS",
            value.as_str().unwrap_or_default().trim()
        ));
    }
    // Every connection-string setting below has an `=`; most values have
    // none, and are passed over with one scan.
    if let Some(text) = value.as_str().filter(|text| text.contains('=')) {
        if ["sslmode=disable", "sslmode=allow"].iter().any(|mode| contains_ignoring_case(text, mode)) {
            return Some("the connection string sets sslmode to skip verified TLS".to_owned());
        }
        let ends_with_ssl_false =
            text.len() >= 9 && text.as_bytes()[text.len() - 9..].eq_ignore_ascii_case(b"ssl=false");
        if contains_ignoring_case(text, "tls=skip-verify")
            || contains_ignoring_case(text, "ssl=false&")
            || ends_with_ssl_false
        {
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

fn value_text(value: Node<'_>) -> Option<String> {
    match value.shape() {
        Shape::String(text) => Some(text.to_owned()),
        Shape::Number(number) => Some(number.to_string()),
        Shape::Bool(flag) => Some(flag.to_string()),
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
        visit(document.tree, |leaf| {
            let Some(key) = leaf.key else { return };
            // Kubernetes env entries are {name, value}: judge the pair.
            let key = match key {
                "value" => name_of_env_entry(document.tree, &leaf.pointer()).unwrap_or(key),
                _ => key,
            };
            if let Some(why) = disables(key, leaf.value) {
                findings.report("verification-disabled", &leaf.pointer(), why);
            }
        });
    }
}

/// The `name` next to a `value` in a `{name, value}` list entry.
fn name_of_env_entry<'a>(tree: Node<'a>, pointer: &tenken_sdk::Pointer) -> Option<&'a str> {
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
        assert!(disables("insecure_skip_verify", tenken_sdk::OwnedTree::new(&json!(true)).root()).is_some());
        assert!(disables("insecureSkipVerify", tenken_sdk::OwnedTree::new(&json!("true")).root()).is_some());
        assert!(disables("verify_ssl", tenken_sdk::OwnedTree::new(&json!(false)).root()).is_some());
        assert!(disables("rejectUnauthorized", tenken_sdk::OwnedTree::new(&json!(false)).root()).is_some());
        assert!(disables("sslmode", tenken_sdk::OwnedTree::new(&json!("disable")).root()).is_some());
        assert!(
            disables("url", tenken_sdk::OwnedTree::new(&json!("postgres://db:5432/app?sslmode=disable")).root())
                .is_some()
        );
        assert!(disables("NODE_TLS_REJECT_UNAUTHORIZED", tenken_sdk::OwnedTree::new(&json!("0")).root()).is_some());
        assert!(disables("verify_ssl", tenken_sdk::OwnedTree::new(&json!(true)).root()).is_none());
        assert!(disables("insecure_skip_verify", tenken_sdk::OwnedTree::new(&json!(false)).root()).is_none());
        assert!(disables("sslmode", tenken_sdk::OwnedTree::new(&json!("verify-full")).root()).is_none());
        assert!(disables("insecure", tenken_sdk::OwnedTree::new(&json!(true)).root()).is_none());
    }

    #[test]
    fn kubernetes_env_entries_are_read_as_pairs() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"env": [{"name": "NODE_TLS_REJECT_UNAUTHORIZED", "value": "0"}]}]}});
        let found = check_tree::<TlsVerification>("kubernetes", pod);
        assert_eq!(found[0].1, "/spec/containers/0/env/0/value");
    }
}
