//! Walks CloudFormation templates (YAML or JSON): the resources of
//! `Resources`, with their `Properties`.
//!
//! The host reads the short-form functions of YAML templates (`!Ref`,
//! `!Sub`, `!If`, ...) in their long form (`{"Ref": ...}`,
//! `{"Fn::Sub": ...}`), so a template means the same in either form. A
//! value made by a function is known only when the stack is deployed:
//! [`is_intrinsic`] tells plugins to judge it as neither good nor bad, as
//! Terraform expressions are.

use crate::{Document, Node, Pointer, Shape};

/// One resource of a template's `Resources`.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// The logical id, e.g. `OrdersDatabase`.
    pub logical_id: &'a str,
    /// The resource type, e.g. `AWS::RDS::DBInstance`.
    pub kind: &'a str,
    /// Pointer to the resource (`/Resources/<id>`).
    pub pointer: Pointer,
    /// The resource.
    pub body: Node<'a>,
}

impl<'a> Resource<'a> {
    /// A property of `Properties`.
    pub fn property(&self, name: &str) -> Option<Node<'a>> {
        self.body.get("Properties")?.get(name)
    }

    /// Pointer to a property, present or not: a finding about a missing
    /// property lands on `Properties`, or on the resource when it has none.
    pub fn property_pointer(&self, name: &str) -> Pointer {
        self.pointer.key("Properties").key(name)
    }

    /// The resource as its message names it: `OrdersDatabase
    /// (AWS::RDS::DBInstance)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.logical_id, self.kind)
    }

    /// Whether the resource is created only under a condition.
    pub fn is_conditional(&self) -> bool {
        self.body.get("Condition").is_some()
    }
}

/// Every resource of a template, of any type, in template order.
pub fn resources<'a>(document: &Document<'a>) -> Vec<Resource<'a>> {
    let Some(resources) = document.tree.get("Resources").and_then(Node::as_object) else { return Vec::new() };
    let root = Pointer::root().key("Resources");
    resources
        .iter()
        .filter_map(|(logical_id, body)| {
            let kind = body.get("Type")?.as_str()?;
            Some(Resource { logical_id, kind, pointer: root.key(logical_id), body })
        })
        .collect()
}

/// The resources of one type, e.g. `AWS::S3::Bucket`.
pub fn resources_of<'a>(document: &Document<'a>, kind: &str) -> Vec<Resource<'a>> {
    resources(document).into_iter().filter(|resource| resource.kind == kind).collect()
}

/// Whether `value` is made by an intrinsic function (`Ref`, `Fn::If`,
/// `Fn::Sub`, `Fn::ImportValue`, ...) or a `Condition`: known only when the
/// stack is deployed, so plugins judge it as neither good nor bad.
pub fn is_intrinsic(value: Option<Node<'_>>) -> bool {
    let Some(object) = value.and_then(Node::as_object) else { return false };
    object.len() == 1
        && object.keys().next().is_some_and(|key| key == "Ref" || key == "Condition" || key.starts_with("Fn::"))
}

/// A boolean property, reading `"true"`/`"false"` strings (any case) as
/// CloudFormation does.
pub fn as_bool(value: Option<Node<'_>>) -> Option<bool> {
    match value?.shape() {
        Shape::Bool(flag) => Some(flag),
        Shape::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Shape::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A whole-number property, reading numeric strings as CloudFormation
/// does.
pub fn as_u64(value: Option<Node<'_>>) -> Option<u64> {
    match value?.shape() {
        Shape::Number(number) => number.as_u64(),
        Shape::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The value of tag `key` in a CloudFormation `Tags` list (`[{Key, Value}]`)
/// or map (as some resource types take), when it is a literal string.
pub fn tag_value<'a>(tags: Option<Node<'a>>, key: &str) -> Option<&'a str> {
    let tags = tags?;
    match tags.shape() {
        Shape::Array(items) => items
            .iter()
            .find(|tag| tag.get("Key").and_then(Node::as_str) == Some(key))
            .and_then(|tag| tag.get("Value")?.as_str()),
        Shape::Object(_) => tags.get(key)?.as_str(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn walks_resources_and_reads_their_properties() {
        let template = crate::OwnedDocument::new(
            "stack.yaml",
            "cloudformation",
            "yaml",
            &json!({"Resources": {
                "Orders": {"Type": "AWS::RDS::DBInstance", "Condition": "IsProd",
                           "Properties": {"DeletionProtection": "false", "BackupRetentionPeriod": "7"}},
                "Broken": {"Properties": {}},
                "Logs": {"Type": "AWS::S3::Bucket"}
            }}),
        );
        let found = resources(&template.view());
        assert_eq!(found.len(), 2, "a resource without a Type is not one");
        let orders = &found[0];
        assert_eq!(orders.describe(), "Orders (AWS::RDS::DBInstance)");
        assert!(orders.is_conditional());
        assert_eq!(as_bool(orders.property("DeletionProtection")), Some(false));
        assert_eq!(as_u64(orders.property("BackupRetentionPeriod")), Some(7));
        assert_eq!(orders.property_pointer("MultiAZ").as_str(), "/Resources/Orders/Properties/MultiAZ");
        assert_eq!(resources_of(&template.view(), "AWS::S3::Bucket")[0].logical_id, "Logs");
    }

    #[test]
    fn functions_are_intrinsic_and_literals_are_not() {
        let is = |value: serde_json::Value| is_intrinsic(Some(OwnedTree::new(&value).root()));
        assert!(is(json!({"Ref": "Protect"})));
        assert!(is(json!({"Fn::If": ["IsProd", true, false]})));
        assert!(is(json!({"Condition": "IsProd"})));
        assert!(!is(json!({"Ref": "a", "Other": 1})));
        assert!(!is(json!(true)));
        assert!(!is(json!({"Key": "team"})));
    }

    #[test]
    fn tags_read_from_lists_and_maps() {
        let list = json!([{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": {"Ref": "Team"}}]);
        assert_eq!(tag_value(Some(OwnedTree::new(&list).root()), "env"), Some("prod"));
        assert_eq!(tag_value(Some(OwnedTree::new(&list).root()), "team"), None);
        assert_eq!(tag_value(Some(OwnedTree::new(&json!({"env": "prod"})).root()), "env"), Some("prod"));
    }
}
