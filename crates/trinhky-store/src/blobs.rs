//! Content-addressed blobs: PDFs, original directive files and attachments, keyed by SHA-256 and
//! written in the same transaction as the state that refers to them.

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::entities::blob;

/// Stores `data` (once: identical content is stored once) and returns its SHA-256 in hex.
pub async fn put<C: ConnectionTrait>(conn: &C, data: &[u8], media_type: &str) -> Result<String> {
    let sha = hex::encode(Sha256::digest(data));
    if blob::Entity::find_by_id(sha.clone())
        .one(conn)
        .await?
        .is_none()
    {
        // Two transactions may store the same content at once (identical renders): the second
        // insert does nothing instead of failing on the primary key.
        blob::Entity::insert(blob::ActiveModel {
            sha256: Set(sha.clone()),
            size: Set(i64::try_from(data.len()).unwrap_or(i64::MAX)),
            media_type: Set(media_type.to_owned()),
            data: Set(data.to_vec()),
            created_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([blob::Column::Sha256])
        .exec(conn)
        .await?;
    }
    Ok(sha)
}

/// Reads a blob back and checks it still matches its address.
pub async fn get<C: ConnectionTrait>(conn: &C, sha: &str) -> Result<Option<blob::Model>> {
    let found = blob::Entity::find_by_id(sha.to_owned()).one(conn).await?;
    if let Some(b) = &found {
        let actual = hex::encode(Sha256::digest(&b.data));
        if actual != b.sha256 {
            return Err(crate::StoreError::Corrupt(format!(
                "blob {sha} does not match its content hash"
            )));
        }
    }
    Ok(found)
}
