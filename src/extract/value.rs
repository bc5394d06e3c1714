//! One identifier typed by a person (`otcwatch review phone:139-1234-0001`, an API path) →
//! its normal form, through the same family validators extraction uses, so that what a
//! reviewer types finds the account the crawler stored.

use super::{Kind, alipay, bank_card, crypto, email, normalize, phone, qq, telegram, wechat};

/// The normal form of `input` as an identifier of `kind`, or why it is not one.
///
/// Obfuscations are folded first (full-width digits, invisible characters), surrounding
/// space is trimmed, and number kinds may carry spaces, dashes, dots or brackets between
/// digits (`+86 139-1234-0001`). The result is what extraction stores: E.164 for phones,
/// lower case for e-mail, WeChat, Telegram and ETH, digits for QQ and cards.
pub fn normalize(kind: Kind, input: &str) -> Result<String, String> {
    let folded = normalize::fold(input.trim());
    let text = folded.text.trim();
    if text.is_empty() {
        return Err(format!("the {kind} value is empty"));
    }
    let invalid = |reason: &str| format!("{text:?} is not a valid {kind}: {reason}");
    match kind {
        Kind::Phone => {
            mobile(text).ok_or_else(|| invalid("expected a mainland China mobile number"))
        }
        Kind::Alipay => {
            if text.contains('@') {
                return mail(text).map_err(&invalid);
            }
            if let Some(e164) = mobile(text) {
                return Ok(e164);
            }
            digits(text)
                .filter(|digits| alipay::is_user_id(digits))
                .ok_or_else(|| invalid("expected a mobile, an e-mail or a 2088… user id"))
        }
        Kind::Wechat => match mobile(text) {
            Some(e164) => Ok(e164),
            None => wechat::id(text).map_err(invalid),
        },
        Kind::Qq => {
            let digits = digits(text.strip_prefix('+').unwrap_or(text))
                .ok_or_else(|| invalid("expected 5-11 digits"))?;
            // A QQ number on a mobile is the national number (see `resolve.rs`).
            let national = phone::mobile(&digits)
                .map(|e164| e164.trim_start_matches("+86").to_string())
                .unwrap_or(digits);
            qq::number(&national).map_err(invalid)
        }
        Kind::Email => mail(text).map_err(&invalid),
        Kind::BankCard => {
            let digits = digits(text).ok_or_else(|| invalid("expected 13-19 digits"))?;
            let len_ok = (13..=19).contains(&digits.len());
            // Labelled UnionPay cards failing Luhn are stored too (`luhn_failed`).
            let unionpay = digits.starts_with("62") && (16..=19).contains(&digits.len());
            if len_ok && (bank_card::luhn(&digits) || unionpay) {
                Ok(digits)
            } else {
                Err(invalid("expected 13-19 digits passing the Luhn check"))
            }
        }
        Kind::Btc => crypto::btc(text).map_err(invalid),
        Kind::Eth => crypto::eth(text).map_err(invalid),
        Kind::Tron => crypto::tron(text).map_err(invalid),
        Kind::Telegram => {
            let lower = text.to_ascii_lowercase();
            let handle = ["https://", "http://"]
                .iter()
                .fold(lower.as_str(), |rest, scheme| rest.strip_prefix(scheme).unwrap_or(rest));
            let handle = ["t.me/", "telegram.me/", "@"]
                .iter()
                .fold(handle, |rest, prefix| rest.strip_prefix(prefix).unwrap_or(rest));
            let start = text.len() - handle.len();
            telegram::handle(&text[start..]).map_err(invalid)
        }
    }
}

/// The E.164 form of a mobile number written with a `+` and separators, if it is one.
fn mobile(text: &str) -> Option<String> {
    phone::mobile(&digits(text.strip_prefix('+').unwrap_or(text))?)
}

/// The digits of `text` if it is only digits and separators (space, `-`, `.`, brackets).
fn digits(text: &str) -> Option<String> {
    let separators = [' ', '-', '.', '(', ')'];
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if !separators.contains(&c) {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The normal form of an e-mail address that is the whole of `text`.
fn mail(text: &str) -> Result<String, &'static str> {
    let at = text.find('@').ok_or("expected an e-mail address")?;
    match email::around(text, at..at + 1, &[])? {
        Some(found) if found.range == (0..text.len()) => Ok(found.value),
        _ => Err("expected one e-mail address and nothing else"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(kind: Kind, input: &str, expected: Result<&str, &str>) {
        match (normalize(kind, input), expected) {
            (Ok(value), Ok(want)) => assert_eq!(value, want, "{kind}:{input}"),
            (Err(error), Err(part)) => assert!(error.contains(part), "{kind}:{input}: {error}"),
            (got, want) => panic!("{kind}:{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn typed_values_take_the_normal_form_extraction_stores() {
        check(Kind::Phone, "139-1234-0001", Ok("+8613912340001"));
        check(Kind::Phone, "+86 139 1234 0001", Ok("+8613912340001"));
        check(Kind::Phone, "１３９１２３４０００１", Ok("+8613912340001"));
        check(Kind::Alipay, "13912340001", Ok("+8613912340001"));
        check(Kind::Alipay, "+8613912340001", Ok("+8613912340001"));
        check(Kind::Alipay, "Pay@QQ.com", Ok("pay@qq.com"));
        check(Kind::Alipay, "2088102146225135", Ok("2088102146225135"));
        check(Kind::Wechat, "Abc_12345", Ok("abc_12345"));
        check(Kind::Wechat, "13912340001", Ok("+8613912340001"));
        check(Kind::Qq, "91764351", Ok("91764351"));
        check(Kind::Qq, "+8613912340001", Ok("13912340001"));
        check(Kind::Email, " Someone@163.COM ", Ok("someone@163.com"));
        check(Kind::BankCard, "6222 0212 3456 7890 128", Ok("6222021234567890128"));
        check(
            Kind::Eth,
            "0X52908400098527886E0F7030069857D2E4169EE7",
            Ok("0x52908400098527886e0f7030069857d2e4169ee7"),
        );
        check(
            Kind::Tron,
            "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP",
            Ok("TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"),
        );
        check(
            Kind::Btc,
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            Ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        );
        check(Kind::Telegram, "@Otc_Desk", Ok("otc_desk"));
        check(Kind::Telegram, "https://t.me/Otc_Desk", Ok("otc_desk"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_normal_forms_are_fixed_points(input in "\\PC{0,40}", idx in 0usize..10) {
            let kind = Kind::ALL[idx];
            if let Ok(value) = normalize(kind, &input) {
                // What the store holds parses back to itself (so `show` finds it again).
                proptest::prop_assert_eq!(normalize(kind, &value), Ok(value.clone()));
            }
        }

        #[test]
        fn shaped_values_are_fixed_points(input in "(\\+86)?1[3-9][0-9]{9}|[a-z][a-z0-9_]{4,12}(@qq\\.com)?|[1-9][0-9]{4,18}", idx in 0usize..10) {
            let kind = Kind::ALL[idx];
            if let Ok(value) = normalize(kind, &input) {
                proptest::prop_assert_eq!(normalize(kind, &value), Ok(value.clone()));
            }
        }
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        check(Kind::Phone, "12345", Err("not a valid phone"));
        check(Kind::Phone, "", Err("empty"));
        check(Kind::Qq, "0123456", Err("cannot start with 0"));
        check(Kind::Email, "a@b", Err("not a valid email"));
        check(Kind::Email, "x a@qq.com", Err("nothing else"));
        check(Kind::BankCard, "1234567890123", Err("Luhn"));
        check(Kind::Tron, "T123", Err("wrong length"));
        check(Kind::Telegram, "@ab", Err("5-32"));
        check(Kind::Wechat, "\u{0}\u{1}", Err("not a valid wechat"));
    }
}
