//! How sigil's pages look for the organisation that runs it: a display name, an accent
//! colour and a logo (`SIGIL_DISPLAY_NAME`, `SIGIL_ACCENT_COLOR`, `SIGIL_LOGO_FILE`).
//!
//! The pages carry one stylesheet, `assets/sigil.css`, inline and admitted by its hash
//! in the CSP: no inline style attribute, no third-party resource. The accent arrives as
//! two custom properties written before it (`--accent` and a text colour chosen for
//! contrast), so the stylesheet and its hash are fixed once the configuration is read.

mod colour;
mod logo;

pub use colour::{BadColour, Rgb};
pub use logo::{BadLogo, Logo, LogoType, MAX_LOGO_BYTES};

/// The one stylesheet of every page.
const STYLESHEET: &str = include_str!("../../assets/sigil.css");

pub const DEFAULT_NAME: &str = "sigil";
/// A blue with 6.2:1 against the white text it gets.
pub const DEFAULT_ACCENT: Rgb = Rgb::DEFAULT_ACCENT;

/// A name fit for a page title: 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be 1 to 64 characters with no control characters")]
pub struct BadName;

impl DisplayName {
    pub fn parse(s: &str) -> Result<Self, BadName> {
        let s = s.trim();
        let len = s.chars().count();
        if len == 0 || len > 64 || s.chars().any(char::is_control) {
            return Err(BadName);
        }
        Ok(DisplayName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    name: DisplayName,
    accent: Rgb,
    logo: Option<Logo>,
    css: String,
    style_hash: String,
}

impl Default for Branding {
    fn default() -> Self {
        Branding::new(DisplayName(DEFAULT_NAME.to_owned()), DEFAULT_ACCENT, None)
    }
}

impl Branding {
    pub fn new(name: DisplayName, accent: Rgb, logo: Option<Logo>) -> Self {
        let css = format!(
            ":root{{--accent:{accent};--on-accent:{}}}\n{STYLESHEET}",
            accent.text_on()
        );
        let hash = ring::digest::digest(&ring::digest::SHA256, css.as_bytes());
        use base64::Engine as _;
        let style_hash = format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(hash.as_ref())
        );
        Branding {
            name,
            accent,
            logo,
            css,
            style_hash,
        }
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    pub fn accent(&self) -> Rgb {
        self.accent
    }

    pub fn logo(&self) -> Option<&Logo> {
        self.logo.as_ref()
    }

    /// The stylesheet as the pages carry it, byte for byte what [`Self::style_hash`] hashes.
    pub fn css(&self) -> &str {
        &self.css
    }

    /// The CSP source admitting [`Self::css`]: `sha256-…`.
    pub fn style_hash(&self) -> &str {
        &self.style_hash
    }
}

#[cfg(test)]
mod tests;
