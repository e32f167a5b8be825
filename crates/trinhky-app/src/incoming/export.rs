//! The registers as files: CSV (the `csv` crate), XLSX (`rust_xlsxwriter`) and the printable
//! PDF laid out by typst.

use std::sync::Arc;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};

use super::*;

/// Whether a spreadsheet would read the cell as a formula: it starts (after spaces) with `=`,
/// `+`, `-`, `@`, their full-width forms, a tab or a carriage return.
fn is_formula(s: &str) -> bool {
    s.trim_start_matches(' ').starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
    ])
}

/// The cell as written to a file: a formula-like cell gets a leading apostrophe, so it stays text.
fn neutralised(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The register as CSV: UTF-8 with a byte-order mark (Excel reads the Vietnamese text), CRLF.
///
/// Cells come from other agencies (trích yếu, nơi gửi), so a cell that a spreadsheet would read
/// as a formula is neutralised with a leading apostrophe (see [`is_formula`]); quoting follows
/// RFC 4180 (only where a cell needs it).
pub fn csv(reg: &Register) -> Result<Vec<u8>> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let err = |e: ::csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(reg.columns.iter().map(|c| neutralised(c).into_owned()))
        .map_err(err)?;
    for r in &reg.rows {
        w.write_record(r.iter().map(|c| neutralised(c).into_owned()))
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

fn xlsx_err(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A one-sheet workbook: a bold, shaded header row frozen at the top and repeated on every
/// printed page, thin borders, wrapped text, printed landscape on A4 and fitted to the page
/// width. Formula-like cells are written as text with a leading apostrophe. The creation date
/// is fixed, so the same rows give the same bytes.
fn workbook(
    sheet_name: &str,
    header: &[&str],
    rows: &[Vec<String>],
    widths: Option<&[f64]>,
) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xlsx_err)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let name: String = sheet_name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(31)
        .collect();
    let ws = wb.add_worksheet();
    if !name.trim().is_empty() {
        ws.set_name(name.trim()).map_err(xlsx_err)?;
    }
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0x00D9_E1F2))
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    for (c, h) in header.iter().enumerate() {
        let c =
            u16::try_from(c).map_err(|_| AppError::Internal("xlsx: too many columns".into()))?;
        ws.write_string_with_format(0, c, neutralised(h), &head)
            .map_err(xlsx_err)?;
        let width = widths
            .and_then(|w| w.get(usize::from(c)))
            .map_or(16.0, |w| w * 12.0);
        ws.set_column_width(c, width).map_err(xlsx_err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r =
            u32::try_from(r + 1).map_err(|_| AppError::Internal("xlsx: too many rows".into()))?;
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c)
                .map_err(|_| AppError::Internal("xlsx: too many columns".into()))?;
            ws.write_string_with_format(r, c, neutralised(v), &cell)
                .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    ws.set_repeat_rows(0, 0).map_err(xlsx_err)?;
    // Paper size 9 is A4 in the OOXML page-setup table.
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    wb.save_to_buffer().map_err(xlsx_err)
}

/// An XLSX workbook of one sheet with a header row (see [`workbook`] for its layout).
pub fn xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    workbook(sheet_name, header, rows, None)
}

/// The register as XLSX, its columns as wide as in the printed register.
pub fn register_xlsx(reg: &Register) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = reg.rows.iter().map(|r| r.to_vec()).collect();
    workbook(reg.title, &reg.columns, &rows, Some(&reg.kind.widths()))
}

/// The register for the period as a PDF/A-2b file laid out by typst (A4 landscape, numbered
/// columns repeated on every page). Too many rows for one printout is refused: the user
/// narrows the period.
pub async fn register_pdf(
    cpu: &crate::cpu::CpuPool,
    renderer: Arc<trinhky_render::Renderer>,
    reg: &Register,
    filter: &Filter,
    today: NaiveDate,
) -> Result<Vec<u8>> {
    let table = trinhky_render::TableData {
        agency: reg.agency_name.clone(),
        title: reg.title.to_owned(),
        period: filter.period(),
        printed_on: fmt_date(today),
        columns: reg.columns.iter().map(|c| (*c).to_owned()).collect(),
        widths: reg.kind.widths().to_vec(),
        rows: reg.rows.iter().map(|r| r.to_vec()).collect(),
    };
    cpu.run(move || renderer.render_table_pdf(&table))
        .await
        .map_err(|e| match e {
            trinhky_render::RenderError::TooLarge(m) => AppError::Invalid(format!(
                "Sổ quá dài để in một lần ({m}): chọn khoảng thời gian ngắn hơn."
            )),
            other => AppError::Internal(format!("register PDF: {other}")),
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn register(cells: [&str; 10]) -> Register {
        Register {
            kind: Kind::Incoming,
            title: Kind::Incoming.title(),
            agency_code: "VPUBND".into(),
            agency_name: "Văn phòng UBND tỉnh".into(),
            columns: Kind::Incoming.columns(),
            rows: vec![cells.map(str::to_owned)],
            total: 1,
        }
    }

    fn data_line(reg: &Register) -> String {
        let text = String::from_utf8(csv(reg).unwrap()).unwrap();
        text.split("\r\n").nth(1).unwrap().to_owned()
    }

    #[test]
    fn formula_cells_are_neutralised() {
        let hostile = [
            "=HYPERLINK(\"http://x.example\",\"Bấm\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "  =1+1",
            "＝1+1",
            "Báo cáo, kết quả",
            "12/BC-SNV",
            "",
        ];
        let reg = register(hostile);
        let line = data_line(&reg);
        assert!(
            line.starts_with("\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Bấm\"\")\","),
            "{line}"
        );
        for cell in ["'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'  =1+1", "'＝1+1"] {
            assert!(line.contains(cell), "{cell} in {line}");
        }
        // Ordinary text is untouched (quoted only for its comma); numbers keep their form.
        assert!(line.contains(",\"Báo cáo, kết quả\",12/BC-SNV,"), "{line}");
        // A CSV reader gets every hostile cell back as text behind an apostrophe.
        let bytes = csv(&reg).unwrap();
        let mut r = ::csv::ReaderBuilder::new().from_reader(&bytes[3..]);
        let rec = r.records().next().unwrap().unwrap();
        for (got, sent) in rec.iter().zip(hostile) {
            if is_formula(sent) {
                assert_eq!(got, format!("'{sent}"));
            } else {
                assert_eq!(got, sent);
            }
        }
    }

    #[test]
    fn the_csv_starts_with_a_bom_and_ends_lines_with_crlf() {
        let text = String::from_utf8(csv(&register([""; 10])).unwrap()).unwrap();
        assert!(text.starts_with("\u{feff}Ngày đến,Số đến,"), "{text}");
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 2);
    }

    fn unzip(data: &[u8], part: &str) -> String {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(data)).unwrap();
        let mut s = String::new();
        z.by_name(part).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn the_register_workbook_freezes_and_repeats_its_header_on_landscape_a4() {
        let data = register_xlsx(&register(hostile_cells())).unwrap();
        let sheet = unzip(&data, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("state=\"frozen\""), "{sheet}");
        assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
        assert!(sheet.contains("paperSize=\"9\""), "{sheet}");
        assert!(sheet.contains("fitToHeight=\"0\""), "{sheet}");
        assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
        let book = unzip(&data, "xl/workbook.xml");
        assert!(book.contains("_xlnm.Print_Titles"), "{book}");
        assert!(book.contains("Sổ đăng ký văn bản đến"), "{book}");
        let strings = unzip(&data, "xl/sharedStrings.xml");
        assert!(strings.contains("'=1+1"), "{strings}");
        assert!(
            strings.contains("Tên loại và trích yếu nội dung"),
            "{strings}"
        );
        // Deterministic: the same register gives the same bytes.
        assert_eq!(data, register_xlsx(&register(hostile_cells())).unwrap());
    }

    fn hostile_cells() -> [&'static str; 10] {
        [
            "=1+1",
            "2",
            "Sở Nội vụ",
            "05/BC-SNV",
            "",
            "Báo cáo",
            "",
            "",
            "",
            "",
        ]
    }
}
