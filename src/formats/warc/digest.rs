//! `sha1:` digests in base32, the form WARC writers use for
//! `WARC-Block-Digest` and `WARC-Payload-Digest`.

use sha1::{Digest, Sha1};

/// RFC 4648 base32 alphabet (upper case, as WARC writers emit it).
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 with `=` padding. A SHA-1 (20 bytes, 160 bits) encodes to
/// exactly 32 characters, so digests never carry padding, but the function is
/// complete for any length.
pub(super) fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for group in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..group.len()].copy_from_slice(group);
        let bits = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Characters that carry at least one input bit; the rest is padding.
        let chars = (group.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                let idx = (bits >> (35 - 5 * i)) & 31;
                out.push(char::from(ALPHABET[idx as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha1:` followed by the base32 SHA-1 of `bytes`.
pub(super) fn sha1_label(bytes: &[u8]) -> String {
    let hash = Sha1::digest(bytes);
    format!("sha1:{}", base32(&hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        // The test vectors of RFC 4648, section 10.
        let cases = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base32(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn empty_sha1() {
        // sha1("") = da39a3ee...; base32 from Python's base64.b32encode.
        assert_eq!(sha1_label(b""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
    }
}
