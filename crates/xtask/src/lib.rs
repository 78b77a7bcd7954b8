//! Project automation for tenken. The corpus generator is a library too, so
//! that the benchmarks generate the corpus they measure.

pub mod corpus;
