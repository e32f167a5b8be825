//! Delivery into the recipients' registers, inside the issuing transaction.

use super::*;

/// An issued document as the recipients' registers record it.
pub struct Issued<'a> {
    pub document_id: i32,
    pub from_agency_id: i32,
    pub from_agency_name: &'a str,
    pub number: &'a str,
    pub doc_type: &'a str,
    pub doc_date: NaiveDate,
    pub title: &'a str,
    pub signer: &'a str,
    pub file_sha256: Option<String>,
}

/// Delivers an issued document to every recipient agency that uses trinhky (has a clerk
/// account), once per agency, never to the issuing agency itself. Call inside the issuing
/// transaction. Returns the number of deliveries.
pub async fn deliver<C: sea_orm::ConnectionTrait>(
    conn: &C,
    actor: &str,
    doc: &Issued<'_>,
    recipient_agencies: &[i32],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut done: Vec<i32> = Vec::new();
    for &agency_id in recipient_agencies {
        if agency_id == doc.from_agency_id || done.contains(&agency_id) {
            continue;
        }
        let has_clerk = accounts::agency_members(conn, agency_id)
            .await?
            .iter()
            .any(|(_, r, _)| *r == Role::Clerk);
        if !has_clerk {
            continue;
        }
        repo::deliver(
            conn,
            actor,
            &Delivery {
                agency_id,
                document_id: doc.document_id,
                from_agency_id: doc.from_agency_id,
                from_agency_name: doc.from_agency_name.to_owned(),
                number: doc.number.to_owned(),
                doc_type: doc.doc_type.to_owned(),
                doc_date: doc.doc_date,
                title: doc.title.to_owned(),
                signer: doc.signer.to_owned(),
                file_sha256: doc.file_sha256.clone(),
            },
            now,
        )
        .await?;
        done.push(agency_id);
    }
    Ok(done.len())
}
