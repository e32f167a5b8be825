//! PDF and document handling for trinhky.
//!
//! Today this crate owns one job: [`extract`] turns an uploaded directive (a
//! `.txt`, `.docx` or `.pdf` with a text layer) into plain NFC text that the
//! intake step can parse. It is a pure library: no database, no async, no
//! network, no global state, and no input can make it panic.
//!
//! The crate will grow into the project's PDF layer, split the way pyHanko
//! splits its packages, so that reading and writing PDFs knows nothing about
//! signatures:
//!
//! - `render/` — produce the issued document's PDF (PDF/A-2b) from its data;
//! - `incremental/` — incremental updates that append to a PDF without touching
//!   the bytes an earlier signature covers;
//! - `sign/` — PAdES signatures (CMS built here, the private-key operation done
//!   by whatever holds the key) and visible signature / seal appearances;
//! - `verify/` — validating signatures and reporting what changed after them.
//!
//! Network access happens only where a signature level asks for it: an RFC
//! 3161 time-stamp (PAdES B-T, `SignOptions::tsa_url`) and CRLs fetched for a
//! DSS (PAdES B-LT, `sign::fetch_crls`), through the small blocking client in
//! `http`. Verification never touches the network.
//!
//! What it must not do: know about workflow states, users or serving HTTP. Callers map
//! [`extract::ExtractError`] to their own responses; every message already says
//! what is wrong with the file and how the uploader can fix it.

pub mod extract;
pub mod form;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod http;
pub mod incremental;
pub mod limits;
pub mod pki;
pub mod sign;
pub mod verify;
