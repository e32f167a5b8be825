//! What changed after a signed revision: only signature machinery (new
//! signature fields and widgets, their appearances, `/AcroForm`, `/DSS`) and
//! values of existing text fields (form filling), or
//! anything else (page content, annotations, metadata…).

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
    let acroform: Option<ObjectId> = old
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| o.as_reference().ok());
    let new_root = full
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok();
    let mut changes = Vec::new();
    if root != new_root {
        changes.push("the document catalog was replaced".into());
    }
    for (id, new_obj) in &full.objects {
        let Some(old_obj) = old.objects.get(id) else {
            continue;
        };
        if old_obj == new_obj {
            continue;
        }
        if let Some(why) = disallowed(&old, full, *id, old_obj, new_obj, root, acroform) {
            changes.push(why);
        }
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

fn disallowed(
    old_doc: &Document,
    full: &Document,
    id: ObjectId,
    old: &Object,
    new: &Object,
    root: Option<ObjectId>,
    acroform: Option<ObjectId>,
) -> Option<String> {
    let at = format!("object {} {}", id.0, id.1);
    match (old, new) {
        (Object::Stream(s), _) if is_type(&s.dict, b"XRef") || is_type(&s.dict, b"ObjStm") => None,
        (Object::Dictionary(o), Object::Dictionary(n)) => {
            let keys = changed_keys(o, n);
            let allowed: &[&[u8]] = if Some(id) == root {
                &[b"AcroForm", b"DSS"]
            } else if Some(id) == acroform {
                &[b"Fields", b"SigFlags", b"DR", b"DA"]
            } else if is_type(o, b"Page") {
                &[b"Annots"]
            } else if o.get(b"FT").ok().and_then(|f| f.as_name().ok()) == Some(b"Sig")
                && !o.has(b"V")
            {
                &[b"V", b"AP", b"Lock"]
            } else if o.get(b"FT").ok().and_then(|f| f.as_name().ok()) == Some(b"Tx") {
                // Form filling: the clerk's number and date written into fields that existed
                // when the signature was made.
                &[b"V", b"AP"]
            } else {
                &[]
            };
            let bad: Vec<String> = keys
                .iter()
                .filter(|k| !allowed.contains(&k.as_slice()))
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .collect();
            if !bad.is_empty() {
                let what = if is_type(o, b"Page") {
                    "page"
                } else if Some(id) == root {
                    "catalog"
                } else {
                    "dictionary"
                };
                return Some(format!("{what} {at}: /{} changed", bad.join(", /")));
            }
            if is_type(o, b"Page") && keys.contains(b"Annots".as_slice()) {
                let before = o
                    .get(b"Annots")
                    .ok()
                    .and_then(|a| resolve(old_doc, a).as_array().ok())
                    .cloned()
                    .unwrap_or_default();
                let after = n
                    .get(b"Annots")
                    .ok()
                    .and_then(|a| resolve(full, a).as_array().ok())
                    .cloned()
                    .unwrap_or_default();
                return appended_sig_widgets(full, &before, &after).then_some(()).map_or_else(
                    || Some(format!("page {at}: annotations other than signature widgets were added or removed")),
                    |_| None,
                );
            }
            None
        }
        (Object::Array(before), Object::Array(after)) => {
            if appended_sig_widgets(full, before, after) {
                None
            } else {
                Some(format!("array {at} changed"))
            }
        }
        (Object::Stream(_), _) => Some(format!("stream {at} (content or image) changed")),
        _ => Some(format!("{at} changed")),
    }
}

/// `after` is `before` plus signature fields/widgets only.
fn appended_sig_widgets(full: &Document, before: &[Object], after: &[Object]) -> bool {
    after.len() >= before.len()
        && after[..before.len()] == *before
        && after[before.len()..].iter().all(|o| is_sig_widget(full, o))
}
