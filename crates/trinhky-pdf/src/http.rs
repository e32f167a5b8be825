//! A small blocking HTTP/1.1 client for the two things a signature needs from
//! the network: an RFC 3161 time-stamp (POST) and a CRL (GET). Plain TCP for
//! `http://`, OpenSSL (system trust store, host name checked) for `https://`.
//! One request per connection (`Connection: close`), 10 s overall deadline.
//!
//! Every error message names the URL.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Deadline for one whole exchange (connect, send, receive).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body accepted (a CRL of a big CA is a few MB).
const MAX_RESPONSE: usize = 32 * 1024 * 1024;

/// A response with a 2xx status.
#[derive(Debug)]
pub(crate) struct Response {
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

struct Target<'a> {
    tls: bool,
    host: &'a str,
    port: u16,
    path: String,
    authority: &'a str,
}

fn parse_url(url: &str) -> Result<Target<'_>, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err("only http:// and https:// URLs are supported".into());
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = path.split('#').next().unwrap_or("/");
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    if authority.is_empty() || authority.contains('@') {
        return Err("the URL needs a host (and no user name)".into());
    }
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("unterminated IPv6 address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
            None if after.is_empty() => default_port,
            None => return Err(format!("unexpected {after:?} after the host")),
        };
        (h, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port {p:?}"))?),
            None => (authority, default_port),
        }
    };
    Ok(Target {
        tls,
        host,
        port,
        path,
        authority,
    })
}

/// `POST` `body` to `url`.
pub(crate) fn post(
    url: &str,
    content_type: &str,
    accept: &str,
    body: &[u8],
) -> Result<Response, String> {
    request("POST", url, Some((content_type, body)), accept)
}

/// `GET` `url`.
pub(crate) fn get(url: &str, accept: &str) -> Result<Response, String> {
    request("GET", url, None, accept)
}

fn request(
    method: &str,
    url: &str,
    body: Option<(&str, &[u8])>,
    accept: &str,
) -> Result<Response, String> {
    exchange(method, url, body, accept).map_err(|e| format!("{url}: {e}"))
}

fn exchange(
    method: &str,
    url: &str,
    body: Option<(&str, &[u8])>,
    accept: &str,
) -> Result<Response, String> {
    let t = parse_url(url)?;
    let deadline = Instant::now() + TIMEOUT;
    let addrs = (t.host, t.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", t.host))?;
    let mut last = format!("{} has no address", t.host);
    let mut tcp = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    let tcp = tcp.ok_or(last)?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);

    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: trinhky\r\nAccept: {accept}\r\nConnection: close\r\n",
        t.path, t.authority
    );
    if let Some((ct, b)) = body {
        head.push_str(&format!(
            "Content-Type: {ct}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    let mut req = head.into_bytes();
    if let Some((_, b)) = body {
        req.extend_from_slice(b);
    }

    let raw = if t.tls {
        let connector = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client())
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .build();
        let mut s = connector
            .connect(t.host, tcp)
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
        roundtrip(&mut s, &req, deadline)?
    } else {
        let mut s = tcp;
        roundtrip(&mut s, &req, deadline)?
    };
    parse_response(&raw, true)?
        .ok_or_else(|| "the connection closed before the response ended".into())
}

fn roundtrip<S: Read + Write>(s: &mut S, req: &[u8], deadline: Instant) -> Result<Vec<u8>, String> {
    s.write_all(req)
        .and_then(|()| s.flush())
        .map_err(|e| format!("sending the request failed: {e}"))?;
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(format!(
                "no complete response within {} s",
                TIMEOUT.as_secs()
            ));
        }
        match s.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err(format!("the response exceeds {MAX_RESPONSE} bytes"));
                }
                // Stop as soon as the response is complete: some servers keep
                // the connection (or the TLS session) open despite `close`.
                if matches!(parse_response(&buf, false), Ok(Some(_))) {
                    return Ok(buf);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!("no response within {} s", TIMEOUT.as_secs()));
            }
            // A TLS peer that closes without close_notify: use what arrived.
            Err(_) if !buf.is_empty() => return Ok(buf),
            Err(e) => return Err(format!("reading the response failed: {e}")),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `Ok(None)` while the response is incomplete (no end of headers yet, fewer
/// body bytes than announced, or a body delimited by the end of the
/// connection before `at_eof`). Errors for non-2xx statuses.
fn parse_response(raw: &[u8], at_eof: bool) -> Result<Option<Response>, String> {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (proto, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !proto.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x response: {status_line:?}"));
    }
    let code: u16 = code
        .parse()
        .map_err(|_| format!("bad status line {status_line:?}"))?;
    let mut content_type = None;
    let mut length = None;
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(v.to_string()),
            "content-length" => {
                length = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {v:?}"))?,
                );
            }
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        match dechunk(rest)? {
            Some(b) => b,
            None => return Ok(None),
        }
    } else if let Some(n) = length {
        if rest.len() < n {
            return Ok(None);
        }
        rest[..n].to_vec()
    } else {
        // Body until the connection closes: only complete at EOF, which the
        // caller signals by parsing again after the last read.
        rest.to_vec()
    };
    if !(200..300).contains(&code) {
        return Err(format!(
            "the server answered {status_line}{}",
            if body.is_empty() || body.len() > 200 {
                String::new()
            } else {
                format!(": {}", String::from_utf8_lossy(&body).trim())
            }
        ));
    }
    if !chunked && length.is_none() && !at_eof {
        // The body runs until the connection closes.
        return Ok(None);
    }
    Ok(Some(Response { content_type, body }))
}

/// Decode a chunked body; `None` while incomplete.
fn dechunk(mut b: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = find(b, b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        if b.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split() {
        let t = parse_url("http://127.0.0.1:8080/tsa?x=1").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.path.as_str()),
            (false, "127.0.0.1", 8080, "/tsa?x=1")
        );
        let t = parse_url("https://tsa.example.vn").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.path.as_str()),
            (true, "tsa.example.vn", 443, "/")
        );
        let t = parse_url("http://[::1]:99/a").unwrap();
        assert_eq!((t.host, t.port, t.authority), ("::1", 99, "[::1]:99"));
        assert!(parse_url("ftp://x/").is_err());
        assert!(parse_url("http://user@x/").is_err());
    }

    #[test]
    fn responses_are_parsed() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: 3\r\n\r\nabc";
        assert!(parse_response(&r[..r.len() - 1], false).unwrap().is_none());
        let ok = parse_response(r, false).unwrap().unwrap();
        assert_eq!(ok.body, b"abc");
        assert_eq!(
            ok.content_type.as_deref(),
            Some("application/timestamp-reply")
        );
        let c = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(c, false).unwrap().unwrap().body, b"abcde");
        let eof = b"HTTP/1.0 200 OK\r\n\r\nxyz";
        assert!(parse_response(eof, false).unwrap().is_none());
        assert_eq!(parse_response(eof, true).unwrap().unwrap().body, b"xyz");
        let e = parse_response(b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy", true);
        assert!(e.unwrap_err().contains("503 Busy: busy"));
    }

    #[test]
    fn a_closed_port_is_a_clear_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/tsa");
        let e = post(&url, "application/timestamp-query", "*/*", b"x").unwrap_err();
        assert!(e.starts_with(&url), "{e}");
        assert!(e.contains("cannot connect"), "{e}");
    }
}
