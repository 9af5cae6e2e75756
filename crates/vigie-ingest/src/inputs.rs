//! Inputs: files, directories, JSONL, WARC and feeds, read as a stream of raw articles,
//! each named by a stable origin so a store can tell what it has already seen.
//!
//! Origins: the file path for a one-article file, `path:line` for JSONL, `path#record-id`
//! (or `path@offset`) for WARC records, `path#guid` for feed items, `<stdin>` for
//! standard input.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::feed::{looks_like_feed, read_feed};
use crate::record::{RawArticle, parse_jsonl_line};
use crate::warc::WarcReader;
use crate::{IngestError, MAX_ARTICLE_BYTES, decode_bytes};

/// One article read from an input, or why it could not be read.
#[derive(Debug)]
pub struct InputItem {
    /// Stable name of where the article comes from (see the module docs).
    pub origin: String,
    /// The article, or the error naming the input.
    pub article: Result<RawArticle, IngestError>,
}

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Decide per file from its name and first bytes.
    #[default]
    Auto,
    /// One article per file, plain text or HTML.
    Article,
    /// One JSON object per line.
    Jsonl,
    /// A WARC file, gzip-compressed or not.
    Warc,
    /// An RSS or Atom feed.
    Feed,
}

/// File names a directory walk picks up.
fn is_input_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [
        ".txt", ".html", ".htm", ".jsonl", ".warc", ".wet", ".rss", ".atom", ".xml",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Expands directories (recursively, sorted) into the input files they hold.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| unreadable(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir() || is_input_file(p))
                .collect();
            entries.sort();
            files.extend(expand(&entries)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn unreadable(path: &Path, error: std::io::Error) -> IngestError {
    IngestError::Unreadable {
        input: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// The format of `path` when `format` is `Auto`: by extension, then by first bytes.
fn detect(path: &Path, format: InputFormat) -> InputFormat {
    if format != InputFormat::Auto {
        return format;
    }
    let name = path.to_string_lossy().to_ascii_lowercase();
    // `.gz` files are read decompressed (WARC files decompress themselves).
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") {
        InputFormat::Jsonl
    } else if [".warc", ".wet", ".wat"]
        .iter()
        .any(|ext| name.ends_with(ext))
    {
        InputFormat::Warc
    } else if name.ends_with(".rss") || name.ends_with(".atom") {
        InputFormat::Feed
    } else {
        InputFormat::Article
    }
}

/// Reads one input (a file, or `-` for standard input) as a stream of articles.
pub fn read_input(path: &Path, format: InputFormat) -> Box<dyn Iterator<Item = InputItem> + Send> {
    let name = if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let failed = |error: IngestError| -> Box<dyn Iterator<Item = InputItem> + Send> {
        Box::new(std::iter::once(InputItem {
            origin: name.clone(),
            article: Err(error),
        }))
    };
    let format = detect(path, format);
    if format == InputFormat::Warc {
        return match File::open(path) {
            Ok(file) => Box::new(WarcReader::open(name.clone(), file)),
            Err(e) => failed(unreadable(path, e)),
        };
    }
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match bytes {
        Ok(bytes) if name.to_ascii_lowercase().ends_with(".gz") => match gunzip(&bytes) {
            Ok(bytes) => bytes,
            Err(e) => return failed(unreadable(path, e)),
        },
        Ok(bytes) => bytes,
        Err(e) => return failed(unreadable(path, e)),
    };
    if format == InputFormat::Jsonl {
        return Box::new(jsonl_items(name, bytes));
    }
    let text = match decode_bytes(&name, &bytes) {
        Ok(text) => text,
        Err(error) => return failed(error),
    };
    let lower = name.to_ascii_lowercase();
    let xml_feed =
        (lower.ends_with(".xml") || lower.ends_with(".xml.gz")) && looks_like_feed(&text);
    if format == InputFormat::Feed || xml_feed {
        return match read_feed(&name, &text) {
            Ok(items) => Box::new(items.into_iter()),
            Err(error) => failed(error),
        };
    }
    Box::new(std::iter::once(InputItem {
        origin: name.clone(),
        article: Ok(RawArticle::text(name, text)),
    }))
}

/// Decompresses a gzip file, refusing more than the article limit allows (a JSONL
/// file may hold many articles: up to 64 of them).
fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let limit = 64 * MAX_ARTICLE_BYTES as u64;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "decompresses to over {limit} bytes"
        )));
    }
    Ok(out)
}

/// Every article of the files and directories `paths` (expanded as [`expand`] does), in
/// order.
pub fn read_inputs(
    paths: &[PathBuf],
    format: InputFormat,
) -> Result<impl Iterator<Item = InputItem> + Send + use<>, IngestError> {
    Ok(expand(paths)?
        .into_iter()
        .flat_map(move |file| read_input(&file, format)))
}

/// The records of a JSONL file, blank lines skipped.
fn jsonl_items(name: String, bytes: Vec<u8>) -> impl Iterator<Item = InputItem> + Send {
    BufReader::new(std::io::Cursor::new(bytes))
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(move |(number, line)| {
            let origin = format!("{name}:{}", number + 1);
            let article = line
                .map_err(|e| IngestError::BadRecord {
                    input: origin.clone(),
                    reason: e.to_string(),
                })
                .and_then(|l| parse_jsonl_line(&origin, &l));
            InputItem { origin, article }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_input_with_stable_origins() {
        let dir = std::env::temp_dir().join(format!("vigie-inputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.txt"), "Les forces irakiennes avancent.").unwrap();
        std::fs::write(
            dir.join("sub/b.jsonl"),
            "{\"text\": \"Iraqi forces advance.\"}\n\n{bad json\n",
        )
        .unwrap();
        std::fs::write(dir.join("ignored.png"), [0u8, 1, 2]).unwrap();
        let files = expand(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(files.len(), 2);
        let items: Vec<InputItem> = files
            .iter()
            .flat_map(|f| read_input(f, InputFormat::Auto))
            .collect();
        let origins: Vec<&str> = items.iter().map(|i| i.origin.as_str()).collect();
        let a = dir.join("a.txt").display().to_string();
        let b = dir.join("sub/b.jsonl").display().to_string();
        assert_eq!(origins, [a.clone(), format!("{b}:1"), format!("{b}:3")]);
        assert!(items[0].article.is_ok() && items[1].article.is_ok());
        let error = items[2].article.as_ref().unwrap_err().to_string();
        assert!(error.starts_with(&format!("{b}:3")), "{error}");
        let missing = read_input(&dir.join("missing.txt"), InputFormat::Auto)
            .next()
            .unwrap();
        assert!(
            missing
                .article
                .unwrap_err()
                .to_string()
                .contains("missing.txt")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
