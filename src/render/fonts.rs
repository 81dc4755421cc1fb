//! Fonts embedded in the binary, parsed once and shared.

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};

/// Noto Serif/Sans: full Kazakh Cyrillic and ₸ (see fonts/README.md).
const EMBEDDED: &[&[u8]] = &[
    include_bytes!("../../fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../../fonts/NotoSerif-Bold.ttf"),
    include_bytes!("../../fonts/NotoSerif-Italic.ttf"),
    include_bytes!("../../fonts/NotoSerif-BoldItalic.ttf"),
    include_bytes!("../../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../fonts/NotoSans-Bold.ttf"),
];

pub struct Fonts {
    pub book: FontBook,
    pub fonts: Vec<Font>,
    /// SHA-256 of every font file, recorded with each issued document.
    pub hashes: Vec<String>,
}

impl Fonts {
    pub fn embedded() -> Fonts {
        let mut fonts = Vec::new();
        let mut hashes = Vec::new();
        for data in EMBEDDED {
            hashes.push(crate::hex_sha256(data));
            fonts.extend(Font::iter(Bytes::new(*data)));
        }
        let book = FontBook::from_fonts(&fonts);
        Fonts {
            book,
            fonts,
            hashes,
        }
    }
}
