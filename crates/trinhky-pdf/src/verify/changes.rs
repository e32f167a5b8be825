//! What changed after a signed revision: only signature machinery (new
//! signature fields and widgets, their appearances, `/AcroForm`, `/DSS`),
//! document-level bookkeeping a signing tool writes (the catalog's
//! `/Extensions`, `/Version`, `/MarkInfo`, the XMP metadata, the `/Info`
//! dictionary) and values of existing text, button and choice fields (form
//! filling), or anything else (page content, pages, annotations, other
//! catalog entries…). These are the changes pyHanko's default diff policy
//! accepts for a signature without DocMDP (`tests/it/oracle.rs` checks the two
//! agree).

use std::collections::BTreeSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::incremental::resolve;

/// What a signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The signed byte ranges reach the end of the file.
    WholeFile,
    /// A revision followed only by allowed changes (signatures, form, DSS).
    RevisionThenAllowed { revisions_after: usize },
    /// A revision followed by other changes, described.
    OtherChanges { changes: Vec<String> },
}

fn is_type(d: &Dictionary, t: &[u8]) -> bool {
    d.get(b"Type").ok().and_then(|o| o.as_name().ok()) == Some(t)
}

fn is_sig_widget(doc: &Document, o: &Object) -> bool {
    resolve(doc, o)
        .as_dict()
        .ok()
        .is_some_and(|d| d.get(b"FT").ok().and_then(|o| o.as_name().ok()) == Some(b"Sig"))
}

/// How far an allowed change goes, as the DocMDP permission levels count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// Archival additions: DSS, document time-stamps, metadata (allowed even by P=1).
    Archival,
    /// Form filling and new signatures (allowed by P=2 and P=3).
    Form,
}

/// A signature field whose value is a document time-stamp.
fn is_doc_timestamp(doc: &Document, o: &Object) -> bool {
    resolve(doc, o)
        .as_dict()
        .ok()
        .and_then(|d| d.get(b"V").ok())
        .and_then(|v| resolve(doc, v).as_dict().ok())
        .is_some_and(|v| is_type(v, b"DocTimeStamp"))
}

fn changed_keys(old: &Dictionary, new: &Dictionary) -> BTreeSet<Vec<u8>> {
    let mut keys = BTreeSet::new();
    for (k, v) in old.iter() {
        if new.get(k).ok() != Some(v) {
            keys.insert(k.clone());
        }
    }
    for (k, _) in new.iter() {
        if !old.has(k) {
            keys.insert(k.clone());
        }
    }
    keys
}

/// Keys of the catalog that may change after signing: the form and the DSS,
/// and the document-level entries a signing tool updates (extensions, the PDF
/// version, XMP metadata, `/MarkInfo`) — the catalog entries pyHanko's default
/// policy also allows.
pub(crate) const CATALOG_KEYS: &[&[u8]] = &[
    b"AcroForm",
    b"DSS",
    b"Extensions",
    b"Metadata",
    b"MarkInfo",
    b"Version",
];

/// Keys of the interactive form dictionary that signing may change.
pub(crate) const ACROFORM_KEYS: &[&[u8]] = &[b"Fields", b"SigFlags", b"DR", b"DA"];

/// Field types whose value may be filled in after signing (text, buttons, choices).
const FILLABLE: &[&[u8]] = &[b"Tx", b"Btn", b"Ch"];

/// Objects whose role allows some changes after signing.
struct Roles {
    root: Option<ObjectId>,
    acroform: Option<ObjectId>,
    /// The document information dictionary (`/Info`) of either revision.
    info: [Option<ObjectId>; 2],
    /// The XMP metadata stream of either revision.
    metadata: [Option<ObjectId>; 2],
}

fn reference(d: Option<&Dictionary>, key: &[u8]) -> Option<ObjectId> {
    d?.get(key).ok()?.as_reference().ok()
}

/// Compare the revision ending at `end` with the whole document.
pub(crate) fn coverage(pdf: &[u8], full: &Document, end: usize) -> Coverage {
    let tail = &pdf[end..];
    if tail.iter().all(|b| b.is_ascii_whitespace()) {
        return Coverage::WholeFile;
    }
    let revisions_after = tail.windows(5).filter(|w| w == b"%%EOF").count();
    let Ok(old) = Document::load_mem(&pdf[..end]) else {
        return Coverage::OtherChanges {
            changes: vec!["the signed revision cannot be read on its own".into()],
        };
    };
    let root = old.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let roles = Roles {
        root,
        acroform: reference(old.catalog().ok(), b"AcroForm"),
        info: [
            reference(Some(&old.trailer), b"Info"),
            reference(Some(&full.trailer), b"Info"),
        ],
        metadata: [
            reference(old.catalog().ok(), b"Metadata"),
            reference(full.catalog().ok(), b"Metadata"),
        ],
    };
    let new_root = full
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok();
    let mut changes = Vec::new();
    if root != new_root {
        changes.push("the document catalog was replaced".into());
    }
    let mut form_changes = Vec::new();
    for (id, new_obj) in &full.objects {
        let Some(old_obj) = old.objects.get(id) else {
            continue;
        };
        if old_obj == new_obj {
            continue;
        }
        match judge(&old, full, *id, old_obj, new_obj, &roles) {
            Ok(Level::Archival) => {}
            Ok(Level::Form) => form_changes.push(format!("object {} {}", id.0, id.1)),
            Err(why) => changes.push(why),
        }
    }
    if !form_changes.is_empty() && certification_level(&old, end) == Some(1) {
        changes.push(format!(
            "the certification signature allows no changes (DocMDP P=1), yet the form or its \
             signatures changed: {}",
            form_changes.join(", ")
        ));
    }
    for id in old.objects.keys() {
        if !full.objects.contains_key(id) {
            changes.push(format!("object {} {} was deleted", id.0, id.1));
        }
    }
    if changes.is_empty() {
        Coverage::RevisionThenAllowed { revisions_after }
    } else {
        Coverage::OtherChanges { changes }
    }
}

/// The DocMDP permission (`/P`, 1–3) of the certification signature, when the signature whose
/// revision ends at `end` is that certification signature (as pyHanko, each signature answers
/// for its own DocMDP transform only).
fn certification_level(old: &Document, end: usize) -> Option<i64> {
    let perms = resolve(old, old.catalog().ok()?.get(b"Perms").ok()?)
        .as_dict()
        .ok()?;
    let sig = resolve(old, perms.get(b"DocMDP").ok()?).as_dict().ok()?;
    let range: Vec<i64> = resolve(old, sig.get(b"ByteRange").ok()?)
        .as_array()
        .ok()?
        .iter()
        .filter_map(|o| o.as_i64().ok())
        .collect();
    let signed_end = range.get(2)?.checked_add(*range.get(3)?)?;
    if usize::try_from(signed_end).ok()? != end {
        return None;
    }
    let refs = resolve(old, sig.get(b"Reference").ok()?).as_array().ok()?;
    refs.iter()
        .filter_map(|r| resolve(old, r).as_dict().ok())
        .find(|r| r.get(b"TransformMethod").and_then(Object::as_name).ok() == Some(b"DocMDP"))
        .map(|r| {
            r.get(b"TransformParams")
                .ok()
                .and_then(|p| resolve(old, p).as_dict().ok())
                .and_then(|p| p.get(b"P").ok())
                .and_then(|p| p.as_i64().ok())
                .unwrap_or(2)
        })
}

fn field_type(doc: &Document, d: &Dictionary) -> Option<Vec<u8>> {
    if let Ok(t) = d.get(b"FT").and_then(Object::as_name) {
        return Some(t.to_vec());
    }
    // A widget of a field with several widgets: the type is the parent's.
    let parent = resolve(doc, d.get(b"Parent").ok()?).as_dict().ok()?;
    parent
        .get(b"FT")
        .and_then(Object::as_name)
        .ok()
        .map(<[u8]>::to_vec)
}

/// The keys an object of this role may change after signing; `None`: any key.
fn allowed_keys(
    full: &Document,
    id: ObjectId,
    o: &Dictionary,
    roles: &Roles,
) -> Option<&'static [&'static [u8]]> {
    if Some(id) == roles.root {
        return Some(CATALOG_KEYS);
    }
    if Some(id) == roles.acroform {
        return Some(ACROFORM_KEYS);
    }
    if roles.info.contains(&Some(id)) {
        return None; // the document information dictionary (title, producer, dates)
    }
    if is_type(o, b"Page") {
        return Some(&[b"Annots"]);
    }
    let ft = field_type(full, o);
    if ft.as_deref() == Some(b"Sig") && !o.has(b"V") {
        return Some(&[b"V", b"AP", b"Lock"]);
    }
    if ft.is_some_and(|t| FILLABLE.contains(&t.as_slice())) {
        // Form filling: a value (the clerk's number and date, a ticked box, a choice) and its
        // appearance, in fields that existed when the signature was made.
        return Some(&[b"V", b"AP", b"AS"]);
    }
    Some(&[])
}

/// Whether the change of object `id` is allowed, and at which level; why not.
fn judge(
    old_doc: &Document,
    full: &Document,
    id: ObjectId,
    old: &Object,
    new: &Object,
    roles: &Roles,
) -> Result<Level, String> {
    let at = format!("object {} {}", id.0, id.1);
    match (old, new) {
        (Object::Stream(s), _) if is_type(&s.dict, b"XRef") || is_type(&s.dict, b"ObjStm") => {
            Ok(Level::Archival)
        }
        // The XMP metadata, rewritten by the signing tool.
        (Object::Stream(_), Object::Stream(n))
            if roles.metadata.contains(&Some(id)) && is_type(&n.dict, b"Metadata") =>
        {
            Ok(Level::Archival)
        }
        (Object::Dictionary(o), Object::Dictionary(n)) => {
            judge_dict(old_doc, full, id, o, n, roles)
        }
        (Object::Array(before), Object::Array(after)) => {
            appended_level(full, before, after).ok_or_else(|| format!("array {at} changed"))
        }
        (Object::Stream(_), _) => Err(format!("stream {at} (content or image) changed")),
        _ => Err(format!("{at} changed")),
    }
}

fn judge_dict(
    old_doc: &Document,
    full: &Document,
    id: ObjectId,
    o: &Dictionary,
    n: &Dictionary,
    roles: &Roles,
) -> Result<Level, String> {
    let at = format!("object {} {}", id.0, id.1);
    // `None`: any key may change (the /Info dictionary).
    let Some(allowed) = allowed_keys(full, id, o, roles) else {
        return Ok(Level::Archival);
    };
    let keys = changed_keys(o, n);
    let bad: Vec<String> = keys
        .iter()
        .filter(|k| !allowed.contains(&k.as_slice()))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    if !bad.is_empty() {
        let what = if is_type(o, b"Page") {
            "page"
        } else if Some(id) == roles.root {
            "catalog"
        } else {
            "dictionary"
        };
        return Err(format!("{what} {at}: /{} changed", bad.join(", /")));
    }
    let array = |doc: &Document, d: &Dictionary, key: &[u8]| -> Option<Vec<Object>> {
        d.get(key)
            .ok()
            .and_then(|a| resolve(doc, a).as_array().ok())
            .cloned()
    };
    if is_type(o, b"Page") && keys.contains(b"Annots".as_slice()) {
        let before = array(old_doc, o, b"Annots").unwrap_or_default();
        let after = array(full, n, b"Annots").unwrap_or_default();
        return appended_level(full, &before, &after).ok_or_else(|| {
            format!("page {at}: annotations other than signature widgets were added or removed")
        });
    }
    if Some(id) == roles.acroform && keys.contains(b"Fields".as_slice()) {
        // Which fields were added decides the level; what they are is checked where they sit.
        return Ok(
            match (array(old_doc, o, b"Fields"), array(full, n, b"Fields")) {
                (Some(before), Some(after)) => {
                    appended_level(full, &before, &after).unwrap_or(Level::Form)
                }
                _ => Level::Form,
            },
        );
    }
    if field_type(full, o).as_deref() == Some(b"Sig") {
        // An empty signature field signed, or time-stamped.
        let stamped = keys.contains(b"V".as_slice())
            && is_doc_timestamp(full, &Object::Dictionary(n.clone()));
        return Ok(if stamped || !keys.contains(b"V".as_slice()) {
            Level::Archival
        } else {
            Level::Form
        });
    }
    if Some(id) == roles.root || Some(id) == roles.acroform {
        return Ok(Level::Archival);
    }
    Ok(Level::Form) // form filling
}

/// `after` is `before` plus signature fields/widgets only: at the archival level when every
/// one added is a document time-stamp, else at the form level; `None` otherwise.
fn appended_level(full: &Document, before: &[Object], after: &[Object]) -> Option<Level> {
    if !appended_sig_widgets(full, before, after) {
        return None;
    }
    Some(
        if after[before.len()..]
            .iter()
            .all(|o| is_doc_timestamp(full, o))
        {
            Level::Archival
        } else {
            Level::Form
        },
    )
}

/// `after` is `before` plus signature fields/widgets only.
fn appended_sig_widgets(full: &Document, before: &[Object], after: &[Object]) -> bool {
    after.len() >= before.len()
        && after[..before.len()] == *before
        && after[before.len()..].iter().all(|o| is_sig_widget(full, o))
}
