//! Turning input bytes into text: BOMs, declared charsets, legacy encodings, binaries.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use crate::{IngestError, MAX_ARTICLE_BYTES};

/// Decodes the bytes of one input named `name` to a string.
///
/// Uses a byte-order mark when present, then UTF-8 when the bytes are valid UTF-8, then
/// the charset an HTML page declares, and otherwise UTF-8 with each invalid byte read as
/// windows-1252 (a superset of ISO-8859-1 that French pages still use): a Latin-1 file
/// comes out whole, and a UTF-8 file with one stray Latin-1 byte keeps every other
/// character. Rejects binary data (also behind a byte-order mark) and inputs over
/// [`MAX_ARTICLE_BYTES`].
pub fn decode_bytes(name: &str, bytes: &[u8]) -> Result<String, IngestError> {
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(IngestError::TooLarge {
            input: name.to_owned(),
            limit: MAX_ARTICLE_BYTES,
        });
    }
    let binary = || IngestError::Binary {
        input: name.to_owned(),
    };
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return if text_looks_binary(&text) {
            Err(binary())
        } else {
            Ok(text.into_owned())
        };
    }
    if looks_binary(bytes) {
        return Err(binary());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    if let Some(encoding) = declared_charset(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return Ok(text.into_owned());
    }
    Ok(utf8_with_latin1_fallback(bytes))
}

/// UTF-8, each byte of an invalid sequence read as windows-1252.
fn utf8_with_latin1_fallback(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&WINDOWS_1252.decode_without_bom_handling(&[*byte]).0);
        }
    }
    text
}

/// NUL bytes or many control characters in the first 8 KiB mean binary data.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    head.contains(&0) || controls * 20 > head.len().max(1)
}

/// The same test on decoded text: NULs, or more than one character in 20 that is a
/// control character, a private-use character or a replacement for an undecodable
/// sequence (random bytes read as UTF-16 land there one time in eight).
fn text_looks_binary(text: &str) -> bool {
    let (mut chars, mut odd) = (0usize, 0usize);
    for c in text.chars().take(8192) {
        chars += 1;
        if c == '\0' {
            return true;
        }
        odd += usize::from(
            c == char::REPLACEMENT_CHARACTER
                || ('\u{e000}'..='\u{f8ff}').contains(&c)
                || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')),
        );
    }
    odd * 20 > chars.max(1)
}

/// The charset declared by `<meta charset=…>` or `content="…; charset=…"` in the head.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    // As browsers do: a UTF-16 label on a page read byte by byte means UTF-8.
    Encoding::for_label(label.as_bytes())
        .map(Encoding::output_encoding)
        .filter(|e| *e != UTF_8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_legacy_french() {
        let latin1 = b"Les forces irakiennes \xe0 Hassak\xe9";
        assert_eq!(
            decode_bytes("a.txt", latin1).unwrap(),
            "Les forces irakiennes à Hassaké"
        );
        let declared = b"<html><head><meta charset=\"iso-8859-15\"></head><body>\xa4</body></html>";
        assert!(decode_bytes("b.html", declared).unwrap().contains('€'));
    }

    #[test]
    fn rejects_binary_naming_the_input() {
        let err = decode_bytes("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00").unwrap_err();
        assert_eq!(
            err.to_string(),
            "photo.jpg: binary data, not a text or HTML article"
        );
    }

    #[test]
    fn a_stray_latin1_byte_is_read_alone_and_the_rest_stays_utf8() {
        let mut bytes = "Les forces ont bombardé Mossoul, ".as_bytes().to_vec();
        bytes.extend_from_slice(b"caf\xe9 \xa9 AFP, ");
        bytes.extend_from_slice("à Hassaké.".as_bytes());
        assert_eq!(
            decode_bytes("mixed.txt", &bytes).unwrap(),
            "Les forces ont bombardé Mossoul, café © AFP, à Hassaké."
        );
    }

    #[test]
    fn a_utf16_declaration_on_a_byte_page_is_not_read_as_utf16() {
        let page = b"<html><head><meta charset=utf-16></head><body><p>Hassak\xe9</p></body></html>";
        assert!(decode_bytes("p.html", page).unwrap().contains("Hassaké"));
    }

    #[test]
    fn random_bytes_behind_a_bom_are_binary() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        let mut state = 7u32;
        bytes.extend((0..4096).map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        }));
        assert!(matches!(
            decode_bytes("r.txt", &bytes),
            Err(IngestError::Binary { .. })
        ));
        let mut text = vec![0xEF, 0xBB, 0xBF];
        text.extend_from_slice("Les forces avancent.".as_bytes());
        assert_eq!(
            decode_bytes("t.txt", &text).unwrap(),
            "Les forces avancent."
        );
    }

    #[test]
    fn honours_utf16_bom() {
        let bytes = [0xFF, 0xFE, b'O', 0, b'K', 0];
        assert_eq!(decode_bytes("u.txt", &bytes).unwrap(), "OK");
    }
}
