//! Links and form bodies: percent-encoding of query values and path segments, and decoding of
//! urlencoded forms whose fields repeat.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded (a space is `%20`, never `+`), so
/// one function serves query values and path segments.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query value or path segment, percent-encoded.
pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The fields of an `application/x-www-form-urlencoded` body in order, repeats kept (`+` is a
/// space; malformed escapes are kept as written; invalid UTF-8 is replaced).
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_for_links() {
        assert_eq!(encode("cải cách"), "c%E1%BA%A3i%20c%C3%A1ch");
        assert_eq!(encode("a-b_c.d~e/f&g=h"), "a-b_c.d~e%2Ff%26g%3Dh");
    }

    #[test]
    fn forms_keep_repeated_fields_and_decode_plus_and_escapes() {
        let pairs = form_pairs(b"role=clerk&role=admin&name=Nguy%E1%BB%85n+V%C4%83n&empty=&x%");
        assert_eq!(
            pairs,
            [
                ("role".into(), "clerk".into()),
                ("role".into(), "admin".into()),
                ("name".into(), "Nguyễn Văn".into()),
                ("empty".into(), String::new()),
                ("x%".into(), String::new()),
            ]
        );
        // An escape at the very end is decoded too.
        assert_eq!(form_pairs(b"q=%C4%90"), [("q".into(), "Đ".into())]);
    }
}
