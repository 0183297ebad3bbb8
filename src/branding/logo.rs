//! The organisation's logo: a file read once at start, its type taken from its bytes
//! (never from its name), served by sigil itself so the pages' CSP admits no other origin.

use std::fmt;
use std::sync::Arc;

/// Large enough for any sensible logo; a file beyond it is a mistake worth reporting.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BadLogo {
    #[error("is empty")]
    Empty,
    #[error("is larger than {MAX_LOGO_BYTES} bytes")]
    TooLarge,
    #[error("is not a PNG, JPEG, WebP or SVG image")]
    UnknownType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoType {
    Png,
    Jpeg,
    Webp,
    Svg,
}

impl LogoType {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoType::Png => "image/png",
            LogoType::Jpeg => "image/jpeg",
            LogoType::Webp => "image/webp",
            LogoType::Svg => "image/svg+xml",
        }
    }

    fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(LogoType::Png);
        }
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            return Some(LogoType::Jpeg);
        }
        if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            return Some(LogoType::Webp);
        }
        // SVG is text: an optional BOM, XML declaration, comments or doctype, then <svg.
        let text = std::str::from_utf8(bytes).ok()?;
        let text = text.trim_start_matches('\u{feff}').trim_start();
        let head = text.get(..text.len().min(4096))?;
        let svg = head.starts_with("<svg")
            || ((head.starts_with("<?xml")
                || head.starts_with("<!--")
                || head.starts_with("<!DOCTYPE svg"))
                && head.contains("<svg"));
        svg.then_some(LogoType::Svg)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    bytes: Arc<[u8]>,
    kind: LogoType,
}

impl Logo {
    pub fn parse(bytes: Vec<u8>) -> Result<Self, BadLogo> {
        if bytes.is_empty() {
            return Err(BadLogo::Empty);
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(BadLogo::TooLarge);
        }
        let kind = LogoType::sniff(&bytes).ok_or(BadLogo::UnknownType)?;
        Ok(Logo {
            bytes: bytes.into(),
            kind,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn kind(&self) -> LogoType {
        self.kind
    }
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logo")
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        assert_eq!(Logo::parse(png).unwrap().kind(), LogoType::Png);
        assert_eq!(
            Logo::parse(vec![0xff, 0xd8, 0xff, 0xe0, 0, 16])
                .unwrap()
                .kind(),
            LogoType::Jpeg
        );
        assert_eq!(
            Logo::parse(b"RIFF\x10\0\0\0WEBPVP8 ".to_vec())
                .unwrap()
                .kind(),
            LogoType::Webp
        );
        for svg in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "\u{feff}  <?xml version=\"1.0\"?>\n<svg/>",
            "<!-- made by hand -->\n<svg/>",
        ] {
            assert_eq!(
                Logo::parse(svg.as_bytes().to_vec()).unwrap().kind(),
                LogoType::Svg,
                "{svg}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_logo() {
        assert_eq!(Logo::parse(Vec::new()), Err(BadLogo::Empty));
        assert_eq!(
            Logo::parse(vec![0x89; MAX_LOGO_BYTES + 1]),
            Err(BadLogo::TooLarge)
        );
        for junk in [
            &b"<html><script>alert(1)</script>"[..],
            b"<?xml version=\"1.0\"?><html/>",
            b"GIF89a",
            b"RIFF\0\0\0\0WAVE",
            b"\x89PN",
            &[0xff, 0xfe, 0x00],
        ] {
            assert_eq!(
                Logo::parse(junk.to_vec()),
                Err(BadLogo::UnknownType),
                "{junk:?}"
            );
        }
    }
}
