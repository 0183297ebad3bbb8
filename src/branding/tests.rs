use super::*;

/// The `--name:#hex` custom properties of one `:root{…}` block.
fn palette(block: &str) -> std::collections::HashMap<&str, Rgb> {
    block
        .split(';')
        .filter_map(|decl| {
            let decl = decl.trim_start_matches([':', 'r', 'o', 't', '{', ' ']);
            let (name, value) = decl.split_once(':')?;
            let name = name.strip_prefix("--")?;
            Rgb::parse(value.trim_end_matches('}'))
                .ok()
                .map(|c| (name, c))
        })
        .collect()
}

#[test]
fn both_schemes_meet_wcag_aa() {
    let (light, dark) = STYLESHEET
        .split_once("@media (prefers-color-scheme:dark)")
        .expect("a dark scheme");
    let light_block = light.lines().find(|l| l.starts_with(":root{")).unwrap();
    let dark_block = dark.lines().next().unwrap();
    for (scheme, block) in [("light", light_block), ("dark", dark_block)] {
        let p = palette(block);
        assert_eq!(p.len(), 6, "{scheme}: {block}");
        for background in ["bg", "field"] {
            // Text: 4.5:1. The lines around fields: 3:1 (non-text contrast, 1.4.11).
            for (text, floor) in [("fg", 4.5), ("muted", 4.5), ("error", 4.5), ("line", 3.0)] {
                let ratio = p[text].contrast(p[background]);
                assert!(
                    ratio >= floor,
                    "{scheme}: {text} on {background} is {ratio:.2}:1"
                );
            }
        }
    }
}

#[test]
fn the_hash_is_of_the_stylesheet_the_pages_carry() {
    let b = Branding::new(
        DisplayName::parse("Example Corp").unwrap(),
        Rgb::parse("#ffd700").unwrap(),
        None,
    );
    assert!(
        b.css()
            .starts_with(":root{--accent:#ffd700;--on-accent:#000000}")
    );
    assert!(b.css().ends_with(STYLESHEET));
    let digest = ring::digest::digest(&ring::digest::SHA256, b.css().as_bytes());
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    assert_eq!(b.style_hash(), format!("sha256-{expected}"));
    assert_ne!(b.style_hash(), Branding::default().style_hash());
}

#[test]
fn display_names_are_bounded_and_printable() {
    assert_eq!(
        DisplayName::parse("  Example Corp ").unwrap().as_str(),
        "Example Corp"
    );
    assert!(DisplayName::parse(&"é".repeat(64)).is_ok());
    for bad in ["", "   ", "a\nb", "tab\there", "\u{7}"] {
        assert_eq!(DisplayName::parse(bad), Err(BadName), "{bad:?}");
    }
    assert_eq!(DisplayName::parse(&"x".repeat(65)), Err(BadName));
}
