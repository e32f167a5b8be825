//! Số, ký hiệu (number and code) per Nghị định 30/2020, Phụ lục I: the number is Arabic digits
//! counted from 01 on 1 January, zero-padded below 10; the code is "<type>-<organisation>" for
//! documents with a type name (`05/BC-SNV`) and "<organisation>-<drafting unit>" for a công văn
//! (`123/UBND-TH`), or just the organisation when no unit is given.

/// Formats a number and code.
pub fn format_number(
    seq: i32,
    doc_type: Option<&str>,
    organisation: &str,
    unit: Option<&str>,
) -> String {
    let code = match (
        doc_type.filter(|t| !t.is_empty() && *t != "CV"),
        unit.filter(|u| !u.is_empty()),
    ) {
        (Some(t), _) => format!("{t}-{organisation}"),
        (None, Some(u)) => format!("{organisation}-{u}"),
        (None, None) => organisation.to_owned(),
    };
    format!("{seq:02}/{code}")
}

/// The register a document is numbered in: one shared counter, or one per document type.
pub fn register_for(per_type: bool, doc_type: &str) -> String {
    if per_type {
        doc_type.to_owned()
    } else {
        "chung".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_decree() {
        assert_eq!(format_number(5, Some("BC"), "SNV", None), "05/BC-SNV");
        assert_eq!(format_number(119, Some("BC"), "SNV", None), "119/BC-SNV");
        assert_eq!(format_number(123, None, "UBND", Some("TH")), "123/UBND-TH");
        assert_eq!(format_number(7, Some("CV"), "SNV", Some("VP")), "07/SNV-VP");
        assert_eq!(format_number(10, Some("KH"), "SKHĐT", None), "10/KH-SKHĐT");
        assert_eq!(register_for(false, "BC"), "chung");
        assert_eq!(register_for(true, "BC"), "BC");
    }
}
