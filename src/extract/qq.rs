//! QQ numbers: 5-11 digits, no leading zero, and only where a QQ label says so (a bare
//! number of that shape is anything). The normal form is the digits.

/// The QQ number `digits`, or why not.
pub(crate) fn number(digits: &str) -> Result<String, &'static str> {
    if !(5..=11).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("qq number must be 5-11 digits");
    }
    if digits.starts_with('0') {
        return Err("qq number cannot start with 0");
    }
    Ok(digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qq_numbers_are_five_to_eleven_digits_without_leading_zero() {
        assert_eq!(number("91764351"), Ok("91764351".to_owned()));
        assert_eq!(number("10001"), Ok("10001".to_owned()));
        assert!(number("1234").is_err());
        assert!(number("012345678").is_err());
        assert!(number("123456789012").is_err());
    }
}
