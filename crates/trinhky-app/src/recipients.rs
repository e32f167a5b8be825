//! Nơi nhận, line by line: the same resolution for the drafter's live check in the editor, the
//! check before a draft is submitted, the clerk's issuing preview and the dispatch itself.
//!
//! Each line is one of: agencies of the directory or recipient groups (every member); a free-text
//! recipient with an e-mail address; "Như trên" (the Kính gửi addressees, each resolved in turn);
//! an internal distribution line ("Giám đốc, các PGĐ Sở", "Các phòng, đơn vị thuộc Sở"), which
//! is delivered inside the issuing agency and sent nowhere; the archive note "Lưu: …"; or
//! unresolved. An unresolved line is never skipped: the drafter is told while typing and cannot
//! submit; a clerk who meets one at issuing (the directory changed in between) either marks it
//! "gửi bản giấy", recorded in the outgoing register, or returns the document.

use serde::Serialize;
use trinhky_domain::directory::valid_email;
use trinhky_domain::resolve::internal::internal_body;
use trinhky_domain::text::fold;
use trinhky_store::{Store, directory};

use crate::{AppError, Result};

/// A resolved recipient that gets the document: an agency inside trinhky or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub text: String,
    pub agency_id: Option<i32>,
    pub email: String,
}

/// What one line of Nơi nhận is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Agencies or groups of the directory.
    Agency,
    /// A free-text recipient with an e-mail address.
    Email,
    /// Delivered inside the issuing agency (its leaders, units, staff, portal).
    Internal,
    /// "Lưu: …": the archive note.
    Archive,
    /// Names nobody the system can deliver to.
    Unresolved,
}

/// One line of Nơi nhận and what it resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = RecipientLine)]
pub struct Line {
    /// The line as written (for "Như trên", "Như trên: " and the addressee).
    pub text: String,
    #[schema(inline)]
    pub status: LineStatus,
    /// What it means, in Vietnamese ("Sở Tài chính", "gửi nội bộ trong cơ quan" …).
    pub detail: String,
}

/// Every line of a Nơi nhận, and who gets the document.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub lines: Vec<Line>,
    /// Agencies and addresses the document is sent to, deduplicated by address.
    pub recipients: Vec<Recipient>,
}

impl Resolved {
    /// The lines that name nobody the system can deliver to, as written.
    pub fn unresolved(&self) -> Vec<String> {
        self.of(LineStatus::Unresolved)
    }

    /// The internal distribution lines, as written.
    pub fn internal(&self) -> Vec<String> {
        self.of(LineStatus::Internal)
    }

    fn of(&self, status: LineStatus) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| l.status == status)
            .map(|l| l.text.clone())
            .collect()
    }
}

/// A line without its bullet and trailing punctuation.
pub fn clean(line: &str) -> String {
    line.trim()
        .trim_start_matches(['-', '+', '•', '*'])
        .trim()
        .trim_end_matches([';', '.', ','])
        .trim()
        .to_owned()
}

/// An address written in the line itself: "Tên <a@b.vn>" or a bare address.
/// The closing `>` is looked for after the `<` (issue #13: "Công ty -> A <a@b.vn" has a `>` before
/// its `<`, and slicing between them panicked).
fn email_in(line: &str) -> Option<String> {
    if let Some(a) = line.find('<') {
        let rest = &line[a + 1..];
        if let Some(b) = rest.find('>') {
            let e = rest[..b].trim().to_ascii_lowercase();
            return valid_email(&e).then_some(e);
        }
    }
    line.split_whitespace()
        .map(|w| {
            w.trim_matches([',', ';', '(', ')', '<', '>'])
                .to_ascii_lowercase()
        })
        .find(|w| valid_email(w))
}

/// Resolves every line of `recipients` ("Như trên" through `addressees`) for a document of the
/// agency `own_agency`: lines naming only that agency are internal.
pub async fn resolve_lines(
    store: &Store,
    recipients: &str,
    addressees: &str,
    own_agency: &str,
) -> Result<Resolved> {
    let index = crate::directive_intake::directory_index(store).await?;
    let agencies = directory::agencies(store.db()).await?;
    let mut out = Resolved::default();
    // In the order written (the archive note flagged).
    let mut lines: Vec<(String, bool)> = Vec::new();
    for raw in recipients.lines() {
        let line = clean(raw);
        if line.is_empty() {
            continue;
        }
        let folded = fold(&line);
        if folded.starts_with("luu") {
            lines.push((line, true));
        } else if folded == "nhu tren" {
            lines.extend(
                addressees
                    .split(['\n', ';'])
                    .map(clean)
                    .filter(|l| !l.is_empty())
                    .map(|l| (format!("Như trên: {l}"), false)),
            );
        } else {
            lines.push((line, false));
        }
    }
    for (line, archive) in lines {
        if archive {
            out.lines.push(Line {
                text: line,
                status: LineStatus::Archive,
                detail: "lưu tại cơ quan ban hành".into(),
            });
            continue;
        }
        let name = line.strip_prefix("Như trên: ").unwrap_or(&line);
        if let Some(email) = email_in(name) {
            if !out.recipients.iter().any(|r| r.email == email) {
                out.recipients.push(Recipient {
                    text: name.to_owned(),
                    agency_id: None,
                    email: email.clone(),
                });
            }
            out.lines.push(Line {
                detail: format!("gửi thư điện tử tới {email}"),
                text: line,
                status: LineStatus::Email,
            });
            continue;
        }
        let r = index.resolve(name);
        let mut codes = r.agency_codes();
        if (codes.is_empty() || !r.unresolved.is_empty())
            && let Some(body) = internal_body(name)
        {
            // "Chủ tịch, các PCT UBND tỉnh" in a department's letter: the body is the province.
            let other: Vec<String> = if body.is_empty() {
                Vec::new()
            } else {
                let b = index.resolve(&body);
                if b.unresolved.is_empty() {
                    b.agency_codes()
                } else {
                    Vec::new()
                }
            };
            if other.is_empty() || other.iter().all(|c| c == own_agency) {
                out.lines.push(Line {
                    text: line,
                    status: LineStatus::Internal,
                    detail: "gửi nội bộ trong cơ quan ban hành (không gửi ra ngoài)".into(),
                });
                continue;
            }
            codes = other;
        } else if codes.is_empty() || !r.unresolved.is_empty() {
            out.lines.push(Line {
                text: line,
                status: LineStatus::Unresolved,
                detail: "không có trong danh bạ: sửa theo tên trong danh bạ hoặc ghi kèm địa chỉ thư điện tử".into(),
            });
            continue;
        }
        if codes.iter().all(|c| c == own_agency) {
            out.lines.push(Line {
                text: line,
                status: LineStatus::Internal,
                detail: "gửi nội bộ trong cơ quan ban hành (không gửi ra ngoài)".into(),
            });
            continue;
        }
        let mut names = Vec::new();
        for code in codes.iter().filter(|c| *c != own_agency) {
            if let Some(a) = agencies.iter().find(|a| &a.code == code) {
                names.push(a.name.clone());
                if !out.recipients.iter().any(|x| x.email == a.email) {
                    out.recipients.push(Recipient {
                        text: a.name.clone(),
                        agency_id: Some(a.id),
                        email: a.email.clone(),
                    });
                }
            }
        }
        out.lines.push(Line {
            text: line,
            status: LineStatus::Agency,
            detail: names.join(", "),
        });
    }
    Ok(out)
}

/// The refusal for unresolved lines, saying what to do about them.
pub fn unresolved_error(lines: &[String], at_issuing: bool) -> AppError {
    let fix = if at_issuing {
        "Đánh dấu \"Gửi bản giấy\" cho dòng đó (ghi vào sổ văn bản đi), hoặc trả lại chuyên viên để sửa Nơi nhận (văn bản sẽ phải ký lại)."
    } else {
        "Sửa dòng Nơi nhận theo tên trong danh bạ, ghi kèm địa chỉ thư điện tử (ví dụ: Công ty A <a@congty.vn>), hoặc ghi nơi nhận nội bộ (ví dụ: Giám đốc, các PGĐ Sở)."
    };
    AppError::Invalid(format!(
        "Không xác định được nơi nhận: {}. {fix}",
        lines.join("; ")
    ))
}

/// The longest Nơi nhận (or Kính gửi) text a check accepts.
pub const MAX_TEXT: usize = 20_000;

/// The drafter's live check: every line of an unsaved Nơi nhận of document `doc_id`, resolved
/// as issuing will resolve it. Anyone who sees the working document may ask.
pub async fn check(
    store: &Store,
    registry: &crate::registry::Registry,
    p: &crate::Principal,
    doc_id: i32,
    recipients: &str,
    addressees: &str,
) -> Result<Vec<Line>> {
    if recipients.len() > MAX_TEXT || addressees.len() > MAX_TEXT {
        return Err(AppError::Invalid(format!(
            "Nơi nhận quá dài: tối đa {MAX_TEXT} ký tự."
        )));
    }
    let l =
        crate::documents::load(store, registry, p, doc_id, crate::access::Want::Working).await?;
    let recipients = trinhky_domain::text::nfc(recipients);
    let addressees = trinhky_domain::text::nfc(addressees);
    Ok(
        resolve_lines(store, &recipients, &addressees, &l.agency_code)
            .await?
            .lines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r13_an_arrow_before_the_address_does_not_panic() {
        assert_eq!(
            email_in("- Công ty -> A <a@b.vn").as_deref(),
            Some("a@b.vn")
        );
        assert_eq!(email_in("Công ty -> A <a@b.vn>").as_deref(), Some("a@b.vn"));
        assert_eq!(email_in("A > B").as_deref(), None);
        assert_eq!(email_in(">< x@y.vn").as_deref(), Some("x@y.vn"));
        assert_eq!(
            email_in("Sở Nội vụ <SNV@daknong.gov.vn>").as_deref(),
            Some("snv@daknong.gov.vn")
        );
        assert_eq!(email_in("gửi a@b.vn; c@d.vn").as_deref(), Some("a@b.vn"));
    }
}
