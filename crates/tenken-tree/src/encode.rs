//! Writing a `serde_json::Value` as a compact tree.

use serde_json::Value;

use crate::{MAGIC, tag};

/// Encodes `value` as a compact tree.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Appends the compact tree of `value` to `out`, so a caller encoding many
/// documents can reuse one buffer.
///
/// Lengths are `u32`; tenken bounds every input file far below 4 GiB before
/// it is parsed, and a longer string or container is a bug in the caller.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) {
    out.extend_from_slice(&MAGIC);
    node(value, out);
}

fn node(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(tag::NULL),
        Value::Bool(false) => out.push(tag::FALSE),
        Value::Bool(true) => out.push(tag::TRUE),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                out.push(tag::INT);
                out.extend_from_slice(&int.to_le_bytes());
            } else if let Some(uint) = number.as_u64() {
                out.push(tag::UINT);
                out.extend_from_slice(&uint.to_le_bytes());
            } else {
                out.push(tag::FLOAT);
                out.extend_from_slice(&number.as_f64().unwrap_or(f64::NAN).to_le_bytes());
            }
        }
        Value::String(text) => {
            out.push(tag::STRING);
            string(text, out);
        }
        Value::Array(items) => {
            out.push(tag::ARRAY);
            container(items.len(), out, |out| items.iter().for_each(|item| node(item, out)));
        }
        Value::Object(members) => {
            out.push(tag::OBJECT);
            container(members.len(), out, |out| {
                for (key, value) in members {
                    string(key, out);
                    node(value, out);
                }
            });
        }
    }
}

fn string(text: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&length(text.len()).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Writes a container's count, then its body, then fills in the body's
/// byte length, which is only known once the body is written.
fn container(count: usize, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    out.extend_from_slice(&length(count).to_le_bytes());
    let length_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let body_starts = out.len();
    body(out);
    let body_length = length(out.len() - body_starts);
    out[length_at..length_at + 4].copy_from_slice(&body_length.to_le_bytes());
}

fn length(length: usize) -> u32 {
    u32::try_from(length).expect("documents are bounded far below 4 GiB before they are encoded")
}
