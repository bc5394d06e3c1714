//! Benchmarks of extract.
fn main() {}
