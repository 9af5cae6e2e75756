//! Turning input bytes into text: BOMs, declared charsets, legacy encodings, binaries.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use crate::{IngestError, MAX_ARTICLE_BYTES};

/// Decodes the bytes of one input named `name` to a string.
///
/// Uses a byte-order mark when present, then strict UTF-8, then the charset an HTML page
/// declares, and finally windows-1252 (a superset of ISO-8859-1 that French pages still
/// use). Rejects binary data and inputs over [`MAX_ARTICLE_BYTES`].
pub fn decode_bytes(name: &str, bytes: &[u8]) -> Result<String, IngestError> {
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(IngestError::TooLarge {
            input: name.to_owned(),
            limit: MAX_ARTICLE_BYTES,
        });
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(text.into_owned());
    }
    if looks_binary(bytes) {
        return Err(IngestError::Binary {
            input: name.to_owned(),
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let encoding = declared_charset(bytes).unwrap_or(WINDOWS_1252);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(text.into_owned())
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

/// The charset declared by `<meta charset=…>` or `content="…; charset=…"` in the head.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    Encoding::for_label(label.as_bytes()).filter(|e| *e != UTF_8)
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
    fn honours_utf16_bom() {
        let bytes = [0xFF, 0xFE, b'O', 0, b'K', 0];
        assert_eq!(decode_bytes("u.txt", &bytes).unwrap(), "OK");
    }
}
