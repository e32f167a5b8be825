//! CMS SignedData for PAdES baseline B-B, built by hand.
//!
//! OpenSSL's `CMS_sign` always adds a `signingTime` attribute, which PAdES
//! baseline forbids (the time lives in the signature dictionary's `/M`). So the
//! structure is assembled here with RustCrypto's `cms` types and only the
//! private-key operation goes to the [`Signer`]: the signed attributes are
//! exactly contentType, messageDigest and signingCertificateV2.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use super::SignError;
use super::signer::{KeyAlgorithm, Signer};

/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
pub const ID_AA_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// `IssuerSerial` of RFC 5035.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// `ESSCertIDv2` with `hashAlgorithm` left at its DEFAULT (SHA-256), so absent.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    pub cert_hash: OctetString,
    pub issuer_serial: IssuerSerial,
}

/// `SigningCertificateV2` without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

pub(crate) fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

fn signature_alg(alg: KeyAlgorithm) -> Result<AlgorithmIdentifierOwned, SignError> {
    Ok(match alg {
        KeyAlgorithm::Rsa => AlgorithmIdentifierOwned {
            oid: rfc5912::RSA_ENCRYPTION,
            parameters: Some(Any::from(der::asn1::Null)),
        },
        KeyAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned {
            oid: rfc5912::ECDSA_WITH_SHA_256,
            parameters: None,
        },
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SignError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(cms_err)?;
    Ok(Attribute { oid, values })
}

pub(crate) fn cms_err(e: der::Error) -> SignError {
    SignError::Cms(e.to_string())
}

/// The three signed attributes of a PAdES B-B signature.
fn signed_attributes(
    digest: &[u8],
    cert: &Certificate,
    cert_der: &[u8],
) -> Result<SetOfVec<Attribute>, SignError> {
    let content_type = attribute(
        rfc5911::ID_CONTENT_TYPE,
        Any::encode_from(&rfc5911::ID_DATA).map_err(cms_err)?,
    )?;
    let message_digest = attribute(
        rfc5911::ID_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(digest).map_err(cms_err)?).map_err(cms_err)?,
    )?;
    let cert_hash = openssl::sha::sha256(cert_der);
    let signing_cert = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(cert_hash.as_slice()).map_err(cms_err)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let signing_cert = attribute(
        ID_AA_SIGNING_CERTIFICATE_V2,
        Any::encode_from(&signing_cert).map_err(cms_err)?,
    )?;
    let mut attrs = SetOfVec::new();
    for a in [content_type, message_digest, signing_cert] {
        attrs.insert(a).map_err(cms_err)?;
    }
    Ok(attrs)
}

/// Build the DER of a detached CMS ContentInfo(SignedData) over `digest`
/// (SHA-256 of the PDF's byte ranges).
pub fn build_signed_data(digest: &[u8], signer: &dyn Signer) -> Result<Vec<u8>, SignError> {
    build_signed_data_with(digest, signer, None)
}

/// Obtains an RFC 3161 time-stamp token (DER ContentInfo) for the signature value.
pub type Timestamper<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, SignError>;

/// [`build_signed_data`], optionally adding the time-stamp token that
/// `timestamper` returns for the signature value as the unsigned attribute
/// id-aa-signatureTimeStampToken (PAdES B-T).
pub fn build_signed_data_with(
    digest: &[u8],
    signer: &dyn Signer,
    timestamper: Option<Timestamper<'_>>,
) -> Result<Vec<u8>, SignError> {
    let cert_der = signer.certificate_der();
    let cert = Certificate::from_der(cert_der).map_err(cms_err)?;
    let attrs = signed_attributes(digest, &cert, cert_der)?;
    // The signature covers the attributes as a SET (tag 0x31), per RFC 5652 5.4.
    let to_sign = attrs.to_der().map_err(cms_err)?;
    let signature = signer.sign(&to_sign)?;
    let unsigned_attrs = match timestamper {
        Some(ts) => {
            let token = ts(&signature)?;
            let mut set = SetOfVec::new();
            set.insert(attribute(
                ID_AA_TIME_STAMP_TOKEN,
                Any::from_der(&token).map_err(cms_err)?,
            )?)
            .map_err(cms_err)?;
            Some(set)
        }
        None => None,
    };

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(attrs),
        signature_algorithm: signature_alg(signer.key_algorithm())?,
        signature: OctetString::new(signature).map_err(cms_err)?,
        unsigned_attrs,
    };
    let mut certs = SetOfVec::new();
    certs
        .insert(CertificateChoices::Certificate(cert))
        .map_err(cms_err)?;
    for extra in signer.chain_der() {
        let c = Certificate::from_der(extra).map_err(cms_err)?;
        certs
            .insert(CertificateChoices::Certificate(c))
            .map_err(cms_err)?;
    }
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_alg()).map_err(cms_err)?;
    let mut infos = SetOfVec::new();
    infos.insert(signer_info).map_err(cms_err)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    let content_info = ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(cms_err)?,
    };
    content_info.to_der().map_err(cms_err)
}
