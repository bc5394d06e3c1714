//! Telegram handles: `@name`, `t.me/name`, `telegram.me/name`, or a word after a Telegram label
//! (`TG：name`, `飞机 name`). A handle is 5-32 letters, digits and underscores, starting with a
//! letter and not ending with an underscore. The normal form is lower case without `@`.

/// The normal form of `handle`, or why it is not one.
pub(crate) fn handle(handle: &str) -> Result<String, &'static str> {
    let b = handle.as_bytes();
    if !(5..=32).contains(&b.len()) {
        return Err("telegram handle must be 5-32 characters");
    }
    if !b[0].is_ascii_alphabetic() {
        return Err("telegram handle must start with a letter");
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') || handle.ends_with('_') {
        return Err("telegram handle has a character outside letters, digits and _");
    }
    let lower = handle.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) {
        return Err("a t.me service path, not a handle");
    }
    Ok(lower)
}

/// The handle in the path after `t.me/`: `s/name` (channel preview) gives `name`; invite links
/// (`+…`, `joinchat/…`) and private-message links (`c/…`) have none. Returns the handle's byte
/// range within `path`.
pub(crate) fn link_path(path: &str) -> Result<std::ops::Range<usize>, &'static str> {
    let start = if path.starts_with("s/") { 2 } else { 0 };
    if path.starts_with('+') || path.starts_with("joinchat") || path.starts_with("c/") {
        return Err("an invite or private link, not a handle");
    }
    let len = path[start..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    Ok(start..start + len)
}

/// Paths on t.me that are not accounts.
const RESERVED: &[&str] = &[
    "share",
    "addstickers",
    "addemoji",
    "addtheme",
    "proxy",
    "socks",
    "login",
    "setlanguage",
    "confirmphone",
    "joinchat",
    "contact",
    "invoice",
    "boost",
    "iv",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_lower_cased() {
        assert_eq!(handle("Chengdui_viidkj8"), Ok("chengdui_viidkj8".to_owned()));
    }

    #[test]
    fn bad_handles_are_refused() {
        for bad in ["abcd", "1abcde", "abcde_", "abc-def", "share"] {
            assert!(handle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn link_paths_give_the_channel() {
        assert_eq!(link_path("s/otc_desk?before=10"), Ok(2..10));
        assert_eq!(link_path("otc_desk/123"), Ok(0..8));
        assert!(link_path("+AbCdEf").is_err());
        assert!(link_path("joinchat/AbC").is_err());
    }
}
