//! Paths of the guest components built from `guests/` for the host's
//! tests: `HOSTILE` (misbehaves according to its `mode` setting) and
//! `WRONG_CONTRACT` (exports a future contract version).

include!(concat!(env!("OUT_DIR"), "/guests.rs"));
