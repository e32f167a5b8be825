//! Signing keys: each holder's PKCS#12 (private key encrypted with their PIN), wrapped with the
//! key-encryption key (KEK, kept outside the database), as a blob, with its certificate. The store
//! sees only wrapped bytes and the KEK's id: wrapping and unwrapping happen in the app. The PIN is
//! never stored.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::Result;
use crate::audit::{self, AuditInput};
use crate::entities::signing_key;

/// Whose key: a person (`user`) or an organisation (`agency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User(i32),
    Agency(i32),
}

impl Owner {
    /// `("user", id)` or `("agency", id)`, as stored.
    pub fn parts(self) -> (&'static str, i32) {
        match self {
            Owner::User(id) => ("user", id),
            Owner::Agency(id) => ("agency", id),
        }
    }
}

/// Media type of a wrapped PKCS#12 blob.
pub const WRAPPED_MEDIA_TYPE: &str = "application/vnd.trinhky.wrapped-pkcs12";

/// Stores a key (replacing nothing: older keys stay for verifying old documents): `wrapped` is
/// the PKCS#12 wrapped with the KEK named `kek_id`.
#[allow(clippy::too_many_arguments)]
pub async fn store_key<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    owner: Owner,
    subject: &str,
    certificate_pem: &str,
    wrapped: &[u8],
    kek_id: &str,
) -> Result<signing_key::Model> {
    let (kind, id) = owner.parts();
    let sha = crate::blobs::put(conn, wrapped, WRAPPED_MEDIA_TYPE).await?;
    let m = signing_key::ActiveModel {
        owner_kind: Set(kind.to_owned()),
        owner_id: Set(id),
        subject: Set(subject.to_owned()),
        certificate_pem: Set(certificate_pem.to_owned()),
        p12_sha256: Set(sha),
        kek_id: Set(Some(kek_id.to_owned())),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "key.store", kind, id)
            .details(serde_json::json!({"subject": subject, "kek": kek_id})),
    )
    .await?;
    Ok(m)
}

/// Keys stored before wrapping (no KEK id): bare PKCS#12 blobs.
pub async fn unwrapped_keys<C: ConnectionTrait>(conn: &C) -> Result<Vec<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::KekId.is_null())
        .order_by_asc(signing_key::Column::Id)
        .all(conn)
        .await?)
}

/// Replaces a bare key's blob by its wrapped form (audited as `key.wrap`); the bare blob is
/// deleted when no other key row refers to it.
pub async fn store_wrapped<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    key: &signing_key::Model,
    wrapped: &[u8],
    kek_id: &str,
) -> Result<()> {
    let sha = crate::blobs::put(conn, wrapped, WRAPPED_MEDIA_TYPE).await?;
    let old = key.p12_sha256.clone();
    let mut m: signing_key::ActiveModel = key.clone().into();
    m.p12_sha256 = Set(sha);
    m.kek_id = Set(Some(kek_id.to_owned()));
    m.update(conn).await?;
    let still_used = signing_key::Entity::find()
        .filter(signing_key::Column::P12Sha256.eq(old.clone()))
        .one(conn)
        .await?
        .is_some();
    if !still_used {
        crate::entities::blob::Entity::delete_by_id(old)
            .exec(conn)
            .await?;
    }
    audit::record(
        conn,
        AuditInput::new(actor, "key.wrap", key.owner_kind.as_str(), key.owner_id)
            .details(serde_json::json!({"key_id": key.id, "subject": key.subject, "kek": kek_id})),
    )
    .await?;
    Ok(())
}

/// The current (newest, not revoked) key of an owner.
pub async fn current_key<C: ConnectionTrait>(
    conn: &C,
    owner: Owner,
) -> Result<Option<signing_key::Model>> {
    let (kind, id) = owner.parts();
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::OwnerKind.eq(kind))
        .filter(signing_key::Column::OwnerId.eq(id))
        .filter(signing_key::Column::RevokedAt.is_null())
        .order_by_desc(signing_key::Column::Id)
        .one(conn)
        .await?)
}

/// Marks the owner's current key revoked (it stays for verifying old documents); returns it.
pub async fn revoke_current<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    owner: Owner,
) -> Result<Option<signing_key::Model>> {
    let Some(key) = current_key(conn, owner).await? else {
        return Ok(None);
    };
    let mut m: signing_key::ActiveModel = key.clone().into();
    m.revoked_at = Set(Some(Utc::now()));
    let m = m.update(conn).await?;
    let (kind, id) = owner.parts();
    audit::record(
        conn,
        AuditInput::new(actor, "key.revoke", kind, id)
            .details(serde_json::json!({"subject": key.subject, "key_id": key.id})),
    )
    .await?;
    Ok(Some(m))
}

/// Every key of an owner, newest first (current, revoked and older ones).
pub async fn keys_of<C: ConnectionTrait>(
    conn: &C,
    owner: Owner,
) -> Result<Vec<signing_key::Model>> {
    let (kind, id) = owner.parts();
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::OwnerKind.eq(kind))
        .filter(signing_key::Column::OwnerId.eq(id))
        .order_by_desc(signing_key::Column::Id)
        .all(conn)
        .await?)
}

/// Every stored key (for the certificates page), newest first.
pub async fn all_keys<C: ConnectionTrait>(conn: &C) -> Result<Vec<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .order_by_desc(signing_key::Column::Id)
        .all(conn)
        .await?)
}

impl Owner {
    /// The owner a stored key row names.
    pub fn of(key: &signing_key::Model) -> Option<Owner> {
        match key.owner_kind.as_str() {
            "user" => Some(Owner::User(key.owner_id)),
            "agency" => Some(Owner::Agency(key.owner_id)),
            _ => None,
        }
    }
}
