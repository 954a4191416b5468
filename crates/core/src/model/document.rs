//! The document: its exact text, a title, a stable id and its paragraph layout.
//!
//! Invariant: the text is never changed, trimmed or normalised. Offsets everywhere
//! refer to this exact text, so styling (paragraphs, headings, the dateline) is
//! described as ranges over it, never by editing it.

use super::offsets::{cp_len, IndexedText};

/// The text being annotated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    id: String,
    title: String,
    text: IndexedText,
}

/// How a block of the article is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// A body paragraph.
    Paragraph,
    /// A short line without closing punctuation, shown as a subheading.
    Heading,
}

/// A block of the article: a range of code points shown as one paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// First code point of the block.
    pub start: usize,
    /// One past the last code point of the block.
    pub end: usize,
    /// How it is shown.
    pub kind: BlockKind,
    /// If the block opens with a dateline (`date 2024-03-26`), the code point where it ends.
    pub dateline_end: Option<usize>,
}

impl Document {
    /// A document over `text`. The id is a hash of the text, so the same text always
    /// gets the same id, whatever its title.
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Document {
        let text = text.into();
        let id = content_id(&text);
        Document { id, title: title.into(), text: IndexedText::new(text) }
    }

    /// A document whose title is taken from its first sentence.
    pub fn from_text(text: impl Into<String>) -> Document {
        let text = text.into();
        let title = derive_title(&text);
        Document::new(title, text)
    }

    /// The stable content id (16 hex digits of a 64-bit FNV-1a hash of the UTF-8 text).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The exact text.
    pub fn text(&self) -> &IndexedText {
        &self.text
    }

    /// The text length in code points.
    pub fn len_cp(&self) -> usize {
        self.text.len_cp()
    }

    /// A file-name-safe slug of the title: lowercase ASCII letters and digits joined
    /// by `-`, at most 60 characters; `document` if nothing is left.
    pub fn slug(&self) -> String {
        slugify(&self.title)
    }

    /// The blocks to show, in order. Blocks are separated by blank lines; the
    /// separators belong to no block. Runs in O(n).
    pub fn blocks(&self) -> Vec<Block> {
        blocks(self.text.as_str())
    }
}

/// 64-bit FNV-1a over the UTF-8 bytes, as 16 lowercase hex digits.
pub fn content_id(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if slug.len() >= 60 {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { "document".to_owned() } else { slug }
}

/// The dateline at the start of `text`: optional whitespace, `date`, a space and
/// `YYYY-MM-DD`. Returns the code point offset just after the date.
fn dateline_end(text: &str) -> Option<usize> {
    let lead = text.len() - text.trim_start().len();
    let rest = &text[lead..];
    let date = rest.strip_prefix("date ")?;
    let d = date.as_bytes();
    let shape = d.len() >= 10
        && d[..10].iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    shape.then(|| cp_len(&text[..lead]) + "date ".len() + 10)
}

fn derive_title(text: &str) -> String {
    let body_start = dateline_end(text).unwrap_or(0);
    let body: String = text.chars().skip(body_start).collect();
    let first_line = body.trim().lines().next().unwrap_or("");
    let sentence = first_line.split_inclusive(". ").next().unwrap_or("").trim().trim_end_matches('.');
    let mut title = String::new();
    for word in sentence.split_whitespace() {
        if !title.is_empty() && title.chars().count() + word.chars().count() > 70 {
            title.push('…');
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    if title.is_empty() { "Untitled document".to_owned() } else { title }
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    // A block from (code point, byte) `from` to `to`, unless it is only whitespace.
    let push = |out: &mut Vec<Block>, (s, sb): (usize, usize), (e, eb): (usize, usize)| {
        let body = &text[sb..eb];
        if s < e && body.chars().any(|c| !c.is_whitespace()) {
            let kind = heading_like(body);
            let dateline = if out.is_empty() { dateline_end(body).map(|d| s + d) } else { None };
            out.push(Block { start: s, end: e, kind, dateline_end: dateline });
        }
    };
    // Split on runs of whitespace that hold a blank line (two newlines); a single
    // newline stays inside its block (shown as a line break). One pass, no copies:
    // newlines are found as bytes (`str::find`, a word-at-a-time search) and the code
    // points between them counted by `chars().count()` (the same), so the text is not
    // decoded a character at a time except in the whitespace after a newline. In the
    // browser that matters: the pass runs once per opened document, unoptimised.
    let mut start = (0, 0);
    // `cp` is the code point offset of byte `byte`; the text before it is scanned.
    let (mut cp, mut byte) = (0, 0);
    while let Some(at) = text[byte..].find('\n') {
        let newline = (cp + text[byte..byte + at].chars().count(), byte + at);
        let (mut newlines, mut run_end, mut run_cp) = (1, newline.1 + 1, newline.0 + 1);
        for c in text[run_end..].chars() {
            if !c.is_whitespace() {
                break;
            }
            newlines += usize::from(c == '\n');
            run_end += c.len_utf8();
            run_cp += 1;
        }
        if newlines >= 2 {
            push(&mut out, start, newline);
            start = (run_cp, run_end);
        }
        (cp, byte) = (run_cp, run_end);
    }
    cp += text[byte..].chars().count();
    push(&mut out, start, (cp, text.len()));
    out
}

fn heading_like(body: &str) -> BlockKind {
    let t = body.trim();
    let short = t.chars().count() <= 80 && !t.contains('\n');
    let closed = t.ends_with(['.', '!', '?', '"', '”', '…', ':', ';', ',', '»', '\'']);
    if short && !closed && t.split_whitespace().count() >= 2 {
        BlockKind::Heading
    } else {
        BlockKind::Paragraph
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first implementation of [`blocks`] (a copy of the text as chars), kept as
    /// the reference for the one-pass version.
    fn blocks_reference(text: &str) -> Vec<Block> {
        let mut out = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        let mut i = 0;
        let push = |out: &mut Vec<Block>, s: usize, e: usize| {
            if s < e && chars[s..e].iter().any(|c| !c.is_whitespace()) {
                let body: String = chars[s..e].iter().collect();
                let kind = heading_like(&body);
                let dateline = if out.is_empty() { dateline_end(&body).map(|d| s + d) } else { None };
                out.push(Block { start: s, end: e, kind, dateline_end: dateline });
            }
        };
        while i < chars.len() {
            if chars[i] == '\n' {
                let mut j = i;
                let mut newlines = 0;
                while j < chars.len() && chars[j].is_whitespace() {
                    newlines += usize::from(chars[j] == '\n');
                    j += 1;
                }
                if newlines >= 2 {
                    push(&mut out, start, i);
                    start = j;
                }
                i = j.max(i + 1);
            } else {
                i += 1;
            }
        }
        push(&mut out, start, chars.len());
        out
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::{blocks, blocks_reference};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn blocks_match_the_reference(text in "( |\n|\t|\u{3000}|date 2024-03-26|a|Bé|😀|\u{301}|[.]|Title Case)*") {
                prop_assert_eq!(blocks(&text), blocks_reference(&text));
            }
        }
    }

    #[test]
    fn blocks_of_the_seed_match_the_reference() {
        assert_eq!(blocks(SEED), blocks_reference(SEED));
    }

    const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

    #[test]
    fn seed_title_slug_and_id_are_stable() {
        let doc = Document::from_text(SEED);
        assert!(doc.title().starts_with("Israeli Prime Minister Benjamin Netanyahu abruptly canceled"), "{}", doc.title());
        assert!(doc.slug().starts_with("israeli-prime-minister-benjamin-netanyahu"));
        assert!(doc.slug().len() <= 60);
        assert_eq!(doc.id(), content_id(SEED));
        assert_eq!(doc.id().len(), 16);
        assert_ne!(content_id("a"), content_id("b"));
        assert_eq!(doc.text().as_str(), SEED, "the text is kept byte for byte");
    }

    #[test]
    fn content_id_is_fnv1a_64() {
        // Published FNV-1a 64 test vectors, then a long text with emoji, CJK and a
        // combining mark against the definition.
        assert_eq!(content_id(""), "cbf29ce484222325");
        assert_eq!(content_id("a"), "af63dc4c8601ec8c");
        assert_eq!(content_id("foobar"), "85944171f73967e8");
        let long: String = SEED.repeat(30) + "👍🏽 北京 e\u{301}";
        let reference = long.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        assert!(long.len() > 3 * (1 << 14));
        assert_eq!(content_id(&long), format!("{reference:016x}"));
    }

    #[test]
    fn seed_blocks_cover_paragraphs_headings_and_dateline() {
        let doc = Document::from_text(SEED);
        let blocks = doc.blocks();
        let shown: Vec<String> = blocks.iter().map(|b| doc.text().slice(b.start, b.end).unwrap().to_owned()).collect();
        assert_eq!(blocks.len(), 7, "{shown:#?}");
        assert_eq!(blocks[1].kind, BlockKind::Heading);
        assert_eq!(shown[1], "Unexpected Move Shocks Washington");
        assert_eq!(blocks[0].kind, BlockKind::Paragraph);
        let d = blocks[0].dateline_end.unwrap();
        assert_eq!(doc.text().slice(0, d).unwrap(), " date 2024-03-26");
        assert!(blocks[1..].iter().all(|b| b.dateline_end.is_none()));
        // Everything but the blank-line separators is inside a block.
        let mut covered = 0;
        for b in &blocks {
            covered += b.end - b.start;
        }
        let separators = SEED.matches("\n\n").count() * 2;
        assert_eq!(covered + separators, doc.len_cp());
    }

    #[test]
    fn single_newlines_stay_inside_a_block_and_empty_text_has_none() {
        assert_eq!(blocks("one\ntwo").len(), 1);
        assert_eq!(blocks("one\n \ntwo").len(), 2);
        assert!(blocks("").is_empty());
        assert!(blocks("\n\n\n").is_empty());
        assert_eq!(slugify("¿Qué? ¡Sí!"), "qu-s");
        assert_eq!(slugify("日本"), "document");
    }
}
