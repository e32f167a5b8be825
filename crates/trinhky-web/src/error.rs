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
    /// The body is larger than the route accepts (413).
    PayloadTooLarge(String),
    /// The body is not of a type the route reads (415).
    UnsupportedMediaType(String),
    /// The method is not one the path answers (405); `allow` lists the ones it does.
    MethodNotAllowed {
        allow: Option<HeaderValue>,
    },
    Internal(String),
    /// The request took longer than the server allows (503); the seconds it was given.
    Timeout(u64),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(m) => WebError::BadRequest(m),
            AppError::File(f) => WebError::BadRequest(f.to_string()),
            AppError::Forbidden(m) => WebError::Forbidden(m),
            AppError::Conflict(m) => WebError::Conflict(m),
            AppError::Throttled(m) => WebError::TooManyRequests(m),
            AppError::TooLarge(m) => WebError::PayloadTooLarge(m),
            other => WebError::Internal(other.to_string()),
        }
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
            WebError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A short Vietnamese heading for the error page ("what happened").
    pub fn title(&self) -> &'static str {
        match self {
            WebError::Unauthenticated { .. } => "Chưa đăng nhập",
            WebError::Forbidden(_) => "Không có quyền truy cập",
            WebError::NotFound => "Địa chỉ không tồn tại",
            WebError::BadRequest(_) => "Yêu cầu không hợp lệ",
            WebError::Csrf => "Biểu mẫu đã hết hạn",
            WebError::Conflict(_) => "Không thực hiện được thao tác",
            WebError::TooManyRequests(_) => "Thử quá nhiều lần",
            WebError::PayloadTooLarge(_) => "Dữ liệu gửi lên quá lớn",
            WebError::UnsupportedMediaType(_) => "Định dạng dữ liệu không được hỗ trợ",
            WebError::MethodNotAllowed { .. } => "Thao tác không được hỗ trợ tại địa chỉ này",
            WebError::Internal(_) => "Lỗi hệ thống",
            WebError::Timeout(_) => "Máy chủ xử lý quá lâu",
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            WebError::Unauthenticated { .. } => "Đăng nhập rồi mở lại trang.",
            WebError::Forbidden(_) => {
                "Nếu bạn cần quyền này, đề nghị quản trị hệ thống của cơ quan cấp vai trò phù hợp."
            }
            WebError::NotFound => "Kiểm tra lại địa chỉ, hoặc về trang chủ và mở lại từ danh sách.",
            WebError::BadRequest(_) => "Sửa nội dung đã nhập theo hướng dẫn ở trên rồi gửi lại.",
            WebError::Csrf => "Tải lại trang, nhập lại và gửi lại biểu mẫu.",
            WebError::Conflict(_) => {
                "Có thể người khác vừa thay đổi dữ liệu này: tải lại trang để xem trạng thái mới nhất."
            }
            WebError::TooManyRequests(_) => "Chờ ít phút rồi thử lại.",
            WebError::PayloadTooLarge(_) => "Chọn tệp nhỏ hơn hoặc chia nhỏ nội dung rồi gửi lại.",
            WebError::UnsupportedMediaType(_) => {
                "Gửi lại bằng biểu mẫu trên trang, hoặc (với API) đặt Content-Type: application/json."
            }
            WebError::MethodNotAllowed { .. } => {
                "Dùng các nút và biểu mẫu trên trang thay vì gõ địa chỉ trực tiếp."
            }
            WebError::Internal(_) => {
                "Thử lại sau ít phút. Nếu lỗi lặp lại, gửi mã yêu cầu dưới đây cho bộ phận hỗ trợ."
            }
            WebError::Timeout(_) => {
                "Thử lại sau ít phút (với tệp lớn, kiểm tra đường truyền). Nếu lỗi lặp lại, gửi mã yêu cầu dưới đây cho bộ phận hỗ trợ."
            }
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
            | WebError::PayloadTooLarge(m)
            | WebError::UnsupportedMediaType(m) => m.clone(),
            WebError::MethodNotAllowed { .. } => {
                "Địa chỉ này không nhận thao tác vừa gửi (phương thức HTTP không được hỗ trợ).".into()
            }
            WebError::Csrf => {
                "Biểu mẫu đã hết hạn hoặc thiếu mã xác thực (CSRF). Vui lòng tải lại trang và gửi lại.".into()
            }
            WebError::Internal(_) => "Đã có lỗi xảy ra. Vui lòng thử lại sau.".into(),
            WebError::Timeout(secs) => format!(
                "Yêu cầu không hoàn thành trong {secs} giây nên máy chủ đã dừng xử lý."
            ),
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
    let body = templates.error_page(
        status.as_u16(),
        e.title(),
        &e.message(),
        e.hint(),
        request_id.as_deref(),
    );
    let mut res = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    add_allow(&e, &mut res);
    res
}

fn add_allow(e: &WebError, res: &mut Response) {
    if let WebError::MethodNotAllowed { allow: Some(a) } = e {
        res.headers_mut().insert(header::ALLOW, a.clone());
    }
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
        WebError::PayloadTooLarge(_) => "too_large",
        WebError::UnsupportedMediaType(_) => "unsupported_media_type",
        WebError::MethodNotAllowed { .. } => "method_not_allowed",
        WebError::Internal(_) => "internal",
        WebError::Timeout(_) => "timeout",
    };
    let body = serde_json::json!({"error": {"code": code, "message": e.message(), "request_id": request_id}});
    let mut res = (status, axum::Json(body)).into_response();
    add_allow(&e, &mut res);
    res
}

/// Middleware: axum's own rejections (a malformed form or JSON body, a query string or path
/// that does not parse, a body over the limit, a method the path does not answer) come as plain
/// English text or an empty body. They are answered here like every other error: a Vietnamese
/// page, or the API's JSON error shape, with 400 for malformed input (422 included), 404 for a
/// path parameter that is not an id, 405 with `Allow`, 413 and 415.
pub async fn rejections(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|c| c.starts_with("text/plain"));
    let mapped = matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    );
    if !(plain && mapped) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let text = match axum::body::to_bytes(res.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let e = rejection_error(status, &text, allow);
    if api {
        api_response(e)
    } else {
        page_response(e, crate::render::Templates::global())
    }
}

/// The error a rejection stands for, with a Vietnamese message naming what was wrong.
fn rejection_error(status: StatusCode, text: &str, allow: Option<HeaderValue>) -> WebError {
    tracing::debug!(%status, rejection = %text, "request rejected");
    match status {
        StatusCode::METHOD_NOT_ALLOWED => WebError::MethodNotAllowed { allow },
        StatusCode::NOT_FOUND => WebError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => WebError::PayloadTooLarge(
            "Dữ liệu gửi lên vượt quá giới hạn cho phép của trang này.".into(),
        ),
        _ if text.contains("length limit exceeded") => WebError::PayloadTooLarge(
            "Dữ liệu gửi lên vượt quá giới hạn cho phép của trang này.".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            WebError::UnsupportedMediaType(if text.contains("application/json") {
                "Nội dung phải là JSON (Content-Type: application/json).".into()
            } else if text.contains("multipart") {
                "Nội dung phải gửi dạng multipart/form-data (tải tệp lên).".into()
            } else {
                "Nội dung phải gửi dạng biểu mẫu (application/x-www-form-urlencoded).".into()
            })
        }
        // A path parameter that does not parse (an id that is not a number) names nothing.
        _ if text.starts_with("Invalid URL") || text.contains("path param") => WebError::NotFound,
        _ => WebError::BadRequest(format!("{}{}", what(text), detail(text))),
    }
}

fn what(text: &str) -> &'static str {
    if text.contains("JSON") {
        "Dữ liệu JSON gửi lên không hợp lệ"
    } else if text.contains("query string") {
        "Tham số trên địa chỉ (sau dấu ?) không hợp lệ"
    } else if text.contains("form") {
        "Dữ liệu biểu mẫu gửi lên không hợp lệ"
    } else if text.contains("multipart") || text.contains("Multipart") {
        "Không đọc được tệp tải lên"
    } else {
        "Yêu cầu không hợp lệ"
    }
}

/// serde's reason, in Vietnamese where it is one of the common ones.
fn detail(text: &str) -> String {
    let quoted = |after: &str| -> Option<String> {
        let rest = &text[text.find(after)? + after.len()..];
        let start = rest.find('`')? + 1;
        let end = start + rest[start..].find('`')?;
        Some(rest[start..end].to_owned())
    };
    if let Some(f) = quoted("missing field") {
        return format!(": thiếu trường \"{f}\". Bổ sung trường này rồi gửi lại.");
    }
    if let Some(f) = quoted("unknown field") {
        return format!(": trường \"{f}\" không được hỗ trợ.");
    }
    if let Some(v) = quoted("unknown variant") {
        return format!(": giá trị \"{v}\" không thuộc các giá trị được phép.");
    }
    if text.contains("invalid type")
        || text.contains("invalid digit")
        || text.contains("invalid value")
    {
        return ": có trường sai kiểu dữ liệu (ví dụ chữ ở chỗ cần số). Kiểm tra lại rồi gửi lại."
            .into();
    }
    if text.contains("EOF") || text.contains("expected") || text.contains("syntax") {
        return ": sai cú pháp. Kiểm tra lại dữ liệu rồi gửi lại.".into();
    }
    ". Kiểm tra lại dữ liệu rồi gửi lại.".into()
}

/// The id of a 5xx answer: the request's (`X-Request-Id`, see [`crate::server`]), or a fresh
/// one outside a request. The detail goes to the log under that id.
fn log_if_internal(e: &WebError) -> Option<String> {
    let id = || current_request_id().unwrap_or_else(new_request_id);
    match e {
        WebError::Internal(detail) => {
            let id = id();
            tracing::error!(request_id = %id, error = %detail, "request failed");
            Some(id)
        }
        WebError::Timeout(secs) => {
            let id = id();
            tracing::warn!(request_id = %id, secs, "request timed out");
            Some(id)
        }
        _ => None,
    }
}

/// What the middleware knows about the request being answered, for the error pages.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The `X-Request-Id` of the request (taken from the client or made here).
    pub id: String,
    /// Under `/api/`: errors are JSON.
    pub api: bool,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// Runs `f` (the rest of the middleware stack and the handler) with `ctx` readable by the error
/// pages. Handlers run in the connection's task, so everything they call sees it.
pub async fn with_request<F: Future>(ctx: RequestContext, f: F) -> F::Output {
    REQUEST.scope(ctx, f).await
}

/// The id of the request being answered, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|r| r.id.clone()).ok()
}

fn current_is_api() -> bool {
    REQUEST.try_with(|r| r.api).unwrap_or(false)
}

/// A fresh request id: 16 hex digits.
pub fn new_request_id() -> String {
    trinhky_app::auth::random_bytes::<8>()
        .map(hex::encode)
        .unwrap_or_else(|_| "unknown".into())
}

/// An error answered outside a handler (a panic, a timeout): the Vietnamese page, or the API's
/// JSON, with the request id.
pub fn answer(e: WebError) -> Response {
    if current_is_api() {
        api_response(e)
    } else {
        page_response(e, crate::render::Templates::global())
    }
}

/// `CatchPanicLayer`'s answer: the 500 page with the request id; the panic's message goes to the
/// log (it may hold data, never shown to the user).
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    answer(WebError::Internal(format!("handler panicked: {what}")))
}
