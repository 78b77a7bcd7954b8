//! Prometheus alerting and recording rules, wherever they are written: in
//! rule files (kind `prometheus-rules`) and in the `spec.groups` of the
//! Prometheus Operator's `PrometheusRule` objects (kind `kubernetes`).

use crate::kubernetes::objects;
use crate::{Document, Node, Pointer};

/// The document kind of a Prometheus rule file.
pub const KIND: &str = "prometheus-rules";

/// One rule of a group.
#[derive(Debug, Clone)]
pub struct PromRule<'a> {
    /// `alert:` or `record:`.
    pub kind: RuleKind,
    /// The alert's or the recorded series' name.
    pub name: &'a str,
    /// The rule's object.
    pub value: Node<'a>,
    /// Pointer to it.
    pub pointer: Pointer,
}

/// Which kind of rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// An alerting rule (`alert:`).
    Alert,
    /// A recording rule (`record:`).
    Record,
}

impl<'a> PromRule<'a> {
    /// The rule's `expr`, if it is a string.
    pub fn expr(&self) -> Option<&'a str> {
        self.value.get("expr").and_then(Node::as_str)
    }

    /// One of its `labels`, if it is a string.
    pub fn label(&self, name: &str) -> Option<&'a str> {
        self.value.get("labels").and_then(|labels| labels.get(name)).and_then(Node::as_str)
    }
}

/// Every rule of `document`, in order: the groups of a rule file, or of
/// each `PrometheusRule` object in a manifest.
pub fn rules<'a>(document: &Document<'a>) -> Vec<PromRule<'a>> {
    let mut found = Vec::new();
    if document.kind == KIND {
        rules_of_groups(document.tree.get("groups"), &Pointer::root().key("groups"), &mut found);
        return found;
    }
    for object in objects(document.tree).into_iter().filter(|object| object.kind == "PrometheusRule") {
        let groups = object.value.get("spec").and_then(|spec| spec.get("groups"));
        rules_of_groups(groups, &object.pointer.key("spec").key("groups"), &mut found);
    }
    found
}

fn rules_of_groups<'a>(groups: Option<Node<'a>>, at: &Pointer, found: &mut Vec<PromRule<'a>>) {
    let Some(groups) = groups.and_then(Node::as_array) else { return };
    for (group_index, group) in groups.iter().enumerate() {
        let Some(rules) = group.get("rules").and_then(Node::as_array) else { continue };
        let rules_at = at.index(group_index).key("rules");
        for (index, rule) in rules.iter().enumerate() {
            let pointer = rules_at.index(index);
            if let Some(name) = rule.get("alert").and_then(Node::as_str) {
                found.push(PromRule { kind: RuleKind::Alert, name, value: rule, pointer });
            } else if let Some(name) = rule.get("record").and_then(Node::as_str) {
                found.push(PromRule { kind: RuleKind::Record, name, value: rule, pointer });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedDocument;
    use serde_json::json;

    #[test]
    fn rules_of_files_and_objects() {
        let group = json!({"name": "web", "rules": [{"alert": "WebDown", "expr": "up == 0"}, {"record": "a:b:c"}, {}]});
        let file = OwnedDocument::new("web.rules.yml", KIND, "yaml", &json!({"groups": [group.clone()]}));
        let object = OwnedDocument::new(
            "monitoring.yaml",
            "kubernetes",
            "yaml",
            &json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "web"},
                    "spec": {"groups": [group]}}),
        );
        let listed = |document: &OwnedDocument| -> Vec<(RuleKind, String, String)> {
            rules(&document.view())
                .iter()
                .map(|rule| (rule.kind, rule.name.to_owned(), rule.pointer.as_str().to_owned()))
                .collect()
        };
        assert_eq!(
            listed(&file),
            [
                (RuleKind::Alert, "WebDown".to_owned(), "/groups/0/rules/0".to_owned()),
                (RuleKind::Record, "a:b:c".to_owned(), "/groups/0/rules/1".to_owned()),
            ]
        );
        assert_eq!(listed(&object)[0].2, "/spec/groups/0/rules/0");
    }
}
