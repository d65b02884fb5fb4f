//! HTTP plumbing shared by the Prometheus and Tempo clients: building a rustls client,
//! naming the server in messages without credentials, and classifying transport errors.

use std::error::Error as _;
use std::time::Duration;

use reqwest::{RequestBuilder, Url};

use super::config::Auth;

/// A parsed base URL plus the way messages name the server ("Prometheus at http://h:9090").
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    base: Url,
    label: String,
}

impl Endpoint {
    /// Parses `url`; credentials in the URL are moved into `auth` (when it has none) and
    /// never appear in the label.
    pub(crate) fn parse(kind: &str, url: &str, auth: &mut Auth) -> Result<Self, String> {
        let mut base = Url::parse(url.trim()).map_err(|e| e.to_string())?;
        if base.scheme() != "http" && base.scheme() != "https" {
            return Err(format!("scheme {:?} is not http or https", base.scheme()));
        }
        if base.cannot_be_a_base() || base.host_str().is_none() {
            return Err("the URL has no host".into());
        }
        if !base.username().is_empty() || base.password().is_some() {
            if *auth == Auth::None {
                *auth = Auth::Basic {
                    user: base.username().to_string(),
                    password: base.password().unwrap_or_default().to_string(),
                };
            }
            // Both setters only fail for URLs without a host, excluded above.
            let _ = base.set_username("");
            let _ = base.set_password(None);
        }
        base.set_query(None);
        base.set_fragment(None);
        let shown = base.as_str().trim_end_matches('/').to_string();
        Ok(Self {
            base,
            label: format!("{kind} at {shown}"),
        })
    }

    /// "Prometheus at http://127.0.0.1:9090".
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// The base URL joined with an API path, keeping any path prefix of the base.
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
        url
    }
}

/// Builds a rustls client with the configured timeout and trust.
pub(crate) fn build_client(
    timeout: Duration,
    tls_skip_verify: bool,
    ca_cert_pem: Option<&str>,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .danger_accept_invalid_certs(tls_skip_verify)
        .user_agent(concat!("canary-lens/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_cert_pem.filter(|p| !p.trim().is_empty()) {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("the CA certificate is not valid PEM: {e}"))?;
        if certs.is_empty() {
            return Err("the CA certificate field holds no PEM certificate".into());
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| e.without_url().to_string())
}

/// Adds the `Authorization` header.
pub(crate) fn with_auth(rb: RequestBuilder, auth: &Auth) -> RequestBuilder {
    match auth {
        Auth::None => rb,
        Auth::Basic { user, password } => rb.basic_auth(user, Some(password)),
        Auth::Bearer(token) => rb.bearer_auth(token),
    }
}

/// What went wrong below HTTP.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Refused,
    TimedOut,
    Other(String),
}

/// Classifies a reqwest error without ever printing the request URL.
pub(crate) fn classify(err: reqwest::Error) -> Transport {
    if err.is_timeout() {
        return Transport::TimedOut;
    }
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Transport::Refused,
                std::io::ErrorKind::TimedOut => return Transport::TimedOut,
                _ => {}
            }
        }
        source = s.source();
    }
    // "error sending request" alone helps nobody: append the causes.
    let mut causes = Vec::new();
    let mut source = err.source();
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    let mut text = err.without_url().to_string();
    for part in causes {
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    Transport::Other(text)
}

/// "30s", "500ms", "1.5s".
pub(crate) fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// The URL with any `user:password@` replaced by `…@`, for messages.
pub(crate) fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// A short plain-text excerpt of an error body (HTML tags dropped, whitespace collapsed).
pub(crate) fn body_excerpt(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > 200 {
        let cut: String = collapsed.chars().take(200).collect();
        format!("{cut}…")
    } else if collapsed.is_empty() {
        "(empty body)".to_string()
    } else {
        collapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_hidden_but_scheme_and_host_kept() {
        assert_eq!(
            redact_userinfo("https://user:pw@tempo:3200/x"),
            "https://…@tempo:3200/x"
        );
        assert_eq!(redact_userinfo("http://tempo:3200"), "http://tempo:3200");
        assert_eq!(redact_userinfo("tempo@host"), "tempo@host");
    }
}
