//! Integration tests of the web layer, on the backend named by TRINHKY_TEST_DATABASE.
//! One test binary for the crate: add modules here, not new files under tests/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod admin;
mod audit_view;
mod authz;
mod csrf;
mod delegations;
mod delivery;
mod dispatch;
mod drafting;
mod effects;
mod errors;
mod follow_up;
mod incoming;
mod intake;
mod journeys;
mod keys;
mod login;
mod my_work;
mod paging;
mod parity;
mod reminders;
mod server;
mod shell;
mod signing;
mod tokens;
mod validators;
mod workflow;
