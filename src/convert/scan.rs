//! Vectorised search for the byte pairs that can begin a key.
//!
//! Normalisation stages (CJK compatibility ideographs) rarely change
//! anything, but a scan character by character still costs as much as the
//! conversion proper. Their keys all begin with a few (lead byte, second
//! byte range) pairs -- U+F900..U+FAFF is EF A4..AB, U+2F800..U+2FA1F is
//! F0 AF -- so sixteen positions at a time can be ruled out at once.

/// A lead byte and the inclusive range of second bytes that follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PairRange {
    pub lead: u8,
    pub lo: u8,
    pub hi: u8,
}

impl PairRange {
    #[inline(always)]
    fn hit(&self, first: u8, second: u8) -> bool {
        first == self.lead && (self.lo..=self.hi).contains(&second)
    }
}

/// Calls `found` with every position `i` where `b[i]` and `b[i + 1]` match
/// one of `pairs`, in increasing order, until `found` returns true; returns
/// whether it did.
pub(crate) fn any_pair(
    b: &[u8],
    pairs: &[PairRange],
    mut found: impl FnMut(usize) -> bool,
) -> bool {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        if pairs.len() <= 3 {
            let (stopped, next) = if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 was just detected; `avx2_blocks` only reads
                // whole 33-byte windows inside `b`.
                unsafe { avx2_blocks(b, pairs, &mut found) }
            } else {
                // SAFETY: SSE2 is part of the x86_64 baseline; `simd_blocks`
                // only reads whole 17-byte windows inside `b`.
                unsafe { simd_blocks(b, pairs, &mut found) }
            };
            if stopped {
                return true;
            }
            i = next;
        }
    }
    while i + 1 < b.len() {
        if pairs.iter().any(|p| p.hit(b[i], b[i + 1])) && found(i) {
            return true;
        }
        i += 1;
    }
    false
}

/// Scans 16 positions at a time while 17 bytes remain; returns whether
/// `found` stopped the search, and where the scalar tail must resume.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn simd_blocks(
    b: &[u8],
    pairs: &[PairRange],
    found: &mut impl FnMut(usize) -> bool,
) -> (bool, usize) {
    use std::arch::x86_64::*;
    let mut consts = [(
        _mm_setzero_si128(),
        _mm_setzero_si128(),
        _mm_setzero_si128(),
    ); 3];
    for (c, p) in consts.iter_mut().zip(pairs) {
        *c = (
            _mm_set1_epi8(p.lead as i8),
            _mm_set1_epi8(p.lo as i8),
            _mm_set1_epi8(p.hi as i8),
        );
    }
    let n = pairs.len();
    let mut i = 0;
    while i + 17 <= b.len() {
        let first = _mm_loadu_si128(b.as_ptr().add(i).cast());
        let second = _mm_loadu_si128(b.as_ptr().add(i + 1).cast());
        let mut any = _mm_setzero_si128();
        for (lead, lo, hi) in &consts[..n] {
            let lead_ok = _mm_cmpeq_epi8(first, *lead);
            // Unsigned range test: lo <= x <= hi iff max(x, lo) == x and min(x, hi) == x.
            let ge = _mm_cmpeq_epi8(_mm_max_epu8(second, *lo), second);
            let le = _mm_cmpeq_epi8(_mm_min_epu8(second, *hi), second);
            any = _mm_or_si128(any, _mm_and_si128(lead_ok, _mm_and_si128(ge, le)));
        }
        let mut mask = _mm_movemask_epi8(any) as u32;
        while mask != 0 {
            let bit = mask.trailing_zeros() as usize;
            if found(i + bit) {
                return (true, i + bit);
            }
            mask &= mask - 1;
        }
        i += 16;
    }
    (false, i)
}

/// [`simd_blocks`] 32 positions at a time, while 33 bytes remain. On a
/// whole document this scan is a tenth of the conversion's time when the
/// text is already in the target script.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_blocks(
    b: &[u8],
    pairs: &[PairRange],
    found: &mut impl FnMut(usize) -> bool,
) -> (bool, usize) {
    use std::arch::x86_64::*;
    let mut consts = [(
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
    ); 3];
    for (c, p) in consts.iter_mut().zip(pairs) {
        *c = (
            _mm256_set1_epi8(p.lead as i8),
            _mm256_set1_epi8(p.lo as i8),
            _mm256_set1_epi8(p.hi as i8),
        );
    }
    let n = pairs.len();
    let mut i = 0;
    while i + 33 <= b.len() {
        let first = _mm256_loadu_si256(b.as_ptr().add(i).cast());
        let second = _mm256_loadu_si256(b.as_ptr().add(i + 1).cast());
        let mut any = _mm256_setzero_si256();
        for (lead, lo, hi) in &consts[..n] {
            let lead_ok = _mm256_cmpeq_epi8(first, *lead);
            // Unsigned range test, as in `simd_blocks`.
            let ge = _mm256_cmpeq_epi8(_mm256_max_epu8(second, *lo), second);
            let le = _mm256_cmpeq_epi8(_mm256_min_epu8(second, *hi), second);
            any = _mm256_or_si256(any, _mm256_and_si256(lead_ok, _mm256_and_si256(ge, le)));
        }
        let mut mask = _mm256_movemask_epi8(any) as u32;
        while mask != 0 {
            let bit = mask.trailing_zeros() as usize;
            if found(i + bit) {
                return (true, i + bit);
            }
            mask &= mask - 1;
        }
        i += 32;
    }
    (false, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(b: &[u8], pairs: &[PairRange]) -> Vec<usize> {
        (0..b.len().saturating_sub(1))
            .filter(|&i| pairs.iter().any(|p| p.hit(b[i], b[i + 1])))
            .collect()
    }

    #[test]
    fn finds_the_same_positions_as_a_plain_scan() {
        let pairs = [
            PairRange {
                lead: 0xEF,
                lo: 0xA4,
                hi: 0xAB,
            },
            PairRange {
                lead: 0xF0,
                lo: 0xAF,
                hi: 0xAF,
            },
        ];
        // Compatibility ideographs at every offset modulo 16, among
        // full-width punctuation that shares the EF lead byte.
        let mut text = String::new();
        for k in 0..40 {
            text.push_str(&"，".repeat(k % 7));
            text.push('\u{F900}');
            text.push_str(&"a".repeat(k % 5));
            text.push('\u{2F800}');
            text.push('\u{FAFF}');
            text.push('\u{FB00}');
        }
        let b = text.as_bytes();
        let want = naive(b, &pairs);
        assert!(!want.is_empty());
        for start in 0..20 {
            let mut got = Vec::new();
            any_pair(&b[start..], &pairs, |i| {
                got.push(i + start);
                false
            });
            let want: Vec<usize> = want
                .iter()
                .copied()
                .filter(|&i| i >= start && i + 1 < b.len())
                .collect();
            assert_eq!(got, want, "start {start}");
        }
        // Each vector path on its own (any_pair picks one per machine),
        // up to where it hands over to the scalar tail.
        #[cfg(target_arch = "x86_64")]
        {
            type Blocks =
                unsafe fn(&[u8], &[PairRange], &mut dyn FnMut(usize) -> bool) -> (bool, usize);
            let sse2: Blocks = |b, p, f| unsafe { simd_blocks(b, p, &mut |i| f(i)) };
            let avx2: Blocks = |b, p, f| unsafe { avx2_blocks(b, p, &mut |i| f(i)) };
            let mut paths = vec![sse2];
            if std::arch::is_x86_feature_detected!("avx2") {
                paths.push(avx2);
            }
            for path in paths {
                for start in 0..40 {
                    let mut got = Vec::new();
                    // SAFETY: the features were checked above.
                    let (stopped, next) = unsafe {
                        path(&b[start..], &pairs, &mut |i| {
                            got.push(i + start);
                            false
                        })
                    };
                    assert!(!stopped && next + 40 > b.len() - start);
                    let want: Vec<usize> = want
                        .iter()
                        .copied()
                        .filter(|&i| i >= start && i < start + next)
                        .collect();
                    assert_eq!(got, want, "start {start}");
                }
            }
        }
        let mut first = None;
        assert!(any_pair(b, &pairs, |i| {
            first = Some(i);
            true
        }));
        assert_eq!(first, want.first().copied());
    }
}
