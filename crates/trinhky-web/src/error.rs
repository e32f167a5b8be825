//! The one place that maps errors to HTTP. A 5xx says only that something went wrong, with a
//! request id; the detail goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use trinhky_app::AppError;
use trinhky_app::auth::LoginError;

/// Errors a handler can return.
#[derive(Debug)]
pub enum WebError {
    /// Not logged in: pages redirect to the login form, the API answers 401.
    Unauthenticated {
        api: bool,
    },
    /// Logged in but not allowed (also used for things outside the user's agency, so that
    /// existence is not revealed).
    Forbidden(String),
    NotFound,
    BadRequest(String),
    Csrf,
    Conflict(String),
    TooManyRequests(String),
    /// An upload over the size limit (413).
    TooLarge(String),
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(m) => WebError::BadRequest(m),
            AppError::File(f) => WebError::BadRequest(f.to_string()),
            AppError::Forbidden(m) => WebError::Forbidden(m),
            AppError::Conflict(m) => WebError::Conflict(m),
            AppError::Throttled(m) => WebError::TooManyRequests(m),
            AppError::TooLarge(m) => WebError::TooLarge(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<trinhky_store::StoreError> for WebError {
    fn from(e: trinhky_store::StoreError) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl From<LoginError> for WebError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Throttled { .. } => WebError::TooManyRequests(e.to_string()),
            LoginError::Invalid => WebError::BadRequest(e.to_string()),
            LoginError::App(a) => a.into(),
        }
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Vietnamese message shown to the user.
    pub fn message(&self) -> String {
        match self {
            WebError::Unauthenticated { .. } => "Vui lòng đăng nhập.".into(),
            WebError::Forbidden(m) if !m.is_empty() => m.clone(),
            WebError::Forbidden(_) => "Bạn không có quyền truy cập nội dung này.".into(),
            WebError::NotFound => "Không tìm thấy trang.".into(),
            WebError::BadRequest(m)
            | WebError::Conflict(m)
            | WebError::TooManyRequests(m)
            | WebError::TooLarge(m) => m.clone(),
            WebError::Csrf => {
                "Biểu mẫu đã hết hạn hoặc thiếu mã xác thực (CSRF). Vui lòng tải lại trang và gửi lại.".into()
            }
            WebError::Internal(_) => "Đã có lỗi xảy ra. Vui lòng thử lại sau.".into(),
        }
    }
}

/// Renders an error as an HTML page.
pub fn page_response(e: WebError, templates: &crate::render::Templates) -> Response {
    if let WebError::Unauthenticated { api: false } = e {
        return Redirect::to("/login").into_response();
    }
    let status = e.status();
    let request_id = log_if_internal(&e);
    let body = templates.error_page(status.as_u16(), &e.message(), request_id.as_deref());
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Renders an error as JSON for the API.
pub fn api_response(e: WebError) -> Response {
    let status = e.status();
    let request_id = log_if_internal(&e);
    let code = match &e {
        WebError::Unauthenticated { .. } => "unauthenticated",
        WebError::Forbidden(_) => "forbidden",
        WebError::NotFound => "not_found",
        WebError::BadRequest(_) => "invalid",
        WebError::Csrf => "csrf",
        WebError::Conflict(_) => "conflict",
        WebError::TooManyRequests(_) => "throttled",
        WebError::TooLarge(_) => "too_large",
        WebError::Internal(_) => "internal",
    };
    let body = serde_json::json!({"error": {"code": code, "message": e.message(), "request_id": request_id}});
    (status, axum::Json(body)).into_response()
}

fn log_if_internal(e: &WebError) -> Option<String> {
    if let WebError::Internal(detail) = e {
        let id = trinhky_app::auth::random_bytes::<8>()
            .map(hex::encode)
            .unwrap_or_else(|_| "unknown".into());
        tracing::error!(request_id = %id, error = %detail, "request failed");
        Some(id)
    } else {
        None
    }
}
