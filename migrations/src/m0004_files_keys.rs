//! Rendered and signed files of each document version, and the signing keys (PKCS#12, encrypted
//! with the holder's PIN; the database never sees a PIN or a clear key).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DocumentFiles {
    Table,
    Id,
    DocumentId,
    VersionNo,
    Kind,
    BlobSha256,
    Pages,
    CreatedAt,
}
#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Id,
    OwnerKind,
    OwnerId,
    Subject,
    CertificatePem,
    P12Sha256,
    RevokedAt,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DocumentFiles::Table)
                .col(
                    ColumnDef::new(DocumentFiles::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(DocumentFiles::DocumentId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentFiles::VersionNo)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(DocumentFiles::Kind).string().not_null())
                .col(
                    ColumnDef::new(DocumentFiles::BlobSha256)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(DocumentFiles::Pages).integer().not_null())
                .col(
                    ColumnDef::new(DocumentFiles::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocumentFiles::Table, DocumentFiles::DocumentId)
                        .to(Documents::Table, Documents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocumentFiles::Table, DocumentFiles::BlobSha256)
                        .to(Blobs::Table, Blobs::Sha256),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_document_files_doc")
                .table(DocumentFiles::Table)
                .col(DocumentFiles::DocumentId)
                .col(DocumentFiles::VersionNo)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(
                    ColumnDef::new(SigningKeys::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(SigningKeys::OwnerKind).string().not_null())
                .col(ColumnDef::new(SigningKeys::OwnerId).integer().not_null())
                .col(ColumnDef::new(SigningKeys::Subject).text().not_null())
                .col(
                    ColumnDef::new(SigningKeys::CertificatePem)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(SigningKeys::P12Sha256).string().not_null())
                .col(
                    ColumnDef::new(SigningKeys::RevokedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(SigningKeys::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SigningKeys::Table, SigningKeys::P12Sha256)
                        .to(Blobs::Table, Blobs::Sha256),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_signing_keys_owner")
                .table(SigningKeys::Table)
                .col(SigningKeys::OwnerKind)
                .col(SigningKeys::OwnerId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SigningKeys::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DocumentFiles::Table).to_owned())
            .await
    }
}
