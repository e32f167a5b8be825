//! Who holds the key. Signing code only ever hands a [`Signer`] the DER of the
//! signed attributes; a PKCS#11 token or remote HSM implements the same trait.

use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;

use super::SignError;

/// The key type, which decides the CMS signature algorithm identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (`rsaEncryption` in the SignerInfo).
    Rsa,
    /// ECDSA P-256 with SHA-256; the signature is a DER `ECDSA-Sig-Value`.
    EcdsaP256,
}

/// A private key with its certificate.
pub trait Signer {
    /// DER of the signer's certificate.
    fn certificate_der(&self) -> &[u8];
    /// DER of the intermediate certificates (and optionally the root) to embed.
    fn chain_der(&self) -> &[Vec<u8>];
    /// Key type of the certificate's public key.
    fn key_algorithm(&self) -> KeyAlgorithm;
    /// Sign `data` (the DER of the signed attributes, a SET) with SHA-256.
    /// ECDSA signatures must be DER-encoded (wrap a token's raw r‖s).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A key held in process memory (unlocked from a PKCS#12 file with the PIN).
pub struct LocalSigner {
    key: PKey<Private>,
    cert: X509,
    cert_der: Vec<u8>,
    chain_der: Vec<Vec<u8>>,
    alg: KeyAlgorithm,
}

impl std::fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSigner")
            .field("subject", &self.cert.subject_name())
            .finish_non_exhaustive()
    }
}

impl LocalSigner {
    /// Pair a private key with its certificate and chain. Fails when the key
    /// does not match the certificate or is neither RSA nor P-256.
    pub fn new(key: PKey<Private>, cert: X509, chain: Vec<X509>) -> Result<Self, SignError> {
        let public = cert.public_key().map_err(SignError::openssl)?;
        if !public.public_eq(&key) {
            return Err(SignError::KeyMismatch);
        }
        let alg = match key.id() {
            Id::RSA => KeyAlgorithm::Rsa,
            Id::EC => KeyAlgorithm::EcdsaP256,
            other => return Err(SignError::UnsupportedKey(format!("{other:?}"))),
        };
        let cert_der = cert.to_der().map_err(SignError::openssl)?;
        let chain_der = chain
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(SignError::openssl)?;
        Ok(Self {
            key,
            cert,
            cert_der,
            chain_der,
            alg,
        })
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &X509 {
        &self.cert
    }
}

impl Signer for LocalSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }
    fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.alg
    }
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &self.key)
            .map_err(SignError::openssl)?;
        s.sign_oneshot_to_vec(data).map_err(SignError::openssl)
    }
}
