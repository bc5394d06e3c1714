//! Mainland China mobile numbers: 11 digits, `1[3-9]` and a prefix that carriers actually
//! issue, with an optional `+86`, `0086` or `86` country code. The normal form is E.164.

/// The E.164 form of a mainland mobile number written as `digits` (separators already removed),
/// or `None`. A leading country code is accepted; nothing else around the 11 digits is.
pub(crate) fn mobile(digits: &str) -> Option<String> {
    let national = digits
        .strip_prefix("0086")
        .or_else(|| digits.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(digits);
    is_mobile(national).then(|| format!("+86{national}"))
}

/// True for an 11-digit number with an issued mobile prefix: 13x, 14[5-9], 15[0-35-9],
/// 16[2567], 17[0-8], 18x, 19[0-35-9].
pub(crate) fn is_mobile(national: &str) -> bool {
    let b = national.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' {
        return false;
    }
    match (b[1], b[2]) {
        (b'3' | b'8', _) => true,
        (b'4', b'5'..=b'9') => true,
        (b'5', third) => third != b'4',
        (b'6', b'2' | b'5' | b'6' | b'7') => true,
        (b'7', b'0'..=b'8') => true,
        (b'9', third) => third != b'4',
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_become_e164() {
        assert_eq!(mobile("13812345678").as_deref(), Some("+8613812345678"));
        assert_eq!(mobile("8613812345678").as_deref(), Some("+8613812345678"));
        assert_eq!(mobile("008618919189048").as_deref(), Some("+8618919189048"));
        assert_eq!(mobile("19952898997").as_deref(), Some("+8619952898997"));
    }

    #[test]
    fn unissued_prefixes_and_wrong_lengths_are_not_mobiles() {
        for digits in ["12812345678", "11012345678", "15412345678", "16012345678", "17912345678"] {
            assert_eq!(mobile(digits), None, "{digits}");
        }
        for digits in ["1381234567", "138123456789", "86138123456789", "2138123456"] {
            assert_eq!(mobile(digits), None, "{digits}");
        }
    }
}
