//! Container formats an input may come in, read and written record by
//! record: JSON Lines, WARC, compressed streams, and the sniffing that
//! tells them apart. Each takes the cleaning as a closure and imports no
//! cleanup or conversion stage.

pub mod compress;
pub mod jsonl;
pub mod sniff;
pub mod warc;

/// `s` as a JSON string literal: quotes, backslashes and control
/// characters escaped, everything else (Chinese included) as itself. The
/// one writer of JSON strings, for records and reports alike.
pub fn json_string(s: &str) -> String {
    // Serializing a string cannot fail: there is no map key or I/O to go
    // wrong.
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_strings_escape_only_what_json_requires() {
        assert_eq!(
            super::json_string("中\"\\\n\u{1}\u{8}\u{c}\u{1f}\u{7f}文"),
            "\"中\\\"\\\\\\n\\u0001\\b\\f\\u001f\u{7f}文\""
        );
    }
}
