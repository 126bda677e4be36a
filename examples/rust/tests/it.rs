//! Integration tests: stable ones, run from their own test binary.

use flakydemo::{add, slug};

#[test]
fn add_is_commutative() {
    assert_eq!(add(4, 9), add(9, 4));
}

#[test]
fn slug_of_empty_is_empty() {
    assert_eq!(slug("   "), "");
}
