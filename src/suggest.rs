//! What a mistyped name most likely meant, for the "did you mean" hints of subcommands, rule
//! ids and suppressions.

/// The name `typed` most likely meant: the only one it begins (two letters typed at least),
/// else the nearest within an edit or two (one per three letters typed).
pub fn closest<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let starting: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with(typed))
        .collect();
    if let [only] = starting.as_slice()
        && typed.len() >= 2
    {
        return Some(only);
    }
    let within = (typed.chars().count() / 3).max(1);
    names
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(typed, n), n))
        .filter(|(d, _)| *d <= within)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}
