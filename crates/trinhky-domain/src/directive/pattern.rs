//! Lazily compiled constant regular expressions that cannot panic: a pattern that failed to
//! compile matches nothing (and the unit tests compile every pattern, so that never ships).

use std::sync::OnceLock;

use regex::{Captures, Regex};

pub(super) struct Re {
    pattern: &'static str,
    cell: OnceLock<Option<Regex>>,
}

impl Re {
    pub(super) const fn new(pattern: &'static str) -> Self {
        Self {
            pattern,
            cell: OnceLock::new(),
        }
    }

    pub(super) fn get(&self) -> Option<&Regex> {
        self.cell
            .get_or_init(|| Regex::new(self.pattern).ok())
            .as_ref()
    }

    pub(super) fn is_match(&self, s: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(s))
    }

    pub(super) fn find<'h>(&self, s: &'h str) -> Option<regex::Match<'h>> {
        self.get().and_then(|r| r.find(s))
    }

    pub(super) fn captures<'h>(&self, s: &'h str) -> Option<Captures<'h>> {
        self.get().and_then(|r| r.captures(s))
    }

    pub(super) fn captures_iter<'r, 'h>(
        &'r self,
        s: &'h str,
    ) -> impl Iterator<Item = Captures<'h>> + use<'r, 'h> {
        self.get().into_iter().flat_map(move |r| r.captures_iter(s))
    }

    pub(super) fn find_iter<'r, 'h>(
        &'r self,
        s: &'h str,
    ) -> impl Iterator<Item = regex::Match<'h>> + use<'r, 'h> {
        self.get().into_iter().flat_map(move |r| r.find_iter(s))
    }

    #[cfg(test)]
    pub(super) fn compiles(&self) -> bool {
        self.get().is_some()
    }
}
