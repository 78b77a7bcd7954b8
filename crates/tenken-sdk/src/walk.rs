//! Walks every value of a document, for practices that apply to any kind
//! of config: hard-coded secrets, disabled TLS verification.

use crate::Node;
use crate::Shape;

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
    pub value: Node<'a>,
}

/// Every scalar in `tree`, in document order, each with its own pointer
/// and path. [`visit`] does the same walk without allocating for every
/// value, which matters for plugins that read every document of every kind.
pub fn leaves(tree: Node<'_>) -> Vec<Leaf<'_>> {
    let mut found = Vec::new();
    visit(tree, |leaf| {
        found.push(Leaf { pointer: leaf.pointer(), key: leaf.key, path: leaf.path.to_vec(), value: leaf.value });
    });
    found
}

/// A scalar value and where it is, lent to the closure given to [`visit`]:
/// the path is borrowed from the walk, and the pointer is made only when
/// asked for, typically for a finding.
#[derive(Debug)]
pub struct LeafRef<'w, 'a> {
    /// The member name it is stored under, or, inside a list, the name of
    /// the list's member.
    pub key: Option<&'a str>,
    /// Every member name on the way, outermost first.
    pub path: &'w [&'a str],
    /// The value: a string, number, boolean or null.
    pub value: Node<'a>,
    steps: &'w [Step<'a>],
}

/// One step from a container to a child.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Member(&'a str),
    Element(usize),
}

impl LeafRef<'_, '_> {
    /// Pointer to the value.
    pub fn pointer(&self) -> Pointer {
        self.steps.iter().fold(Pointer::root(), |pointer, step| match step {
            Step::Member(name) => pointer.key(name),
            Step::Element(index) => pointer.index(*index),
        })
    }
}

/// Calls `visitor` with every scalar in `tree`, in document order.
pub fn visit<'a>(tree: Node<'a>, mut visitor: impl FnMut(&LeafRef<'_, 'a>)) {
    let mut walk = Walk { path: Vec::new(), steps: Vec::new() };
    walk.descend(tree, None, &mut visitor);
}

/// Where the walk is: the member names and steps from the root.
struct Walk<'a> {
    path: Vec<&'a str>,
    steps: Vec<Step<'a>>,
}

impl<'a> Walk<'a> {
    fn descend(&mut self, value: Node<'a>, key: Option<&'a str>, visitor: &mut impl FnMut(&LeafRef<'_, 'a>)) {
        match value.shape() {
            Shape::Object(members) => {
                for (name, member) in members {
                    self.path.push(name);
                    self.steps.push(Step::Member(name));
                    self.descend(member, Some(name), visitor);
                    self.steps.pop();
                    self.path.pop();
                }
            }
            Shape::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.steps.push(Step::Element(index));
                    self.descend(item, key, visitor);
                    self.steps.pop();
                }
            }
            _ => visitor(&LeafRef { key, path: &self.path, value, steps: &self.steps }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn visits_every_scalar_with_its_key_and_path() {
        let tree =
            OwnedTree::new(&json!({"spring": {"datasource": {"password": "x"}}, "hosts": ["a", "b"], "debug": true}));
        let leaves = leaves(tree.root());
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

    #[test]
    fn visit_lends_the_same_leaves_and_pointers() {
        let tree = OwnedTree::new(&json!({"a/b": [{"c~d": 1}, [null, "x"]], "e": {"f": false}}));
        let mut visited = Vec::new();
        visit(tree.root(), |leaf| {
            visited.push((leaf.pointer().to_string(), leaf.key, leaf.path.join("."), leaf.value.to_value()))
        });
        assert_eq!(
            visited,
            vec![
                ("/a~1b/0/c~0d".to_owned(), Some("c~d"), "a/b.c~d".to_owned(), json!(1)),
                ("/a~1b/1/0".to_owned(), Some("a/b"), "a/b".to_owned(), json!(null)),
                ("/a~1b/1/1".to_owned(), Some("a/b"), "a/b".to_owned(), json!("x")),
                ("/e/f".to_owned(), Some("f"), "e.f".to_owned(), json!(false)),
            ]
        );
        let owned: Vec<(String, Option<&str>, String)> =
            leaves(tree.root()).iter().map(|leaf| (leaf.pointer.to_string(), leaf.key, leaf.path.join("."))).collect();
        let lent: Vec<(String, Option<&str>, String)> =
            visited.into_iter().map(|(pointer, key, path, _)| (pointer, key, path)).collect();
        assert_eq!(owned, lent);
    }
}
