//! Paths of the guest components built from `guests/` for the host's
//! tests: `HOSTILE` (misbehaves according to its `mode` setting),
//! `OVERSIZED_INFO` (declares a 10 MB rule title), `PROJECT_ECHO` (a
//! project-scoped plugin that reports what it sees) and `WRONG_CONTRACT`
//! (exports a future contract version).

include!(concat!(env!("OUT_DIR"), "/guests.rs"));
