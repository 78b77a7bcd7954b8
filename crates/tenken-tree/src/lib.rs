//! The compact tree: how tenken hands a document to plugins.
//!
//! A Kubernetes manifest is read by some eighteen plugins. When each got the
//! document as JSON text, each decoded it into a `serde_json::Value` of its
//! own, and that decoding was most of what a full check cost beyond parsing
//! (docs/performance.md). The host now encodes each document once, in this
//! format, and every plugin reads the bytes where they lie: finding a key
//! compares bytes and skips the values it passes over in constant time, and
//! nothing is allocated.
//!
//! # Format
//!
//! Little-endian. A tree is the four bytes [`MAGIC`] followed by one node.
//! A node is a tag byte and its payload:
//!
//! | tag | node | payload |
//! |---|---|---|
//! | 0 | null | none |
//! | 1, 2 | false, true | none |
//! | 3 | integer | `i64` |
//! | 4 | integer above `i64::MAX` | `u64` |
//! | 5 | other number | `f64` |
//! | 6 | string | `u32` byte length, UTF-8 bytes |
//! | 7 | array | `u32` item count, `u32` byte length of the items, the items |
//! | 8 | object | `u32` member count, `u32` byte length of the members, the members: each a `u32` key length, the key's UTF-8 bytes, a node |
//!
//! Every node's length is known from its first nine bytes, so a reader
//! steps over a member it does not want without looking inside it. Members
//! keep the order of the source.
//!
//! Readers never trust the bytes: a node whose lengths run past its parent
//! reads as absent, and a string that is not UTF-8 as not a string. A
//! damaged tree cannot make a reader panic or loop.
#![warn(missing_docs)]

mod de;
mod encode;
mod node;
mod ser;

pub use de::Error;
pub use encode::{encode, encode_into};
pub use node::{Array, ArrayIter, Node, Number, Object, ObjectIter, Shape};

/// The first bytes of every tree: `tkt` and the format's version.
pub const MAGIC: [u8; 4] = *b"tkt\x01";

/// Tag bytes; see the format table in the crate docs.
mod tag {
    pub(crate) const NULL: u8 = 0;
    pub(crate) const FALSE: u8 = 1;
    pub(crate) const TRUE: u8 = 2;
    pub(crate) const INT: u8 = 3;
    pub(crate) const UINT: u8 = 4;
    pub(crate) const FLOAT: u8 = 5;
    pub(crate) const STRING: u8 = 6;
    pub(crate) const ARRAY: u8 = 7;
    pub(crate) const OBJECT: u8 = 8;
}

/// The root node of an encoded tree, or why the bytes are not one.
pub fn read(bytes: &[u8]) -> Result<Node<'_>, Error> {
    let body = bytes.strip_prefix(&MAGIC).ok_or_else(|| Error::new("not a compact tree (wrong magic or version)"))?;
    match node::extent(body) {
        Some(length) if length == body.len() => Ok(Node::at(body)),
        Some(_) => Err(Error::new("compact tree has bytes after its root node")),
        None => Err(Error::new("compact tree is truncated or damaged")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 3,
                "template": {"spec": {"containers": [
                    {"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                    {"name": "sidecar", "image": "envoy", "resources": {}}
                ]}}
            },
            "numbers": [0, -1, 18446744073709551615u64, 1.5, -2.25e10],
            "flags": [true, false, null],
            "empty": {"list": [], "map": {}, "text": ""},
            "unicode": "点検 ✓"
        })
    }

    #[test]
    fn every_value_reads_back_as_it_was_encoded() {
        let value = sample();
        let bytes = encode(&value);
        let root = read(&bytes).expect("a tree we just encoded");
        assert_eq!(root.to_value(), value);
        assert_eq!(root.to_string(), value.to_string(), "Display writes the same JSON as serde_json");
    }

    #[test]
    fn lookups_behave_like_serde_json() {
        let value = sample();
        let bytes = encode(&value);
        let root = read(&bytes).expect("valid");
        assert_eq!(root.get("kind").and_then(Node::as_str), Some("Deployment"));
        assert_eq!(root.pointer("/spec/replicas").and_then(Node::as_u64), Some(3));
        assert_eq!(root.pointer("/spec/template/spec/containers/1/image").and_then(Node::as_str), Some("envoy"));
        assert!(root.pointer("/spec/template/spec/containers/2").is_none());
        assert!(root.pointer("/missing").is_none());
        assert_eq!(root.pointer(""), Some(root));
        let numbers = root.get("numbers").and_then(Node::as_array).expect("array");
        assert_eq!(numbers.len(), 5);
        assert_eq!(numbers.get(1).and_then(Node::as_i64), Some(-1));
        assert_eq!(numbers.get(2).and_then(Node::as_u64), Some(u64::MAX));
        assert_eq!(numbers.get(2).and_then(Node::as_i64), None);
        assert_eq!(numbers.get(3).and_then(Node::as_f64), Some(1.5));
        assert_eq!(numbers.get(3).and_then(Node::as_i64), None);
        let keys: Vec<&str> = root.as_object().expect("object").keys().collect();
        assert_eq!(keys[..4], ["apiVersion", "kind", "metadata", "spec"], "members keep their order");
        assert!(
            root.get("empty").and_then(|empty| empty.get("list")).and_then(Node::as_array).expect("list").is_empty()
        );
        assert_eq!(root.get("unicode").and_then(Node::as_str), Some("点検 ✓"));
    }

    #[test]
    fn pointers_unescape_tilde_sequences() {
        let value = json!({"a/b": {"m~n": 1}});
        let bytes = encode(&value);
        let root = read(&bytes).expect("valid");
        assert_eq!(root.pointer("/a~1b/m~0n").and_then(Node::as_u64), Some(1));
    }

    #[test]
    fn damaged_bytes_read_as_absent_and_never_panic() {
        let bytes = encode(&sample());
        assert!(read(&bytes[..bytes.len() - 1]).is_err());
        assert!(read(b"json").is_err());
        // Every truncation and every single-byte change either fails to
        // read or reads without panicking.
        for cut in 0..bytes.len() {
            if let Ok(root) = read(&bytes[..cut]) {
                let _ = root.to_value();
            }
        }
        for position in MAGIC.len()..bytes.len() {
            for byte in [0u8, 1, 6, 7, 8, 0x7f, 0xff] {
                let mut damaged = bytes.clone();
                damaged[position] = byte;
                if let Ok(root) = read(&damaged) {
                    let _ = root.to_value();
                    let _ = root.pointer("/spec/template/spec/containers/0/image");
                    let _ = root.to_string();
                }
            }
        }
    }

    #[test]
    fn typed_decoding_borrows_from_the_tree_and_skips_the_rest() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Container<'a> {
            name: &'a str,
            image: Option<&'a str>,
            #[serde(default)]
            ports: Vec<Port>,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct Port {
            container_port: u16,
        }
        let bytes = encode(&sample());
        let root = read(&bytes).expect("valid");
        let containers: Vec<Container<'_>> =
            root.pointer("/spec/template/spec/containers").expect("present").deserialize().expect("typed");
        assert_eq!(
            containers,
            [
                Container { name: "app", image: Some("nginx:1.27"), ports: vec![Port { container_port: 80 }] },
                Container { name: "sidecar", image: Some("envoy"), ports: vec![] },
            ]
        );
        let wrong: Result<Vec<Port>, Error> = root.pointer("/metadata").expect("present").deserialize();
        assert!(wrong.is_err());
    }
}
