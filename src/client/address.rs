//! Validation of the addresses the merchant types: a shop URL, a Systim account name or URL.
//! The result is an origin (`scheme://host[:port]`, lower-case, no path). Plain `http` is only
//! accepted for the local machine (tests and the sandbox).

use super::Service;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressProblem {
    Empty,
    /// A scheme other than `http`/`https`.
    UnsupportedScheme,
    /// `http://` to a host other than localhost.
    InsecureHttp,
    /// No host, or characters a host name cannot have.
    InvalidHost,
    /// `user:password@` inside the address.
    ContainsCredentials,
}

impl AddressProblem {
    pub fn message_pl(self, service: Service) -> String {
        let example = match service {
            Service::Shoper => "adres sklepu, np. https://twojsklep.pl",
            Service::Systim => "nazwę konta Systim (np. firma dla firma.systim.pl) albo adres https://",
        };
        match self {
            AddressProblem::Empty => format!("Nie podano adresu. Wpisz {example}."),
            AddressProblem::UnsupportedScheme => format!("Adres musi zaczynać się od https://. Wpisz {example}."),
            AddressProblem::InsecureHttp => {
                "Adres bez szyfrowania (http://) jest dozwolony tylko dla tego komputera (localhost). Użyj https://.".into()
            }
            AddressProblem::InvalidHost => format!("Adres zawiera niedozwolone znaki lub nie ma nazwy serwera. Wpisz {example}."),
            AddressProblem::ContainsCredentials => {
                "Adres nie może zawierać loginu ani hasła (część przed @). Wpisz je w osobnych polach ustawień.".into()
            }
        }
    }

    pub fn message_en(self, service: Service) -> String {
        let what = match service {
            Service::Shoper => "shop address",
            Service::Systim => "Systim account",
        };
        let why = match self {
            AddressProblem::Empty => "is empty",
            AddressProblem::UnsupportedScheme => "must start with https://",
            AddressProblem::InsecureHttp => "uses http:// for a host other than localhost",
            AddressProblem::InvalidHost => "has no valid host name",
            AddressProblem::ContainsCredentials => "must not contain credentials",
        };
        format!("The {what} {why}.")
    }
}

/// Normalise a URL (or a bare host, taken as https) to its origin.
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
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
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

/// The Systim origin from an account name (`firma` → `https://firma.systim.pl`) or a URL.
pub fn systim_origin(input: &str) -> Result<String, AddressProblem> {
    let input = input.trim();
    let is_account = !input.is_empty() && input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if is_account && !is_local(input) {
        return parse_origin(&format!("https://{}.systim.pl", input.to_ascii_lowercase()));
    }
    parse_origin(input)
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
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
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
    }

    #[test]
    fn unsafe_or_broken_addresses_are_refused() {
        assert_eq!(parse_origin(""), Err(AddressProblem::Empty));
        assert_eq!(parse_origin("http://sklep.pl"), Err(AddressProblem::InsecureHttp));
        assert_eq!(parse_origin("ftp://sklep.pl"), Err(AddressProblem::UnsupportedScheme));
        assert_eq!(parse_origin("https://jan:haslo@sklep.pl"), Err(AddressProblem::ContainsCredentials));
        for bad in ["https://", "https://sklep pl", "https://-a.pl", "https://a..pl", "https://a.pl:x", "https://a.pl:"] {
            assert_eq!(parse_origin(bad), Err(AddressProblem::InvalidHost), "{bad}");
        }
    }

    #[test]
    fn systim_accepts_an_account_name_or_a_url() {
        assert_eq!(systim_origin("Firma-1").unwrap(), "https://firma-1.systim.pl");
        assert_eq!(systim_origin("41216").unwrap(), "https://41216.systim.pl");
        assert_eq!(systim_origin("https://abcd.systim.pl/jsonAPI.php").unwrap(), "https://abcd.systim.pl");
        assert_eq!(systim_origin("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert_eq!(systim_origin("http://abcd.systim.pl"), Err(AddressProblem::InsecureHttp));
        assert_eq!(systim_origin(""), Err(AddressProblem::Empty));
    }
}
