//! Bank card and PRC resident identity number checks.
//! Card numbers are confirmed by the Luhn check and a plausible network prefix; resident IDs by GB 11643.
//! Some Gansu resident IDs (region 62) look like UnionPay cards, so callers test both.
//! Everything here is pure and must not panic on any input.

/// Luhn (mod 10) check over ASCII digits; false for non-digits or empty.
pub(crate) fn luhn(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // Summing mod 10 as we go keeps the total from overflowing on absurdly long input.
    let sum = digits.bytes().rev().enumerate().fold(0u32, |sum, (i, b)| {
        let digit = u32::from(b - b'0');
        let value = if i % 2 == 1 {
            let doubled = digit * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            digit
        };
        (sum + value) % 10
    });
    sum == 0
}

/// The card network a number of this length and prefix plausibly belongs to, or None.
///
/// UnionPay 62 (16-19 digits); domestic 60 and 81 (16-19); Visa 4 (13, 16, 19); Mastercard 51-55 and 2221-2720 (16);
/// Amex 34/37 (15); JCB 3528-3589 (16-19); Discover 6011, 644-649 and 65 (16-19).
/// Domestic cards starting with 9 are not accepted.
pub(crate) fn network(digits: &str) -> Option<&'static str> {
    let len = digits.len();
    if !(13..=19).contains(&len) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (p1, p2, p3, p4) =
        (prefix(digits, 1), prefix(digits, 2), prefix(digits, 3), prefix(digits, 4));
    let long = (16..=19).contains(&len);
    let (name, length_ok) = if p1 == 4 {
        ("visa", matches!(len, 13 | 16 | 19))
    } else if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
        ("mastercard", len == 16)
    } else if p2 == 34 || p2 == 37 {
        ("amex", len == 15)
    } else if (3528..=3589).contains(&p4) {
        ("jcb", long)
    } else if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 {
        // Discover is checked before the domestic 60 range, which 6011 falls inside.
        ("discover", long)
    } else if p2 == 62 {
        ("unionpay", long)
    } else if p2 == 60 || p2 == 81 {
        ("domestic", long)
    } else {
        return None;
    };
    length_ok.then_some(name)
}

/// True when `s` is a valid PRC resident identity number per GB 11643.
///
/// It must be 17 digits then a digit or `X`/`x`, with a plausible province code, a real birth date YYYYMMDD in 1900-2099,
/// and the ISO 7064 MOD 11-2 check character.
pub(crate) fn resident_id(s: &str) -> bool {
    let Some((&check, body)) = s.as_bytes().split_last() else {
        return false;
    };
    let Ok(body) = <&[u8; 17]>::try_from(body) else {
        return false;
    };
    if !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = body.map(|b| u32::from(b - b'0'));
    let province = d[0] * 10 + d[1];
    let year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9];
    let month = d[10] * 10 + d[11];
    let day = d[12] * 10 + d[13];
    if !is_province(province) || !is_date(year, month, day) {
        return false;
    }
    let sum: u32 = d.iter().zip(ID_WEIGHTS).map(|(digit, weight)| digit * weight).sum();
    let index = usize::try_from(sum % 11).unwrap_or(usize::MAX);
    ID_CHECK_CHARS.get(index) == Some(&check.to_ascii_uppercase())
}

/// True if `digits` is one of the well-known published test card numbers.
pub(crate) fn is_test_card(digits: &str) -> bool {
    TEST_CARDS.contains(&digits)
}

/// ISO 7064 MOD 11-2 weights for the 17 body digits of a resident ID.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum mod 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Test numbers published by card networks and payment processors (PayPal, Stripe, Adyen and others).
const TEST_CARDS: &[&str] = &[
    // Visa.
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "4242424242424242",
    "4000056655665556",
    // Mastercard.
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    // American Express.
    "378282246310005",
    "371449635398431",
    "378734493671000",
    // Discover.
    "6011111111111117",
    "6011000990139424",
    "6555900000604105",
    // JCB.
    "3530111333300000",
    "3566002020360505",
    // UnionPay.
    "6200000000000005",
    "6205500000000000004",
];

/// The number formed by the first `n` digits of an all-digit string.
fn prefix(digits: &str, n: usize) -> u32 {
    digits.bytes().take(n).fold(0, |acc, b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
}

/// True for a province-level code that appears in resident IDs.
///
/// This includes 71 (Taiwan), 81 and 82 (Hong Kong, Macau), 83 (residence permits) and 91 (foreigners' permanent residence).
fn is_province(code: u32) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83 | 91
    )
}

/// True for a real Gregorian date with a year in 1900-2099.
fn is_date(year: u32, month: u32, day: u32) -> bool {
    if !(1900..=2099).contains(&year) {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends the GB 11643 check character to a 17-digit body, computed independently of `resident_id`.
    fn with_check_char(body: &str) -> String {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body.chars().zip(weights).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
        let check = "10X98765432".chars().nth((sum % 11) as usize).unwrap();
        format!("{body}{check}")
    }

    #[test]
    fn luhn_accepts_valid_numbers() {
        for digits in ["79927398713", "4111111111111111", "0", "00", "18"] {
            assert!(luhn(digits), "{digits}");
        }
    }

    #[test]
    fn luhn_rejects_invalid_numbers() {
        for digits in ["79927398710", "79927398714", "4111111111111112", "1", "19"] {
            assert!(!luhn(digits), "{digits}");
        }
    }

    #[test]
    fn luhn_rejects_empty_and_non_digits() {
        for s in ["", " ", "7992 7398 713", "7992739871a", "-79927398713", "\u{ff17}9927398713"] {
            assert!(!luhn(s), "{s:?}");
        }
    }

    #[test]
    fn luhn_results_for_numbers_seen_in_the_wild() {
        let cases = [
            ("6259657997787591865", true),
            ("6236688583670861119", true),
            ("6225889594718475754", true),
            ("6236688255487087069", true),
            ("6214832877004361", true),
            ("6214839416316379", false),
            ("6259657923645694351", false),
            ("8935855741899813", false),
            ("520600325856814479", false),
        ];
        for (digits, expected) in cases {
            assert_eq!(luhn(digits), expected, "{digits}");
        }
    }

    #[test]
    fn every_test_card_passes_luhn_and_has_a_network() {
        for &digits in TEST_CARDS {
            assert!(luhn(digits), "{digits}");
            assert!(network(digits).is_some(), "{digits}");
            assert!(is_test_card(digits), "{digits}");
        }
    }

    #[test]
    fn ordinary_numbers_are_not_test_cards() {
        for digits in ["6259657997787591865", "79927398713", "", "4111 1111 1111 1111"] {
            assert!(!is_test_card(digits), "{digits:?}");
        }
    }

    #[test]
    fn network_recognises_each_family() {
        let cases = [
            ("4222222222222", "visa"),
            ("4111111111111111", "visa"),
            ("4111111111111111110", "visa"),
            ("5105105105105100", "mastercard"),
            ("5555555555554444", "mastercard"),
            ("2221000000000009", "mastercard"),
            ("2720990000000007", "mastercard"),
            ("340000000000009", "amex"),
            ("378282246310005", "amex"),
            ("3528000000000007", "jcb"),
            ("3589000000000000000", "jcb"),
            ("6011111111111117", "discover"),
            ("6440000000000000", "discover"),
            ("6490000000000000000", "discover"),
            ("6555900000604105", "discover"),
            ("6200000000000005", "unionpay"),
            ("6259657997787591865", "unionpay"),
            ("6000000000000000", "domestic"),
            ("8100000000000000000", "domestic"),
        ];
        for (digits, expected) in cases {
            assert_eq!(network(digits), Some(expected), "{digits}");
        }
    }

    #[test]
    fn network_rejects_wrong_lengths() {
        for digits in [
            "41111111111111",       // Visa with 14 digits.
            "411111111111111111",   // Visa with 18 digits.
            "555555555555444",      // Mastercard with 15 digits.
            "55555555555544440",    // Mastercard with 17 digits.
            "3782822463100050",     // Amex with 16 digits.
            "352800000000000",      // JCB with 15 digits.
            "601111111111111",      // Discover with 15 digits.
            "620000000000000",      // UnionPay with 15 digits.
            "62000000000000000000", // UnionPay with 20 digits.
            "810000000000000",      // Domestic with 15 digits.
            "4111",
            "",
        ] {
            assert_eq!(network(digits), None, "{digits}");
        }
    }

    #[test]
    fn network_rejects_unknown_prefixes() {
        for digits in [
            "9000000000000000", // Domestic 9 is not accepted.
            "9558800000000000000",
            "2220990000000000", // Just below the Mastercard 2-series.
            "2721000000000000", // Just above it.
            "5600000000000000",
            "3527000000000000",
            "3590000000000000",
            "6430000000000000",
            "1234567812345670",
            "4111-1111-1111-1111",
        ] {
            assert_eq!(network(digits), None, "{digits}");
        }
    }

    #[test]
    fn published_resident_id_example_is_valid() {
        assert!(resident_id("11010519491231002X"));
        assert!(resident_id("11010519491231002x"));
    }

    #[test]
    fn resident_id_built_from_region_and_date_is_valid() {
        // Haidian, Beijing; born 29 February 2000 (a leap year).
        let id = with_check_char("11010820000229123");
        assert!(resident_id(&id), "{id}");
    }

    #[test]
    fn resident_id_with_impossible_date_is_rejected() {
        for body in [
            "11010519000229002", // 1900 is not a leap year.
            "11010519491331002", // Month 13.
            "11010519490431002", // 31 April.
            "11010519490100002", // Day 0.
            "11010518991231002", // Before 1900.
            "11010521001231002", // After 2099.
        ] {
            let id = with_check_char(body);
            assert!(!resident_id(&id), "{id}");
        }
    }

    #[test]
    fn resident_id_with_wrong_check_char_is_rejected() {
        for id in ["110105194912310020", "110105194912310021", "11010519491231002Y"] {
            assert!(!resident_id(id), "{id}");
        }
    }

    #[test]
    fn resident_id_with_unknown_province_is_rejected() {
        for body in
            ["16010519491231002", "00010519491231002", "92010519491231002", "84010519491231002"]
        {
            let id = with_check_char(body);
            assert!(!resident_id(&id), "{id}");
        }
    }

    #[test]
    fn resident_id_of_wrong_shape_is_rejected() {
        for s in [
            "",
            "X",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100X2",
            "11010519491231002\u{fe38}",
            "\u{ff11}1010519491231002X",
        ] {
            assert!(!resident_id(s), "{s:?}");
        }
    }

    #[test]
    fn gansu_resident_id_can_also_pass_luhn_as_a_unionpay_card() {
        // Found by searching bodies 620102 + 19800101 + sequence for one whose full 18 digits also pass Luhn.
        let id = "620102198001010754";
        assert_eq!(with_check_char("62010219800101075"), id);
        assert!(resident_id(id));
        assert!(luhn(id));
        assert_eq!(network(id), Some("unionpay"));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let alphabet: Vec<char> = "0123456789Xx62 \u{e9}\u{4e2d}".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..5_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let s: String = (0..len)
                .map(|i| alphabet[((state >> (i % 40)) as usize + i) % alphabet.len()])
                .collect();
            let _ = (luhn(&s), network(&s), resident_id(&s), is_test_card(&s));
        }
    }
}
