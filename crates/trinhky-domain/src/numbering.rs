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

/// The register a document is numbered in: one shared counter, or one per document type;
/// classified documents (văn bản mật) always in their own register.
pub fn register_for(per_type: bool, doc_type: &str, classified: bool) -> String {
    if classified {
        "mat".to_owned()
    } else if per_type {
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
        assert_eq!(register_for(false, "BC", false), "chung");
        assert_eq!(register_for(true, "BC", false), "BC");
        assert_eq!(register_for(true, "BC", true), "mat");
        assert_eq!(register_for(false, "CV", true), "mat");
    }
}

/// Độ mật of a document (Luật Bảo vệ bí mật nhà nước 2018): the stored value and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    Mat,
    ToiMat,
    TuyetMat,
}

impl Classification {
    pub const ALL: [Classification; 3] = [Self::Mat, Self::ToiMat, Self::TuyetMat];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mat => "mat",
            Self::ToiMat => "toi-mat",
            Self::TuyetMat => "tuyet-mat",
        }
    }

    /// The mark printed and shown: "MẬT", "TỐI MẬT", "TUYỆT MẬT".
    pub fn label(self) -> &'static str {
        match self {
            Self::Mat => "MẬT",
            Self::ToiMat => "TỐI MẬT",
            Self::TuyetMat => "TUYỆT MẬT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}
