//! Colours as configured (`#rrggbb` or `#rgb`) and the WCAG 2 contrast arithmetic that
//! picks a readable text colour for whatever accent an organisation chooses.

use std::fmt;

/// An sRGB colour, parsed from `#rrggbb` or `#rgb`; nothing else reaches a stylesheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb([u8; 3]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a colour such as #1f6feb or #16b")]
pub struct BadColour(pub String);

impl Rgb {
    pub const BLACK: Rgb = Rgb([0, 0, 0]);
    pub const WHITE: Rgb = Rgb([0xff, 0xff, 0xff]);
    pub(super) const DEFAULT_ACCENT: Rgb = Rgb([0x25, 0x5b, 0xc4]);

    pub fn parse(s: &str) -> Result<Self, BadColour> {
        let bad = || BadColour(s.to_owned());
        let hex = s.strip_prefix('#').ok_or_else(bad)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map_err(|_| bad());
        match hex.len() {
            6 => {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
                Ok(Rgb([byte(0)?, byte(2)?, byte(4)?]))
            }
            3 => Ok(Rgb([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17])),
            _ => Err(bad()),
        }
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// The WCAG 2 contrast ratio between two colours, from 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Text on this colour: black or white, whichever contrasts more. One of the two is
    /// always above 4.5:1 (WCAG AA for text), whatever the accent.
    pub fn text_on(self) -> Rgb {
        if self.contrast(Self::BLACK) >= self.contrast(Self::WHITE) {
            Self::BLACK
        } else {
            Self::WHITE
        }
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_long_and_short_forms_only() {
        assert_eq!(Rgb::parse("#1f6FEB"), Ok(Rgb([0x1f, 0x6f, 0xeb])));
        assert_eq!(Rgb::parse("#16b"), Ok(Rgb([0x11, 0x66, 0xbb])));
        for bad in [
            "",
            "#",
            "1f6feb",
            "#1f6fe",
            "#1f6febff",
            "#ggg",
            "red",
            "#1f6feb;}",
            "#+1f6fe",
            "#1f 6fe",
            "#é12",
        ] {
            assert!(Rgb::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn displays_as_it_reaches_the_stylesheet() {
        assert_eq!(Rgb::parse("#ABC").unwrap().to_string(), "#aabbcc");
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((Rgb::BLACK.contrast(Rgb::WHITE) - 21.0).abs() < 1e-9);
        assert!((Rgb::WHITE.contrast(Rgb::WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic just-passing grey: 4.54:1.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((grey.contrast(Rgb::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn text_on_any_accent_is_readable() {
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let accent = Rgb([r as u8, g as u8, b as u8]);
                    let ratio = accent.contrast(accent.text_on());
                    assert!(ratio >= 4.5, "{accent} gives {ratio}");
                }
            }
        }
    }
}
