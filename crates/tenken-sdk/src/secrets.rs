//! Recognising values that are secrets by the name they are stored under:
//! environment variables, build arguments, CI variables.

/// Name parts that mean the value is a secret.
const SECRET_WORDS: &[&str] =
    &["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY"];

/// Last name parts that mean the variable describes a secret without
/// holding it: where it is, what it is called, how it behaves.
const NOT_A_VALUE: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "NAME",
    "ID",
    "USER",
    "USERNAME",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "TIMEOUT",
    "LENGTH",
    "HEADER",
    "TYPE",
    "ALGORITHM",
    "REF",
    "ENABLED",
    "REGION",
    "VERSION",
    "SECONDS",
    "MINUTES",
    "FORMAT",
    "MOUNT",
    "KEYS",
    "LIFETIME",
    "DURATION",
    "SCOPE",
    "SCOPES",
    "AUDIENCE",
    "PREFIX",
    "SUFFIX",
    "COUNT",
    "SIZE",
    "LIMIT",
    "RETRIES",
    "INTERVAL",
    "MODE",
    "KIND",
    "ISSUER",
    "ENCRYPTION",
    "HASH",
    "HASHING",
    "POLICY",
    "COMPLEXITY",
    "STRENGTH",
    "RESET",
    "EXPIRATION",
    "MIN",
    "MAX",
    "REQUIRED",
    "PROVIDER",
    "METHOD",
    "STORE",
    "FIELD",
    "PARAM",
    "SELECTOR",
    "ROTATION",
];

/// First parts that make a `*_KEY` an identifier rather than a secret:
/// `topology_key`, `partition_key`, `kms_key`, `expiry-key`, `sort_key`.
const IDENTIFIER_KEYS: &[&str] = &[
    "TOPOLOGY",
    "PARTITION",
    "SORT",
    "HASH",
    "RANGE",
    "PRIMARY",
    "FOREIGN",
    "CACHE",
    "ROUTING",
    "SHARD",
    "LOOKUP",
    "GROUP",
    "KMS",
    "S3",
    "OBJECT",
    "LABEL",
    "EXPIRY",
    "IDEMPOTENCY",
    "DEDUPLICATION",
    "MAP",
    "SEARCH",
    "REDIS",
];

/// Name parts that make the variable a switch about secrets, such as
/// `MYSQL_ALLOW_EMPTY_PASSWORD` or `ENABLE_TOKEN_AUTH`.
const SWITCH_WORDS: &[&str] = &["ALLOW", "ENABLE", "DISABLE", "REQUIRE", "USE", "SKIP"];

/// Name parts that make a `*_KEY` public: key fingerprints and public keys.
const PUBLIC_WORDS: &[&str] = &["GPG", "PGP", "PUBLIC", "PUB", "FINGERPRINT"];

/// Whether a variable's name says it holds a secret value: `DB_PASSWORD`,
/// `github-token`, `STRIPE_API_KEY`, `apiKey`; not `PASSWORD_FILE`,
/// `AWS_ACCESS_KEY_ID`, `TOKEN_URL` or a lone `KEY`.
pub fn names_a_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper.split(['_', '-', '.']).filter(|part| !part.is_empty()).collect();
    let Some(last) = parts.last() else { return false };
    if NOT_A_VALUE.contains(last) || parts.iter().any(|part| SWITCH_WORDS.contains(part)) {
        return false;
    }
    // `API_KEY`, `ACCESS_KEY`, `SIGNING_KEY`, but not a lone `KEY`, nor a
    // public key or a key fingerprint (`GPG_KEY`, `PUBLIC_KEY`).
    let public = parts.iter().any(|part| PUBLIC_WORDS.contains(part) || IDENTIFIER_KEYS.contains(part));
    let ends_in_key = parts.len() > 1 && *last == "KEY" && !public;
    let joined: String = parts.concat();
    ends_in_key
        || parts.iter().any(|part| SECRET_WORDS.contains(part))
        || ["APIKEY", "PRIVATEKEY", "SECRETKEY", "ACCESSKEY"].iter().any(|word| joined.contains(word))
}

/// Whether a literal value stored under a secret's name is plausibly the
/// secret itself: not empty, not a reference to another variable (`$(X)`,
/// `${X}`, `$X`, `${{ secrets.X }}`), not a switch (`true`, `1`), and not
/// the path of a mounted file, which is how secrets should arrive.
pub fn is_literal_secret(value: &str) -> bool {
    let value = value.trim();
    let is_reference = value.starts_with('$') || value.contains("${{") || value.contains("{{");
    let is_flag = ["true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null", "0", "1"]
        .iter()
        .any(|flag| value.eq_ignore_ascii_case(flag));
    let is_path = value.starts_with('/') || value.starts_with("./") || value.starts_with("~/");
    // JSONPath (`{.credential.token}`), ARNs, URLs without credentials and
    // `namespace/name` references name where a secret is, not the secret.
    let is_locator = value.starts_with("{.")
        || value.starts_with("$.")
        || value.starts_with("arn:")
        || (value.contains("://") && !value.contains('@'))
        || (value.contains('/')
            && value.split('/').all(|segment| {
                !segment.is_empty()
                    && segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._".contains(c))
            }));
    !value.is_empty() && !is_reference && !is_flag && !is_path && !is_locator
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_names() {
        for name in [
            "DB_PASSWORD",
            "github-token",
            "STRIPE_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "apiKey",
            "JWT_SECRET",
            "GPG_PASSPHRASE",
        ] {
            assert!(names_a_secret(name), "{name}");
        }
        for name in [
            "KEY",
            "PASSWORD_FILE",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "SECRET_NAME",
            "DB_USER",
            "MONKEY",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
        ] {
            assert!(!names_a_secret(name), "{name}");
        }
    }

    #[test]
    fn references_switches_and_paths_are_not_literals() {
        for value in ["hunter2", "sk-not-a-real-key"] {
            assert!(is_literal_secret(value), "{value}");
        }
        for value in [
            "",
            "$(OTHER)",
            "${TOKEN}",
            "$TOKEN",
            "${{ secrets.TOKEN }}",
            "true",
            "1",
            "/run/secrets/db",
            "{.credential.access_token}",
            "arn:aws:kms:eu-west-1:123456789012:key/abc",
            "cert-manager/cert-manager-webhook-ca",
        ] {
            assert!(!is_literal_secret(value), "{value}");
        }
    }
}
