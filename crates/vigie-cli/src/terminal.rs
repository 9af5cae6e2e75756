//! What is printed to the terminal: input names and error messages come from files,
//! feeds and the network, so their control characters are shown escaped, never sent to
//! the terminal as they are.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (an escape sequence's ESC, a carriage return
/// that would overwrite the line, a bell …) written as `\u{…}`.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(safe, "\\u{{{:x}}}", c as u32);
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// Prints `error: …` for one failed input on standard error, escaped.
pub fn report_error(error: &impl std::fmt::Display) {
    eprintln!("error: {}", terminal_safe(&error.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(terminal_safe("a.txt: vide"), "a.txt: vide");
        assert_eq!(
            terminal_safe("\u{1b}[2J\u{1b}]0;pwned\u{7}x.txt\r"),
            "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}x.txt\\u{d}"
        );
    }
}
