//! A bounded record of an output stream: its first and last bytes, whatever its length.

use std::collections::VecDeque;

use crate::model::Excerpt;

/// Collects a stream into a head of `limit` bytes and a tail of at most `limit` bytes.
#[derive(Debug)]
pub struct ExcerptBuf {
    limit: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl ExcerptBuf {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.head.len() < self.limit {
            let take = bytes.len().min(self.limit - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        if bytes.len() >= self.limit {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.limit..]);
            return;
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.limit);
        self.tail.drain(..overflow);
        self.tail.extend(bytes);
    }

    /// Counts `n` bytes between head and tail that were never read (a file's middle).
    pub fn skip(&mut self, n: u64) {
        self.total += n;
    }

    pub fn finish(self) -> Excerpt {
        let tail: Vec<u8> = self.tail.into();
        // The tail may start inside a UTF-8 sequence: skip continuation bytes.
        let start = tail
            .iter()
            .take(3)
            .take_while(|b| (**b & 0xC0) == 0x80)
            .count();
        Excerpt {
            head: String::from_utf8_lossy(&self.head).into_owned(),
            tail: String::from_utf8_lossy(&tail[start..]).into_owned(),
            total_bytes: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_streams_are_kept_whole() {
        let mut b = ExcerptBuf::new(8);
        b.push(b"hello");
        let e = b.finish();
        assert_eq!(
            (e.head.as_str(), e.tail.as_str(), e.total_bytes),
            ("hello", "", 5)
        );
        assert_eq!(e.text(), "hello");
        assert!(!e.truncated());
    }

    #[test]
    fn long_streams_keep_head_and_tail_in_any_chunking() {
        let data: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for chunk in [1, 3, 7, 8, 9, 100, 10_000] {
            let mut b = ExcerptBuf::new(8);
            for c in data.chunks(chunk) {
                b.push(c);
            }
            let e = b.finish();
            assert_eq!(e.head.as_bytes(), &data[..8], "chunk {chunk}");
            assert_eq!(e.tail.as_bytes(), &data[data.len() - 8..], "chunk {chunk}");
            assert_eq!(e.total_bytes, 10_000);
            assert!(e.truncated());
            assert!(e.text().contains("[... 9984 bytes left out ...]"));
        }
    }

    #[test]
    fn binary_and_split_utf8_never_panic() {
        let mut b = ExcerptBuf::new(4);
        b.push(&[0xff, 0xfe, 0x00, 0x80]);
        b.push("ééééé".as_bytes());
        let e = b.finish();
        assert!(e.head.contains('\u{FFFD}'));
        assert!(e.tail.ends_with('é'));
    }
}
