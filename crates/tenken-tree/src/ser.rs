//! Writing a node out: `serde::Serialize`, and `Display` as compact JSON,
//! the text `serde_json::Value` displays as.

use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::node::{Node, Number, Shape};

impl serde::Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.shape() {
            Shape::Null => serializer.serialize_unit(),
            Shape::Bool(flag) => serializer.serialize_bool(flag),
            Shape::Number(Number::Int(int)) => serializer.serialize_i64(int),
            Shape::Number(Number::UInt(uint)) => serializer.serialize_u64(uint),
            Shape::Number(Number::Float(float)) => serializer.serialize_f64(float),
            Shape::String(text) => serializer.serialize_str(text),
            Shape::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
            Shape::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, &value)?;
                }
                map.end()
            }
        }
    }
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}
