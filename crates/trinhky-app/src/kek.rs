//! The key-encryption key (KEK): 32 random bytes kept outside the database (a 0600 file named by
//! `TRINHKY_KEK_FILE`, or base64 in `TRINHKY_KEK`). Every signing key's PKCS#12 is stored wrapped
//! with it (AES-256-GCM), so a copy of the database alone — a backup — holds no PKCS#12 whose PIN
//! could be guessed offline. The PIN still protects the PKCS#12 inside the wrapping; keys are
//! unwrapped only in memory, at signing time.
//!
//! Wrapped blob: `TKW1` ‖ KEK id (8 bytes) ‖ nonce (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes).
//! The magic, the KEK id and the caller's context (the key's holder) are authenticated data, so
//! a wrapped key moved to another holder's row does not open.
//!
//! Other secrets are derived from the KEK with HMAC-SHA256 over a fixed label ([`Kek::derive`]),
//! one label per use: the KEK id (`trinhky kek id v1`) and the audit checkpoints' MAC key
//! (`trinhky audit checkpoint v1`).

use std::io::Write;
use std::path::{Path, PathBuf};

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};

/// Length of a KEK in bytes (AES-256).
pub const KEK_LEN: usize = 32;
const MAGIC: &[u8; 4] = b"TKW1";
const ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + ID_LEN;

/// What went wrong with the KEK or a wrapped key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KekError {
    #[error(
        "no key-encryption key (KEK). Signing keys are stored wrapped with a key kept outside the \
         database. Create one with `trinhky keys init-kek /etc/trinhky/kek` (32 random bytes, mode \
         0600, owned by the service user), then set TRINHKY_KEK_FILE=/etc/trinhky/kek (or \
         kek_file in the settings file), or put the file's base64 content in TRINHKY_KEK. Keep a \
         copy apart from the database backups: without it no stored key can sign.{hint}"
    )]
    Missing { hint: String },
    #[error("KEK file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "KEK file {path} can be read by other users (mode {mode:o}). Fix: chmod 600 {path} (and chown it to the service user)"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error(
        "{what} is not a KEK: expected the base64 of {KEK_LEN} bytes, as written by `trinhky keys init-kek FILE`"
    )]
    Malformed { what: String },
    #[error(
        "the key was wrapped with KEK {stored}, but the configured KEK is {configured}: set TRINHKY_KEK_FILE to the KEK the keys were stored with"
    )]
    OtherKek { stored: String, configured: String },
    #[error(
        "the wrapped key does not open with this KEK: it was altered or moved to another holder"
    )]
    Unwrap,
    #[error("not a wrapped key (no TKW1 header)")]
    NotWrapped,
    #[error("cryptography failed: {0}")]
    Crypto(String),
}

fn crypto(e: impl std::fmt::Display) -> KekError {
    KekError::Crypto(e.to_string())
}

/// The key-encryption key. Never printed.
#[derive(Clone)]
pub struct Kek {
    key: [u8; KEK_LEN],
    id: [u8; ID_LEN],
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id())
    }
}

impl Kek {
    /// A KEK from its 32 bytes.
    pub fn from_bytes(key: [u8; KEK_LEN]) -> Result<Kek, KekError> {
        let mut k = Kek {
            key,
            id: [0; ID_LEN],
        };
        let d = k.derive("trinhky kek id v1")?;
        k.id.copy_from_slice(&d[..ID_LEN]);
        Ok(k)
    }

    /// A new random KEK.
    pub fn generate() -> Result<Kek, KekError> {
        let mut key = [0u8; KEK_LEN];
        openssl::rand::rand_bytes(&mut key).map_err(crypto)?;
        Kek::from_bytes(key)
    }

    /// Parses the base64 text of a KEK file or of `TRINHKY_KEK` (`what` names it in errors).
    pub fn parse(text: &str, what: &str) -> Result<Kek, KekError> {
        let malformed = || KekError::Malformed {
            what: what.to_owned(),
        };
        let bytes = openssl::base64::decode_block(text.trim()).map_err(|_| malformed())?;
        let key: [u8; KEK_LEN] = bytes.as_slice().try_into().map_err(|_| malformed())?;
        Kek::from_bytes(key)
    }

    /// Reads a KEK file; refused when group or others may read it.
    pub fn load_file(path: &Path) -> Result<Kek, KekError> {
        let io = |source| KekError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KekError::Permissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let text = std::fs::read_to_string(path).map_err(io)?;
        Kek::parse(&text, &format!("the KEK file {}", path.display()))
    }

    /// Writes a new random KEK to `path` (mode 0600, never over an existing file: keys wrapped
    /// with the old KEK would be lost).
    pub fn create_file(path: &Path) -> Result<Kek, KekError> {
        let kek = Kek::generate()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| KekError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let text = format!("{}\n", openssl::base64::encode_block(&kek.key));
        write_private_new(path, text.as_bytes()).map_err(|source| KekError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(kek)
    }

    /// The KEK's public id (16 hex digits, derived from it; reveals nothing about the key).
    pub fn id(&self) -> String {
        hex::encode(self.id)
    }

    /// A 32-byte secret for one purpose: HMAC-SHA256(KEK, label).
    pub fn derive(&self, label: &str) -> Result<[u8; 32], KekError> {
        let mac = hmac_sha256(&self.key, label.as_bytes())?;
        let mut out = [0u8; 32];
        out.copy_from_slice(&mac[..32]);
        Ok(out)
    }

    /// Wraps `plain` (a PKCS#12) for the holder named by `context`.
    pub fn wrap(&self, context: &[u8], plain: &[u8]) -> Result<Vec<u8>, KekError> {
        let mut nonce = [0u8; NONCE_LEN];
        openssl::rand::rand_bytes(&mut nonce).map_err(crypto)?;
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plain.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.id);
        let aad = [&out[..HEADER_LEN], context].concat();
        let mut tag = [0u8; TAG_LEN];
        let ct = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.key,
            Some(&nonce),
            &aad,
            plain,
            &mut tag,
        )
        .map_err(crypto)?;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Opens what [`Kek::wrap`] made for the same `context`, in memory.
    pub fn unwrap(&self, context: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, KekError> {
        if !is_wrapped(wrapped) {
            return Err(KekError::NotWrapped);
        }
        if wrapped.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
            return Err(KekError::Unwrap);
        }
        let stored = &wrapped[MAGIC.len()..HEADER_LEN];
        if stored != self.id {
            return Err(KekError::OtherKek {
                stored: hex::encode(stored),
                configured: self.id(),
            });
        }
        let aad = [&wrapped[..HEADER_LEN], context].concat();
        let nonce = &wrapped[HEADER_LEN..HEADER_LEN + NONCE_LEN];
        let (ct, tag) = wrapped[HEADER_LEN + NONCE_LEN..]
            .split_at(wrapped.len() - HEADER_LEN - NONCE_LEN - TAG_LEN);
        decrypt_aead(Cipher::aes_256_gcm(), &self.key, Some(nonce), &aad, ct, tag)
            .map_err(|_| KekError::Unwrap)
    }
}

/// Whether `blob` is a wrapped key (starts with the `TKW1` header).
pub fn is_wrapped(blob: &[u8]) -> bool {
    blob.starts_with(MAGIC)
}

/// HMAC-SHA256 (openssl).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, KekError> {
    let pkey = PKey::hmac(key).map_err(crypto)?;
    let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &pkey).map_err(crypto)?;
    s.sign_oneshot_to_vec(data).map_err(crypto)
}

/// Creates `dir` (and its parents) with mode 0700 where it does not exist yet.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Writes a new file readable by its owner only (0600); fails when it exists.
pub fn write_private_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn wrap_round_trip_binds_the_holder_and_the_kek() {
        let kek = Kek::generate().unwrap();
        let w = kek.wrap(b"user:7", b"pkcs12 bytes").unwrap();
        assert!(is_wrapped(&w));
        assert!(!w.windows(5).any(|x| x == b"pkcs1"), "ciphertext only");
        assert_eq!(kek.unwrap(b"user:7", &w).unwrap(), b"pkcs12 bytes");
        assert!(matches!(kek.unwrap(b"user:8", &w), Err(KekError::Unwrap)));
        let mut flipped = w.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(
            kek.unwrap(b"user:7", &flipped),
            Err(KekError::Unwrap)
        ));
        let other = Kek::generate().unwrap();
        assert!(matches!(
            other.unwrap(b"user:7", &w),
            Err(KekError::OtherKek { .. })
        ));
        // Two wraps of the same key differ (random nonce).
        assert_ne!(w, kek.wrap(b"user:7", b"pkcs12 bytes").unwrap());
    }

    #[test]
    fn kek_files_are_private_and_parse_back() {
        let dir = std::env::temp_dir().join(format!("trinhky-kek-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub/kek");
        let kek = Kek::create_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(dir.join("sub"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700);
        }
        assert_eq!(Kek::load_file(&path).unwrap().id(), kek.id());
        assert!(Kek::create_file(&path).is_err(), "never overwrites");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Kek::load_file(&path),
                Err(KekError::Permissions { .. })
            ));
        }
        assert!(matches!(
            Kek::parse("c2hvcnQ=", "TRINHKY_KEK"),
            Err(KekError::Malformed { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn derived_secrets_are_separated_by_label() {
        let kek = Kek::from_bytes([7; KEK_LEN]).unwrap();
        assert_ne!(kek.derive("a").unwrap(), kek.derive("b").unwrap());
        assert_eq!(kek.id().len(), 16);
        // RFC 4231 test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?").unwrap();
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
