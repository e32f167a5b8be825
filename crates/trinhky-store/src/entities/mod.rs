//! sea-orm entities, one module per table (see `migrations/`).

pub mod agency;
pub mod api_token;
pub mod assignment;
pub mod audit_event;
pub mod audit_head;
pub mod blob;
pub mod consultation;
pub mod delegation;
pub mod directive;
pub mod directory_settings;
pub mod document;
pub mod document_file;
pub mod document_version;
pub mod effect;
pub mod group_member;
pub mod login_attempt;
pub mod number_counter;
pub mod outgoing_register;
pub mod recipient_group;
pub mod session;
pub mod signing_key;
pub mod transition;
pub mod user;
pub mod user_role;
pub mod workflow_definition;
pub mod workflow_instance;
