//! What every HTML page of flaky shares: the escaper askama writes every `{{ value }}` through,
//! the filter that turns `quoted` parts of a message into `<code>`, and the page shell
//! (`templates/base.html`).
//!
//! A page is an askama template that starts with `{% extends "base.html" %}`, has a `title`
//! field (any `Display`: escaped), and fills the blocks `body` (everything inside `<body>`) and,
//! when it needs rules of its own, `style` (added after the shared CSS). The charts a page can
//! draw are in [`super::charts`] and their markup in `templates/charts.html`.
//!
//! `askama.toml` at the crate root makes [`HtmlText`] the escaper of every `.html` template, so
//! a value cannot reach a page unescaped unless a template says `|safe` (none does on text from
//! a test) or a filter returns [`askama::filters::Safe`] ([`filters::code_spans`], whose parts
//! are escaped here).

use std::fmt;

/// The escaper of the `.html` templates: askama's HTML escaping (markup characters as
/// entities), and also what a test's text may hold that a browser would show misleadingly:
/// control characters (other than line breaks and tabs) as U+FFFD, bidirectional controls as
/// `\u{202e}` (the "Trojan Source" characters), as in every other format.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlText;

impl askama::filters::Escaper for HtmlText {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        write_escaped(&mut dest, text)
    }
}

/// `text` for HTML content and attribute values (see [`HtmlText`]).
fn write_escaped(dest: &mut impl fmt::Write, text: &str) -> fmt::Result {
    // Runs of ordinary characters are written at once: most text has nothing to escape.
    let mut plain = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\n' | '\t' => continue,
            c if c.is_control() => "\u{FFFD}",
            c if super::is_bidi_control(c) => {
                dest.write_str(&text[plain..i])?;
                dest.write_str(&super::bidi_shown(c))?;
                plain = i + c.len_utf8();
                continue;
            }
            _ => continue,
        };
        dest.write_str(&text[plain..i])?;
        dest.write_str(replacement)?;
        plain = i + c.len_utf8();
    }
    dest.write_str(&text[plain..])
}

/// Text whose `quoted` parts ([`super::split_code`]) are shown as `<code>`, every part escaped.
pub struct CodeSpans(String);

impl fmt::Display for CodeSpans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (code, part) in super::split_code(&self.0) {
            if code {
                f.write_str("<code>")?;
                write_escaped(f, part)?;
                f.write_str("</code>")?;
            } else {
                write_escaped(f, part)?;
            }
        }
        Ok(())
    }
}

/// The filters of flaky's templates; a module with templates brings them in with
/// `use super::page::filters;`.
pub mod filters {
    use askama::filters::Safe;

    /// `{{ note|code_spans }}`: the text with its `quoted` parts as `<code>`. Marked safe
    /// because [`super::CodeSpans`] escapes every part itself: the only markup it writes is the
    /// `<code>` tags.
    #[askama::filter_fn]
    pub fn code_spans(
        text: impl std::fmt::Display,
        _: &dyn askama::Values,
    ) -> askama::Result<Safe<super::CodeSpans>> {
        Ok(Safe(super::CodeSpans(text.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::{CodeSpans, filters};

    #[derive(Template)]
    #[template(
        ext = "html",
        source = "<p title=\"{{ text }}\">{{ text }}</p><p>{{ text|code_spans }}</p>"
    )]
    struct Probe<'a> {
        text: &'a str,
    }

    fn probe(text: &str) -> String {
        Probe { text }.render().unwrap()
    }

    #[test]
    fn values_leave_no_markup() {
        let hostile = "<script>alert('x')</script> & \"q\"\u{1}";
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}";
        assert_eq!(
            probe(hostile),
            format!("<p title=\"{escaped}\">{escaped}</p><p>{escaped}</p>")
        );
    }

    #[test]
    fn controls_are_shown_and_line_breaks_kept() {
        assert_eq!(
            probe("a\u{202e}b\u{1b}[2J\n\tc"),
            "<p title=\"a\\u{202e}b\u{FFFD}[2J\n\tc\">a\\u{202e}b\u{FFFD}[2J\n\tc</p><p>a\\u{202e}b\u{FFFD}[2J\n\tc</p>"
        );
    }

    #[test]
    fn code_spans_escape_inside_and_out() {
        assert_eq!(
            CodeSpans("uses `<b>` & `x`".to_owned()).to_string(),
            "uses <code>&lt;b&gt;</code> &amp; <code>x</code>"
        );
        assert!(
            probe("`</code><script>`").ends_with("<p><code>&lt;/code&gt;&lt;script&gt;</code></p>")
        );
    }
}
