//! The one place where Rust bindings for the WIT contract are generated.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "plugin",
});

pub(crate) use tenken::plugin::types::{Category, Document, Finding, PluginInfo, Scope, Severity, TreeEncoding};
