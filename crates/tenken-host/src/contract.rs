//! The contract version a plugin was built for, read from its exports
//! before anything is instantiated, so a mismatch gets a clear message
//! rather than a linker error.

use crate::LoadError;

/// The contract version this host speaks: the version of the
/// `tenken:plugin` WIT package.
pub const CONTRACT_VERSION: &str = "0.3.0";

const POLICY_EXPORT: &str = "tenken:plugin/policy@";

/// Checks that `component` exports a compatible `tenken:plugin/policy`.
pub(crate) fn check_compatible(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
) -> Result<(), LoadError> {
    let component_type = component.component_type();
    let found =
        component_type.exports(engine).find_map(|(name, _)| name.strip_prefix(POLICY_EXPORT).map(str::to_owned));
    match found {
        None => Err(LoadError::NotAPlugin),
        Some(version) if compatible(&version, CONTRACT_VERSION) => Ok(()),
        Some(version) => Err(LoadError::IncompatibleContract { found: version, expected: CONTRACT_VERSION.to_owned() }),
    }
}

/// Semver compatibility as cargo reads a caret requirement: same major
/// version, and for 0.x the same minor version.
fn compatible(found: &str, expected: &str) -> bool {
    let parse = |version: &str| -> Option<(u64, u64)> {
        let mut parts = version.split(['.', '-', '+']);
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(found), parse(expected)) {
        (Some((found_major, found_minor)), Some((major, minor))) => {
            found_major == major && (major > 0 || found_minor == minor)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn caret_compatibility() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.7", "0.1.0"));
        assert!(!compatible("0.2.0", "0.1.0"));
        assert!(!compatible("0.1.0", "0.2.0"));
        assert!(compatible("1.4.0", "1.0.0"));
        assert!(!compatible("2.0.0", "1.0.0"));
        assert!(!compatible("garbage", "0.1.0"));
    }
}
