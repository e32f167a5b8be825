//! Pagination for every list: `?page=N` (from 1) and, for the API, `&per_page=M` (1–200).
//! Pages show [`PER_PAGE`] rows with a pager; the API answers the page as a JSON array with
//! `X-Total-Count` and a `Link` header (`rel="next"` / `rel="prev"`).

use axum::http::{HeaderMap, HeaderValue};
use minijinja::context;
use serde::Deserialize;

/// Rows per page on HTML pages and the API's default.
pub const PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 200;

#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct PageQuery {
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

/// One page of `total` rows.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

impl Paging {
    pub fn new(q: &PageQuery, total: usize) -> Paging {
        let per_page = q.per_page.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE);
        let pages = total.div_ceil(per_page).max(1);
        Paging {
            page: q.page.unwrap_or(1).clamp(1, pages),
            per_page,
            total,
        }
    }

    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page).max(1)
    }

    /// The rows of this page.
    pub fn slice<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        let start = (self.page - 1).saturating_mul(self.per_page);
        if start >= rows.len() {
            return Vec::new();
        }
        rows.truncate(start.saturating_add(self.per_page));
        rows.split_off(start)
    }

    /// The store's page request for this page.
    pub fn request(&self) -> trinhky_app::PageRequest {
        trinhky_app::PageRequest::new(self.page as u64, self.per_page as u64)
    }

    /// Fetches one page from a query that pages in SQL and returns its total: asks for the
    /// requested page, and when that lies past the end, asks again for the last one.
    pub async fn fetch<T, E, F, Fut>(q: &PageQuery, f: F) -> Result<(Paging, T), E>
    where
        F: Fn(trinhky_app::PageRequest) -> Fut,
        Fut: std::future::Future<Output = Result<(T, u64), E>>,
    {
        let per_page = q.per_page.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE);
        let wanted = q.page.unwrap_or(1).max(1);
        let (rows, total) = f(trinhky_app::PageRequest::new(
            wanted as u64,
            per_page as u64,
        ))
        .await?;
        let paging = Paging::new(
            &PageQuery {
                page: Some(wanted),
                per_page: Some(per_page),
            },
            usize::try_from(total).unwrap_or(usize::MAX),
        );
        if paging.page == wanted {
            return Ok((paging, rows));
        }
        let (rows, total) = f(paging.request()).await?;
        Ok((
            Paging::new(
                &PageQuery {
                    page: Some(paging.page),
                    per_page: Some(per_page),
                },
                usize::try_from(total).unwrap_or(usize::MAX),
            ),
            rows,
        ))
    }

    /// The pager a template shows (`{% include "pager.html" %}` reads `pager`).
    pub fn pager(&self, base: &str) -> minijinja::Value {
        let sep = if base.contains('?') { '&' } else { '?' };
        // A page size the user chose stays on the links; the default one is left out.
        let size = if self.per_page == PER_PAGE {
            String::new()
        } else {
            format!("&per_page={}", self.per_page)
        };
        let link = |p: usize| format!("{base}{sep}page={p}{size}");
        context! {
            page => self.page, pages => self.pages(), total => self.total,
            first => (self.page - 1) * self.per_page + usize::from(self.total > 0),
            last => (self.page * self.per_page).min(self.total),
            prev => (self.page > 1).then(|| link(self.page - 1)),
            next => (self.page < self.pages()).then(|| link(self.page + 1)),
        }
    }

    /// `X-Total-Count` and `Link` for the API. `path` may carry the list's filters as a query
    /// string; the page parameters are appended to it.
    pub fn headers(&self, path: &str) -> HeaderMap {
        let (path, sep) = if path.contains('?') {
            (path, '&')
        } else {
            (path, '?')
        };
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&self.total.to_string()) {
            h.insert("x-total-count", v);
        }
        let mut links = Vec::new();
        if self.page < self.pages() {
            links.push(format!(
                "<{path}{sep}page={}&per_page={}>; rel=\"next\"",
                self.page + 1,
                self.per_page
            ));
        }
        if self.page > 1 {
            links.push(format!(
                "<{path}{sep}page={}&per_page={}>; rel=\"prev\"",
                self.page - 1,
                self.per_page
            ));
        }
        if !links.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
                h.insert("link", v);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pages_slice_and_clamp() {
        let q = PageQuery {
            page: Some(3),
            per_page: Some(2),
        };
        let p = Paging::new(&q, 5);
        assert_eq!(p.pages(), 3);
        assert_eq!(p.slice(vec![1, 2, 3, 4, 5]), vec![5]);
        let p = Paging::new(
            &PageQuery {
                page: Some(99),
                per_page: None,
            },
            120,
        );
        assert_eq!((p.page, p.pages()), (3, 3));
        assert_eq!(p.slice((0..120).collect()).len(), 20);
        let p = Paging::new(
            &PageQuery {
                page: Some(0),
                per_page: Some(0),
            },
            0,
        );
        assert_eq!((p.page, p.per_page, p.pages()), (1, 1, 1));
        assert!(p.slice(Vec::<u8>::new()).is_empty());
        let h = Paging::new(
            &PageQuery {
                page: Some(2),
                per_page: Some(10),
            },
            35,
        )
        .headers("/api/v1/documents");
        assert_eq!(h.get("x-total-count").unwrap(), "35");
        let link = h.get("link").unwrap().to_str().unwrap();
        assert!(
            link.contains("page=3&per_page=10>; rel=\"next\"")
                && link.contains("page=1&per_page=10>; rel=\"prev\""),
            "{link}"
        );
    }
}
