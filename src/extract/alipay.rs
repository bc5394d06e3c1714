//! Alipay accounts: a mobile number or an e-mail labelled as Alipay (both handled with their
//! families), or a 16-digit Alipay user ID, which always starts with `2088`.

/// True for an Alipay user ID.
pub(crate) fn is_user_id(digits: &str) -> bool {
    digits.len() == 16 && digits.starts_with("2088") && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_sixteen_digits_from_2088() {
        assert!(is_user_id("2088102146225135"));
        assert!(!is_user_id("208810214622513"));
        assert!(!is_user_id("2089102146225135"));
    }
}
