//! Fast path for "what changed after this signed revision": compare only the
//! objects whose cross-reference entry differs between the signed revision
//! and the whole file, parsing nothing else.
//!
//! It answers only when every such change is plainly one that
//! [`super::changes::coverage`] allows (a new object; the catalog changing
//! only the keys of [`CATALOG_KEYS`]; the form only those of
//! [`ACROFORM_KEYS`]; a page only `/Annots`, by appending signature widgets; a field
//! array growing by signature widgets; an unsigned signature field getting
//! `/V`, `/AP`, `/Lock`). Anything else returns `None` and the caller runs the
//! full comparison, which also describes what changed.

use lopdf::{Dictionary, Object, ObjectId};

use super::changes::{ACROFORM_KEYS, CATALOG_KEYS, Coverage};
use super::scan::{Objects, Place, xref_chain_with};

fn name<'o>(d: &'o Dictionary, key: &[u8]) -> Option<&'o [u8]> {
    d.get(key).ok().and_then(|o| o.as_name().ok())
}

fn changed_keys(old: &Dictionary, new: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for (k, v) in old.iter() {
        if new.get(k).ok() != Some(v) {
            keys.push(k.clone());
        }
    }
    for (k, _) in new.iter() {
        if !old.has(k) {
            keys.push(k.clone());
        }
    }
    keys
}

fn is_sig_widget(full: &Objects<'_>, o: &Object) -> bool {
    full.resolve(o)
        .as_dict()
        .ok()
        .is_some_and(|d| name(d, b"FT") == Some(b"Sig"))
}

fn appended_sig_widgets(full: &Objects<'_>, before: &[Object], after: &[Object]) -> bool {
    after.len() >= before.len()
        && after[..before.len()] == *before
        && after[before.len()..].iter().all(|o| is_sig_widget(full, o))
}

/// Some field of the form carries a `/Lock` (FieldMDP, or DocMDP `/P`) or some signature a
/// transform (`/Reference`).
fn has_field_lock(old: &Objects<'_>, catalog: &Dictionary) -> bool {
    let Some(Ok(fields)) = catalog
        .get(b"AcroForm")
        .ok()
        .map(|f| old.resolve(f))
        .and_then(|f| {
            f.as_dict()
                .ok()
                .and_then(|f| f.get(b"Fields").ok().cloned())
        })
        .map(|f| old.resolve(&f).as_array().cloned())
    else {
        return false;
    };
    let mut stack = fields;
    for _ in 0..10_000 {
        let Some(f) = stack.pop() else { break };
        let Ok(d) = old.resolve(&f).as_dict().cloned() else {
            continue;
        };
        let transform = d
            .get(b"V")
            .is_ok_and(|v| old.resolve(v).as_dict().is_ok_and(|v| v.has(b"Reference")));
        if d.has(b"Lock") || transform {
            return true;
        }
        if let Ok(Object::Array(kids)) = d.get(b"Kids").map(|k| old.resolve(k)) {
            stack.extend(kids);
        }
    }
    false
}

/// A packed object is unchanged only if its object stream is the same one.
fn same_stream(old: &Objects<'_>, full: &Objects<'_>, place: Place) -> bool {
    match place {
        Place::Direct(..) => true,
        Place::Packed { stream, .. } => {
            let (a, b) = (old.xref.used.get(&stream), full.xref.used.get(&stream));
            a.is_some() && a == b
        }
    }
}

/// Coverage of the revision ending at `end`, when the answer is plain.
pub(crate) fn coverage(pdf: &[u8], full: &Objects<'_>, end: usize) -> Option<Coverage> {
    let tail = pdf.get(end..)?;
    if tail.iter().all(|b| b.is_ascii_whitespace()) {
        return Some(Coverage::WholeFile);
    }
    let revisions_after = tail.windows(5).filter(|w| w == b"%%EOF").count();
    let signed = pdf.get(..end)?;
    if !signed.trim_ascii_end().ends_with(b"%%EOF") {
        return None; // the signed range does not end a revision
    }
    let budget = full.budget().clone();
    let old = Objects::with_budget(pdf, xref_chain_with(signed, &budget)?, budget);
    let root = old.xref.trailer.get(b"Root").ok()?.as_reference().ok()?;
    if full.xref.trailer.get(b"Root").ok()?.as_reference().ok()? != root {
        return None;
    }
    let catalog = old.get(root)?;
    let catalog = catalog.as_dict().ok()?;
    if catalog.has(b"Perms") || has_field_lock(&old, catalog) {
        return None; // DocMDP or FieldMDP: the full comparison applies the signature's policy
    }
    let acroform: Option<ObjectId> = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|o| o.as_reference().ok());
    // Deleted objects: let the full comparison describe them.
    for &num in old.xref.used.keys() {
        full.place((num, old.xref.generation(num)?))?;
    }
    for (&num, &place) in &full.xref.used {
        full.budget().check().ok()?;
        let id = (num, full.xref.generation(num)?);
        match old.place(id) {
            None => continue, // new object
            Some(o) if o == place && same_stream(&old, full, place) => continue,
            Some(_) => {}
        }
        let (old_obj, new_obj) = (old.get(id)?, full.get(id)?);
        if old_obj == new_obj {
            continue;
        }
        let ok = match (&old_obj, &new_obj) {
            (Object::Dictionary(o), Object::Dictionary(n)) => {
                let keys = changed_keys(o, n);
                let allowed: &[&[u8]] = if id == root {
                    CATALOG_KEYS
                } else if Some(id) == acroform {
                    ACROFORM_KEYS
                } else if name(o, b"Type") == Some(b"Page") {
                    &[b"Annots"]
                } else if name(o, b"FT") == Some(b"Sig") && !o.has(b"V") {
                    &[b"V", b"AP", b"Lock"]
                } else {
                    &[]
                };
                keys.iter().all(|k| allowed.contains(&k.as_slice()))
                    && (name(o, b"Type") != Some(b"Page")
                        || !keys.iter().any(|k| k == b"Annots")
                        || {
                            let before = o
                                .get(b"Annots")
                                .ok()
                                .map(|a| old.resolve(a))
                                .and_then(|a| a.as_array().ok().cloned())
                                .unwrap_or_default();
                            let after = n
                                .get(b"Annots")
                                .ok()
                                .map(|a| full.resolve(a))
                                .and_then(|a| a.as_array().ok().cloned())
                                .unwrap_or_default();
                            appended_sig_widgets(full, &before, &after)
                        })
            }
            (Object::Array(before), Object::Array(after)) => {
                appended_sig_widgets(full, before, after)
            }
            _ => false,
        };
        if !ok {
            return None;
        }
    }
    Some(Coverage::RevisionThenAllowed { revisions_after })
}
