//! The page's files (`web/`, compiled into the binary), served gzip-compressed to the
//! browsers that accept it and cacheable: each answer carries an `ETag` (a hash of the
//! file), and a browser that already holds the file gets `304 Not Modified`.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One file of the page.
pub(crate) struct Asset {
    body: &'static str,
    kind: &'static str,
    /// Compressed on first use, then kept.
    gzip: OnceLock<Vec<u8>>,
    etag: OnceLock<String>,
}

impl Asset {
    pub(crate) const fn new(body: &'static str, kind: &'static str) -> Self {
        Asset {
            body,
            kind,
            gzip: OnceLock::new(),
            etag: OnceLock::new(),
        }
    }

    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            format!(
                "\"{:08x}-{}\"",
                crc32(self.body.as_bytes()),
                self.body.len()
            )
        })
    }

    fn gzip(&'static self) -> &'static [u8] {
        self.gzip.get_or_init(|| gzip(self.body.as_bytes()))
    }

    /// The answer to a GET of this file.
    pub(crate) fn answer(&'static self, request: &HeaderMap) -> Response {
        let etag = self.etag();
        // `no-cache`: the browser keeps the file and asks each time whether it changed
        // (a new binary serves a new page at once).
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.kind));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Ok(v) = HeaderValue::from_str(etag) {
            headers.insert(header::ETAG, v);
        }
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let gzip_ok = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(accepts_gzip);
        if gzip_ok {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, self.gzip()).into_response()
        } else {
            (headers, self.body).into_response()
        }
    }
}

/// Whether an `Accept-Encoding` value allows gzip (`gzip`, `gzip;q=0.5`, not `gzip;q=0`).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|part| {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && q > 0.0
    })
}

/// `data` in the gzip format (RFC 1952): a fixed header, the deflate stream, the CRC-32
/// and the length.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 9));
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, the polynomial of gzip), bit by bit: the page's files are small
/// and compressed once.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_of_the_check_string() {
        // The standard check value of CRC-32.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn gzip_round_trips() {
        let text = "P (a & Y b) ".repeat(100);
        let z = gzip(text.as_bytes());
        assert_eq!(&z[..3], &[0x1f, 0x8b, 8]);
        assert!(z.len() < text.len() / 4);
        let body = &z[10..z.len() - 8];
        let back = miniz_oxide::inflate::decompress_to_vec(body).expect("inflates");
        assert_eq!(back, text.as_bytes());
        assert_eq!(
            z[z.len() - 8..z.len() - 4],
            crc32(text.as_bytes()).to_le_bytes()
        );
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("br"));
    }
}
