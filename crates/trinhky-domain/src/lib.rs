//! trinhky-domain: the vocabulary of trinhky and its pure rules.
//!
//! Owns the types (agencies, roles, directory files, audit hashing, text folding) and, in later
//! modules, the workflow engine and the directive parser. It must not do I/O, be async, or know
//! about HTTP or SQL: everything here is a function of its inputs, so it can be tested directly.
//!
//! Glossary (identifier → Vietnamese term used in the UI and documents):
//! - `Agency` → cơ quan, đơn vị (Sở, Ban, UBND huyện, Văn phòng UBND …; always data, never code)
//! - `RecipientGroup` → nhóm nơi nhận ("Các Sở, Ban, ngành")
//! - `Role::Drafter` → chuyên viên; `Role::AgencyHead` → thủ trưởng / người đứng đầu;
//!   `Role::DeputyHead` → cấp phó; `Role::Clerk` → văn thư; `Role::Admin` → quản trị hệ thống
//! - `province_office` → Văn phòng UBND tỉnh, which receives, registers and archives
//! - `AuditEvent` → nhật ký thao tác

pub mod audit;
pub mod diff;
pub mod directive;
pub mod directory;
pub mod incoming;
pub mod numbering;
pub mod resolve;
pub mod role;
pub mod text;
pub mod time;
pub mod workflow;

pub use role::Role;
