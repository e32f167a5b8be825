//! sea-orm entities, one module per table (see `migrations/`).

pub mod agency;
pub mod api_token;
pub mod assignment;
pub mod audit_event;
pub mod audit_head;
pub mod blob;
pub mod directive;
pub mod directory_settings;
pub mod group_member;
pub mod login_attempt;
pub mod recipient_group;
pub mod session;
pub mod user;
pub mod user_role;
