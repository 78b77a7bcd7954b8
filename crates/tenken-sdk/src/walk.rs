//! Walks every value of a document, for practices that apply to any kind
//! of config: hard-coded secrets, disabled TLS verification.

use serde_json::Value;

use crate::Pointer;

/// A scalar value and where it is.
#[derive(Debug, Clone)]
pub struct Leaf<'a> {
    /// Pointer to the value.
    pub pointer: Pointer,
    /// The member name it is stored under, or, inside a list, the name of
    /// the list's member (`cidr_blocks` for `cidr_blocks[0]`).
    pub key: Option<&'a str>,
    /// Every member name on the way, outermost first, e.g.
    /// `["spring", "datasource", "password"]`.
    pub path: Vec<&'a str>,
    /// The value: a string, number, boolean or null.
    pub value: &'a Value,
}

/// Every scalar in `tree`, in document order.
pub fn leaves(tree: &Value) -> Vec<Leaf<'_>> {
    let mut found = Vec::new();
    collect(tree, Pointer::root(), None, Vec::new(), &mut found);
    found
}

fn collect<'a>(
    value: &'a Value,
    pointer: Pointer,
    key: Option<&'a str>,
    path: Vec<&'a str>,
    found: &mut Vec<Leaf<'a>>,
) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                let mut inner = path.clone();
                inner.push(name);
                collect(member, pointer.key(name), Some(name), inner, found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect(item, pointer.index(index), key, path.clone(), found);
            }
        }
        scalar => found.push(Leaf { pointer, key, path, value: scalar }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_every_scalar_with_its_key_and_path() {
        let tree = json!({"spring": {"datasource": {"password": "x"}}, "hosts": ["a", "b"], "debug": true});
        let leaves = leaves(&tree);
        let summary: Vec<(String, Option<&str>, String)> =
            leaves.iter().map(|leaf| (leaf.pointer.to_string(), leaf.key, leaf.path.join("."))).collect();
        assert_eq!(
            summary,
            vec![
                ("/spring/datasource/password".to_owned(), Some("password"), "spring.datasource.password".to_owned()),
                ("/hosts/0".to_owned(), Some("hosts"), "hosts".to_owned()),
                ("/hosts/1".to_owned(), Some("hosts"), "hosts".to_owned()),
                ("/debug".to_owned(), Some("debug"), "debug".to_owned()),
            ]
        );
    }
}
