//! Validation of the addresses the merchant types: a shop URL, a Systim account name or URL.
//! The result is an origin (`scheme://host[:port]`, lower-case, no path).
//!
//! The rules, in one place (the options page asks for host access with these very functions,
//! through the wasm export `host_permissions`):
//! - the shop: `https://` and any host name;
//! - Systim: only `https://<account>.systim.pl` (typed as the account name or as that URL) — its
//!   log-in is a form POST carrying the API key, which must never reach another host;
//! - the loopback machine (`localhost`, `127.0.0.1`, `[::1]`, plain `http` allowed) only when the
//!   build says so ([`HostRules::loopback`]: the `--dev-hosts` build of the sandbox, the demo and
//!   the end-to-end tests). A page cannot change this: the background learns it from the build.

use super::Service;
use crate::plan::Lang;
use crate::texts;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressProblem {
    Empty,
    /// A scheme other than `http`/`https`.
    UnsupportedScheme,
    /// `http://` to a host other than the loopback machine (or loopback in a shipped build).
    InsecureHttp,
    /// No host, or characters a host name cannot have.
    InvalidHost,
    /// `user:password@` inside the address.
    ContainsCredentials,
    /// A Systim address that is not `https://<account>.systim.pl`.
    NotSystim,
    /// `localhost`/`127.0.0.1` in a build that does not allow the loopback machine.
    Loopback,
}

/// Which hosts this build accepts besides the internet ones (see the module's documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostRules {
    /// The loopback machine (the sandbox): only in a `--dev-hosts` build.
    pub loopback: bool,
}

impl HostRules {
    /// A shipped build: no loopback.
    pub const SHIPPED: HostRules = HostRules { loopback: false };
    /// A `--dev-hosts` build and the native tests: the loopback sandbox too.
    pub const DEV: HostRules = HostRules { loopback: true };
}

impl AddressProblem {
    /// What is wrong with the address and what to enter instead (`core_address_…`).
    pub fn message(self, lang: Lang, service: Service) -> String {
        let key = match self {
            AddressProblem::Empty => "core_address_empty",
            AddressProblem::UnsupportedScheme => "core_address_unsupported_scheme",
            AddressProblem::InsecureHttp => "core_address_insecure_http",
            AddressProblem::InvalidHost => "core_address_invalid_host",
            AddressProblem::Loopback => "core_address_loopback",
            // texts of their own for each service (no example to enter in Polish)
            AddressProblem::ContainsCredentials | AddressProblem::NotSystim => {
                let problem = if self == AddressProblem::NotSystim { "not_systim" } else { "credentials" };
                let service = if service == Service::Shoper { "shoper" } else { "systim" };
                return texts::fill(lang, &format!("core_address_{problem}_{service}"), &[]);
            }
        };
        let what = match service {
            Service::Shoper => "core_address_what_shoper",
            Service::Systim => "core_address_what_systim",
        };
        texts::fill(lang, key, &[texts::t(lang, what)])
    }

    pub fn message_pl(self, service: Service) -> String {
        self.message(Lang::Pl, service)
    }

    pub fn message_en(self, service: Service) -> String {
        self.message(Lang::En, service)
    }
}

/// Normalise a URL (or a bare host, taken as https) to its origin: `https` and any host, plain
/// `http` only for the loopback machine. The clients' own check; what the merchant may enter
/// is [`shop_origin`] (the build's [`HostRules`]).
pub fn parse_origin(input: &str) -> Result<String, AddressProblem> {
    let input = input.trim();
    if input.is_empty() {
        return Err(AddressProblem::Empty);
    }
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_string(), input),
    };
    if scheme != "https" && scheme != "http" {
        return Err(AddressProblem::UnsupportedScheme);
    }
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(AddressProblem::ContainsCredentials);
    }
    let authority = authority.to_ascii_lowercase();
    let host = split_host(&authority)?;
    if scheme == "http" && !is_local(host) {
        return Err(AddressProblem::InsecureHttp);
    }
    Ok(format!("{scheme}://{authority}"))
}

/// The shop's origin as the merchant may enter it in this build.
pub fn shop_origin(input: &str, rules: HostRules) -> Result<String, AddressProblem> {
    let origin = parse_origin(input)?;
    if !rules.loopback && is_local(host_of(&origin)) {
        return Err(AddressProblem::Loopback);
    }
    Ok(origin)
}

/// The Systim origin from an account name (`firma` → `https://firma.systim.pl`) or the account's
/// URL; the loopback machine only with `rules.loopback`.
pub fn systim_origin_for(input: &str, rules: HostRules) -> Result<String, AddressProblem> {
    let origin = systim_origin(input)?;
    if !rules.loopback && is_local(host_of(&origin)) {
        return Err(AddressProblem::Loopback);
    }
    Ok(origin)
}

/// The Systim origin (the clients' own check): `https://<account>.systim.pl`, or the loopback
/// machine (the sandbox; [`systim_origin_for`] refuses it in a shipped build).
pub fn systim_origin(input: &str) -> Result<String, AddressProblem> {
    let input = input.trim();
    let is_account = !input.is_empty() && input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let origin = if is_account { parse_origin(&format!("https://{input}.systim.pl"))? } else { parse_origin(input)? };
    let host = host_of(&origin);
    if is_local(host) || (origin.starts_with("https://") && is_systim_account_host(host) && !origin_has_port(&origin)) {
        Ok(origin)
    } else {
        Err(AddressProblem::NotSystim)
    }
}

/// `<one label>.systim.pl`.
fn is_systim_account_host(host: &str) -> bool {
    host.strip_suffix(".systim.pl").is_some_and(|account| !account.is_empty() && !account.contains('.'))
}

fn origin_has_port(origin: &str) -> bool {
    let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
    let after_host = authority.rsplit_once(']').map_or(authority, |(_, rest)| rest);
    after_host.contains(':')
}

/// The host of a normalised origin (`[::1]` kept in brackets).
fn host_of(origin: &str) -> &str {
    let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
    split_host(authority).unwrap_or(authority)
}

/// The host part of `host[:port]` (or `[v6]:port`), validated.
fn split_host(authority: &str) -> Result<&str, AddressProblem> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']').ok_or(AddressProblem::InvalidHost)?;
        (&authority[..=end], &authority[end + 1..])
    } else {
        let colon = authority.find(':').unwrap_or(authority.len());
        authority.split_at(colon)
    };
    let port_ok = match port.strip_prefix(':') {
        Some(p) => !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()),
        None => port.is_empty(),
    };
    let host_ok = host == "[::1]" || is_host_name(host);
    if port_ok && host_ok {
        Ok(host)
    } else {
        Err(AddressProblem::InvalidHost)
    }
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-') && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_urls_normalise_to_an_origin() {
        assert_eq!(parse_origin("https://Sklep.Example.pl/admin/").unwrap(), "https://sklep.example.pl");
        assert_eq!(parse_origin(" sklep123.shoparena.pl ").unwrap(), "https://sklep123.shoparena.pl");
        assert_eq!(parse_origin("http://localhost:8080/x").unwrap(), "http://localhost:8080");
        assert_eq!(parse_origin("http://127.0.0.1:9").unwrap(), "http://127.0.0.1:9");
        assert_eq!(parse_origin("http://[::1]:9").unwrap(), "http://[::1]:9");
        assert_eq!(shop_origin("sklep.example.pl:8443", HostRules::SHIPPED).unwrap(), "https://sklep.example.pl:8443");
    }

    #[test]
    fn unsafe_or_broken_addresses_are_refused() {
        assert_eq!(parse_origin(""), Err(AddressProblem::Empty));
        assert_eq!(parse_origin("http://sklep.pl"), Err(AddressProblem::InsecureHttp));
        assert_eq!(parse_origin("ftp://sklep.pl"), Err(AddressProblem::UnsupportedScheme));
        assert_eq!(parse_origin("https://jan:haslo@sklep.pl"), Err(AddressProblem::ContainsCredentials));
        // What `new URL` reads as evil.com is refused, not turned into a host
        assert_eq!(parse_origin("https://shop.example.com@evil.com/"), Err(AddressProblem::ContainsCredentials));
        // a backslash ends the host, as the browser's URL parser reads it
        assert_eq!(parse_origin("https://evil.com\\@sklep.pl").unwrap(), "https://evil.com");
        for bad in ["https://", "https://sklep pl", "https://-a.pl", "https://a..pl", "https://a.pl:x", "https://a.pl:", "https://sklep.pl."] {
            assert_eq!(parse_origin(bad), Err(AddressProblem::InvalidHost), "{bad}");
        }
    }

    #[test]
    fn the_loopback_machine_only_in_a_dev_hosts_build() {
        for local in ["http://127.0.0.1:8080", "http://localhost:1", "https://localhost", "http://[::1]:9"] {
            assert_eq!(shop_origin(local, HostRules::SHIPPED), Err(AddressProblem::Loopback), "{local}");
            assert_eq!(systim_origin_for(local, HostRules::SHIPPED), Err(AddressProblem::Loopback), "{local}");
            assert!(shop_origin(local, HostRules::DEV).is_ok(), "{local}");
            assert!(systim_origin_for(local, HostRules::DEV).is_ok(), "{local}");
        }
        assert_eq!(shop_origin("http://sklep.pl", HostRules::DEV), Err(AddressProblem::InsecureHttp));
    }

    #[test]
    fn systim_is_only_an_account_of_systim_pl() {
        for rules in [HostRules::SHIPPED, HostRules::DEV] {
            assert_eq!(systim_origin_for("Firma-1", rules).unwrap(), "https://firma-1.systim.pl");
            assert_eq!(systim_origin_for("41216", rules).unwrap(), "https://41216.systim.pl");
            assert_eq!(systim_origin_for("https://abcd.systim.pl/jsonAPI.php", rules).unwrap(), "https://abcd.systim.pl");
            assert_eq!(systim_origin_for(" ABCD.systim.pl ", rules).unwrap(), "https://abcd.systim.pl");
            assert_eq!(systim_origin_for("http://abcd.systim.pl", rules), Err(AddressProblem::InsecureHttp));
            assert_eq!(systim_origin_for("", rules), Err(AddressProblem::Empty));
            for other in [
                "https://firma.example.pl",
                "https://systim.pl",
                "https://a.b.systim.pl",
                "https://firma.systim.pl.evil.com",
                "https://firmasystim.pl",
                "https://firma.systim.pl:8443",
                "https://firma.systim.pl@evil.com",
                "evil.com",
            ] {
                assert!(systim_origin_for(other, rules).is_err(), "{other}");
            }
            assert_eq!(systim_origin_for("https://firma.example.pl", rules), Err(AddressProblem::NotSystim));
        }
        assert_eq!(systim_origin("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
    }

    #[test]
    fn every_problem_is_said_in_polish_with_what_to_type() {
        let all = [
            AddressProblem::Empty,
            AddressProblem::UnsupportedScheme,
            AddressProblem::InsecureHttp,
            AddressProblem::InvalidHost,
            AddressProblem::ContainsCredentials,
            AddressProblem::NotSystim,
            AddressProblem::Loopback,
        ];
        for p in all {
            for service in [Service::Shoper, Service::Systim] {
                let pl = p.message_pl(service);
                assert!(pl.contains("Wpisz") || pl.contains("wpisz"), "{p:?}: {pl}");
                assert!(!p.message_en(service).is_empty());
            }
        }
        assert!(AddressProblem::NotSystim.message_pl(Service::Systim).contains(".systim.pl"));
    }
}
