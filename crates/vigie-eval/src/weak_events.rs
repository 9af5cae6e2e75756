//! Weak event examples: the lead sentence of a story with the story's PLOVER type and
//! mode, machine-labelled at the document level (the NGEC synthetic stories, written by
//! `scripts/build-ngec-weak.py`). They teach the event attribute head type and mode only:
//! no trigger, participant, modality or ACLED label comes with them.

use std::path::Path;

use serde::Deserialize;
use vigie_core::{EventType, TextIndex, tokenize};
use vigie_lang::sentences::split_sentences;

/// One line of a weak examples file.
#[derive(Deserialize)]
struct Line {
    id: String,
    text: String,
    plover: String,
    mode: Option<String>,
}

/// A story's lead sentence with the story's labels.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakItem {
    /// Identifier.
    pub id: String,
    /// The first sentence of the story's text.
    pub sentence: String,
    /// Code-point spans of the sentence's words (Vigie's tokenizer).
    pub words: Vec<(usize, usize)>,
    /// The story's PLOVER type.
    pub event_type: EventType,
    /// The story's PLOVER mode, when it has one of the type's modes.
    pub mode: Option<&'static str>,
}

/// The items of a weak examples file (JSONL: `id`, `text`, `plover`, `mode`); errors name
/// the file and line. A mode that is not one of its type's is dropped.
pub fn read_weak_items(path: &Path) -> Result<Vec<WeakItem>, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), number + 1);
        let line: Line = serde_json::from_str(line).map_err(|e| format!("{}: {e}", at()))?;
        let event_type = EventType::from_name(&line.plover)
            .ok_or_else(|| format!("{}: unknown PLOVER type {}", at(), line.plover))?;
        let mode = line
            .mode
            .and_then(|m| event_type.modes().iter().copied().find(|known| *known == m));
        let Some(first) = split_sentences(&line.text).first().copied() else {
            continue;
        };
        let sentence = TextIndex::new(&line.text)
            .slice(&line.text, first)
            .to_owned();
        let words = tokenize(&sentence)
            .iter()
            .map(|t| (t.span.start, t.span.end))
            .collect();
        items.push(WeakItem {
            id: line.id,
            sentence,
            words,
            event_type,
            mode,
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_lead_sentence_and_the_types_own_modes() {
        let dir = std::env::temp_dir().join(format!("vigie-weak-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("weak.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"id": "a", "text": "Rebels shelled Kidal on Monday. Aid groups fled.", "plover": "ASSAULT", "mode": "heavy-weapons"}"#,
                "\n\n",
                r#"{"id": "b", "text": "Oslo expelled two envoys.", "plover": "SANCTION", "mode": "aerial"}"#,
                "\n"
            ),
        )
        .unwrap();
        let items = read_weak_items(&path).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].sentence, "Rebels shelled Kidal on Monday.");
        assert_eq!(items[0].words.len(), 6);
        assert_eq!(items[0].mode, Some("heavy-weapons"));
        assert_eq!(items[1].event_type, EventType::Sanction);
        assert_eq!(items[1].mode, None);
        std::fs::write(
            &path,
            r#"{"id": "c", "text": "x", "plover": "BOMB", "mode": null}"#,
        )
        .unwrap();
        let error = read_weak_items(&path).unwrap_err();
        assert!(
            error.contains("weak.jsonl:1") && error.contains("BOMB"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
