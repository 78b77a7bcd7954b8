//! A plugin built for a future contract version.

wit_bindgen::generate!({ path: "wit", world: "plugin" });

struct Future;

impl exports::tenken::plugin::policy::Guest for Future {
    fn describe() -> String {
        "from the future".to_owned()
    }
}

export!(Future);
