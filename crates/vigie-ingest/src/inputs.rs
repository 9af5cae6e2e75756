//! Inputs: files, directories, JSONL, WARC and feeds, read as a stream of raw articles,
//! each named by a stable origin so a store can tell what it has already seen.
//!
//! Origins: the file path for a one-article file, `path:line` for JSONL, `path#record-id`
//! (or `path@offset`) for WARC records, `path#guid` for feed items, `<stdin>` for
//! standard input.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};

use vigie_core::catch_panic;

use crate::feed::{looks_like_feed, read_feed};
use crate::limits::{BombGuard, Line, read_line_capped, read_to_limit};
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

/// File names a directory walk picks up (names need not be UTF-8).
fn is_input_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [
        ".txt", ".html", ".htm", ".jsonl", ".warc", ".wet", ".rss", ".atom", ".xml",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Expands directories (recursively, sorted) into the input files they hold. Each
/// directory is walked once, however many links lead to it, so symbolic-link loops end;
/// a directory that cannot be listed is kept as an input, which then fails naming it.
pub fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut walked = HashSet::new();
    for path in paths {
        walk(path, &mut walked, &mut files);
    }
    files
}

fn walk(path: &Path, walked: &mut HashSet<DirectoryKey>, files: &mut Vec<PathBuf>) {
    if !path.is_dir() {
        files.push(path.to_owned());
        return;
    }
    let Ok(key) = directory_key(path) else {
        files.push(path.to_owned());
        return;
    };
    if !walked.insert(key) {
        return;
    }
    let Ok(listing) = std::fs::read_dir(path) else {
        files.push(path.to_owned());
        return;
    };
    let mut entries: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() || is_input_file(p))
        .collect();
    entries.sort();
    for entry in entries {
        walk(&entry, walked, files);
    }
}

/// What identifies a directory whatever the path it is reached by.
#[cfg(unix)]
type DirectoryKey = (u64, u64);
#[cfg(not(unix))]
type DirectoryKey = PathBuf;

/// The device and inode of a directory (its canonical path where there are no inodes).
fn directory_key(path: &Path) -> std::io::Result<DirectoryKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        path.canonicalize()
    }
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

/// A boxed stream of input items.
type Items = Box<dyn Iterator<Item = InputItem> + Send>;

/// Reads one input (a file, or `-` for standard input) as a stream of articles. A panic
/// while reading it becomes one error item naming the input, and ends that input only.
pub fn read_input(path: &Path, format: InputFormat) -> Items {
    let name = input_name(path);
    let inner = catch_panic(|| open_input(path, format));
    Box::new(PanicFree { name, inner })
}

/// How an input is named in origins and errors.
fn input_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// An input's items with panics caught: a panic yields one error and ends the input.
struct PanicFree {
    name: String,
    /// The items still to read, or the message of the panic that ended them.
    inner: Result<Items, String>,
}

impl Iterator for PanicFree {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        let message = match &mut self.inner {
            Ok(items) => match catch_panic(|| items.next()) {
                Ok(item) => return item,
                Err(message) => message,
            },
            Err(message) => std::mem::take(message),
        };
        self.inner = Ok(Box::new(std::iter::empty()));
        Some(InputItem {
            origin: self.name.clone(),
            article: Err(IngestError::Internal {
                input: self.name.clone(),
                message,
            }),
        })
    }
}

/// Opens one input as a stream of articles.
fn open_input(path: &Path, format: InputFormat) -> Items {
    let name = input_name(path);
    let failed = |error: IngestError| -> Items {
        Box::new(std::iter::once(InputItem {
            origin: name.clone(),
            article: Err(error),
        }))
    };
    let format = detect(path, format);
    let reader: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        match File::open(path) {
            Ok(file) => Box::new(file),
            Err(e) => return failed(unreadable(path, e)),
        }
    };
    if format == InputFormat::Warc {
        // WARC files decompress themselves, record by record.
        return Box::new(WarcReader::open(name, reader));
    }
    let reader: Box<dyn Read + Send> = if name.to_ascii_lowercase().ends_with(".gz") {
        Box::new(BombGuard::new(reader, flate2::read::MultiGzDecoder::new))
    } else {
        reader
    };
    if format == InputFormat::Jsonl {
        return Box::new(JsonlItems {
            name,
            input: Some(BufReader::new(reader)),
            line: 0,
        });
    }
    let bytes = match read_to_limit(reader, MAX_ARTICLE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::FileTooLarge => {
            return failed(IngestError::TooLarge {
                input: name.clone(),
                limit: MAX_ARTICLE_BYTES,
            });
        }
        Err(e) => return failed(unreadable(path, e)),
    };
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

/// Longest JSONL line read: an article at the size limit, JSON-escaped.
const MAX_JSONL_LINE_BYTES: usize = 4 * MAX_ARTICLE_BYTES;

/// The records of a JSONL stream, read line by line (blank lines skipped); a line over
/// [`MAX_JSONL_LINE_BYTES`] is an error for that line alone.
struct JsonlItems {
    name: String,
    /// `None` once the stream ended or failed.
    input: Option<BufReader<Box<dyn Read + Send>>>,
    /// Number of the last line read (1-based).
    line: usize,
}

impl Iterator for JsonlItems {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        let mut buf = Vec::new();
        loop {
            let input = self.input.as_mut()?;
            let read = read_line_capped(input, &mut buf, MAX_JSONL_LINE_BYTES);
            self.line += 1;
            let origin = format!("{}:{}", self.name, self.line);
            let bad = |reason: String| IngestError::BadRecord {
                input: origin.clone(),
                reason,
            };
            let article = match read {
                Ok(Line::End) => {
                    self.input = None;
                    return None;
                }
                Ok(Line::TooLong(_)) => Err(bad(format!(
                    "line over the {MAX_JSONL_LINE_BYTES}-byte limit"
                ))),
                Ok(Line::Whole(_)) => match std::str::from_utf8(&buf) {
                    Ok(line) if line.trim().is_empty() => continue,
                    Ok(line) => parse_jsonl_line(&origin, line.trim()),
                    Err(e) => Err(bad(format!("not UTF-8: {e}"))),
                },
                Err(e) => {
                    self.input = None;
                    Err(IngestError::Unreadable {
                        input: origin.clone(),
                        reason: e.to_string(),
                    })
                }
            };
            return Some(InputItem { origin, article });
        }
    }
}

/// Every article of the files and directories `paths` (expanded as [`expand`] does), in
/// order.
pub fn read_inputs(
    paths: &[PathBuf],
    format: InputFormat,
) -> impl Iterator<Item = InputItem> + Send + use<> {
    expand(paths)
        .into_iter()
        .flat_map(move |file| read_input(&file, format))
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
        let files = expand(std::slice::from_ref(&dir));
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

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_walked_once_and_odd_names_are_read() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("vigie-loop-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/x.txt"), "Texte.").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("b")).unwrap();
        let latin1 = std::ffi::OsStr::from_bytes(b"d\xe9p\xeache.txt");
        std::fs::write(dir.join(latin1), "Texte.").unwrap();
        let files = expand(std::slice::from_ref(&dir));
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(files.iter().any(|f| f.file_name() == Some(latin1)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
