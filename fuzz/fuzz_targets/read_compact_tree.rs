//! The compact tree reader on arbitrary bytes: whatever it is given, it
//! reads, looks up, walks, prints and decodes without panicking. Plugins
//! read these bytes in their sandboxes; a damaged tree must read as
//! absent, never trap.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut bytes = tenken_tree::MAGIC.to_vec();
    bytes.extend_from_slice(data);
    let Ok(root) = tenken_tree::read(&bytes) else { return };
    let _ = root.pointer("/spec/template/spec/containers/0/image");
    let _ = root.get("kind").and_then(tenken_tree::Node::as_str);
    let _ = root.to_string();
    let _ = root.deserialize::<serde_json::Value>();
    let _ = root.to_value();
});
