//! The web client's files: baked into the binary (the default), or read from disk in dev mode
//! (`--web-root web-client`) so a page edit shows on reload without a rebuild.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// A file to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: Cow<'static, [u8]>,
}

/// Where the files come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WebRoot {
    #[default]
    Embedded,
    Disk(PathBuf),
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file for a URL path (`/` is `index.html`). Paths that try to leave the web root (`..`,
/// absolute parts, backslashes, NUL) find nothing.
pub fn lookup(root: &WebRoot, url_path: &str) -> Option<Asset> {
    let relative = url_path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    if relative.contains('\\') || relative.contains('\0') {
        return None;
    }
    let as_path = Path::new(relative);
    if !as_path
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let body = match root {
        WebRoot::Embedded => Cow::Borrowed(WEB_ASSETS.iter().find(|(p, _)| *p == relative)?.1),
        WebRoot::Disk(dir) => Cow::Owned(std::fs::read(dir.join(as_path)).ok()?),
    };
    Some(Asset {
        content_type: content_type(relative),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let root = WebRoot::Disk(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        assert!(
            lookup(&root, "/Cargo.toml").is_some(),
            "a file under the root is served"
        );
        for bad in [
            "/../Cargo.toml",
            "/src/../../Cargo.toml",
            "//etc/passwd",
            "/a\\..\\b",
            "/x\0y",
        ] {
            assert!(lookup(&root, bad).is_none(), "{bad}");
        }
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
    }
}
