//! QR codes and barcodes as SVG, generated in Rust and handed to Typst as images.

use qrcode::QrCode;

use super::RenderError;

/// A QR code (error correction M) for `text`, as SVG.
pub fn qr_svg(text: &str) -> Result<Vec<u8>, RenderError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| RenderError::Code(format!("QR code: {e}")))?;
    // One path with a rectangle per horizontal run of dark modules: a third of the
    // per-module path the generic renderer writes, and Typst parses every SVG it embeds.
    const QUIET: usize = 4;
    let width = code.width();
    let size = width + 2 * QUIET;
    let colors = code.to_colors();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         width=\"200\" height=\"200\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
    );
    for (y, row) in colors.chunks(width.max(1)).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row[x] == qrcode::Color::Dark {
                let start = x;
                while x < row.len() && row[x] == qrcode::Color::Dark {
                    x += 1;
                }
                let len = x - start;
                svg.push_str(&format!("M{} {}h{len}v1h-{len}z", start + QUIET, y + QUIET));
            } else {
                x += 1;
            }
        }
    }
    svg.push_str("\"/></svg>");
    Ok(svg.into_bytes())
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
