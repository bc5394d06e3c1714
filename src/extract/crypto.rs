//! Wallet address validators for Bitcoin, Ethereum and TRON.
//! Each takes a candidate word and returns its normal form, or a short reason for `--explain`.
//! They are pure and must not panic on any input, because every address-like word of a scan reaches them.
//! Cheap length and character checks run before any decoding or hashing.

use bech32::primitives::decode::{SegwitHrpstring, SegwitHrpstringError, UncheckedHrpstring};
use bech32::segwit::VERSION_0;
use bech32::{Bech32, Bech32m};
use tiny_keccak::{Hasher, Keccak};

/// Why a candidate was not accepted, for `--explain` output.
pub(crate) type Reject = &'static str;

/// A Bitcoin mainnet address: Base58Check P2PKH (version 0x00, starts `1`) or P2SH (0x05, `3`), or segwit.
///
/// Segwit addresses use BIP-173 Bech32 for witness v0 (program 20 or 32 bytes) and BIP-350 Bech32m for v1+ (program 2..40 bytes).
/// Only the `bc` prefix is accepted; mixed case and the wrong checksum variant for the version are rejected.
/// Returns the normal form: base58 as written, bech32 lower-cased.
pub(crate) fn btc(candidate: &str) -> Result<String, Reject> {
    match candidate.as_bytes().first() {
        Some(b'1' | b'3' | b'm' | b'n' | b'2') => btc_base58(candidate),
        Some(b'b' | b'B' | b't' | b'T') => btc_segwit(candidate),
        _ => Err("not a bitcoin address"),
    }
}

/// An Ethereum address: `0x` (or `0X`) and 40 hex digits.
///
/// All-lower or all-upper hex needs no checksum; mixed case must match EIP-55.
/// Returns lower-case hex with a `0x` prefix.
pub(crate) fn eth(candidate: &str) -> Result<String, Reject> {
    let Some(hex) = candidate.strip_prefix("0x").or_else(|| candidate.strip_prefix("0X")) else {
        return Err("missing 0x prefix");
    };
    if hex.len() != 40 {
        return Err("wrong length");
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("invalid hex character");
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let lower = hex.to_ascii_lowercase();
    if has_lower && has_upper && !matches_eip55(hex, &lower) {
        return Err("eip-55 checksum mismatch");
    }
    Ok(format!("0x{lower}"))
}

/// A TRON address: Base58Check of 25 bytes with version byte 0x41, written as 34 characters starting `T`.
///
/// Returns the address as written.
pub(crate) fn tron(candidate: &str) -> Result<String, Reject> {
    if candidate.len() != 34 {
        return Err("wrong length");
    }
    if !candidate.starts_with('T') {
        return Err("not a tron address");
    }
    if !is_base58(candidate) {
        return Err("invalid base58 character");
    }
    match base58check_version(candidate)? {
        0x41 => Ok(candidate.to_owned()),
        _ => Err("wrong version byte"),
    }
}

/// The Bitcoin alphabet, which leaves out `0`, `O`, `I` and `l`.
const BASE58_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Validates a legacy (P2PKH or P2SH) address, reporting testnet versions separately.
fn btc_base58(candidate: &str) -> Result<String, Reject> {
    // A 25-byte payload encodes to 26-35 characters; 25 allows for the shortest leading-zero case.
    if !(25..=35).contains(&candidate.len()) {
        return Err("wrong length");
    }
    if !is_base58(candidate) {
        return Err("invalid base58 character");
    }
    match base58check_version(candidate)? {
        0x00 | 0x05 => Ok(candidate.to_owned()),
        0x6f | 0xc4 => Err("testnet address"),
        _ => Err("wrong version byte"),
    }
}

/// Validates a segwit address and returns it lower-cased.
fn btc_segwit(candidate: &str) -> Result<String, Reject> {
    if !has_prefix_ignore_case(candidate, "bc1") {
        return if has_prefix_ignore_case(candidate, "tb1")
            || has_prefix_ignore_case(candidate, "bcrt1")
        {
            Err("testnet address")
        } else {
            Err("not a bitcoin address")
        };
    }
    // The shortest address has a 2-byte program (14 characters); BIP-173 caps the length at 90.
    if !(14..=90).contains(&candidate.len()) {
        return Err("wrong length");
    }
    let has_lower = candidate.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = candidate.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return Err("mixed case");
    }
    let Ok(unchecked) = UncheckedHrpstring::new(candidate) else {
        return Err("invalid bech32 character");
    };
    if !unchecked.hrp().is_valid_on_mainnet() {
        // A later `1` moved the separator, so the prefix is not `bc` after all.
        return Err("invalid human-readable part");
    }
    let Some(version) = unchecked.witness_version() else {
        return Err("invalid witness version");
    };
    // BIP-350: witness v0 uses Bech32 and v1+ uses Bech32m; the other variant is only tried to explain a failure.
    let is_v0 = version == VERSION_0;
    let expected_ok = if is_v0 {
        unchecked.has_valid_checksum::<Bech32>()
    } else {
        unchecked.has_valid_checksum::<Bech32m>()
    };
    if !expected_ok {
        return Err(if is_v0 && unchecked.has_valid_checksum::<Bech32m>() {
            "bech32m checksum on witness v0"
        } else if !is_v0 && unchecked.has_valid_checksum::<Bech32>() {
            "bech32 checksum on witness v1+"
        } else {
            "bech32 checksum invalid"
        });
    }
    match SegwitHrpstring::new(candidate) {
        Ok(_) => Ok(candidate.to_ascii_lowercase()),
        Err(SegwitHrpstringError::Padding(_)) => Err("invalid padding"),
        Err(SegwitHrpstringError::WitnessLength(_) | SegwitHrpstringError::NoData) => {
            Err("invalid witness program length")
        }
        Err(SegwitHrpstringError::InvalidWitnessVersion(_)) => Err("invalid witness version"),
        Err(_) => Err("bech32 checksum invalid"),
    }
}

/// True when `s` starts with `prefix`, ignoring ASCII case.
fn has_prefix_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// True when every byte of `s` is in the base58 alphabet.
fn is_base58(s: &str) -> bool {
    s.bytes().all(|b| BASE58_ALPHABET.contains(&b))
}

/// Decodes a Base58Check string that must hold exactly 25 bytes and returns its version byte.
///
/// The checksum is the first 4 bytes of double SHA-256 over the other 21, checked by `bs58`.
fn base58check_version(candidate: &str) -> Result<u8, Reject> {
    let mut buf = [0u8; 25];
    match bs58::decode(candidate).with_check(None).onto(&mut buf) {
        // The 21 counted bytes are the version and a 20-byte hash; the 4 checksum bytes are not counted.
        Ok(21) => buf.first().copied().ok_or("wrong decoded length"),
        Err(bs58::decode::Error::InvalidChecksum { .. }) => Err("base58check checksum mismatch"),
        Err(
            bs58::decode::Error::InvalidCharacter { .. }
            | bs58::decode::Error::NonAsciiCharacter { .. },
        ) => Err("invalid base58 character"),
        Ok(_) | Err(_) => Err("wrong decoded length"),
    }
}

/// True when the letter case of `hex` matches EIP-55 for the Keccak-256 hash of `lower`.
fn matches_eip55(hex: &str, lower: &str) -> bool {
    let mut hash = [0u8; 32];
    let mut keccak = Keccak::v256();
    keccak.update(lower.as_bytes());
    keccak.finalize(&mut hash);
    let nibbles = hash.iter().flat_map(|byte| [byte >> 4, byte & 0x0f]);
    hex.bytes().zip(nibbles).all(|(c, nibble)| {
        if c.is_ascii_digit() { true } else { c.is_ascii_uppercase() == (nibble >= 8) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid mainnet segwit addresses from BIP-350 (the same v0 one is in BIP-173), with their normal form.
    const BIP350_VALID_MAINNET: &[(&str, &str)] = &[
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        ),
        ("BC1SW50QGDZ25J", "bc1sw50qgdz25j"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ),
    ];

    /// Valid testnet segwit addresses from BIP-173 and BIP-350, which `btc` rejects.
    const BIP_VALID_TESTNET: &[&str] = &[
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    ];

    /// BIP-173 valid v1+ addresses use the Bech32 checksum, which BIP-350 makes invalid.
    const BIP173_VALID_V1_PLUS: &[&str] = &[
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        "BC1SW50QA3JX3S",
        "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
    ];

    /// Invalid segwit addresses from BIP-173 and BIP-350, with the reason `btc` gives.
    const BIP_INVALID: &[(&str, Reject)] = &[
        // BIP-173.
        ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "not a bitcoin address"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bech32 checksum invalid"),
        ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "invalid witness version"),
        ("bc1rw5uspcuh", "wrong length"),
        // This v1 vector has a 41-byte program but also a Bech32 checksum, which is checked first.
        (
            "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
            "bech32 checksum on witness v1+",
        ),
        ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "invalid witness program length"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "testnet address"),
        // This v2 vector's padding is wrong, but its Bech32 checksum is checked first.
        ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "bech32 checksum on witness v1+"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", "testnet address"),
        ("bc1gmk9yu", "wrong length"),
        // BIP-350.
        ("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "not a bitcoin address"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            "bech32 checksum on witness v1+",
        ),
        ("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "testnet address"),
        (
            "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
            "bech32 checksum on witness v1+",
        ),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "bech32m checksum on witness v0"),
        ("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "testnet address"),
        (
            "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
            "invalid bech32 character",
        ),
        (
            "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
            "invalid witness version",
        ),
        ("bc1pw5dgrnzv", "wrong length"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
            "invalid witness program length",
        ),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "testnet address"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "invalid padding"),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "testnet address"),
    ];

    /// The four mixed-case addresses listed in EIP-55.
    const EIP55: &[&str] = &[
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    /// Flips the case of the first letter after the `0x` prefix.
    fn flip_first_letter(address: &str) -> String {
        let mut flipped = false;
        address
            .char_indices()
            .map(|(i, c)| {
                if i < 2 || flipped || !c.is_ascii_alphabetic() {
                    return c;
                }
                flipped = true;
                if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() }
            })
            .collect()
    }

    /// Base58Check-encodes a version byte and a 20-byte payload.
    fn base58check(version: u8, payload: [u8; 20]) -> String {
        let mut bytes = vec![version];
        bytes.extend_from_slice(&payload);
        bs58::encode(bytes).with_check().into_string()
    }

    #[test]
    fn bip350_mainnet_segwit_vectors_are_accepted_lower_cased() {
        for &(address, normal) in BIP350_VALID_MAINNET {
            assert_eq!(btc(address), Ok(normal.to_owned()), "{address}");
        }
    }

    #[test]
    fn testnet_segwit_vectors_are_rejected() {
        for &address in BIP_VALID_TESTNET {
            assert_eq!(btc(address), Err("testnet address"), "{address}");
        }
        assert_eq!(btc("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"), Err("testnet address"));
    }

    #[test]
    fn bech32_checksum_on_v1_plus_from_bip173_is_rejected() {
        for &address in BIP173_VALID_V1_PLUS {
            assert_eq!(btc(address), Err("bech32 checksum on witness v1+"), "{address}");
        }
    }

    #[test]
    fn bech32m_checksum_on_v0_is_rejected() {
        assert_eq!(
            btc("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"),
            Err("bech32m checksum on witness v0")
        );
    }

    #[test]
    fn bip173_and_bip350_invalid_vectors_are_rejected_with_reasons() {
        for &(address, reason) in BIP_INVALID {
            assert_eq!(btc(address), Err(reason), "{address}");
        }
    }

    #[test]
    fn mixed_case_segwit_is_rejected() {
        assert_eq!(btc("bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"), Err("mixed case"));
    }

    #[test]
    fn bip173_generic_bech32_strings_are_not_bitcoin_addresses() {
        for s in [
            "A12UEL5L",
            "a12uel5l",
            "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
            "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
            "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
            "?1ezyfcl",
            "pzry9x0s0muk",
            "1pzry9x0s0muk",
            "x1b4n0q5v",
            "li1dgmt3",
            "A1G7SGD8",
            "10a06t8",
            "1qzzfhee",
        ] {
            assert!(btc(s).is_err(), "{s}");
        }
    }

    #[test]
    fn real_segwit_addresses_are_checked() {
        assert_eq!(
            btc("bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74"),
            Ok("bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74".to_owned())
        );
        for address in [
            "bc1q3t8l6as4zvezmxl925kxq3d3a5e5xpegapttgm",
            "bc1qxzjjfwcc2cdwez86mu2pw80rw0wqsvm8exrvc6",
        ] {
            assert_eq!(btc(address), Err("bech32 checksum invalid"), "{address}");
        }
    }

    #[test]
    fn genesis_address_is_accepted_as_written() {
        let genesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
        assert_eq!(btc(genesis), Ok(genesis.to_owned()));
    }

    #[test]
    fn genesis_address_with_one_character_changed_fails_the_checksum() {
        assert_eq!(btc("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), Err("base58check checksum mismatch"));
        assert_eq!(btc("1A1zP1eP5QGefi2DMPTfTL5SLmv7DjvfNa"), Err("base58check checksum mismatch"));
    }

    #[test]
    fn legacy_p2pkh_and_p2sh_addresses_are_accepted() {
        for address in [
            "1LUJNo6b33zkeVQ4b7cnxw82YPSkFUefjF",
            "36Ap4f5KGAVbd9PPijCDozk41kkYKDsm4b",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        ] {
            assert_eq!(btc(address), Ok(address.to_owned()), "{address}");
        }
    }

    #[test]
    fn legacy_addresses_with_bad_checksums_are_rejected() {
        for address in ["1PGiaSJFhkeJLo9HKitf7ZLQDX4W8T7WXP", "133hVgpPiZ9y4BUVBfVEG2WAbcfDmehpN3"]
        {
            assert_eq!(btc(address), Err("base58check checksum mismatch"), "{address}");
        }
    }

    #[test]
    fn legacy_testnet_versions_are_rejected() {
        let p2pkh = base58check(0x6f, [7; 20]);
        let p2sh = base58check(0xc4, [7; 20]);
        assert!(p2pkh.starts_with('m') || p2pkh.starts_with('n'), "{p2pkh}");
        assert!(p2sh.starts_with('2'), "{p2sh}");
        assert_eq!(btc(&p2pkh), Err("testnet address"));
        assert_eq!(btc(&p2sh), Err("testnet address"));
    }

    #[test]
    fn legacy_address_with_other_version_byte_is_rejected() {
        let address = base58check(0x06, [0xff; 20]);
        assert!(address.starts_with('3'), "{address}");
        assert_eq!(btc(&address), Err("wrong version byte"));
    }

    #[test]
    fn legacy_address_with_wrong_decoded_length_is_rejected() {
        let mut payload = vec![0u8];
        payload.extend_from_slice(&[0xff; 19]);
        let short = bs58::encode(payload).with_check().into_string();
        assert!(short.starts_with('1'), "{short}");
        assert_eq!(btc(&short), Err("wrong decoded length"));
    }

    #[test]
    fn legacy_address_with_non_base58_character_is_rejected() {
        assert_eq!(btc("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na"), Err("invalid base58 character"));
    }

    #[test]
    fn eip55_addresses_are_accepted_lower_cased() {
        for &address in EIP55 {
            assert_eq!(eth(address), Ok(address.to_ascii_lowercase()), "{address}");
        }
        assert_eq!(
            eth("0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5"),
            Ok("0xeedb3483e3b36b2cf395344d0fd05a88277fe8c5".to_owned())
        );
    }

    #[test]
    fn eip55_addresses_with_one_letter_case_flipped_are_rejected() {
        for &address in EIP55 {
            let flipped = flip_first_letter(address);
            assert_ne!(flipped, address);
            assert_eq!(eth(&flipped), Err("eip-55 checksum mismatch"), "{flipped}");
        }
    }

    #[test]
    fn mixed_case_eth_addresses_with_wrong_checksum_are_rejected() {
        for address in [
            "0x11b6532b00aBac0fA316C2CA25ea370a6E64BC53",
            "0x92Dbc23E656b350a6E641Cf5692DDB2C9c12e9C9",
        ] {
            assert_eq!(eth(address), Err("eip-55 checksum mismatch"), "{address}");
        }
    }

    #[test]
    fn single_case_eth_addresses_need_no_checksum() {
        let lower = "0x11b6532b00abac0fa316c2ca25ea370a6e64bc53";
        assert_eq!(eth(lower), Ok(lower.to_owned()));
        assert_eq!(eth("0x11B6532B00ABAC0FA316C2CA25EA370A6E64BC53"), Ok(lower.to_owned()));
    }

    #[test]
    fn upper_case_eth_prefix_is_normalised() {
        assert_eq!(
            eth("0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Ok("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".to_owned())
        );
    }

    #[test]
    fn malformed_eth_candidates_are_rejected() {
        assert_eq!(eth("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), Err("missing 0x prefix"));
        assert_eq!(eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"), Err("wrong length"));
        assert_eq!(eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedaa"), Err("wrong length"));
        assert_eq!(eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"), Err("invalid hex character"));
    }

    #[test]
    fn tron_addresses_are_accepted_as_written() {
        for address in ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"]
        {
            assert_eq!(tron(address), Ok(address.to_owned()), "{address}");
        }
    }

    #[test]
    fn tron_addresses_with_bad_checksums_are_rejected() {
        for address in [
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
            "TQ214deAvySKMr8BStahbWUbjFjp6ssguB",
            "TTe45rNSSLsViPxSBgjmrQAJYCwARLCRsD",
        ] {
            assert_eq!(tron(address), Err("base58check checksum mismatch"), "{address}");
        }
    }

    #[test]
    fn tron_address_with_other_version_byte_is_rejected() {
        let address = base58check(0x42, [0; 20]);
        assert!(address.starts_with('T') && address.len() == 34, "{address}");
        assert_eq!(tron(&address), Err("wrong version byte"));
    }

    #[test]
    fn tron_candidates_of_wrong_shape_are_rejected() {
        assert_eq!(tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6"), Err("wrong length"));
        assert_eq!(tron("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), Err("not a tron address"));
        assert_eq!(tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60"), Err("invalid base58 character"));
    }

    #[test]
    fn wallets_of_one_chain_are_not_accepted_as_another() {
        assert!(btc("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").is_err());
        assert!(btc("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_err());
        assert!(tron("36Ap4f5KGAVbd9PPijCDozk41kkYKDsm4b").is_err());
        assert!(eth("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").is_err());
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let fixed = [
            "",
            "1",
            "3",
            "T",
            "b",
            "bc1",
            "BC1",
            "tb1",
            "0x",
            "0X",
            "bc1\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            "T\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}a",
            "0x\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}\u{4e2d}\u{6587}ab",
            "11111111111111111111111111111111111",
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        ];
        for s in fixed {
            let _ = (btc(s), eth(s), tron(s));
        }
        let alphabet: Vec<char> = "13bcTtqpxz0Xx9aAzZ\u{e9}\u{4e2d}".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = usize::try_from(state % 100).unwrap_or(0);
            let s: String = (0..len)
                .map(|i| {
                    let pick = (state >> (i % 50)) as usize + i;
                    alphabet[pick % alphabet.len()]
                })
                .collect();
            let _ = (btc(&s), eth(&s), tron(&s));
        }
    }
}
