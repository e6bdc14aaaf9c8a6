//! Faces for scripts the embedded DejaVu Sans lacks, found where common systems install them.
//!
//! No font-discovery dependency: a short list of well-known files (Noto on Debian, Ubuntu,
//! Fedora and Arch; Arial Unicode on macOS) covers CJK, Hangul and Thai. Used only when the
//! caller asks ([`RenderOptions::fallback_fonts_from_system`]), since output then depends on
//! the machine.
//!
//! [`RenderOptions::fallback_fonts_from_system`]: crate::confusion::RenderOptions::fallback_fonts_from_system

use std::sync::OnceLock;

use ab_glyph::FontArc;

/// Candidate files, in the order their faces are tried: CJK (Han, kana, Hangul) first, then
/// Thai, then broad macOS coverage.
pub(crate) const CANDIDATES: &[&str] = &[
    // Debian/Ubuntu `fonts-noto-cjk`.
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    // Fedora `google-noto-sans-cjk-fonts`, Arch `noto-fonts-cjk`.
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    // Debian/Ubuntu `fonts-noto-core`, Fedora `google-noto-sans-thai-fonts`, Arch `noto-fonts`.
    "/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf",
    "/usr/share/fonts/google-noto/NotoSansThai-Regular.ttf",
    "/usr/share/fonts/noto/NotoSansThai-Regular.ttf",
    // macOS.
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
];

/// Every candidate face present and readable, in [`CANDIDATES`] order. Files that are missing
/// or not fonts are skipped: this is a best-effort search, and a character no face has still
/// draws as a visible box.
///
/// The files (19 MB for Noto CJK alone) are read once per process: callers that build their
/// options per logged step, as the Python binding does, then pay for clones of shared faces.
pub(crate) fn system_fallback_faces() -> Vec<FontArc> {
    static FACES: OnceLock<Vec<FontArc>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            CANDIDATES
                .iter()
                .filter_map(|path| std::fs::read(path).ok())
                .filter_map(|bytes| FontArc::try_from_vec(bytes).ok())
                .collect()
        })
        .clone()
}
