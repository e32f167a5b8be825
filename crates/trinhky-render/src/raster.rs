//! Page images of a stored PDF (the personally signed or issued file), so the document page shows
//! what was signed — the signature and seal images, the number and date filled in — rather than a
//! fresh layout of the draft. hayro rasterises (pure Rust, already built for typst's PDF images);
//! annotations are drawn, since the visible signatures and the number and date fields are
//! widget annotations. The PDF standard fonts (a form field's default "Helv"/"TiRo") are served
//! from the repository's Liberation Serif, which has every Vietnamese glyph.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::{FontData, FontQuery, StandardFont};
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{RenderCache, RenderSettings};
use typst::text::{Font, FontStyle, FontWeight};

use crate::{RenderError, Renderer};

/// The largest page side rasterised, in pixels (a malformed MediaBox must not allocate gigabytes).
const MAX_SIDE: f32 = 6_000.0;

/// Liberation Serif in the weight and style asked for.
fn serif(fonts: &[Font], bold: bool, italic: bool) -> Option<(FontData, u32)> {
    let font = fonts.iter().find(|f| {
        let v = f.info().variant;
        f.info().family.starts_with("Liberation Serif")
            && (v.weight >= FontWeight::BOLD) == bold
            && (v.style != FontStyle::Normal) == italic
    })?;
    let data: FontData = Arc::new(font.data().clone());
    Some((data, font.index()))
}

fn standard(fonts: &[Font], s: StandardFont) -> Option<(FontData, u32)> {
    use StandardFont as S;
    let (bold, italic) = match s {
        S::HelveticaBold | S::TimesBold | S::CourierBold => (true, false),
        S::HelveticaOblique | S::TimesItalic | S::CourierOblique => (false, true),
        S::HelveticaBoldOblique | S::TimesBoldItalic | S::CourierBoldOblique => (true, true),
        _ => (false, false),
    };
    serif(fonts, bold, italic)
}

impl Renderer {
    /// Page `page` (1-based) of `pdf` as PNG at `dpi`, with the page count; `None` past the last
    /// page. A file hayro cannot read is an error.
    pub fn rasterize_pdf_page(
        &self,
        pdf: Vec<u8>,
        page: usize,
        dpi: f32,
    ) -> Result<(Option<Vec<u8>>, usize), RenderError> {
        if !(18.0..=600.0).contains(&dpi) {
            return Err(RenderError::Data(format!("dpi {dpi} is outside 18–600")));
        }
        let pdf = Pdf::new(Arc::new(pdf))
            .map_err(|e| RenderError::Data(format!("unreadable PDF: {e:?}")))?;
        let pages = pdf.pages();
        let count = pages.len();
        let Some(p) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
            return Ok((None, count));
        };
        let fonts = self.shared_fonts();
        let settings = InterpreterSettings {
            font_resolver: Arc::new(move |query| match query {
                FontQuery::Standard(s) => standard(&fonts, *s),
                FontQuery::Fallback(f) => standard(&fonts, f.pick_standard_font()),
            }),
            cmap_resolver: Arc::new(|_| None),
            warning_sink: Arc::new(|_| {}),
            render_annotations: true,
        };
        let scale = dpi / 72.0;
        let (w, h) = p.render_dimensions();
        if !(w > 0.0 && h > 0.0) || w * scale > MAX_SIDE || h * scale > MAX_SIDE {
            return Err(RenderError::TooLarge(format!(
                "page {page} is {w}×{h} pt; at most {MAX_SIDE} pixels a side"
            )));
        }
        let pixmap = hayro::render(
            p,
            &RenderCache::new(),
            &settings,
            &RenderSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: WHITE,
                ..Default::default()
            },
        );
        let size =
            tiny_skia::IntSize::from_wh(u32::from(pixmap.width()), u32::from(pixmap.height()))
                .ok_or_else(|| RenderError::Export("empty page image".into()))?;
        let image = tiny_skia::Pixmap::from_vec(pixmap.data_as_u8_slice().to_vec(), size)
            .ok_or_else(|| RenderError::Export("page image of the wrong size".into()))?;
        let png = image
            .encode_png()
            .map_err(|e| RenderError::Export(format!("PNG: {e}")))?;
        Ok((Some(png), count))
    }
}
