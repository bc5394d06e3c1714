//! WeChat IDs: 6-20 characters, a letter first, then letters, digits, `_` or `-`. A WeChat
//! label may also carry a mobile number (handled with the other numbers). The normal form is
//! lower case.

/// Why a word after a WeChat label is not an ID, or `Ok` with the normal form.
pub(crate) fn id(word: &str) -> Result<String, &'static str> {
    let b = word.as_bytes();
    if !(6..=20).contains(&b.len()) {
        return Err("wechat id must be 6-20 characters");
    }
    if !b[0].is_ascii_alphabetic() {
        return Err("wechat id must start with a letter");
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
        return Err("wechat id has a character outside letters, digits, _ and -");
    }
    let lower = word.to_ascii_lowercase();
    if b.iter().all(u8::is_ascii_alphabetic) && COMMON_WORDS.contains(&lower.as_str()) {
        return Err("an ordinary word, not an id");
    }
    Ok(lower)
}

/// Words that follow a WeChat label in ordinary prose ("WeChat: available", "微信 support").
/// An all-letter ID that is one of these is taken for the word.
const COMMON_WORDS: &[&str] = &[
    "accepted",
    "account",
    "accounts",
    "address",
    "alipay",
    "always",
    "available",
    "business",
    "channel",
    "contact",
    "customer",
    "details",
    "friend",
    "friends",
    "online",
    "payment",
    "payments",
    "please",
    "private",
    "message",
    "messages",
    "number",
    "office",
    "official",
    "offline",
    "people",
    "private",
    "profile",
    "public",
    "question",
    "scan",
    "service",
    "services",
    "support",
    "telegram",
    "thanks",
    "transfer",
    "wallet",
    "wechat",
    "weixin",
    "welcome",
    "whatsapp",
    "within",
    "without",
    "qrcode",
    "direct",
    "groups",
    "search",
    "verify",
    "verified",
    "ready",
    "instant",
    "trading",
    "trader",
    "traders",
    "seller",
    "sellers",
    "buyers",
    "buying",
    "selling",
    "moment",
    "moments",
    "mobile",
    "phone",
    "phones",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_cased() {
        assert_eq!(id("Jj3c_yw5v34c4"), Ok("jj3c_yw5v34c4".to_owned()));
        assert_eq!(id("wxid_abc-123"), Ok("wxid_abc-123".to_owned()));
        assert_eq!(id("bfgzzxvg"), Ok("bfgzzxvg".to_owned()));
    }

    #[test]
    fn bad_shapes_and_words_are_refused() {
        assert!(id("abc12").is_err());
        assert!(id("1abcdef").is_err());
        assert!(id("abcdefghijklmnopqrstu").is_err());
        assert!(id("available").is_err());
        assert!(id("Accepted").is_err());
    }
}
