//! The vocabulary tenken's crates share: how much a finding matters and
//! which family of practice a rule belongs to.
//!
//! The host reads them from plugins and the report renders them; keeping
//! them here lets the host depend on neither the report nor its renderers.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// How much a finding matters, from most to least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Exploitable or outage-causing as written.
    Critical,
    /// Likely to cause an incident or a breach.
    High,
    /// Weakens reliability or security.
    Medium,
    /// Worth fixing when nearby.
    Low,
    /// For information.
    Info,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which family of practice a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Keeps services up.
    Reliability,
    /// Keeps attackers out.
    Security,
}

impl Category {
    /// The lowercase name, as selectors and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Reliability => "reliability",
            Category::Security => "security",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_their_serialized_form() {
        for severity in Severity::ALL {
            assert_eq!(serde_json::to_string(&severity).ok(), Some(format!("\"{severity}\"")));
        }
        for category in [Category::Reliability, Category::Security] {
            assert_eq!(serde_json::to_string(&category).ok(), Some(format!("\"{}\"", category.as_str())));
        }
    }
}
