//! AWS IAM policy documents (identity, bucket and domain policies alike),
//! however they were written: inline in a CloudFormation template, or
//! decoded from the JSON text of a Terraform argument (see
//! [`crate::terraform::json_argument`]).

use crate::{Node, Pointer};

/// The statements of a policy document, with their pointers under
/// `pointer` (the document's own). IAM takes `Statement` as one object or
/// a list of them.
pub fn statements<'a>(policy: Node<'a>, pointer: &Pointer) -> Vec<(Pointer, Node<'a>)> {
    match policy.get("Statement") {
        Some(statement) if statement.is_object() => vec![(pointer.key("Statement"), statement)],
        Some(statements) => statements
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, statement)| (pointer.key("Statement").index(index), statement))
            .collect(),
        None => Vec::new(),
    }
}

/// A field of a statement that IAM takes as one string or a list of them
/// (`Action`, `Resource`), as strings; values that are not strings are
/// left out.
pub fn strings(value: Option<Node<'_>>) -> Vec<&str> {
    match value {
        Some(value) => match value.as_array() {
            Some(items) => items.iter().filter_map(Node::as_str).collect(),
            None => value.as_str().into_iter().collect(),
        },
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn statements_come_as_one_object_or_a_list() {
        let one = OwnedTree::new(&json!({"Statement": {"Effect": "Allow"}}));
        let found: Vec<String> =
            statements(one.root(), &Pointer::root()).iter().map(|(at, _)| at.as_str().to_owned()).collect();
        assert_eq!(found, ["/Statement"]);
        let list = OwnedTree::new(&json!({"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}));
        let found: Vec<String> = statements(list.root(), &Pointer::root().key("PolicyDocument"))
            .iter()
            .map(|(at, _)| at.as_str().to_owned())
            .collect();
        assert_eq!(found, ["/PolicyDocument/Statement/0", "/PolicyDocument/Statement/1"]);
        assert!(statements(OwnedTree::new(&json!({})).root(), &Pointer::root()).is_empty());
    }

    #[test]
    fn string_fields_read_one_or_many() {
        assert_eq!(strings(Some(OwnedTree::new(&json!("s3:*")).root())), ["s3:*"]);
        assert_eq!(strings(Some(OwnedTree::new(&json!(["a", 1, "b"])).root())), ["a", "b"]);
        assert!(strings(None).is_empty());
    }
}
