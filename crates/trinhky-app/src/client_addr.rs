//! The client's address, for login throttling and the session record.
//!
//! Behind a reverse proxy (nginx) every TCP connection comes from the proxy, so throttling by the
//! peer would treat the whole province as one client. The proxy names the client in
//! `X-Forwarded-For`, but anyone can send that header: it is believed only when the TCP peer is
//! one of `TRINHKY_TRUSTED_PROXIES`. Each proxy appends the address it received the request
//! from, so the list is read from the right: trusted proxies are skipped, and the first address
//! that is not one is the client. An entry that is not an address stops the walk at the last
//! address a trusted proxy vouched for. Without trusted proxies the peer is the client.

use std::net::IpAddr;

/// An address range: an address with a prefix length (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpRange {
    type Err = String;

    /// Strict: an address, or an address with `/prefix` and no bits set after the prefix.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr_text, prefix_text) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("\"{s}\" is not an IP address or CIDR range"))?;
        let addr = addr.to_canonical();
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max && p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("\"{s}\" has a prefix length that is not 0–{max}"))?,
        };
        let range = IpRange { addr, prefix };
        if !is_network(addr, prefix) {
            return Err(format!(
                "\"{s}\" has host bits set after the /{prefix} prefix"
            ));
        }
        Ok(range)
    }
}

fn is_network(addr: IpAddr, prefix: u8) -> bool {
    match addr {
        IpAddr::V4(a) => {
            let host = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            u32::from(a) & host == 0
        }
        IpAddr::V6(a) => {
            let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            u128::from(a) & host == 0
        }
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`TRINHKY_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR ranges; an empty text trusts none.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        if text.trim().is_empty() {
            return Ok(TrustedProxies::default());
        }
        text.split(',')
            .map(|part| {
                let part = part.trim();
                if part.is_empty() {
                    Err("an entry of the list is empty".to_owned())
                } else {
                    part.parse::<IpRange>()
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(ip))
    }

    /// The client behind `peer` given the `X-Forwarded-For` header values (in order).
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let entries: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_entry(entry) else {
                return client;
            };
            client = ip;
            if !self.contains(ip) {
                return ip;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, an IPv4 address with a port, or `[v6]:port`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    entry
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_setting_parses_strictly() {
        let t = TrustedProxies::parse(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8").unwrap();
        assert!(t.contains(ip("10.1.2.3")));
        assert!(t.contains(ip("127.0.0.1")));
        assert!(t.contains(ip("::ffff:10.9.9.9")));
        assert!(t.contains(ip("fd12::1")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/33",
            "nginx",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.1,",
            "1.2.3.4:80",
        ] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_only_from_trusted_peers() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // A trusted proxy: the rightmost untrusted entry is the client.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["6.6.6.6, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Chained proxies are skipped; several header lines are one list.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["6.6.6.6, 203.0.113.7", "10.0.0.9"]),
            ip("203.0.113.7")
        );
        // No header: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.5"), []), ip("10.0.0.5"));
        // Garbage stops the walk at the last vouched-for address.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["203.0.113.7, bogus, 10.0.0.8"]),
            ip("10.0.0.8")
        );
        assert_eq!(
            t.client(ip("10.0.0.5"), ["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        // An untrusted peer's header is ignored.
        assert_eq!(
            t.client(ip("198.51.100.1"), ["1.2.3.4"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), ["1.2.3.4"]),
            ip("10.0.0.5")
        );
    }
}
