//! The address guard: the crawler connects only to public addresses, plus the exact
//! (host, address) pairs that a seed's own host makes allowable. It is enforced twice, both
//! times by the client in `client.rs`: as the DNS resolver (so the check happens on the
//! addresses actually connected to, after resolution, which defeats DNS rebinding) and, for
//! IP-literal hosts, which never reach a resolver, before every request and redirect hop.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// True for addresses the crawler may always connect to: not loopback, private (10/8,
/// 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), CGNAT (100.64/10),
/// multicast, unspecified, broadcast, reserved (0/8, 240/4, 192.0.0/24), documentation and
/// benchmark ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 198.18/15, 2001:db8::/32), nor
/// an IPv6 address that embeds or tunnels to an IPv4 one that is not public (IPv4-mapped,
/// NAT64 64:ff9b::/96, 6to4 2002::/16). The deprecated IPv4-compatible ::/96 and Teredo
/// 2001::/32 (whose embedded address is obfuscated) are refused outright.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// The (host, address) pairs that may be connected to although the address is not public.
/// Hosts are kept lower-case; IP-literal hosts are written as [`IpAddr`]'s `Display` (no
/// brackets). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allowed: Arc<HashSet<(String, IpAddr)>>,
}

impl Guard {
    /// A guard that allows `allowed` on top of every public address. `Guard::default()`
    /// allows public addresses only.
    pub fn new(allowed: impl IntoIterator<Item = (String, IpAddr)>) -> Guard {
        let allowed = allowed.into_iter().map(|(host, ip)| (host.to_ascii_lowercase(), ip));
        Guard { allowed: Arc::new(allowed.collect()) }
    }

    /// The (host, address) pairs a seed URL's own host makes allowable: an IP-literal host
    /// gives itself; a name is resolved and each non-public address it resolves to is allowed
    /// for that host name only (a redirect to the bare address, or to another name for it,
    /// is still refused). A name that does not resolve gives nothing.
    pub async fn seed_pairs(url: &Url) -> Vec<(String, IpAddr)> {
        match url.host() {
            Some(Host::Ipv4(v4)) => vec![(v4.to_string(), IpAddr::V4(v4))],
            Some(Host::Ipv6(v6)) => vec![(v6.to_string(), IpAddr::V6(v6))],
            Some(Host::Domain(domain)) => {
                let host = domain.to_ascii_lowercase();
                let port = url.port_or_known_default().unwrap_or(80);
                let Ok(addrs) = tokio::net::lookup_host((host.as_str(), port)).await else {
                    return Vec::new();
                };
                let mut pairs: Vec<(String, IpAddr)> = Vec::new();
                for ip in addrs.map(|addr| addr.ip()).filter(|ip| !is_public(*ip)) {
                    if !pairs.iter().any(|(_, seen)| *seen == ip) {
                        pairs.push((host.clone(), ip));
                    }
                }
                pairs
            }
            None => Vec::new(),
        }
    }

    /// True when `host` may be reached at `ip`: the address is public, or this exact pair
    /// was allowed.
    pub fn permits(&self, host: &str, ip: IpAddr) -> bool {
        is_public(ip) || self.allowed.contains(&(host.to_ascii_lowercase(), ip))
    }
}

/// The client's DNS resolver: resolves with tokio and keeps only the addresses the guard
/// permits for the name. Because reqwest connects to exactly the addresses returned here,
/// the check and the connection cannot disagree.
#[derive(Debug)]
pub(crate) struct GuardedResolver {
    pub(crate) guard: Guard,
}

/// Why the guarded resolver produced no address. The client finds it in the error's source
/// chain to tell a refusal from a DNS failure.
#[derive(Debug)]
pub(crate) enum ResolveError {
    /// The name did not resolve, or resolved to nothing.
    Lookup { host: String, source: Option<std::io::Error> },
    /// Every address the name resolved to was refused; `address` is the first of them.
    Refused { host: String, address: IpAddr },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Lookup { host, source: Some(source) } => {
                write!(f, "cannot resolve {host}: {source}")
            }
            ResolveError::Lookup { host, source: None } => {
                write!(f, "{host} resolves to no address")
            }
            ResolveError::Refused { host, address } => {
                write!(f, "{host} resolves to {address}, which is not a public address")
            }
        }
    }
}

impl std::error::Error for ResolveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResolveError::Lookup { source: Some(source), .. } => Some(source),
            ResolveError::Lookup { source: None, .. } | ResolveError::Refused { .. } => None,
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let lookup = tokio::net::lookup_host((host.clone(), 0)).await;
            let resolved: Vec<SocketAddr> = match lookup {
                Ok(addrs) => addrs.collect(),
                Err(source) => {
                    return Err(ResolveError::Lookup { host, source: Some(source) }.into());
                }
            };
            let permitted: Vec<SocketAddr> =
                resolved.iter().copied().filter(|addr| guard.permits(&host, addr.ip())).collect();
            if permitted.is_empty() {
                let error = match resolved.first() {
                    Some(addr) => ResolveError::Refused { host, address: addr.ip() },
                    None => ResolveError::Lookup { host, source: None },
                };
                return Err(error.into());
            }
            let addrs: Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0 // "this network"
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT, 100.64/10
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    match segments {
        // ::/96: unspecified, loopback and the deprecated IPv4-compatible addresses.
        [0, 0, 0, 0, 0, 0, ..] => false,
        // NAT64 well-known prefix, 64:ff9b::/96, embeds the IPv4 destination.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        // 6to4, 2002::/16, embeds the IPv4 address of the relay-side network.
        [0x2002, hi, lo, ..] => is_public_v4(embedded_v4(hi, lo)),
        // Local-use NAT64 (64:ff9b:1::/48), discard-only (100::/64), Teredo (2001::/32),
        // documentation (2001:db8::/32).
        [0x64, 0xff9b, 1, ..] | [0x100, 0, 0, 0, ..] | [0x2001, 0, ..] | [0x2001, 0xdb8, ..] => {
            false
        }
        [first, ..] => {
            let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7
            let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
            let site_local = first & 0xffc0 == 0xfec0; // fec0::/10, deprecated
            let multicast = first & 0xff00 == 0xff00; // ff00::/8
            !(unique_local || link_local || site_local || multicast)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(addresses: &[&str], expect_public: bool) {
        for address in addresses {
            let ip: IpAddr = address.parse().expect("test address parses");
            assert_eq!(is_public(ip), expect_public, "is_public({address})");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        check(
            &[
                "1.1.1.1",
                "8.8.8.8",
                "93.184.216.34",
                "100.63.255.255",
                "100.128.0.0",
                "172.15.255.255",
                "172.32.0.0",
                "192.0.1.1",
                "198.17.255.255",
                "198.20.0.0",
                "223.255.255.255",
                "2606:4700:4700::1111",
                "2a00:1450:4001::200e",
                "::ffff:8.8.8.8",
                "64:ff9b::808:808",
                "2002:808:808::1",
            ],
            true,
        );
    }

    #[test]
    fn loopback_is_refused() {
        check(&["127.0.0.1", "127.0.0.2", "127.255.255.255", "::1"], false);
    }

    #[test]
    fn private_ranges_are_refused() {
        check(
            &[
                "10.0.0.1",
                "10.255.255.255",
                "172.16.0.1",
                "172.31.255.255",
                "192.168.0.1",
                "192.168.255.255",
                "fc00::1",
                "fd12:3456:789a::1",
            ],
            false,
        );
    }

    #[test]
    fn link_local_is_refused() {
        check(&["169.254.0.1", "169.254.169.254", "fe80::1", "febf::1", "fec0::1"], false);
    }

    #[test]
    fn cgnat_is_refused() {
        check(&["100.64.0.1", "100.127.255.255"], false);
    }

    #[test]
    fn multicast_and_broadcast_are_refused() {
        check(&["224.0.0.1", "239.255.255.250", "255.255.255.255", "ff02::1", "ff0e::1"], false);
    }

    #[test]
    fn unspecified_and_reserved_are_refused() {
        check(&["0.0.0.0", "0.1.2.3", "240.0.0.1", "192.0.0.8", "::", "100::1"], false);
    }

    #[test]
    fn documentation_and_benchmark_ranges_are_refused() {
        check(
            &[
                "192.0.2.1",
                "198.51.100.1",
                "203.0.113.1",
                "198.18.0.1",
                "198.19.255.255",
                "2001:db8::1",
            ],
            false,
        );
    }

    #[test]
    fn ipv6_embeddings_of_refused_ipv4_are_refused() {
        check(
            &[
                "::ffff:127.0.0.1",
                "::ffff:10.0.0.1",
                "::ffff:169.254.169.254",
                "::ffff:100.64.0.1",
                "::ffff:192.168.1.1",
                "::ffff:0.0.0.0",
                "::127.0.0.1",
                "::8.8.8.8",
                "64:ff9b::7f00:1",
                "2002:a00:1::1",
                "2001:0:4136:e378::1", // Teredo
                "64:ff9b:1::1",
            ],
            false,
        );
    }

    #[test]
    fn guard_permits_public_addresses_and_exact_pairs() {
        let loopback: IpAddr = "127.0.0.1".parse().expect("address");
        let guard = Guard::new([("LocalHost".to_owned(), loopback)]);
        assert!(guard.permits("localhost", loopback));
        assert!(guard.permits("LOCALHOST", loopback));
        assert!(!guard.permits("127.0.0.1", loopback));
        assert!(!guard.permits("localhost", "127.0.0.2".parse().expect("address")));
        assert!(guard.permits("example.org", "1.1.1.1".parse().expect("address")));
        assert!(!Guard::default().permits("localhost", loopback));
    }
}
