//! Visible signature appearances: the person's signature image, or the
//! organisation's seal with its name and the signing time, drawn as the
//! appearance stream (a form XObject) of the signature's own widget.
//!
//! Text uses an embedded subset of Liberation Serif (Type0 / CIDFontType2,
//! Identity-H, with a ToUnicode map) because the standard-14 fonts cannot
//! write Vietnamese and break PDF/A.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

use super::SignError;

static LIBERATION_SERIF: &[u8] =
    include_bytes!("../../../../templates/fonts/LiberationSerif-Regular.ttf");
static LIBERATION_SERIF_ITALIC: &[u8] =
    include_bytes!("../../../../templates/fonts/LiberationSerif-Italic.ttf");

/// The faces an appearance can write with (both metric-compatible with Times New Roman, which the
/// decree names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Italic,
}

impl Face {
    fn data(self) -> (&'static [u8], &'static str, i64) {
        match self {
            Face::Regular => (LIBERATION_SERIF, "TRNKSG+LiberationSerif", 0),
            Face::Italic => (
                LIBERATION_SERIF_ITALIC,
                "TRNKSI+LiberationSerif-Italic",
                -12,
            ),
        }
    }
}

/// A decoded transparent PNG, compressed once for PDF (so repeated signing
/// does not pay for PNG decoding and deflate each time).
#[derive(Clone, Debug)]
pub struct SignatureImage {
    width: u32,
    height: u32,
    /// DeviceRGB samples, FlateDecode.
    rgb: Vec<u8>,
    /// DeviceGray alpha samples, FlateDecode; `None` when fully opaque.
    alpha: Option<Vec<u8>>,
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, SignError> {
    let mut e = ZlibEncoder::new(Vec::with_capacity(data.len() / 4), Compression::new(6));
    e.write_all(data)
        .map_err(|e| SignError::Image(e.to_string()))?;
    e.finish().map_err(|e| SignError::Image(e.to_string()))
}

impl SignatureImage {
    /// Decode a PNG (any colour type; transparency kept as a soft mask).
    pub fn from_png(png_bytes: &[u8]) -> Result<Self, SignError> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder
            .read_info()
            .map_err(|e| SignError::Image(e.to_string()))?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| SignError::Image("image too large".into()))?;
        let mut buf = vec![0u8; size];
        let info = reader
            .next_frame(&mut buf)
            .map_err(|e| SignError::Image(e.to_string()))?;
        buf.truncate(info.buffer_size());
        let (w, h) = (info.width, info.height);
        let px = (w as usize) * (h as usize);
        let mut rgb = Vec::with_capacity(px * 3);
        let mut alpha = Vec::with_capacity(px);
        match info.color_type {
            png::ColorType::Rgba => {
                for p in buf.chunks_exact(4) {
                    rgb.extend_from_slice(&p[..3]);
                    alpha.push(p[3]);
                }
            }
            png::ColorType::Rgb => rgb = buf,
            png::ColorType::GrayscaleAlpha => {
                for p in buf.chunks_exact(2) {
                    rgb.extend_from_slice(&[p[0], p[0], p[0]]);
                    alpha.push(p[1]);
                }
            }
            png::ColorType::Grayscale => {
                for &g in &buf {
                    rgb.extend_from_slice(&[g, g, g]);
                }
            }
            png::ColorType::Indexed => {
                return Err(SignError::Image("palette image was not expanded".into()));
            }
        }
        let alpha = if alpha.is_empty() || alpha.iter().all(|&a| a == 255) {
            None
        } else {
            Some(deflate(&alpha)?)
        };
        Ok(Self {
            width: w,
            height: h,
            rgb: deflate(&rgb)?,
            alpha,
        })
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height.max(1))
    }

    fn add_to(&self, doc: &mut Document) -> ObjectId {
        let smask = self.alpha.as_ref().map(|a| {
            doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image",
                    "Width" => i64::from(self.width), "Height" => i64::from(self.height),
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "FlateDecode",
                },
                a.clone(),
            ))
        });
        let mut d = dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => i64::from(self.width), "Height" => i64::from(self.height),
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "FlateDecode",
        };
        if let Some(id) = smask {
            d.set("SMask", Object::Reference(id));
        }
        doc.add_object(Stream::new(d, self.rgb.clone()))
    }
}

/// Text to draw in the appearance, one entry per line.
struct TextBlock<'a> {
    lines: &'a [String],
    size: f64,
}

/// (character, glyph id in the subset = CID, advance in 1/1000 em)
pub(crate) type GlyphMap = Vec<(char, u16, u16)>;

/// `text` as a hex string of CIDs for `Tj`, and its width in points at `size`.
pub(crate) fn encode(map: &GlyphMap, text: &str, size: f64) -> (String, f64) {
    let mut hex = String::with_capacity(text.len() * 4);
    let mut width = 0.0;
    for c in text.chars() {
        let (gid, w) = map
            .iter()
            .find(|m| m.0 == c)
            .map(|m| (m.1, m.2))
            .unwrap_or((0, 0));
        hex.push_str(&format!("{gid:04X}"));
        width += f64::from(w) * size / 1000.0;
    }
    (hex, width)
}

/// Embed a subset of Liberation Serif covering `text`; returns the Type0 font
/// object and the character → CID map.
fn embed_font(doc: &mut Document, text: &str) -> Result<(ObjectId, GlyphMap), SignError> {
    embed_face(doc, Face::Regular, text)
}

/// [`embed_font`] with a chosen face.
pub(crate) fn embed_face(
    doc: &mut Document,
    which: Face,
    text: &str,
) -> Result<(ObjectId, GlyphMap), SignError> {
    let (font_data, base_font, italic_angle) = which.data();
    let face = ttf_parser::Face::parse(font_data, 0).map_err(|e| SignError::Font(e.to_string()))?;
    let upem = f64::from(face.units_per_em());
    let scale = |v: f64| (v * 1000.0 / upem).round() as i64;
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    let mut remapper = subsetter::GlyphRemapper::new();
    // (char, new gid, width in 1/1000 em)
    let mut map = Vec::with_capacity(chars.len());
    for c in chars {
        let gid = face.glyph_index(c).map(|g| g.0).unwrap_or(0);
        let new = remapper.remap(gid);
        let adv = face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        map.push((c, new, scale(f64::from(adv)) as u16));
    }
    let subset = subsetter::subset(font_data, 0, &remapper)
        .map_err(|e| SignError::Font(format!("{e:?}")))?;
    let font_file = doc.add_object(Stream::new(
        dictionary! { "Length1" => subset.len() as i64, "Filter" => "FlateDecode" },
        deflate(&subset)?,
    ));
    let bbox = face.global_bounding_box();
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => base_font,
        "Flags" => if italic_angle == 0 { 6 } else { 6 + 64 },
        "FontBBox" => vec![scale(f64::from(bbox.x_min)).into(), scale(f64::from(bbox.y_min)).into(),
                           scale(f64::from(bbox.x_max)).into(), scale(f64::from(bbox.y_max)).into()],
        "ItalicAngle" => italic_angle,
        "Ascent" => scale(f64::from(face.ascender())),
        "Descent" => scale(f64::from(face.descender())),
        "CapHeight" => scale(f64::from(face.capital_height().unwrap_or(face.ascender()))),
        "StemV" => 80,
        "FontFile2" => font_file,
    });
    let mut widths: Vec<Object> = Vec::new();
    let mut by_gid = map.clone();
    by_gid.sort_by_key(|m| m.1);
    for (_, gid, w) in &by_gid {
        widths.push(i64::from(*gid).into());
        widths.push(Object::Array(vec![i64::from(*w).into()]));
    }
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2",
        "BaseFont" => base_font,
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 1000,
        "W" => widths,
        "CIDToGIDMap" => "Identity",
    });
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in by_gid.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (c, gid, _) in chunk {
            let mut utf16 = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut utf16)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            cmap.push_str(&format!("<{gid:04X}> <{hex}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    let to_unicode = doc.add_object(Stream::new(Dictionary::new(), cmap.into_bytes()));
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0",
        "BaseFont" => base_font,
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font)],
        "ToUnicode" => to_unicode,
    });
    Ok((font, map))
}

pub(crate) fn fmt(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Build the appearance form XObject for a `w`×`h` widget and return its id.
///
/// Without text the image is centred and scaled to fit, keeping its aspect
/// ratio. With text (the organisation's name and ISO 8601 time) the image
/// (the seal) sits top-left and the lines, 7 pt, fill a band beneath it.
pub(crate) fn build(
    doc: &mut Document,
    w: f64,
    h: f64,
    image: Option<&SignatureImage>,
    text: &[String],
) -> Result<ObjectId, SignError> {
    build_styled(doc, w, h, image, text, 7.0, "0.55 0 0 rg")
}

/// [`build`] with the text size and colour (a PDF fill operator such as `0 g` for black).
pub(crate) fn build_styled(
    doc: &mut Document,
    w: f64,
    h: f64,
    image: Option<&SignatureImage>,
    text: &[String],
    size: f64,
    fill: &str,
) -> Result<ObjectId, SignError> {
    let mut content = String::new();
    let mut xobjects = Dictionary::new();
    let mut fonts = Dictionary::new();
    let block = TextBlock { lines: text, size };
    let lead = block.size * 1.25;
    // With text, the lines sit in a band under the image, left-aligned.
    let band = if block.lines.is_empty() {
        0.0
    } else {
        lead * block.lines.len() as f64 + 2.0
    };
    if let Some(img) = image {
        let id = img.add_to(doc);
        xobjects.set("Im0", Object::Reference(id));
        let (bw, bh) = (w, (h - band).max(1.0));
        let a = img.aspect();
        let (iw, ih) = if bw / bh > a {
            (bh * a, bh)
        } else {
            (bw, bw / a)
        };
        let (x, y) = if block.lines.is_empty() {
            ((w - iw) / 2.0, (h - ih) / 2.0)
        } else {
            (0.0, h - ih)
        };
        content.push_str(&format!(
            "q {} 0 0 {} {} {} cm /Im0 Do Q\n",
            fmt(iw),
            fmt(ih),
            fmt(x),
            fmt(y)
        ));
    }
    if !block.lines.is_empty() {
        let joined: String = block.lines.concat();
        let (font, map) = embed_font(doc, &joined)?;
        fonts.set("F1", Object::Reference(font));
        let mut y = band - 1.0 - block.size;
        content.push_str(&format!("q {fill}\n"));
        for line in block.lines {
            let hex: String = line
                .chars()
                .map(|c| {
                    let gid = map.iter().find(|m| m.0 == c).map(|m| m.1).unwrap_or(0);
                    format!("{gid:04X}")
                })
                .collect();
            content.push_str(&format!(
                "BT /F1 {} Tf 0 {} Td <{hex}> Tj ET\n",
                fmt(block.size),
                fmt(y + block.size * 0.22)
            ));
            y -= lead;
        }
        content.push_str("Q\n");
    }
    let mut resources = Dictionary::new();
    if !xobjects.is_empty() {
        resources.set("XObject", xobjects);
    }
    if !fonts.is_empty() {
        resources.set("Font", fonts);
    }
    let form = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
            "Resources" => resources,
        },
        content.into_bytes(),
    );
    Ok(doc.add_object(form))
}
