//! trinhky-migrations: the database schema, as sea-orm migrations that run on SQLite and
//! PostgreSQL alike. `trinhky migrate` and `trinhky serve` apply them; never edit a migration that
//! has shipped — add a new one.

pub use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_directives;
mod m0003_workflow;
mod m0004_files_keys;
mod m0005_numbering;
mod m0006_outbox;
mod m0007_incoming;
mod m0008_classification;
mod m0009_reminders;
mod m0010_holidays;
mod m0011_attachments;
mod m0013_search;
mod m0014_tokens_throttle;
mod m0015_keys_audit;
mod m0016_notices;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_directives::Migration),
            Box::new(m0003_workflow::Migration),
            Box::new(m0004_files_keys::Migration),
            Box::new(m0005_numbering::Migration),
            Box::new(m0006_outbox::Migration),
            Box::new(m0007_incoming::Migration),
            Box::new(m0008_classification::Migration),
            Box::new(m0009_reminders::Migration),
            Box::new(m0010_holidays::Migration),
            Box::new(m0011_attachments::Migration),
            Box::new(m0013_search::Migration),
            Box::new(m0014_tokens_throttle::Migration),
            Box::new(m0015_keys_audit::Migration),
            Box::new(m0016_notices::Migration),
        ]
    }
}
