//! The one model of secret likelihood every secret rule shares: whether a
//! name (an environment variable, a build argument, a CI variable, a key)
//! says it holds a secret, whether a file name says the file is one, and
//! whether a value stored there looks like a real secret rather than a
//! reference, a switch or a placeholder.

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
    // Names, titles and descriptions of secrets: `SECRET_NAMES`,
    // `TOKEN_TITLE`, `PASSWORD_HINT`.
    "NAMES",
    "TITLE",
    "LABEL",
    "LABELS",
    "DESCRIPTION",
    "HINT",
    "TEXT",
    "MESSAGE",
    "PROMPT",
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
    // A file name (`tracing.yaml`) says where the secret is; JSON text
    // (`jsonencode({...})`) is a structure, judged by its own members.
    let is_file_name = [".yaml", ".yml", ".json", ".pem", ".crt", ".txt", ".conf", ".properties", ".env", ".toml"]
        .iter()
        .any(|extension| value.to_ascii_lowercase().ends_with(extension));
    let is_structure =
        (value.starts_with('{') && value.ends_with('}')) || (value.starts_with('[') && value.ends_with(']'));
    !value.is_empty() && !is_reference && !is_flag && !is_path && !is_locator && !is_file_name && !is_structure
}

/// Values that documentation, samples and defaults put where a secret
/// goes, compared whole (and with trailing digits removed: `password123`,
/// `changeme1`).
const PLACEHOLDER_VALUES: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "password",
    "passw0rd",
    "passwd",
    "secret",
    "secrets",
    "token",
    "example",
    "sample",
    "dummy",
    "placeholder",
    "redacted",
    "todo",
    "fixme",
    "test",
    "testing",
    "none",
    "null",
    "nil",
    "empty",
    "default",
    "admin",
    "root",
    "guest",
    "user",
    "foo",
    "bar",
    "foobar",
    "replaceme",
    "replace-me",
    "notasecret",
    "not-a-secret",
    "insecure",
    "value",
    "mypassword",
    "mysecret",
    "secretpassword",
    "supersecret",
    "letmein",
];

/// Words that make a value a sample when they stand as a part of it
/// (`test-token`, `demo_key`, `fake-secret-1`).
const SAMPLE_PARTS: &[&str] =
    &["test", "testing", "example", "sample", "dummy", "fake", "demo", "changeme", "placeholder", "foo", "bar", "your"];

/// Words a secret's name uses; a value made of letters alone that holds
/// one (`jiraToken`, `mySecret`) names a secret rather than being one.
const SECRET_NAME_WORDS: &[&str] = &["token", "password", "passwd", "secret", "key", "pass", "apikey"];

/// Parts that mark a value as a placeholder wherever they stand in it.
const PLACEHOLDER_MARKS: &[&str] = &[
    "example",
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "replace-with",
    "replace_with",
    "replace-this",
    "replaceme",
    "dummy",
    "redacted",
    "your-",
    "your_",
    "xxxx",
    "****",
    "...",
    "insert_",
    "insert-",
    // The counting sequences documentation uses for made-up keys.
    "a1b2c3",
    "abcdefgh",
    "insert your",
    "put-your",
];

/// The shortest value taken for a real secret under a secret's name.
pub const MIN_SECRET_CHARS: usize = 6;

/// Whether `value` is a stand-in for a secret rather than one: a word such
/// as `changeme`, `password123` or `<token>`, a marked sample
/// (`your-api-key`, `sk-example-...`), or one character repeated.
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let word = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    // `P4ssw0rd` and `s3cr3t` are the same placeholders in disguise.
    let unleet: String = word
        .chars()
        .map(|c| match c {
            '4' | '@' => 'a',
            '3' => 'e',
            '1' => 'i',
            '0' => 'o',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect();
    let bracketed =
        (value.starts_with('<') && value.ends_with('>')) || (value.starts_with('[') && value.ends_with(']'));
    // One character repeated, separators aside: `xxxx`, `1111-1111-1111`.
    let mut characters = value.chars().filter(char::is_ascii_alphanumeric);
    let first = characters.next();
    let repeated = characters.all(|c| Some(c) == first);
    let sample_part = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|part| part.trim_end_matches(|c: char| c.is_ascii_digit()))
        .any(|part| SAMPLE_PARTS.contains(&part));
    // `jiraToken`, `HF_TOKEN`, `GOOGLE_API_KEY_VAL`, `nvapi-NVKEY`: the name
    // of a secret, or a variable that would hold it, standing in for it.
    let names_a_secret_word = |text: &str| {
        let text = text.to_ascii_lowercase();
        SECRET_NAME_WORDS.iter().any(|secret_word| text.contains(secret_word))
    };
    let names_itself = (value.chars().all(|c| c.is_ascii_alphabetic()) && names_a_secret_word(value))
        || value.split(['-', '_', '.']).any(|part| {
            part.len() > 2
                && part.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && names_a_secret_word(part)
        })
        || (value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && names_a_secret_word(value));
    PLACEHOLDER_VALUES.contains(&lower.as_str())
        || PLACEHOLDER_VALUES.contains(&word)
        || PLACEHOLDER_VALUES.contains(&unleet.as_str())
        || PLACEHOLDER_MARKS.iter().any(|mark| lower.contains(mark))
        || bracketed
        || repeated
        || sample_part
        || names_itself
}

/// How many of lower-case letters, upper-case letters, digits and other
/// characters `value` uses.
fn character_classes(value: &str) -> usize {
    let classes: [fn(char) -> bool; 4] = [
        |c| c.is_ascii_lowercase(),
        |c| c.is_ascii_uppercase(),
        |c| c.is_ascii_digit(),
        |c| !c.is_ascii_alphanumeric(),
    ];
    classes.iter().filter(|class| value.chars().any(class)).count()
}

/// Whether a literal value under a secret's name is plausibly a real
/// secret: a literal ([`is_literal_secret`]), not a placeholder, one word,
/// at least [`MIN_SECRET_CHARS`] long and mixing at least two kinds of
/// characters. `AdminPassword123!` and `Aa12345678` are; `changeme`,
/// `password123`, `postgres` and `your-token-here` are not.
pub fn looks_like_a_secret(value: &str) -> bool {
    let value = value.trim();
    is_literal_secret(value)
        && !is_access_key_id(value)
        && !is_placeholder(value)
        && !value.contains(char::is_whitespace)
        && value.chars().count() >= MIN_SECRET_CHARS
        && character_classes(value) >= 2
}

/// Whether `value` is a cloud access key ID (AWS `AKIA...`, `ASIA...`):
/// it names a key and grants nothing without the secret that goes with it,
/// though it often sits under a name such as `access_key`.
pub fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
}

/// Extensions of files that hold keys or keystores.
const KEY_EXTENSIONS: &[&str] = &[".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx"];

/// Name parts of a `.pem`/`.key` file that say it holds something public: a
/// certificate, a chain, a CA, a public key.
const PUBLIC_KEY_FILE_WORDS: &[&str] = &["cert", "crt", "chain", "ca", "public", "pub", "root", "bundle", "trust"];

/// Whether a file name (the last part of a path) says the file holds a
/// private key or keystore: `server.key`, `privkey.pem`, `id.p12`; not
/// `cert-chain.pem`, `ca.pem` or `signing-public.pem`, which are public.
pub fn names_a_key_file(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()).collect();
    let public = words.iter().any(|word| PUBLIC_KEY_FILE_WORDS.contains(word)) || lower.contains("public");
    if lower.ends_with(".pem") {
        // A PEM file is a certificate unless its name says key.
        return !public && (lower.contains("key") || lower.contains("priv"));
    }
    KEY_EXTENSIONS.iter().any(|extension| lower.ends_with(extension)) && !public
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
            "SECRET_NAMES",
            "TOKEN_TITLE",
            "DB_USER",
            "MONKEY",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
        ] {
            assert!(!names_a_secret(name), "{name}");
        }
    }

    #[test]
    fn real_secrets_and_placeholders_are_told_apart() {
        for value in ["AdminPassword123!", "Aa12345678", "p8Xq2!vLz9#Rk4mW", "s3cr3t-Rotated", "hunter2-Prod"] {
            assert!(looks_like_a_secret(value), "{value}");
        }
        for value in [
            "changeme",
            "password123",
            "Password1!",
            "postgres",
            "your-token-here",
            "<password>",
            "xxxxxxxxxxxx",
            "sk-example-0123456789",
            "AKIAZ3MBB5TQ7WP4D2LK",
            "P4ssw0rd",
            "jiraToken",
            "HF_TOKEN",
            "A1B2C3D4E5F6G7H8I9J0",
            "GOOGLE_API_KEY_VAL",
            "nvapi-NVKEY",
            "INSERT_ETCD_DISCOVERY_TOKEN",
            "test-token",
            "11111111-1111-1111-1111-111111111111",
            "value2",
            "tracing.yaml",
            "{\"password\":\"secretpassword\"}",
            "${DB_PASSWORD}",
            "ab12",
            "short",
            "two words Here1",
        ] {
            assert!(!looks_like_a_secret(value), "{value}");
        }
    }

    #[test]
    fn key_files_are_told_from_certificates() {
        for name in ["server.key", "privkey.pem", "tls-key.pem", "id.p12", "keystore.jks"] {
            assert!(names_a_key_file(name), "{name}");
        }
        for name in ["cert-chain.pem", "ca.pem", "signing-public.pem", "fullchain.pem", "server.crt", "key-pub.key"] {
            assert!(!names_a_key_file(name), "{name}");
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
