//! # k8s-committed-secrets
//!
//! No Kubernetes `Secret` is committed with its values. A Secret's `data`
//! (base64, which is an encoding, not encryption) and `stringData` hold
//! the secret in clear; a kustomization's `secretGenerator` `literals` do
//! the same. The finding names the Secret and the key, never the value.
//!
//! Values are judged as a reviewer would: a private key, a registry
//! credential (`.dockerconfigjson` with an `auth` or `password`), or a
//! value under a secret's name (`password`, `api-token`, `tls.key`, ...)
//! that is not a placeholder such as `changeme` or `<token>`. Keys that
//! name configuration (`username`, `host`, `port`) are not judged.
//! SealedSecrets, ExternalSecrets and SOPS-encrypted files (a top-level
//! `sops` key, or `ENC[...]` values) are the fix, so they are never
//! reported.
//!
//! ## Why it matters
//! A Secret in Git is readable by everyone who can clone the repository,
//! by every CI job that checks it out, and by every fork and backup, for
//! as long as the history exists: rotating the value is the only cure, and
//! it is usually forgotten. Kubernetes RBAC protects a Secret in the
//! cluster; nothing protects the copy in the repository.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tenken_sdk::kubernetes::{Object, objects};
use tenken_sdk::secrets::{looks_like_a_secret, names_a_secret};
use tenken_sdk::{Category, Document, Findings, NoSettings, Node, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct CommittedSecrets;

const FIX: &str = "Keep the value out of the repository and let the cluster fetch or decrypt it:
```yaml
# External Secrets Operator: the value stays in your secret manager
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: shop-db
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: shop-db}
  data:
    - secretKey: password
      remoteRef: {key: shop/db, property: password}
```
Or commit it encrypted (Bitnami SealedSecrets, or SOPS with age or a cloud KMS). Then rotate the \
exposed value: it stays in the repository's history.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
    "https://external-secrets.io/latest/",
    "https://github.com/bitnami-labs/sealed-secrets",
    "https://github.com/getsops/sops",
];

impl Policy for CommittedSecrets {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes Secrets are not committed with their values",
            "Secrets reach the cluster from a secret manager, SealedSecrets or SOPS, never as literal \
             data in the repository.",
        )
        .kinds(["kubernetes", tenken_sdk::kubernetes::PATCH_KIND, tenken_sdk::kustomize::KIND])
        .rules(vec![
            Rule::new(
                "literal-secret-data",
                Category::Security,
                Severity::High,
                "Do not commit Secret values to the repository",
            )
            .sensitive()
            .rationale(
                "base64 in a Secret's data is an encoding, not encryption: anyone who can clone the \
                 repository, every CI job and every fork can read the value, for as long as the history \
                 exists.",
            )
            .fix(FIX)
            .references(REFERENCES),
        ])
    }

    fn check(document: &Document<'_>, _settings: &NoSettings, findings: &mut Findings) {
        // A SOPS-encrypted file carries its metadata under a top-level
        // `sops` key; its values are ciphertext.
        if document.tree.get("sops").is_some() {
            return;
        }
        if document.kind == tenken_sdk::kustomize::KIND {
            check_secret_generators(document.tree, findings);
            return;
        }
        for object in objects(document.tree).iter().filter(|object| object.kind == "Secret") {
            check_secret(object, findings);
        }
    }
}

fn check_secret(secret: &Object<'_>, findings: &mut Findings) {
    for (field, encoded) in [("data", true), ("stringData", false)] {
        let (values, pointer) = secret.get(&[field]);
        let Some(values) = values.and_then(Node::as_object) else { continue };
        for (key, value) in values.iter() {
            let Some(text) = value.as_str() else { continue };
            let holds_secret = if encoded {
                decode(text).is_some_and(|bytes| decoded_is_secret(key, &bytes))
            } else {
                is_secret_value(key, text)
            };
            if holds_secret {
                findings.report(
                    "literal-secret-data",
                    &pointer.key(key),
                    format!("{} commits the value of \"{key}\" in {field}", secret.describe()),
                );
            }
        }
    }
}

/// `secretGenerator` entries of a kustomization: `literals` are
/// `KEY=value` strings written into the generated Secret.
fn check_secret_generators(kustomization: Node<'_>, findings: &mut Findings) {
    let Some(generators) = kustomization.get("secretGenerator").and_then(Node::as_array) else { return };
    let pointer = Pointer::root().key("secretGenerator");
    for (index, generator) in generators.iter().enumerate() {
        let name = generator.get("name").and_then(Node::as_str).unwrap_or("(unnamed)");
        let Some(literals) = generator.get("literals").and_then(Node::as_array) else { continue };
        for (position, literal) in literals.iter().enumerate() {
            let Some((key, value)) = literal.as_str().and_then(|literal| literal.split_once('=')) else { continue };
            if is_secret_value(key, value) {
                findings.report(
                    "literal-secret-data",
                    &pointer.index(index).key("literals").index(position),
                    format!("secretGenerator \"{name}\" commits the value of \"{key}\" as a literal"),
                );
            }
        }
    }
}

/// A `data` value decoded, or `None` when it is not base64 (a template
/// placeholder, or ciphertext such as SOPS' `ENC[...]`), which is then
/// not judged.
fn decode(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// Whether a decoded `data` value is a secret. Bytes that are not text
/// (a DER key, a keystore) under a secret's name are: no placeholder is
/// binary.
fn decoded_is_secret(key: &str, bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) => is_secret_value(key, text),
        Err(_) => names_a_secret(key),
    }
}

/// Whether the value stored under `key` is a secret in clear.
fn is_secret_value(key: &str, value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.starts_with("ENC[") {
        return false;
    }
    if is_private_key(value) {
        return true;
    }
    if key == ".dockerconfigjson" || key == ".dockercfg" {
        return has_registry_credential(value);
    }
    names_a_secret(key) && (looks_like_a_secret(value) || (value.contains('\n') && value.len() >= 32))
}

/// A PEM private key of any algorithm.
fn is_private_key(value: &str) -> bool {
    value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----")
}

/// Whether a registry config (`.dockerconfigjson`, or the older
/// `.dockercfg`) holds a credential: an `auth` or `password` that is not
/// empty, at any depth.
fn has_registry_credential(config: &str) -> bool {
    fn walk(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(fields) => fields.iter().any(|(key, value)| {
                let credential = matches!(key.as_str(), "auth" | "password" | "identitytoken")
                    && value.as_str().is_some_and(|text| !text.trim().is_empty());
                credential || walk(value)
            }),
            serde_json::Value::Array(items) => items.iter().any(walk),
            _ => false,
        }
    }
    serde_json::from_str::<serde_json::Value>(config).is_ok_and(|parsed| walk(&parsed))
}

tenken_sdk::export_policy!(CommittedSecrets);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_pointers;

    fn encode(text: &str) -> String {
        STANDARD.encode(text)
    }

    #[test]
    fn data_is_decoded_before_it_is_judged() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
            "data": {"password": encode("Zq8!rT2#vLm9"), "username": encode("shop-admin"),
                     "token": encode("changeme"), "api-key": "not base64 {{ .Values.key }}"}});
        assert_eq!(
            check_pointers::<CommittedSecrets>("kubernetes", secret),
            vec![("literal-secret-data".to_owned(), "/data/password".to_owned())]
        );
    }

    #[test]
    fn string_data_private_keys_and_registry_credentials() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n";
        let secret = json!({"kind": "Secret", "metadata": {"name": "tls"},
            "stringData": {"tls.key": key, "ca.crt": "-----BEGIN CERTIFICATE-----\nMII...\n"},
            "data": {".dockerconfigjson": encode(r#"{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}"#)}});
        assert_eq!(
            check_pointers::<CommittedSecrets>("kubernetes", secret),
            vec![
                ("literal-secret-data".to_owned(), "/data/.dockerconfigjson".to_owned()),
                ("literal-secret-data".to_owned(), "/stringData/tls.key".to_owned()),
            ]
        );
        let empty = json!({"kind": "Secret", "data": {".dockerconfigjson": encode(r#"{"auths":{}}"#)}});
        assert!(check_pointers::<CommittedSecrets>("kubernetes", empty).is_empty());
    }

    #[test]
    fn encrypted_and_generated_secrets_pass() {
        let sops = json!({"kind": "Secret", "stringData": {"password": "ENC[AES256_GCM,data:abc,iv:def]"},
            "sops": {"version": "3.9.0"}});
        assert!(check_pointers::<CommittedSecrets>("kubernetes", sops).is_empty());
        let sealed =
            json!({"kind": "SealedSecret", "spec": {"encryptedData": {"password": "AgBy3i4OJSWK+PiTySYZZA=="}}});
        assert!(check_pointers::<CommittedSecrets>("kubernetes", sealed).is_empty());
    }

    #[test]
    fn secret_generator_literals() {
        let kustomization = json!({"secretGenerator": [{"name": "app", "literals":
            ["DB_PASSWORD=Zq8!rT2#vLm9", "DB_USER=shop", "API_TOKEN=replace-me"]}]});
        assert_eq!(
            check_pointers::<CommittedSecrets>("kustomization", kustomization),
            vec![("literal-secret-data".to_owned(), "/secretGenerator/0/literals/0".to_owned())]
        );
    }
}
