//! RFC 6901 JSON pointers, built segment by segment so no plugin escapes
//! `~` and `/` by hand.

use std::fmt;

/// A JSON pointer into a document tree. The empty pointer is the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Pointer {
    encoded: String,
}

impl Pointer {
    /// The pointer to the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// The pointer to member `key` of the object at `self`.
    pub fn key(&self, key: &str) -> Self {
        let mut encoded = String::with_capacity(self.encoded.len() + key.len() + 1);
        encoded.push_str(&self.encoded);
        encoded.push('/');
        for ch in key.chars() {
            match ch {
                '~' => encoded.push_str("~0"),
                '/' => encoded.push_str("~1"),
                other => encoded.push(other),
            }
        }
        Self { encoded }
    }

    /// The pointer to element `index` of the array at `self`.
    pub fn index(&self, index: usize) -> Self {
        Self { encoded: format!("{}/{index}", self.encoded) }
    }

    /// The pointer as RFC 6901 text.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_escapes_segments() {
        let pointer = Pointer::root().key("spec").key("a/b~c").index(3);
        assert_eq!(pointer.as_str(), "/spec/a~1b~0c/3");
        assert_eq!(Pointer::root().as_str(), "");
    }

    #[test]
    fn escaped_pointer_resolves_with_serde_json() {
        let tree = serde_json::json!({"metadata": {"annotations": {"x/y~z": "v"}}});
        let pointer = Pointer::root().key("metadata").key("annotations").key("x/y~z");
        assert_eq!(tree.pointer(pointer.as_str()), Some(&serde_json::json!("v")));
    }
}
