//! The blocking HTTP client for what a signature needs from the network: an RFC 3161 time-stamp
//! (POST) and a CRL (GET), through `ureq`. OpenSSL with the system trust store for `https://`
//! (as the rest of this crate), a 10 s deadline for the whole exchange, a cap on the response size,
//! no redirects (the URLs come from certificates and settings, and are used as given).
//!
//! Government networks often reach the outside only through a proxy: the usual variables are
//! honoured, as curl does — `HTTPS_PROXY` for `https://` URLs, `HTTP_PROXY` for `http://`,
//! `ALL_PROXY` for both (lower-case spellings too), and `NO_PROXY` lists the hosts reached directly.
//!
//! Every error message names the URL.

use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Proxy};

/// Deadline for one whole exchange (connect, send, receive).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body accepted (a CRL of a big CA is a few MB).
const MAX_RESPONSE: u64 = 32 * 1024 * 1024;

/// A response with a 2xx status.
#[derive(Debug)]
pub(crate) struct Response {
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// `POST` `body` to `url`.
pub(crate) fn post(
    url: &str,
    content_type: &str,
    accept: &str,
    body: &[u8],
) -> Result<Response, String> {
    post_within(url, content_type, accept, body, TIMEOUT)
}

/// [`post`] with its own deadline for the whole exchange (an OCSP request waits a few seconds).
pub(crate) fn post_within(
    url: &str,
    content_type: &str,
    accept: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<Response, String> {
    let proxy = proxy_from_env(url);
    exchange(
        url,
        Some((content_type, body)),
        accept,
        proxy.as_deref(),
        timeout,
    )
    .map_err(|e| format!("{url}: {e}"))
}

/// `GET` `url`.
pub(crate) fn get(url: &str, accept: &str) -> Result<Response, String> {
    get_within(url, accept, TIMEOUT)
}

/// [`get`] with its own deadline for the whole exchange.
pub(crate) fn get_within(url: &str, accept: &str, timeout: Duration) -> Result<Response, String> {
    let proxy = proxy_from_env(url);
    exchange(url, None, accept, proxy.as_deref(), timeout).map_err(|e| format!("{url}: {e}"))
}

/// The proxy the environment names for `url`, if any.
fn proxy_from_env(url: &str) -> Option<String> {
    proxy_for(url, |name| std::env::var(name).ok())
}

/// The proxy for `url` given the environment `var`: the scheme's own variable, else `ALL_PROXY`,
/// unless `NO_PROXY` names the host. Empty values count as unset.
fn proxy_for(url: &str, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let get = |upper: &str| {
        var(upper)
            .or_else(|| var(&upper.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    let (scheme, rest) = url.split_once("://")?;
    let own = match scheme.to_ascii_lowercase().as_str() {
        "https" => get("HTTPS_PROXY"),
        "http" => get("HTTP_PROXY"),
        _ => None,
    };
    let proxy = own.or_else(|| get("ALL_PROXY"))?;
    let host = host_of(rest);
    match get("NO_PROXY") {
        Some(list) if no_proxy(&list, &host) => None,
        _ => Some(proxy),
    }
}

/// The host of the part of a URL after "scheme://", lower-case, without port or IPv6 brackets.
fn host_of(rest: &str) -> String {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase()
}

/// Whether the comma-separated `NO_PROXY` list covers `host`: `*` covers everything, an entry
/// covers its own name and its subdomains (a leading `.` or `*.` is allowed); ports are ignored.
fn no_proxy(list: &str, host: &str) -> bool {
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches('*').trim_start_matches('.');
        let entry = match entry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or_default(),
            None => entry,
        };
        let entry = entry.to_ascii_lowercase();
        !entry.is_empty()
            && (host == entry
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|head| head.ends_with('.')))
    })
}

fn agent(proxy: Option<&str>, timeout: Duration) -> Result<Agent, String> {
    let proxy = proxy
        .map(|p| Proxy::new(p).map_err(|e| format!("the proxy {p:?} is not usable: {e}")))
        .transpose()?;
    let tls = TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(RootCerts::PlatformVerifier)
        .build();
    let config = Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent("trinhky")
        .proxy(proxy)
        .tls_config(tls)
        .build();
    Ok(config.into())
}

fn exchange(
    url: &str,
    body: Option<(&str, &[u8])>,
    accept: &str,
    proxy: Option<&str>,
    timeout: Duration,
) -> Result<Response, String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err("only http:// and https:// URLs are supported".into());
    }
    let agent = agent(proxy, timeout)?;
    let describe = |e| describe(e, timeout);
    let sent = match body {
        Some((content_type, bytes)) => agent
            .post(url)
            .header("Accept", accept)
            .header("Content-Type", content_type)
            .send(bytes),
        None => agent.get(url).header("Accept", accept).call(),
    };
    let mut response = sent.map_err(describe)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(describe)?;
    if !status.is_success() {
        return Err(format!(
            "the server answered {} {}{}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default(),
            if body.is_empty() || body.len() > 200 {
                String::new()
            } else {
                format!(": {}", String::from_utf8_lossy(&body).trim())
            }
        ));
    }
    Ok(Response { content_type, body })
}

/// A `ureq` error as a sentence that says which step failed.
fn describe(e: ureq::Error, timeout: Duration) -> String {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(_) => {
            format!("no complete response within {} s", timeout.as_secs_f32())
        }
        ureq::Error::HostNotFound => "cannot resolve the host".into(),
        ureq::Error::BodyExceedsLimit(_) => {
            format!("the response exceeds {MAX_RESPONSE} bytes")
        }
        ureq::Error::ConnectProxyFailed(m) => format!("the proxy did not open a tunnel: {m}"),
        ureq::Error::NativeTls(e) => format!("TLS handshake failed: {e}"),
        ureq::Error::Tls(m) => format!("TLS handshake failed: {m}"),
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
            ) =>
        {
            format!("cannot connect: {io}")
        }
        ureq::Error::Io(io) => format!("the exchange failed: {io}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::thread;

    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_proxy_follows_the_scheme_and_no_proxy() {
        let vars = [
            ("HTTPS_PROXY", "http://proxy.gov.vn:3128"),
            ("http_proxy", "http://plain.gov.vn:8080"),
            ("NO_PROXY", "localhost, .noi-bo.gov.vn,10.0.0.5:80"),
        ];
        let p = |url| proxy_for(url, env(&vars));
        assert_eq!(
            p("https://tsa.ca.gov.vn/tsa").as_deref(),
            Some("http://proxy.gov.vn:3128")
        );
        assert_eq!(
            p("http://crl.ca.gov.vn/ca.crl").as_deref(),
            Some("http://plain.gov.vn:8080")
        );
        assert_eq!(p("http://localhost:8080/x"), None);
        assert_eq!(p("https://ca.noi-bo.gov.vn/tsa"), None);
        assert_eq!(p("https://noi-bo.gov.vn/tsa"), None);
        assert_eq!(p("http://10.0.0.5/ca.crl"), None);
        // A suffix match must end at a dot: "xnoi-bo.gov.vn" is another domain.
        assert!(p("https://xnoi-bo.gov.vn/tsa").is_some());
        assert_eq!(
            proxy_for("https://x.vn/", env(&[("ALL_PROXY", "http://all:1")])).as_deref(),
            Some("http://all:1")
        );
        let all_off = [("ALL_PROXY", "http://all:1"), ("no_proxy", "*")];
        assert_eq!(proxy_for("https://x.vn/", env(&all_off)), None);
        assert_eq!(
            proxy_for("https://x.vn/", env(&[("HTTPS_PROXY", " ")])),
            None
        );
        assert_eq!(proxy_for("https://x.vn/", env(&[])), None);
    }

    #[test]
    fn hosts_are_taken_from_urls() {
        assert_eq!(host_of("Tsa.Example.vn:8080/a?b"), "tsa.example.vn");
        assert_eq!(host_of("[::1]:99/a"), "::1");
        assert_eq!(host_of("user@host/x"), "host");
        assert!(no_proxy("[::1]", "::1"));
    }

    #[test]
    fn a_closed_port_is_a_clear_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/tsa");
        let e = post(&url, "application/timestamp-query", "*/*", b"x").unwrap_err();
        assert!(e.starts_with(&url), "{e}");
        assert!(e.contains("cannot connect"), "{e}");
        assert!(get("ftp://x/", "*/*").unwrap_err().contains("only http://"));
    }

    /// Reads one request's head from `s` and returns it.
    fn read_head(s: &mut BufReader<TcpStream>) -> String {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if s.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                return head;
            }
            head.push_str(&line);
        }
    }

    /// A one-shot origin server: answers one request with `status` and `body`, and sends back the
    /// request it saw (head and body).
    fn origin(status: &'static str, body: &'static [u8]) -> (u16, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let head = read_head(&mut reader);
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut sent = vec![0; length];
            reader.read_exact(&mut sent).unwrap();
            let mut out = stream;
            write!(
                out,
                "HTTP/1.1 {status}\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            out.write_all(body).unwrap();
            tx.send(format!("{head}\n{}", String::from_utf8_lossy(&sent)))
                .unwrap();
        });
        (port, rx)
    }

    #[test]
    fn a_post_reaches_the_server_and_reads_the_answer() {
        let (port, seen) = origin("200 OK", b"token");
        let url = format!("http://127.0.0.1:{port}/tsa");
        let r = post(
            &url,
            "application/timestamp-query",
            "application/timestamp-reply",
            b"query",
        )
        .unwrap();
        assert_eq!(r.body, b"token");
        assert_eq!(
            r.content_type.as_deref(),
            Some("application/timestamp-reply")
        );
        let seen = seen.recv().unwrap();
        assert!(seen.starts_with("POST /tsa HTTP/1.1\r\n"), "{seen}");
        assert!(
            seen.to_ascii_lowercase()
                .contains("content-type: application/timestamp-query"),
            "{seen}"
        );
        assert!(seen.ends_with("\nquery"), "{seen}");
    }

    #[test]
    fn an_error_status_names_the_url_status_and_short_body() {
        let (port, _seen) = origin("503 Service Unavailable", b"busy");
        let url = format!("http://127.0.0.1:{port}/ca.crl");
        let e = get(&url, "*/*").unwrap_err();
        assert!(e.starts_with(&url), "{e}");
        assert!(e.contains("503 Service Unavailable: busy"), "{e}");
    }

    /// A CONNECT proxy for one tunnel: it records the CONNECT line, then copies bytes both ways.
    fn connect_proxy() -> (u16, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (client, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(client.try_clone().unwrap());
            let head = read_head(&mut reader);
            let target = head.split_whitespace().nth(1).unwrap().to_owned();
            let upstream = TcpStream::connect(&target).unwrap();
            let mut to_client = client.try_clone().unwrap();
            to_client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            tx.send(head).unwrap();
            let mut up_write = upstream.try_clone().unwrap();
            let forward = thread::spawn(move || {
                let _ = std::io::copy(&mut reader, &mut up_write);
            });
            let mut up_read = upstream;
            let _ = std::io::copy(&mut up_read, &mut to_client);
            let _ = forward.join();
        });
        (port, rx)
    }

    #[test]
    fn requests_go_through_the_given_proxy() {
        let (origin_port, seen) = origin("200 OK", b"crl bytes");
        let (proxy_port, tunnel) = connect_proxy();
        let url = format!("http://127.0.0.1:{origin_port}/ca.crl");
        let proxy = format!("http://127.0.0.1:{proxy_port}");
        let r = exchange(&url, None, "application/pkix-crl", Some(&proxy), TIMEOUT).unwrap();
        assert_eq!(r.body, b"crl bytes");
        let tunnel = tunnel.recv().unwrap();
        assert!(
            tunnel.starts_with(&format!("CONNECT 127.0.0.1:{origin_port} HTTP/1.1")),
            "{tunnel}"
        );
        assert!(seen.recv().unwrap().starts_with("GET /ca.crl HTTP/1.1"));
    }

    #[test]
    fn an_unreachable_proxy_is_a_clear_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proxy = format!("http://127.0.0.1:{port}");
        let e = exchange("http://127.0.0.1:9/tsa", None, "*/*", Some(&proxy), TIMEOUT).unwrap_err();
        assert!(e.contains("cannot connect"), "{e}");
    }
}
