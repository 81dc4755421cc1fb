//! QR codes and barcodes as SVG, generated in Rust and handed to Typst as images.

use std::fmt::Write as _;

use super::RenderError;

/// A QR code (error correction M) for `text`, as SVG.
pub fn qr_svg(text: &str) -> Result<Vec<u8>, RenderError> {
    let qr = qr_modules(text)?;
    // One path with a rectangle per horizontal run of dark modules: a third of the
    // per-module path the generic renderer writes, and Typst parses every SVG it embeds.
    const QUIET: usize = 4;
    let width = qr.width;
    let size = width + 2 * QUIET;
    let mut svg = String::with_capacity(256 + 16 * width * width / 4);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         width=\"200\" height=\"200\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
    );
    for (y, row) in qr.dark.chunks(width.max(1)).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row[x] {
                let start = x;
                while x < row.len() && row[x] {
                    x += 1;
                }
                let len = x - start;
                let _ = write!(svg, "M{} {}h{len}v1h-{len}z", start + QUIET, y + QUIET);
            } else {
                x += 1;
            }
        }
    }
    svg.push_str("\"/></svg>");
    Ok(svg.into_bytes())
}

/// The modules of a QR code, row by row (true = dark), without quiet zone.
struct QrModules {
    width: usize,
    dark: Vec<bool>,
}

/// Encodes `text` as `qrcode::QrCode` does (error correction M, the mask with the lowest
/// penalty, the first of equals), but scores the eight masks on a plain grid: the crate's
/// scoring allocates a closure per module and took as long as the rest of the QR code.
fn qr_modules(text: &str) -> Result<QrModules, RenderError> {
    use qrcode::canvas::{Canvas, MaskPattern};
    use qrcode::types::Color;
    const MASKS: [MaskPattern; 8] = [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ];
    let err = |e: qrcode::types::QrError| RenderError::Code(format!("QR code: {e}"));
    let ec_level = qrcode::EcLevel::M;
    let bits = qrcode::bits::encode_auto(text.as_bytes(), ec_level).map_err(err)?;
    let version = bits.version();
    let (data, ec) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, ec_level).map_err(err)?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).unwrap_or(0);
    let mut best: Option<(u32, Vec<bool>)> = None;
    for mask in MASKS {
        let mut c = canvas.clone();
        c.apply_mask(mask);
        let dark: Vec<bool> = c
            .into_colors()
            .into_iter()
            .map(|m| m == Color::Dark)
            .collect();
        let score = penalty(&dark, width);
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, dark));
        }
    }
    let (_, dark) = best.ok_or_else(|| RenderError::Code("QR code: no mask".into()))?;
    Ok(QrModules { width, dark })
}

/// The mask penalty of ISO/IEC 18004 as `qrcode` 0.14 computes it (rules 1–4; rule 3 adds
/// 40 per finder-like 1:1:3:1:1 run with a light side, less the 360 of the finders).
fn penalty(dark: &[bool], width: usize) -> u32 {
    let w = width;
    if w < 7 || dark.len() != w * w {
        return u32::MAX;
    }
    let at = |x: usize, y: usize| dark[y * w + x];
    let mut score = 0u32;
    // Rule 1: runs of five or more modules of one colour, in rows and in columns.
    for horizontal in [true, false] {
        for i in 0..w {
            let get = |j: usize| if horizontal { at(j, i) } else { at(i, j) };
            let mut run = 1u32;
            for j in 1..w {
                if get(j) == get(j - 1) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            if run >= 5 {
                score += run - 2;
            }
        }
    }
    // Rule 2: 2×2 blocks of one colour.
    for y in 0..w - 1 {
        for x in 0..w - 1 {
            let c = at(x, y);
            if c == at(x + 1, y) && c == at(x, y + 1) && c == at(x + 1, y + 1) {
                score += 3;
            }
        }
    }
    // Rule 3: dark-light-dark-dark-dark-light-dark with no dark module among the four
    // before or the four after it (outside the symbol counts as light).
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let mut finder = 0u32;
    for horizontal in [true, false] {
        for i in 0..w {
            let get = |j: usize| if horizontal { at(j, i) } else { at(i, j) };
            for j in 0..=w - 7 {
                if (0..7).any(|k| get(j + k) != PATTERN[k]) {
                    continue;
                }
                let before = (j.saturating_sub(4)..j).any(get);
                let after = (j + 7..(j + 11).min(w)).any(get);
                if !before || !after {
                    finder += 40;
                }
            }
        }
    }
    score += finder.saturating_sub(360);
    // Rule 4: balance of dark and light modules.
    let dark_count = dark.iter().filter(|&&d| d).count();
    let ratio = dark_count * 200 / dark.len();
    score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// A Code 128 (set B) barcode for `text` (printable ASCII), as SVG.
pub fn code128_svg(text: &str) -> Result<Vec<u8>, RenderError> {
    let modules = code128::modules(text)
        .ok_or_else(|| RenderError::Code(format!("barcode: `{text}` is not printable ASCII")))?;
    const HEIGHT: usize = 50;
    // 10 modules of quiet zone on both sides, as the standard asks.
    let width = modules.len() + 20;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {HEIGHT}\" \
         width=\"{width}\" height=\"{HEIGHT}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{width}\" height=\"{HEIGHT}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
    );
    let mut x = 0;
    while x < modules.len() {
        if modules[x] {
            let start = x;
            while x < modules.len() && modules[x] {
                x += 1;
            }
            svg.push_str(&format!(
                "M{} 0h{}v{HEIGHT}h-{}z",
                start + 10,
                x - start,
                x - start
            ));
        } else {
            x += 1;
        }
    }
    svg.push_str("\"/></svg>");
    Ok(svg.into_bytes())
}

/// Code 128 encoding (ISO/IEC 15417), code set B only: request numbers are short ASCII.
mod code128 {
    /// Bar/space widths of symbols 0..=105, six digits each (bar first); stop is separate.
    const PATTERNS: [&str; 106] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
        "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
        "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
        "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
        "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
        "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
        "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
        "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
        "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
        "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
        "113141", "114131", "311141", "411131", "211412", "211214", "211232",
    ];
    const START_B: usize = 104;
    const STOP: &str = "2331112";

    /// The module sequence (true = bar) for `text`, or `None` if a character is outside
    /// code set B (printable ASCII 32..=126) or the text is empty or too long.
    pub fn modules(text: &str) -> Option<Vec<bool>> {
        if text.is_empty() || text.len() > 64 {
            return None;
        }
        let mut symbols = vec![START_B];
        for b in text.bytes() {
            if !(32..=126).contains(&b) {
                return None;
            }
            symbols.push(usize::from(b - 32));
        }
        let checksum = symbols
            .iter()
            .enumerate()
            .map(|(i, &s)| if i == 0 { s } else { s * i })
            .sum::<usize>()
            % 103;
        symbols.push(checksum);
        let mut out = Vec::new();
        for widths in symbols
            .iter()
            .map(|&s| PATTERNS[s])
            .chain(std::iter::once(STOP))
        {
            for (i, w) in widths.bytes().enumerate() {
                let bar = i % 2 == 0;
                out.extend(std::iter::repeat_n(bar, usize::from(w - b'0')));
            }
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_symbol_is_eleven_modules() {
            for p in PATTERNS {
                let sum: u32 = p.bytes().map(|b| u32::from(b - b'0')).sum();
                assert_eq!(sum, 11, "{p}");
            }
        }

        #[test]
        fn layout_of_a_symbol_sequence() {
            // start + 7 characters + checksum, 11 modules each, + stop (13).
            let m = modules("PJJ123C").unwrap();
            assert_eq!(m.len(), 11 + 77 + 11 + 13);
            // Start B is 11010010000; the stop ends with the 2-module final bar.
            let start: String = m[..11].iter().map(|&b| if b { '1' } else { '0' }).collect();
            assert_eq!(start, "11010010000");
            assert!(m[m.len() - 2..].iter().all(|&b| b));
        }

        #[test]
        fn rejects_non_ascii() {
            assert!(modules("ҚАЗ").is_none());
            assert!(modules("").is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same modules as the `qrcode` crate's own mask choice, for URLs of every length
    /// up to several versions.
    #[test]
    fn qr_matches_the_qrcode_crate() {
        for n in 0..160 {
            let text = format!(
                "http://127.0.0.1:8080/verify/{}",
                "BENCH-0000123-ЖАҢА"
                    .chars()
                    .cycle()
                    .take(n)
                    .collect::<String>()
            );
            let ours = qr_modules(&text).unwrap();
            let theirs =
                qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                    .unwrap();
            assert_eq!(ours.width, theirs.width(), "{text}");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            assert_eq!(ours.dark, theirs, "{text}");
        }
    }
}
