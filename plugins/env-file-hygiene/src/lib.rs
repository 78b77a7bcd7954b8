//! # env-file-hygiene
//!
//! `.env` files meant for deployed environments do not switch on debug or
//! development mode: `DEBUG=true`, `NODE_ENV=development`,
//! `RAILS_ENV=development`, `APP_ENV=dev`, `FLASK_DEBUG=1`, `APP_DEBUG=true`
//! and their kin. Files named for development (`.env.development`,
//! `.env.local`, `.env.test`, `.env.example`, `dev.env`, ...) are exempt.
//! Disabled TLS verification in `.env` files (`NODE_TLS_REJECT_UNAUTHORIZED=0`)
//! is reported by tls-verification.
//!
//! ## Why it matters
//! Debug and development modes are built for a developer's laptop: Django
//! and Flask serve interactive stack traces (Werkzeug's debugger executes
//! code from the browser), Laravel's `APP_DEBUG` prints environment
//! variables on errors, Node frameworks skip caching and minification and
//! log verbosely. Shipped to production they leak secrets and internals to
//! anyone who triggers an error, and make the service slower.

use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct EnvFileHygiene;

/// Name parts that mark a file as meant for development.
const DEV_NAMES: &[&str] =
    &["dev", "development", "local", "test", "testing", "example", "sample", "template", "dist", "ci"];

/// Variables that switch on debugging when truthy.
const DEBUG_VARIABLES: &[&str] = &["DEBUG", "APP_DEBUG", "FLASK_DEBUG", "DJANGO_DEBUG", "RAILS_DEBUG", "WP_DEBUG"];

/// Variables that select an environment, and the values that mean development.
const MODE_VARIABLES: &[&str] = &[
    "NODE_ENV",
    "RAILS_ENV",
    "RACK_ENV",
    "APP_ENV",
    "FLASK_ENV",
    "ENVIRONMENT",
    "ASPNETCORE_ENVIRONMENT",
    "SPRING_PROFILES_ACTIVE",
];
const DEVELOPMENT_VALUES: &[&str] = &["development", "dev", "local", "debug"];

fn is_dev_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.split(['.', '-', '_']).any(|part| DEV_NAMES.contains(&part))
}

fn truthy(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

impl Policy for EnvFileHygiene {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let fix = "Keep development switches in development files, and set production values explicitly:
```sh
# .env.production
NODE_ENV=production
DEBUG=false
```";
        let references: &[&str] = &[
            "https://docs.djangoproject.com/en/stable/ref/settings/#debug",
            "https://flask.palletsprojects.com/en/stable/debugging/",
            "https://nodejs.org/en/learn/getting-started/nodejs-the-difference-between-development-and-production",
        ];
        tenken_sdk::plugin_info!(
            "Deployed environment files run in production mode",
            "Environment files that are not for development do not enable debug or development modes, \
             which leak internals and run slower.",
        )
        .kinds(["env"])
        .rules(vec![
                Rule::new("debug-enabled", Category::Security, Severity::High, "Do not enable debug mode outside development")
                    .rationale("Debug modes serve stack traces, environment variables and sometimes interactive debuggers to anyone who triggers an error.")
                    .fix(fix)
                    .references(references),
                Rule::new("development-mode", Category::Reliability, Severity::Medium, "Do not select the development environment outside development")
                    .rationale("Development mode disables caching and optimisations, logs verbosely, and often relaxes security checks.")
                    .fix(fix)
                    .references(references),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        if is_dev_file(document.path) {
            return;
        }
        let Some(variables) = document.tree.as_object() else { return };
        for (name, value) in variables {
            let Some(value) = value.as_str() else { continue };
            let pointer = Pointer::root().key(name);
            if DEBUG_VARIABLES.iter().any(|debug| debug.eq_ignore_ascii_case(name)) && truthy(value) {
                findings.report(
                    "debug-enabled",
                    &pointer,
                    format!("{name}={value} enables debug mode in a file for deployed environments"),
                );
            }
            let development = DEVELOPMENT_VALUES.iter().any(|mode| value.trim().eq_ignore_ascii_case(mode));
            if MODE_VARIABLES.iter().any(|mode| mode.eq_ignore_ascii_case(name)) && development {
                findings.report(
                    "development-mode",
                    &pointer,
                    format!("{name}={value} selects development mode in a file for deployed environments"),
                );
            }
        }
    }
}

tenken_sdk::export_policy!(EnvFileHygiene);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn development_files_are_exempt() {
        for path in [".env.development", "config/.env.local", ".env.example", "dev.env", ".env.test"] {
            assert!(is_dev_file(path), "{path}");
        }
        for path in [".env", ".env.production", "deploy/.env.staging", "prod.env"] {
            assert!(!is_dev_file(path), "{path}");
        }
    }

    #[test]
    fn flags_debug_and_development_mode() {
        let owned = tenken_sdk::OwnedDocument::new(
            ".env.production",
            "env",
            "env",
            &json!({"DEBUG": "true", "NODE_ENV": "development", "LOG_LEVEL": "debug", "APP_DEBUG": "false"}),
        );
        let document = owned.view();
        let mut findings = Findings::default();
        EnvFileHygiene::check(&document, &NoSettings::default(), &mut findings);
        let rules: Vec<String> = findings.into_inner().into_iter().map(|f| f.rule).collect();
        assert_eq!(rules.len(), 2);
        assert!(rules.contains(&"debug-enabled".to_owned()) && rules.contains(&"development-mode".to_owned()));
    }
}
