//! A half-open span of code points, `[start, end)`.
//!
//! Invariant: `start < end`. Both are Unicode scalar value (code point) offsets into
//! the document text; the interval [5, 7) is the set {5, 6}. The fields are private
//! and [`Span::new`] is the only constructor, so an empty or reversed span cannot exist.

use std::fmt;

/// A non-empty, half-open range of code points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    start: usize,
    end: usize,
}

/// Why a pair of offsets is not a span of a given text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanError {
    /// `start >= end`.
    Empty {
        /// The start offset given.
        start: usize,
        /// The end offset given.
        end: usize,
    },
    /// `end` is past the end of the text.
    PastEnd {
        /// The end offset given.
        end: usize,
        /// The text length in code points.
        len: usize,
    },
}

impl fmt::Display for SpanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpanError::Empty { start, end } => {
                write!(f, "start {start} is not before end {end}")
            }
            SpanError::PastEnd { end, len } => {
                write!(f, "end {end} is past the end of the text ({len} code points)")
            }
        }
    }
}

impl Span {
    /// The span `[start, end)` of a text `len` code points long.
    ///
    /// # Errors
    /// [`SpanError::Empty`] if `start >= end`, [`SpanError::PastEnd`] if `end > len`.
    pub fn new(start: usize, end: usize, len: usize) -> Result<Span, SpanError> {
        if start >= end {
            return Err(SpanError::Empty { start, end });
        }
        if end > len {
            return Err(SpanError::PastEnd { end, len });
        }
        Ok(Span { start, end })
    }

    /// The first code point in the span.
    pub fn start(self) -> usize {
        self.start
    }

    /// One past the last code point in the span.
    pub fn end(self) -> usize {
        self.end
    }

    /// The number of code points covered.
    pub fn len_cp(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers code point `cp`.
    pub fn contains(self, cp: usize) -> bool {
        self.start <= cp && cp < self.end
    }

    /// Whether the two spans share at least one code point.
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_refuses_empty_reversed_and_past_end() {
        assert_eq!(Span::new(3, 3, 10), Err(SpanError::Empty { start: 3, end: 3 }));
        assert_eq!(Span::new(4, 3, 10), Err(SpanError::Empty { start: 4, end: 3 }));
        assert_eq!(Span::new(0, 11, 10), Err(SpanError::PastEnd { end: 11, len: 10 }));
        let s = Span::new(0, 10, 10).unwrap();
        assert_eq!((s.start(), s.end(), s.len_cp()), (0, 10, 10));
    }

    #[test]
    fn overlap_is_half_open() {
        let a = Span::new(0, 5, 10).unwrap();
        let b = Span::new(5, 7, 10).unwrap();
        let c = Span::new(4, 6, 10).unwrap();
        assert!(!a.overlaps(b));
        assert!(a.overlaps(c) && c.overlaps(b));
        assert!(a.contains(4) && !a.contains(5));
    }
}
