//! The one place that maps errors to HTTP. A 5xx says only that something went wrong, with a
//! request id; the detail goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use trinhky_app::auth::LoginError;
use trinhky_app::{AppError, Code, Kind};

/// Errors a handler can return. Each has a stable [`code`](WebError::code); the message-only
/// variants answer the generic code of their kind, [`WebError::Coded`] a specific one.
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
    /// An error with a specific stable code (a workflow denial `WFD…`, a wrong PIN
    /// `TK-PIN-WRONG` …). For the internal kind the message goes to the log only.
    Coded {
        kind: Kind,
        code: &'static str,
        message: String,
    },
}

impl From<AppError> for WebError {
    /// Errors with the generic code of their kind become the message-only variants (which
    /// page handlers match to re-show a form); the others keep their code.
    fn from(e: AppError) -> Self {
        let (kind, code) = (e.kind(), e.code());
        let generic = |c: Code| c.as_str() == code;
        match kind {
            Kind::Invalid if generic(Code::Validation) => WebError::BadRequest(e.to_string()),
            Kind::Forbidden if generic(Code::Forbidden) => WebError::Forbidden(e.to_string()),
            Kind::Conflict if generic(Code::Conflict) => WebError::Conflict(e.to_string()),
            Kind::Throttled if generic(Code::Throttled) => WebError::TooManyRequests(e.to_string()),
            Kind::TooLarge if generic(Code::TooLarge) => WebError::PayloadTooLarge(e.to_string()),
            Kind::Internal if generic(Code::Internal) => WebError::Internal(e.to_string()),
            _ => WebError::Coded {
                kind,
                code,
                message: e.to_string(),
            },
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
    /// An error with a specific code; its kind comes from the code.
    pub fn coded(code: Code, message: impl Into<String>) -> WebError {
        WebError::Coded {
            kind: code.kind(),
            code: code.as_str(),
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> Kind {
        match self {
            WebError::Unauthenticated { .. } => Kind::Unauthenticated,
            WebError::Forbidden(_) | WebError::Csrf => Kind::Forbidden,
            WebError::NotFound => Kind::NotFound,
            WebError::BadRequest(_) => Kind::Invalid,
            WebError::Conflict(_) => Kind::Conflict,
            WebError::TooManyRequests(_) => Kind::Throttled,
            WebError::PayloadTooLarge(_) => Kind::TooLarge,
            WebError::UnsupportedMediaType(_) => Kind::UnsupportedMediaType,
            WebError::MethodNotAllowed { .. } => Kind::MethodNotAllowed,
            WebError::Internal(_) => Kind::Internal,
            WebError::Timeout(_) => Kind::Timeout,
            WebError::Coded { kind, .. } => *kind,
        }
    }

    /// The stable code clients may match on: `WFD…`, `WF…` or `TK-…`.
    pub fn code(&self) -> &'static str {
        let c = match self {
            WebError::Unauthenticated { .. } => Code::Unauthenticated,
            WebError::Forbidden(_) => Code::Forbidden,
            WebError::Csrf => Code::Csrf,
            WebError::NotFound => Code::NotFound,
            WebError::BadRequest(_) => Code::Validation,
            WebError::Conflict(_) => Code::Conflict,
            WebError::TooManyRequests(_) => Code::Throttled,
            WebError::PayloadTooLarge(_) => Code::TooLarge,
            WebError::UnsupportedMediaType(_) => Code::UnsupportedMediaType,
            WebError::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            WebError::Internal(_) => Code::Internal,
            WebError::Timeout(_) => Code::Timeout,
            WebError::Coded { code, .. } => return code,
        };
        c.as_str()
    }

    pub fn status(&self) -> StatusCode {
        match self.kind() {
            Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Invalid => StatusCode::BAD_REQUEST,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short Vietnamese heading for the error page and the problem's `title` ("what happened").
    pub fn title(&self) -> &'static str {
        if let WebError::Csrf = self {
            return "Biểu mẫu đã hết hạn";
        }
        match self.kind() {
            Kind::Unauthenticated => "Chưa đăng nhập",
            Kind::Forbidden => "Không có quyền truy cập",
            Kind::NotFound => "Địa chỉ không tồn tại",
            Kind::Invalid => "Yêu cầu không hợp lệ",
            Kind::Conflict => "Không thực hiện được thao tác",
            Kind::Throttled => "Thử quá nhiều lần",
            Kind::TooLarge => "Dữ liệu gửi lên quá lớn",
            Kind::UnsupportedMediaType => "Định dạng dữ liệu không được hỗ trợ",
            Kind::MethodNotAllowed => "Thao tác không được hỗ trợ tại địa chỉ này",
            Kind::Timeout => "Máy chủ xử lý quá lâu",
            _ => "Lỗi hệ thống",
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        if let WebError::Csrf = self {
            return "Tải lại trang, nhập lại và gửi lại biểu mẫu.";
        }
        match self.kind() {
            Kind::Unauthenticated => "Đăng nhập rồi mở lại trang.",
            Kind::Forbidden => {
                "Nếu bạn cần quyền này, đề nghị quản trị hệ thống của cơ quan cấp vai trò phù hợp."
            }
            Kind::NotFound => "Kiểm tra lại địa chỉ, hoặc về trang chủ và mở lại từ danh sách.",
            Kind::Invalid => "Sửa nội dung đã nhập theo hướng dẫn ở trên rồi gửi lại.",
            Kind::Conflict => {
                "Có thể người khác vừa thay đổi dữ liệu này: tải lại trang để xem trạng thái mới nhất."
            }
            Kind::Throttled => "Chờ ít phút rồi thử lại.",
            Kind::TooLarge => "Chọn tệp nhỏ hơn hoặc chia nhỏ nội dung rồi gửi lại.",
            Kind::UnsupportedMediaType => {
                "Gửi lại bằng biểu mẫu trên trang, hoặc (với API) đặt Content-Type: application/json."
            }
            Kind::MethodNotAllowed => {
                "Dùng các nút và biểu mẫu trên trang thay vì gõ địa chỉ trực tiếp."
            }
            Kind::Timeout => {
                "Thử lại sau ít phút (với tệp lớn, kiểm tra đường truyền). Nếu lỗi lặp lại, gửi mã yêu cầu dưới đây cho bộ phận hỗ trợ."
            }
            _ => {
                "Thử lại sau ít phút. Nếu lỗi lặp lại, gửi mã yêu cầu dưới đây cho bộ phận hỗ trợ."
            }
        }
    }

    /// The Vietnamese message shown to the user (the problem's `detail`).
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
            WebError::Timeout(secs) => format!(
                "Yêu cầu không hoàn thành trong {secs} giây nên máy chủ đã dừng xử lý."
            ),
            WebError::Internal(_) => "Đã có lỗi xảy ra. Vui lòng thử lại sau.".into(),
            WebError::Coded { kind, message, .. } => match kind {
                Kind::Internal => "Đã có lỗi xảy ra. Vui lòng thử lại sau.".into(),
                _ => message.clone(),
            },
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
        e.code(),
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

/// The media type of the API's errors (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem type URI of a code: stable, one per code.
pub fn problem_type(code: &str) -> String {
    format!("urn:trinhky:problem:{code}")
}

/// An API error as RFC 9457 problem details (`application/problem+json`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type, one per code: `urn:trinhky:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short Vietnamese heading of the kind of error.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong and how to fix it, in Vietnamese.
    pub detail: String,
    /// The stable code clients may match on: `WFD001`…`WFD011` (workflow denials),
    /// `WF001`…`WF014` (workflow definitions) or `TK-…`.
    #[schema(example = "WFD007")]
    pub code: String,
    /// The request's `X-Request-Id`, to quote to support.
    pub request_id: Option<String>,
}

/// Renders an error for the API as RFC 9457 problem details: `type`, `title`, `status`,
/// `detail` (Vietnamese), `code` (stable) and `request_id`.
pub fn api_response(e: WebError) -> Response {
    let status = e.status();
    let request_id = log_if_internal(&e).or_else(current_request_id);
    let problem = Problem {
        problem_type: problem_type(e.code()),
        title: e.title().to_owned(),
        status: status.as_u16(),
        detail: e.message(),
        code: e.code().to_owned(),
        request_id,
    };
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let mut res = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body,
    )
        .into_response();
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
        _ => WebError::coded(Code::Malformed, format!("{}{}", what(text), detail(text))),
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
        WebError::Timeout(secs) => {
            let id = id();
            tracing::warn!(request_id = %id, secs, "request timed out");
            Some(id)
        }
        WebError::Internal(detail)
        | WebError::Coded {
            kind: Kind::Internal,
            message: detail,
            ..
        } => {
            let id = id();
            tracing::error!(request_id = %id, code = e.code(), error = %detail, "request failed");
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
