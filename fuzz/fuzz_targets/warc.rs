//! WARC processing on arbitrary bytes: no panic, and when the input parses,
//! the output parses too and a second run over it changes nothing.
//!
//! The transform is the identity on UTF-8 and fails on anything else, so
//! both the rewrite and the failed-record path are taken. A fifth of the
//! runs use a tiny record size limit to exercise the streaming path. On
//! success the statistics must add up: every record counted once, every
//! input byte read, every output byte accounted for.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhnorm::formats::warc::{
    process_with_limit, TextPayload, Transform, WarcOutput, MAX_RECORD_BYTES,
};

fn identity(p: &TextPayload<'_>) -> Result<String, String> {
    String::from_utf8(p.bytes.to_vec()).map_err(|e| e.to_string())
}

fn run(input: &[u8], mode: WarcOutput, limit: u64) -> Option<Vec<u8>> {
    let mut t: Transform<'_> = Box::new(identity);
    let mut out = Vec::new();
    let stats = process_with_limit(&mut &input[..], &mut out, mode, &mut t, limit).ok()?;
    assert_eq!(stats.records, stats.rewritten + stats.copied + stats.failed);
    assert_eq!(stats.bytes_in, input.len() as u64);
    assert_eq!(stats.bytes_out, out.len() as u64);
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let limit = if data.len() % 5 == 0 {
        16
    } else {
        MAX_RECORD_BYTES
    };
    if let Some(once) = run(data, WarcOutput::Warc, limit) {
        let twice =
            run(&once, WarcOutput::Warc, limit).expect("the output of a successful run parses");
        assert!(once == twice, "a second run changed the output");
        let lines = run(data, WarcOutput::Jsonl, limit)
            .expect("JSON Lines mode parses what WARC mode parses");
        assert!(std::str::from_utf8(&lines).is_ok());
    }
});
