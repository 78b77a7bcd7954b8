//! # spring-boot-config
//!
//! Spring Boot configuration (`application*.yml|yaml|properties`,
//! `bootstrap*`) for services that run in production:
//!
//! - `management.endpoints.web.exposure.include` never exposes every
//!   actuator endpoint (`*`), and, where it is set, still exposes `health`;
//! - `management.endpoint.health.probes.enabled` is not switched off (the
//!   liveness and readiness groups Kubernetes probes call);
//! - outbound calls have timeouts where they are configured: a JDBC
//!   datasource sets `spring.datasource.hikari.connection-timeout`, Redis
//!   sets `spring.data.redis.timeout`, Spring's HTTP clients
//!   (`spring.http.client.*`) and OpenFeign clients set a read timeout;
//! - `debug`/`trace` are not `true` outside development profiles. A file
//!   (or YAML document) is development when its profile is `dev`,
//!   `development`, `local` or `test`: `application-dev.yml`, or
//!   `spring.config.activate.on-profile: local`.
//!
//! ## Why it matters
//! Actuator's `*` publishes `/env`, `/heapdump`, `/configprops` and
//! `/loggers`: secrets from the environment, a heap dump full of session
//! tokens, and a way to change log levels remotely. Without the health
//! groups, Kubernetes probes hit endpoints that do not say whether the
//! service is ready. A pool or client without timeouts waits forever on a
//! slow dependency, and threads pile up until the service stops answering
//! at all: the classic cascading failure. `debug: true` logs conditions
//! reports and request details in production and slows everything.

use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::walk::leaves;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct SpringBootConfig;

const DEV_PROFILES: &[&str] = &["dev", "development", "local", "test"];

/// The settings of one document as dotted keys (`a.b.c`), with pointers.
/// YAML nests; `.properties` files already use dotted keys; both mix.
fn flatten(tree: Node<'_>) -> Vec<(String, Pointer, Node<'_>)> {
    leaves(tree).into_iter().map(|leaf| (leaf.path.join(".").to_ascii_lowercase(), leaf.pointer, leaf.value)).collect()
}

fn value_text(value: Node<'_>) -> String {
    match value.shape() {
        Shape::String(text) => text.trim().to_ascii_lowercase(),
        _ => value.to_string(),
    }
}

/// The profile a document applies to: from the file name
/// (`application-prod.yml`) or `spring.config.activate.on-profile`.
fn profiles(document: &Document, settings: &[(String, Pointer, Node<'_>)]) -> Vec<String> {
    let name = document.path.rsplit('/').next().unwrap_or(document.path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let mut found: Vec<String> =
        stem.split_once('-').map(|(_, profile)| profile.to_ascii_lowercase()).into_iter().collect();
    for (key, _, value) in settings {
        if key == "spring.config.activate.on-profile" || key == "spring.profiles" {
            found
                .extend(value_text(*value).split(',').map(|profile| profile.trim().trim_start_matches('!').to_owned()));
        }
    }
    found
}

fn has_prefix(settings: &[(String, Pointer, Node<'_>)], prefix: &str) -> bool {
    settings.iter().any(|(key, _, _)| key == prefix || key.starts_with(&format!("{prefix}.")))
}

fn find<'a>(settings: &'a [(String, Pointer, Node<'a>)], key: &str) -> Option<&'a (String, Pointer, Node<'a>)> {
    settings.iter().find(|(name, _, _)| name == key)
}

impl Policy for SpringBootConfig {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let references: &[&str] = &[
            "https://docs.spring.io/spring-boot/reference/actuator/endpoints.html",
            "https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes",
            "https://github.com/brettwooldridge/HikariCP#gear-configuration-knobs-baby",
        ];
        let rule = |id: &str, category, severity, title: &str, rationale: &str, fix: &str| {
            Rule::new(id, category, severity, title).rationale(rationale).fix(fix).references(references)
        };
        tenken_sdk::plugin_info!(
            "Spring Boot services are configured for production",
            "Actuator exposes health, not everything; Kubernetes probe groups stay on; outbound calls time \
             out; debug stays off outside development.",
        )
        .kinds(["spring-config"])
        .rules(vec![
                rule(
                    "actuator-exposes-everything",
                    Category::Security,
                    Severity::High,
                    "Do not expose every actuator endpoint over HTTP",
                    "`*` publishes /env, /heapdump and /loggers: secrets, session tokens in memory, and remote \
                     control of logging.",
                    "List the endpoints you need:\n```yaml\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: health,info,prometheus\n```",
                ),
                rule(
                    "health-not-exposed",
                    Category::Reliability,
                    Severity::Medium,
                    "Expose the health endpoint, with its probe groups on",
                    "Kubernetes probes and load balancers need /actuator/health (and its liveness and readiness \
                     groups) to know whether the service is up and ready.",
                    "```yaml\nmanagement:\n  endpoint:\n    health:\n      probes:\n        enabled: true\n  endpoints:\n    web:\n      exposure:\n        include: health,info\n```",
                ),
                rule(
                    "missing-timeout",
                    Category::Reliability,
                    Severity::Medium,
                    "Set timeouts on configured outbound connections",
                    "Without timeouts, a slow database or API holds threads until none are left, and one slow \
                     dependency takes the whole service down.",
                    "```yaml\nspring:\n  datasource:\n    hikari:\n      connection-timeout: 3000   # ms\n  data:\n    redis:\n      timeout: 2s\n  http:\n    client:\n      connect-timeout: 2s\n      read-timeout: 5s\n```",
                ),
                rule(
                    "debug-outside-development",
                    Category::Reliability,
                    Severity::Medium,
                    "Keep debug and trace off outside development profiles",
                    "debug: true logs condition reports and request details in production, slowing the service \
                     and leaking internals into logs.",
                    "Set `debug: true` only in `application-dev.yml` (or a document activated by a dev profile).",
                ),
            ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let settings = flatten(document.tree);
        check_actuator(&settings, findings);
        check_timeouts(&settings, findings);
        let profiles = profiles(document, &settings);
        let development = profiles.iter().any(|profile| DEV_PROFILES.contains(&profile.as_str()));
        if !development {
            for flag in ["debug", "trace"] {
                if let Some((_, pointer, value)) = find(&settings, flag)
                    && value_text(*value) == "true"
                {
                    findings.report(
                        "debug-outside-development",
                        pointer,
                        format!("`{flag}: true` applies outside development profiles"),
                    );
                }
            }
        }
    }
}

fn check_actuator(settings: &[(String, Pointer, Node<'_>)], findings: &mut Findings) {
    let include: Vec<&(String, Pointer, Node<'_>)> =
        settings.iter().filter(|(key, _, _)| key == "management.endpoints.web.exposure.include").collect();
    if !include.is_empty() {
        let endpoints: Vec<String> = include
            .iter()
            .flat_map(|(_, _, value)| {
                value_text(*value).split(',').map(|endpoint| endpoint.trim().to_owned()).collect::<Vec<_>>()
            })
            .collect();
        if let Some((_, pointer, _)) =
            include.iter().find(|(_, _, value)| value_text(*value).split(',').any(|e| e.trim() == "*"))
        {
            findings.report(
                "actuator-exposes-everything",
                pointer,
                "actuator exposes every endpoint over HTTP, /env and /heapdump included",
            );
        } else if !endpoints.iter().any(|endpoint| endpoint == "health") {
            findings.report(
                "health-not-exposed",
                &include[0].1,
                format!("the exposed actuator endpoints ({}) leave out health", endpoints.join(", ")),
            );
        }
    }
    if let Some((_, pointer, value)) = find(settings, "management.endpoint.health.probes.enabled")
        && value_text(*value) == "false"
    {
        findings.report("health-not-exposed", pointer, "the liveness and readiness health groups are switched off");
    }
}

fn check_timeouts(settings: &[(String, Pointer, Node<'_>)], findings: &mut Findings) {
    let mut require = |section: &str, timeouts: &[&str], what: &str| {
        let Some((_, pointer, _)) = settings.iter().find(|(key, _, _)| key.starts_with(&format!("{section}."))) else {
            return;
        };
        if !timeouts.iter().any(|timeout| has_prefix(settings, timeout)) {
            findings.report(
                "missing-timeout",
                pointer,
                format!("{what} is configured without a timeout ({})", timeouts[0]),
            );
        }
    };
    require("spring.datasource", &["spring.datasource.hikari.connection-timeout"], "the datasource");
    require("spring.data.redis", &["spring.data.redis.timeout"], "Redis");
    require("spring.redis", &["spring.redis.timeout"], "Redis");
    require("spring.http.client", &["spring.http.client.read-timeout"], "Spring's HTTP client");
    require(
        "spring.cloud.openfeign.client.config",
        &[
            "spring.cloud.openfeign.client.config.default.read-timeout",
            "spring.cloud.openfeign.client.config.default.readtimeout",
        ],
        "OpenFeign",
    );
}

tenken_sdk::export_policy!(SpringBootConfig);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn check(path: &str, tree: Value) -> Vec<String> {
        let owned = tenken_sdk::OwnedDocument::new(path, "spring-config", "yaml", &tree);
        let document = owned.view();
        let mut findings = Findings::default();
        SpringBootConfig::check(&document, &NoSettings::default(), &mut findings);
        findings.into_inner().into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn yaml_and_properties_shapes_read_the_same() {
        let nested = json!({"management": {"endpoints": {"web": {"exposure": {"include": "*"}}}}});
        let dotted = json!({"management.endpoints.web.exposure.include": "health,*"});
        assert_eq!(check("application.yml", nested), vec!["actuator-exposes-everything"]);
        assert_eq!(check("application.properties", dotted), vec!["actuator-exposes-everything"]);
    }

    #[test]
    fn debug_is_fine_in_development_profiles_only() {
        assert_eq!(check("application.yml", json!({"debug": true})), vec!["debug-outside-development"]);
        assert!(check("application-dev.yml", json!({"debug": true})).is_empty());
        assert!(
            check(
                "application.yml",
                json!({"debug": true, "spring": {"config": {"activate": {"on-profile": "local"}}}})
            )
            .is_empty()
        );
    }

    #[test]
    fn timeouts_are_asked_for_configured_clients_only() {
        assert_eq!(
            check("application.yml", json!({"spring": {"datasource": {"url": "jdbc:postgresql://db/app"}}})),
            vec!["missing-timeout"]
        );
        assert!(
            check(
                "application.yml",
                json!({"spring": {"datasource": {"url": "x", "hikari": {"connection-timeout": 3000}}}})
            )
            .is_empty()
        );
        assert!(check("application.yml", json!({"server": {"port": 8080}})).is_empty());
    }
}
