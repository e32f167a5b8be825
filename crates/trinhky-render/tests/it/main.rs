//! trinhky-render's one integration-test binary (STYLE.md: one per crate). Add modules here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod hostile;
mod layout;
mod poppler;
