//! The routing tree and receivers, in the two dialects that write them:
//! Alertmanager's own file (snake_case keys, matchers as strings or maps)
//! and the Prometheus Operator's `AlertmanagerConfig` (camelCase keys,
//! matchers as objects).

use tenken_sdk::{Node, Pointer};

/// Which way a configuration is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `alertmanager.yml`.
    File,
    /// `AlertmanagerConfig.spec`.
    Operator,
}

impl Dialect {
    /// The key for `snake_key` in this dialect.
    pub fn key(self, snake_key: &'static str) -> &'static str {
        match (self, snake_key) {
            (Self::File, key) => key,
            (Self::Operator, "group_by") => "groupBy",
            (Self::Operator, "group_wait") => "groupWait",
            (Self::Operator, "repeat_interval") => "repeatInterval",
            (Self::Operator, "inhibit_rules") => "inhibitRules",
            (Self::Operator, key) => key,
        }
    }
}

/// A receiver and the integrations it notifies through (`pagerduty`,
/// `slack`, ...), those with at least one entry.
pub struct Receiver<'a> {
    pub name: &'a str,
    pub integrations: Vec<String>,
}

/// The receivers of a configuration.
pub fn receivers<'a>(config: Node<'a>, dialect: Dialect) -> Vec<Receiver<'a>> {
    let suffix = match dialect {
        Dialect::File => "_configs",
        Dialect::Operator => "Configs",
    };
    let Some(list) = config.get("receivers").and_then(Node::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|receiver| {
            let name = receiver.get("name").and_then(Node::as_str)?;
            let integrations = receiver
                .as_object()
                .into_iter()
                .flat_map(|members| members.iter())
                .filter(|(_, value)| value.as_array().is_some_and(|entries| !entries.is_empty()))
                .filter_map(|(key, _)| key.strip_suffix(suffix))
                .map(str::to_ascii_lowercase)
                .collect();
            Some(Receiver { name, integrations })
        })
        .collect()
}

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// One label matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub label: String,
    pub operator: Operator,
    pub value: String,
}

/// Whether `matcher` accepts `value`. Regular expressions are read as
/// the alternations that matchers on severities use (`critical|page`,
/// `(critical|warning)`); anything fancier counts as matching.
pub fn matches(matcher: &Matcher, value: &str) -> bool {
    let alternatives = || {
        let pattern = matcher.value.trim_start_matches('^').trim_end_matches('$');
        let pattern = pattern.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')).unwrap_or(pattern);
        let plain = pattern.chars().all(|c| c.is_ascii_alphanumeric() || "|_-".contains(c));
        !plain || pattern.split('|').any(|alternative| alternative == value)
    };
    match matcher.operator {
        Operator::Equal => matcher.value == value,
        Operator::NotEqual => matcher.value != value,
        Operator::Regex => alternatives(),
        Operator::NotRegex => !alternatives(),
    }
}

/// Whether matchers select alerts of `severity`: they match on the
/// severity label, and every such matcher accepts it.
pub fn selects_severity(matchers: &[Matcher], severity: &str) -> bool {
    let on_severity: Vec<&Matcher> = matchers.iter().filter(|matcher| matcher.label == "severity").collect();
    !on_severity.is_empty() && on_severity.iter().all(|matcher| matches(matcher, severity))
}

/// The matchers of a route (`prefix` empty) or of one side of an
/// inhibition rule (`source` or `target`), in every form the dialect has.
pub fn matchers_of(node: Node<'_>, dialect: Dialect, prefix: &str) -> Vec<Matcher> {
    let mut matchers = Vec::new();
    let key = |name: &str| match (dialect, prefix) {
        (_, "") => name.to_owned(),
        (Dialect::File, prefix) => format!("{prefix}_{name}"),
        (Dialect::Operator, prefix) => {
            let mut chars = name.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or_default();
            format!("{prefix}{first}{}", chars.as_str())
        }
    };
    match dialect {
        Dialect::File => {
            for (form, operator) in [("match", Operator::Equal), ("match_re", Operator::Regex)] {
                let members = node.get(key(form).as_str()).and_then(Node::as_object);
                for (label, value) in members.into_iter().flat_map(|members| members.iter()) {
                    if let Some(value) = value.as_str() {
                        matchers.push(Matcher { label: label.to_owned(), operator, value: value.to_owned() });
                    }
                }
            }
            let written = node.get(key("matchers").as_str()).and_then(Node::as_array);
            matchers
                .extend(written.into_iter().flat_map(|list| list.iter()).filter_map(|entry| parse(entry.as_str()?)));
        }
        Dialect::Operator => {
            // `matchers` on routes, `sourceMatch`/`targetMatch` on inhibitions.
            let name = if prefix.is_empty() { "matchers".to_owned() } else { key("match") };
            let written = node.get(name.as_str()).and_then(Node::as_array);
            for entry in written.into_iter().flat_map(|list| list.iter()) {
                let (Some(label), Some(value)) =
                    (entry.get("name").and_then(Node::as_str), entry.get("value").and_then(Node::as_str))
                else {
                    continue;
                };
                let regex = entry.get("regex").and_then(Node::as_bool) == Some(true);
                let operator = match entry.get("matchType").and_then(Node::as_str) {
                    Some("!=") => Operator::NotEqual,
                    Some("=~") => Operator::Regex,
                    Some("!~") => Operator::NotRegex,
                    _ if regex => Operator::Regex,
                    _ => Operator::Equal,
                };
                matchers.push(Matcher { label: label.to_owned(), operator, value: value.to_owned() });
            }
        }
    }
    matchers
}

/// A matcher as Alertmanager writes it: `severity = "critical"`,
/// `severity=~critical|page`.
fn parse(text: &str) -> Option<Matcher> {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    let (at, operator, length) =
        [("=~", Operator::Regex), ("!~", Operator::NotRegex), ("!=", Operator::NotEqual), ("=", Operator::Equal)]
            .into_iter()
            .filter_map(|(symbol, operator)| text.find(symbol).map(|at| (at, operator, symbol.len())))
            .min_by_key(|(at, _, length)| (*at, std::cmp::Reverse(*length)))?;
    let label = text[..at].trim().trim_matches('"');
    let value = text[at + length..].trim().trim_matches('"');
    (!label.is_empty()).then(|| Matcher { label: label.to_owned(), operator, value: value.to_owned() })
}

/// A route of the tree.
pub struct Route<'a> {
    pub value: Node<'a>,
    pub pointer: Pointer,
    pub dialect: Dialect,
}

impl<'a> Route<'a> {
    pub fn new(value: Node<'a>, pointer: Pointer, dialect: Dialect) -> Self {
        Self { value, pointer, dialect }
    }

    pub fn receiver(&self) -> Option<&'a str> {
        self.value.get("receiver").and_then(Node::as_str).filter(|name| !name.is_empty())
    }

    pub fn selects_severity(&self, severity: &str) -> bool {
        selects_severity(&matchers_of(self.value, self.dialect, ""), severity)
    }

    /// This route and every route below it, depth first.
    pub fn flatten(&self) -> Vec<Route<'a>> {
        let mut all = vec![Route::new(self.value, self.pointer.clone(), self.dialect)];
        let children = self.value.get("routes").and_then(Node::as_array);
        for (index, child) in children.into_iter().flat_map(|list| list.iter()).enumerate() {
            if child.is_object() {
                all.extend(Route::new(child, self.pointer.key("routes").index(index), self.dialect).flatten());
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_in_their_written_forms() {
        let parsed = |text: &str| parse(text).map(|m| (m.label, m.operator, m.value));
        assert_eq!(parsed("severity = \"critical\""), Some(("severity".into(), Operator::Equal, "critical".into())));
        assert_eq!(
            parsed("severity=~critical|page"),
            Some(("severity".into(), Operator::Regex, "critical|page".into()))
        );
        assert_eq!(parsed("team!=\"web\""), Some(("team".into(), Operator::NotEqual, "web".into())));
        assert_eq!(parsed("nothing"), None);
    }

    #[test]
    fn severities_selected() {
        let matcher = |operator, value: &str| Matcher { label: "severity".into(), operator, value: value.into() };
        assert!(selects_severity(&[matcher(Operator::Equal, "critical")], "critical"));
        assert!(selects_severity(&[matcher(Operator::Regex, "^(critical|page)$")], "page"));
        assert!(!selects_severity(&[matcher(Operator::Regex, "warning|info")], "critical"));
        assert!(selects_severity(&[matcher(Operator::NotEqual, "info")], "critical"));
        assert!(!selects_severity(&[], "critical"));
    }
}
