//! What changed after a signed revision: only signature machinery (new
//! signature fields and widgets, their appearances, `/AcroForm`, `/DSS`),
//! document-level bookkeeping a signing tool writes (the catalog's
//! `/Extensions`, `/Version`, `/MarkInfo`, the XMP metadata, the `/Info`
//! dictionary) and values of existing text, button and choice fields (form
//! filling), or anything else (page content, pages, annotations, other
//! catalog entries…). A signature's own policy narrows this: a certification
//! signature (DocMDP) or a field `/Lock` with `/P` 1 allows only archival
//! additions (DSS, document time-stamps, metadata), and a FieldMDP lock forbids
//! filling the fields it names. These are the rules of pyHanko's default diff
//! policy (`tests/it/oracle.rs` checks that the two agree file by file).

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
pub(crate) const ACROFORM_KEYS: &[&[u8]] =
    &[b"Fields", b"SigFlags", b"DR", b"DA", b"NeedAppearances"];

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
    /// What the signature itself permits (DocMDP, FieldMDP).
    policy: Policy,
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
        policy: policy(&old, end),
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
    if !form_changes.is_empty() && roles.policy.p == Some(1) {
        changes.push(format!(
            "the signature allows no changes (DocMDP P=1), yet the form or its signatures \
             changed: {}",
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

/// What a signature permits after it, as pyHanko reads it: its own DocMDP transform (a
/// certification signature) or its field's `/Lock`; earlier signatures answer for theirs.
#[derive(Debug, Default)]
struct Policy {
    /// DocMDP `/P` (1: no changes; 2: form filling and signing; 3: also annotations).
    p: Option<i64>,
    /// FieldMDP locks: `/Action` (`All`, `Include`, `Exclude`) and `/Fields`.
    locks: Vec<(Vec<u8>, Vec<String>)>,
}

impl Policy {
    fn locks_field(&self, name: &str) -> bool {
        self.locks
            .iter()
            .any(|(action, fields)| match action.as_slice() {
                b"All" => true,
                b"Include" => fields.iter().any(|f| f == name),
                b"Exclude" => !fields.iter().any(|f| f == name),
                _ => false,
            })
    }
}

fn text(b: &[u8]) -> String {
    if let Some(utf16) = b.strip_prefix(&[0xFE, 0xFF]) {
        let u: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&u)
    } else {
        String::from_utf8_lossy(b).into_owned()
    }
}

fn lock_of(doc: &Document, d: &Dictionary) -> Option<(Vec<u8>, Vec<String>)> {
    let action = d.get(b"Action").and_then(Object::as_name).ok()?.to_vec();
    let fields = d
        .get(b"Fields")
        .ok()
        .and_then(|f| resolve(doc, f).as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|o| resolve(doc, o).as_str().ok().map(text))
                .collect()
        })
        .unwrap_or_default();
    Some((action, fields))
}

/// The signature field (and its signature dictionary) whose byte ranges end at `end`.
fn signature_at(old: &Document, end: usize) -> Option<(Dictionary, Dictionary)> {
    let form = resolve(old, old.catalog().ok()?.get(b"AcroForm").ok()?)
        .as_dict()
        .ok()?;
    let mut stack = resolve(old, form.get(b"Fields").ok()?)
        .as_array()
        .ok()?
        .clone();
    let mut seen = 0usize;
    while let Some(f) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            break; // a /Kids cycle
        }
        let Ok(d) = resolve(old, &f).as_dict() else {
            continue;
        };
        if let Some(kids) = d
            .get(b"Kids")
            .ok()
            .and_then(|k| resolve(old, k).as_array().ok())
        {
            stack.extend(kids.iter().cloned());
        }
        let Some(v) = d
            .get(b"V")
            .ok()
            .and_then(|v| resolve(old, v).as_dict().ok())
        else {
            continue;
        };
        let range: Vec<i64> = v
            .get(b"ByteRange")
            .ok()
            .and_then(|r| resolve(old, r).as_array().ok())
            .map(|r| r.iter().filter_map(|o| o.as_i64().ok()).collect())
            .unwrap_or_default();
        let signed_end = range
            .get(2)
            .zip(range.get(3))
            .and_then(|(c, d)| c.checked_add(*d));
        if signed_end.and_then(|e| usize::try_from(e).ok()) == Some(end) {
            return Some((d.clone(), v.clone()));
        }
    }
    None
}

/// The policy of the signature whose revision ends at `end`.
fn policy(old: &Document, end: usize) -> Policy {
    let mut policy = Policy::default();
    let Some((field, sig)) = signature_at(old, end) else {
        return policy;
    };
    let refs = sig
        .get(b"Reference")
        .ok()
        .and_then(|r| resolve(old, r).as_array().ok())
        .cloned()
        .unwrap_or_default();
    for r in &refs {
        let Ok(r) = resolve(old, r).as_dict() else {
            continue;
        };
        let params = r
            .get(b"TransformParams")
            .ok()
            .and_then(|p| resolve(old, p).as_dict().ok());
        match r.get(b"TransformMethod").and_then(Object::as_name).ok() {
            Some(b"DocMDP") => {
                policy.p = Some(
                    params
                        .and_then(|p| p.get(b"P").ok())
                        .and_then(|p| p.as_i64().ok())
                        .unwrap_or(2),
                );
            }
            Some(b"FieldMDP") => policy.locks.extend(params.and_then(|p| lock_of(old, p))),
            _ => {}
        }
    }
    if let Some(lock) = field
        .get(b"Lock")
        .ok()
        .and_then(|l| resolve(old, l).as_dict().ok())
    {
        if policy.p.is_none() {
            policy.p = lock.get(b"P").ok().and_then(|p| p.as_i64().ok());
        }
        policy.locks.extend(lock_of(old, lock));
    }
    policy
}

/// A field's fully qualified name (`parent.child`), from its `/T` and its parents'.
fn full_name(doc: &Document, d: &Dictionary) -> String {
    let mut parts = Vec::new();
    let mut at = Some(d);
    for _ in 0..32 {
        let Some(d) = at else { break };
        if let Ok(t) = d.get(b"T").and_then(Object::as_str) {
            parts.push(text(t));
        }
        at = d
            .get(b"Parent")
            .ok()
            .and_then(|p| resolve(doc, p).as_dict().ok());
    }
    parts.reverse();
    parts.join(".")
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
    if Some(id) == roles.acroform {
        // New default resources or appearance (fonts for filled fields) come with form filling.
        let form = keys.contains(b"DR".as_slice()) || keys.contains(b"DA".as_slice());
        return Ok(if form { Level::Form } else { Level::Archival });
    }
    if Some(id) == roles.root {
        return Ok(Level::Archival);
    }
    // Form filling, unless the signature locked this field.
    let name = full_name(full, n);
    if roles.policy.locks_field(&name) {
        return Err(format!(
            "field {name} ({at}) changed, but the signature locked it (FieldMDP)"
        ));
    }
    Ok(Level::Form)
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
