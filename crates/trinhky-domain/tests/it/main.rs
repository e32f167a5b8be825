//! The one integration test binary of trinhky-domain (one binary links faster than many).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod diff_props;
mod directive;
mod directive_props;
mod directive_seed;
mod resolve;
mod workflow;
