//! The recommended default set: every rule runs unless it is listed here.
//!
//! A rule is off by default when whether it helps depends on the team
//! rather than on the config: how images are run, what a job may cost,
//! which tags an organisation uses. Such a rule, on for everyone, fires on
//! correct configs of teams that chose otherwise, and a team that meets it
//! there learns to ignore tenken. Off-by-default rules run when a
//! selector names them or their plugin (`extend-select =
//! ["dockerfile-healthcheck/missing-healthcheck"]`); broad selectors (`*`, a category, a
//! severity) select among the default set only. `docs/rules` marks each.

/// A bundled rule that is off by default, and why.
pub(crate) struct OffByDefault {
    pub(crate) rule: &'static str,
    pub(crate) why: &'static str,
}

/// The rules off by default. The evidence is in docs/precision.md: the
/// reviewed findings of these rules were judged "debatable" (right for
/// some teams, wrong for others), all of them or all but one.
/// `gha-timeouts/missing-timeout`, often named as opinionated, stays on:
/// every reviewed finding of it was true.
pub(crate) const OFF_BY_DEFAULT: &[OffByDefault] = &[
    OffByDefault {
        rule: "dockerfile-healthcheck/missing-healthcheck",
        why: "Kubernetes ignores an image's HEALTHCHECK and uses its own probes, so the instruction only helps \
              images that Docker or Compose run; teams that ship to Kubernetes would be told to add dead code",
    },
    OffByDefault {
        rule: "k8s-graceful-shutdown/zero-grace-period",
        why: "a zero grace period is right for pause pods, placeholders and work that is safe to kill, and \
              the manifest cannot say which a pod is",
    },
    OffByDefault {
        rule: "k8s-probes/liveness-same-as-readiness",
        why: "the same endpoint for both probes is a known trade-off (simpler, but a slow dependency restarts \
              the pod); which side is right depends on the service",
    },
    OffByDefault {
        rule: "tf-ownership-tags/missing-ownership-tags",
        why: "which tags name an owner is an organisation's convention; the rule helps once its settings name \
              the team's tags",
    },
    OffByDefault {
        rule: "dockerfile-package-hygiene/apt-install-recommends",
        why: "recommended packages cost image size, not reliability or security, and some images need them",
    },
];

/// Why `rule` is off by default, if it is.
pub(crate) fn off_by_default(rule: &str) -> Option<&'static str> {
    OFF_BY_DEFAULT.iter().find(|entry| entry.rule == rule).map(|entry| entry.why)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typo here would leave a rule on that was meant to be off.
    #[test]
    fn every_rule_off_by_default_is_a_bundled_rule() {
        let mut rules = Vec::new();
        for plugin in crate::plugins::BUNDLED_PLUGINS {
            let info = &plugin.precompiled.as_ref().expect("built for this machine").info;
            let info: serde_json::Value = serde_json::from_str(info).expect("valid info");
            for rule in info["rules"].as_array().expect("rules") {
                rules.push(format!(
                    "{}/{}",
                    info["id"].as_str().unwrap_or_default(),
                    rule["id"].as_str().unwrap_or_default()
                ));
            }
        }
        for entry in OFF_BY_DEFAULT {
            assert!(rules.iter().any(|rule| rule == entry.rule), "{} is not a bundled rule", entry.rule);
        }
    }
}
