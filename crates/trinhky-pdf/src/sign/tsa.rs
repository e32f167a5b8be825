//! RFC 3161 time-stamps for PAdES B-T: ask a time-stamping authority (TSA) to
//! sign the SHA-256 of the SignerInfo's signature value; the reply's token
//! becomes the unsigned attribute id-aa-signatureTimeStampToken.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::{OctetString, Uint};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;

use super::SignError;

/// id-ct-TSTInfo (RFC 3161): the eContentType of a time-stamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping, the extended key usage a TSA certificate must carry.
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// `MessageImprint`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// `TimeStampReq` (extensions never sent).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
}

/// `PKIStatusInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<der::asn1::BitString>,
}

/// `TimeStampResp`; the token is kept as the DER of its ContentInfo.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// `TSTInfo`. `genTime` is kept raw: TSAs may add fractional seconds, which
/// the `der` crate's GeneralizedTime rejects.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Uint,
    pub gen_time: Any,
    #[asn1(optional = "true")]
    pub accuracy: Option<Any>,
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<x509_cert::ext::Extensions>,
}

impl TstInfo {
    /// `genTime` as RFC 3339 UTC (`2025-03-14T02:30:00Z`, fraction kept).
    pub fn time(&self) -> Option<String> {
        generalized_time(self.gen_time.value())
    }
}

/// `YYYYMMDDHHMMSS[.f+]Z` → `YYYY-MM-DDTHH:MM:SS[.f+]Z`.
pub fn generalized_time(b: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(b).ok()?;
    let body = s.strip_suffix('Z')?;
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.len() != 14
        || !whole.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!(
        "{}-{}-{}T{}:{}:{}{frac}Z",
        &whole[0..4],
        &whole[4..6],
        &whole[6..8],
        &whole[8..10],
        &whole[10..12],
        &whole[12..14]
    ))
}

fn ts_err(url: &str, what: impl std::fmt::Display) -> SignError {
    SignError::Timestamp(format!("{url}: {what}"))
}

/// The DER `TimeStampReq` for `message` (SHA-256 imprint, `nonce`, certReq).
pub fn request_der(message: &[u8], nonce: &[u8]) -> Result<Vec<u8>, SignError> {
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: super::cms::sha256_alg(),
            hashed_message: OctetString::new(openssl::sha::sha256(message).as_slice())
                .map_err(super::cms::cms_err)?,
        },
        req_policy: None,
        nonce: Some(Uint::new(nonce).map_err(super::cms::cms_err)?),
        cert_req: true,
    };
    req.to_der().map_err(super::cms::cms_err)
}

/// Ask the TSA at `url` to time-stamp `message` (the signature value) and
/// return the token (DER ContentInfo). The reply is checked: status granted,
/// the imprint is SHA-256 of `message`, the nonce is ours.
pub fn timestamp(url: &str, message: &[u8]) -> Result<Vec<u8>, SignError> {
    let mut nonce = [0u8; 8];
    openssl::rand::rand_bytes(&mut nonce).map_err(SignError::openssl)?;
    nonce[0] &= 0x7f;
    nonce[0] |= 0x01; // positive, no leading zero byte
    let req = request_der(message, &nonce)?;
    let resp = crate::http::post(
        url,
        "application/timestamp-query",
        "application/timestamp-reply",
        &req,
    )
    .map_err(SignError::Timestamp)?;
    if let Some(ct) = &resp.content_type
        && !ct.to_ascii_lowercase().contains("timestamp-reply")
        && !ct.to_ascii_lowercase().contains("timestamp-response")
    {
        return Err(ts_err(
            url,
            format!("the server answered {ct}, not application/timestamp-reply"),
        ));
    }
    let token = parse_response(&resp.body, message, &nonce).map_err(|e| ts_err(url, e))?;
    Ok(token)
}

/// Check a `TimeStampResp` against the request and return the token's DER.
pub fn parse_response(body: &[u8], message: &[u8], nonce: &[u8]) -> Result<Vec<u8>, String> {
    let resp = TimeStampResp::from_der(body)
        .map_err(|e| format!("the reply is not an RFC 3161 TimeStampResp: {e}"))?;
    if resp.status.status > 1 {
        let text = resp
            .status
            .status_string
            .map(|s| s.join("; "))
            .unwrap_or_default();
        return Err(format!(
            "the time-stamp was refused (status {}){}",
            resp.status.status,
            if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            }
        ));
    }
    let token = resp
        .time_stamp_token
        .ok_or("the reply grants a time-stamp but holds no token")?;
    let token = token.to_der().map_err(|e| e.to_string())?;
    let tst = tst_info(&token)?;
    if tst.message_imprint.hash_algorithm.oid != rfc5912::ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes() != openssl::sha::sha256(message)
    {
        return Err("the token time-stamps other data (message imprint differs)".into());
    }
    let ours = strip_zero(nonce);
    if tst.nonce.as_ref().map(|n| strip_zero(n.as_bytes())) != Some(ours) {
        return Err("the token's nonce is not the one sent (replayed reply?)".into());
    }
    Ok(token)
}

fn strip_zero(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n.min(b.len().saturating_sub(1))..]
}

/// The `TSTInfo` inside a token (no signature check).
pub fn tst_info(token: &[u8]) -> Result<TstInfo, String> {
    let ci = cms::content_info::ContentInfo::from_der(token)
        .map_err(|e| format!("the token is not a CMS ContentInfo: {e}"))?;
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| format!("the token is not a SignedData: {e}"))?;
    tst_info_of(&sd)
}

pub(crate) fn tst_info_of(sd: &cms::signed_data::SignedData) -> Result<TstInfo, String> {
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token has no TSTInfo content")?;
    let octets: OctetString = content
        .decode_as()
        .map_err(|e| format!("the TSTInfo is not an OCTET STRING: {e}"))?;
    TstInfo::from_der(octets.as_bytes()).map_err(|e| format!("the TSTInfo cannot be parsed: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generalized_times_become_rfc3339() {
        assert_eq!(
            generalized_time(b"20250314023000Z").as_deref(),
            Some("2025-03-14T02:30:00Z")
        );
        assert_eq!(
            generalized_time(b"20250314023000.25Z").as_deref(),
            Some("2025-03-14T02:30:00.25Z")
        );
        assert_eq!(generalized_time(b"2025031402Z"), None);
    }

    #[test]
    fn requests_are_der() {
        let der = request_der(b"sig", &[0x12, 0x34]).unwrap();
        let back = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(back.version, 1);
        assert!(back.cert_req);
        assert_eq!(back.nonce.unwrap().as_bytes(), &[0x12, 0x34]);
        assert_eq!(
            back.message_imprint.hashed_message.as_bytes(),
            openssl::sha::sha256(b"sig")
        );
        // certReq TRUE is encoded (DEFAULT FALSE), as `01 01 FF`.
        assert!(der.windows(3).any(|w| w == [0x01, 0x01, 0xFF]));
    }

    #[test]
    fn refusals_are_explained() {
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: 2,
                status_string: Some(vec!["bad request".into()]),
                fail_info: None,
            },
            time_stamp_token: None,
        };
        let e = parse_response(&resp.to_der().unwrap(), b"x", &[1]).unwrap_err();
        assert!(e.contains("refused (status 2): bad request"), "{e}");
    }
}
