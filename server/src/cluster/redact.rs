//! The Redis URL, held so that its password can never reach a log line.
//!
//! Why a wrapper and not a `String`: the URL is printed at start-up, in every reconnect warning and
//! in `--help`-style config dumps. `Display` and `Debug` both print `redis://user:***@host:port/db`,
//! so `tracing::warn!(redis = %url, ..)` is safe by construction; only [`RedisUrl::expose`], called
//! once when the client is opened, hands out the secret. redis-rs also reads a password from the
//! query of `unix://` URLs (`?pass=`), so query values named `pass` or `password` are redacted too.

use std::fmt;

/// A `redis://` (or `rediss://`, `unix://`) URL whose password is redacted when printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

/// What stands in for a password in printed URLs.
pub const REDACTED: &str = "***";

impl RedisUrl {
    /// Wraps a URL as given on the command line or in the config file.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for opening the client only: never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Writes the URL with the password (the part between `user:` and `@` of the authority, or the
    /// whole userinfo when it has no `:`, which redis-rs reads as a password) replaced by `***`.
    fn write_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.as_str();
        let Some(scheme_end) = url.find("://") else {
            // Not a URL we understand: print nothing of it rather than risk a secret.
            return f.write_str("<unparsed redis url>");
        };
        let authority_start = scheme_end + 3;
        let rest = &url[authority_start..];
        // The userinfo ends at the last '@' before any query or fragment: a password may contain
        // '@' or an unescaped '/', and Redis URLs have no '@' in their path.
        let head_end = rest.find(['?', '#']).unwrap_or(rest.len());
        let Some(at) = rest[..head_end].rfind('@') else {
            f.write_str(&url[..authority_start + head_end])?;
            return write_query_redacted(f, &rest[head_end..]);
        };
        let host_end = at + rest[at..head_end].find('/').unwrap_or(head_end - at);
        let (authority, authority_end) = (&rest[..host_end], host_end);
        let userinfo = &authority[..at];
        f.write_str(&url[..authority_start])?;
        match userinfo.find(':') {
            Some(colon) => {
                f.write_str(&userinfo[..colon])?;
                f.write_str(":")?;
                f.write_str(REDACTED)?;
            }
            None => f.write_str(REDACTED)?,
        }
        f.write_str(&authority[at..])?;
        write_query_redacted(f, &rest[authority_end..])
    }
}

/// Writes a URL's path and query with the values of `pass` / `password` parameters redacted.
fn write_query_redacted(f: &mut fmt::Formatter<'_>, tail: &str) -> fmt::Result {
    let Some(q) = tail.find('?') else {
        return f.write_str(tail);
    };
    f.write_str(&tail[..=q])?;
    for (i, pair) in tail[q + 1..].split('&').enumerate() {
        if i > 0 {
            f.write_str("&")?;
        }
        match pair.split_once('=') {
            Some((key, _))
                if key.eq_ignore_ascii_case("pass") || key.eq_ignore_ascii_case("password") =>
            {
                write!(f, "{key}={REDACTED}")?;
            }
            _ => f.write_str(pair)?,
        }
    }
    Ok(())
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_redacted(f)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisUrl(")?;
        self.write_redacted(f)?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        RedisUrl::new(url).to_string()
    }

    #[test]
    fn password_is_redacted_in_display_and_debug() {
        let url = RedisUrl::new("redis://petri:s3cr3t@db.example:6379/2");
        assert_eq!(url.to_string(), "redis://petri:***@db.example:6379/2");
        let debug = format!("{url:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert_eq!(url.expose(), "redis://petri:s3cr3t@db.example:6379/2");
    }

    #[test]
    fn password_only_userinfo_and_at_signs_in_passwords() {
        assert_eq!(shown("redis://:pw@h:1"), "redis://:***@h:1");
        assert_eq!(shown("redis://pw@h:1"), "redis://***@h:1");
        assert_eq!(
            shown("rediss://u:p@ss@h:1/0?x=1"),
            "rediss://u:***@h:1/0?x=1"
        );
        assert!(!shown("rediss://u:p@ss@h:1").contains("p@ss"));
        assert_eq!(shown("redis://:pa/ss@h:1/0"), "redis://:***@h:1/0");
    }

    #[test]
    fn urls_without_secrets_print_unchanged_and_garbage_prints_nothing() {
        assert_eq!(shown("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(
            shown("redis://h:1/0?protocol=resp3"),
            "redis://h:1/0?protocol=resp3"
        );
        assert_eq!(
            shown("unix:///run/redis.sock?db=1&pass=hunter2&user=petri"),
            "unix:///run/redis.sock?db=1&pass=***&user=petri"
        );
        assert_eq!(
            shown("redis://u:p@h:1/0?password=x"),
            "redis://u:***@h:1/0?password=***"
        );
        assert_eq!(shown("not a url with pw"), "<unparsed redis url>");
    }
}
