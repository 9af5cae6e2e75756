//! Plain-text layout: separates a headline, photo captions and page furniture (site
//! labels, share buttons, source lines, bylines) from the body paragraphs.

use vigie_core::{Caption, Furniture, FurnitureKind, fold_text};

/// A text split into its parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// Headline, when the text starts with one.
    pub title: Option<String>,
    /// Body paragraphs separated by blank lines.
    pub body: String,
    /// Photo captions.
    pub captions: Vec<Caption>,
    /// Removed furniture.
    pub furniture: Vec<Furniture>,
}

const SHARE_WORDS: &[&str] = &[
    "partager",
    "share",
    "imprimer",
    "print",
    "tweeter",
    "tweet",
    "envoyer par e-mail",
    "email this",
    "copier le lien",
    "copy link",
];

const CREDIT_MARKERS: &[&str] = &[
    "(afp photo)",
    "afp photo",
    "(photo",
    "photo :",
    "photo:",
    "photo credit",
    "credit photo",
    "credit :",
    "getty images",
    "(reuters photo)",
    "/ afp",
    "/afp",
    "/reuters",
    "/ reuters",
    "/ap photo",
    "(ap photo)",
    "epa-efe",
];

fn word_count(line: &str) -> usize {
    line.split_whitespace().count()
}

fn furniture_kind(line: &str) -> Option<FurnitureKind> {
    let folded = fold_text(line);
    let words = word_count(line);
    if words <= 6 && SHARE_WORDS.iter().any(|w| folded.starts_with(w)) {
        return Some(FurnitureKind::Share);
    }
    if words <= 12
        && (folded.starts_with("source:")
            || folded.starts_with("source :")
            || folded.starts_with("sources:"))
    {
        return Some(FurnitureKind::SourceLine);
    }
    if is_byline(line, &folded, words) {
        return Some(FurnitureKind::Byline);
    }
    if is_timestamp(line, &folded, words) {
        return Some(FurnitureKind::Timestamp);
    }
    None
}

/// How a line stamping a page's time begins (folded).
const TIMESTAMP_STARTS: &[&str] = &[
    "published",
    "updated",
    "posted",
    "last updated",
    "publie",
    "mis a jour",
    "modifie le",
];

/// A line that only says when the page was published or updated: short, no sentence's
/// end, and either led by "Published", "Updated", "Publié" … with a date or a clock time
/// in it, or a clock time with little else ("Nov. 20, 2019 5:52 AM EST").
fn is_timestamp(line: &str, folded: &str, words: usize) -> bool {
    if words > 16 || line.ends_with('.') {
        return false;
    }
    let led = TIMESTAMP_STARTS.iter().any(|start| {
        folded
            .strip_prefix(start)
            .is_some_and(|rest| rest.starts_with([' ', ':']))
    });
    // A month or a day's name, or a date in figures ("20/11/2019").
    let dated = folded
        .split(|c: char| !c.is_alphanumeric())
        .any(vigie_core::lexicon::is_calendar_word)
        || line
            .split_whitespace()
            .any(|w| w.split('/').filter(|p| p.parse::<u16>().is_ok()).count() >= 2);
    let clock = line
        .split(|c: char| !c.is_ascii_digit() && c != ':')
        .any(|part| {
            let mut halves = part.split(':');
            matches!(
                (halves.next(), halves.next(), halves.next()),
                (Some(h), Some(m), None) if (1..=2).contains(&h.len()) && m.len() == 2
            )
        });
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    (led && (dated || clock)) || (clock && words <= 8 && letters <= 24)
}

/// Endings (folded) of a line that names who wrote a story: "Tom Krisher, AP Auto
/// Writer", "Meg Kinnard and Errin Haines, Associated Press".
const BYLINE_ENDINGS: &[&str] = &[
    "writer",
    "correspondent",
    "reporter",
    "staff",
    "associated press",
    "wire services",
    "envoye special",
    "envoyee speciale",
];

/// A byline: "By" or "Par" and a capitalised name (then maybe more names, a date or an
/// outlet: "By Justine Coleman - 11/18/19 11:04 PM EST"), or a short line without a
/// sentence's end whose last words say who wrote it.
fn is_byline(line: &str, folded: &str, words: usize) -> bool {
    let after_by = folded
        .strip_prefix("par ")
        .or_else(|| folded.strip_prefix("by "))
        .is_some();
    let named = line
        .split_whitespace()
        .nth(1)
        .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
    if after_by && named && words <= 16 && !ends_sentence(line) {
        return true;
    }
    words <= 10
        && !ends_sentence(line)
        && line.contains(',')
        && BYLINE_ENDINGS.iter().any(|e| folded.ends_with(e))
}

/// The photo credit in a caption line, if the line has one.
fn credit(line: &str) -> Option<String> {
    if let Some(at) = line.find('©') {
        let credit: String = line[at + '©'.len_utf8()..]
            .trim()
            .trim_end_matches(['.', ')'])
            .trim()
            .to_owned();
        return Some(credit).filter(|c| !c.is_empty());
    }
    let folded = fold_text(line);
    CREDIT_MARKERS
        .iter()
        .find(|m| folded.contains(*m))
        .map(|marker| {
            ["afp", "reuters", "ap", "getty images", "epa-efe"]
                .iter()
                .find(|agency| marker.contains(*agency))
                .map_or_else(|| "photo".to_owned(), |agency| agency.to_uppercase())
        })
}

/// A caption from its text, with its credit when one is recognised.
pub fn caption(text: &str) -> Caption {
    Caption {
        text: text.trim().to_owned(),
        credit: credit(text),
        entities: Vec::new(),
    }
}

fn ends_sentence(line: &str) -> bool {
    line.trim_end()
        .ends_with(['.', '!', '?', ':', '»', '"', '…'])
}

/// Splits a plain-text article into headline, body, captions and furniture.
pub fn lay_out(text: &str) -> Layout {
    lay_out_titled(text, None)
}

/// [`lay_out`] for a text whose headline the input already gives (a JSONL record's
/// `title`): its first short paragraph is the headline only when it repeats it, and is
/// otherwise the start of the body.
pub fn lay_out_titled(text: &str, given_title: Option<&str>) -> Layout {
    let given_title = given_title.map(fold_text);
    let mut layout = Layout::default();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut block_open = false;
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let first_line = lines.iter().position(|l| !l.is_empty());
    let has_long_line = lines.iter().any(|l| word_count(l) > 3);
    for (index, line) in lines.iter().enumerate() {
        if line.is_empty() {
            block_open = false;
            continue;
        }
        if let Some(kind) = furniture_kind(line) {
            layout.furniture.push(Furniture {
                kind,
                text: (*line).to_owned(),
            });
            block_open = false;
            continue;
        }
        let is_site_label = Some(index) == first_line && word_count(line) <= 2 && has_long_line;
        if is_site_label && !ends_sentence(line) {
            layout.furniture.push(Furniture {
                kind: FurnitureKind::SiteLabel,
                text: (*line).to_owned(),
            });
            continue;
        }
        if credit(line).is_some() && word_count(line) <= 80 {
            layout.captions.push(caption(line));
            block_open = false;
            continue;
        }
        let before_title = layout.title.is_none() && paragraphs.is_empty();
        let may_be_title = given_title
            .as_deref()
            .is_none_or(|title| repeats_title(&fold_text(line), title));
        if before_title
            && may_be_title
            && word_count(line) <= 30
            && lines[index + 1..].iter().any(|l| !l.is_empty())
        {
            layout.title = Some((*line).to_owned());
            continue;
        }
        match paragraphs.last_mut() {
            Some(last) if block_open => {
                let continues =
                    !ends_sentence(last) && line.chars().next().is_some_and(char::is_lowercase);
                last.push(if continues { ' ' } else { '\n' });
                last.push_str(line);
            }
            _ => paragraphs.push((*line).to_owned()),
        }
        block_open = true;
    }
    if paragraphs.is_empty() {
        // A text that is one paragraph with a photo credit as its last or first sentence
        // ("… Pic/AFP", "(Photo courtesy of the Army)", "Photo credit: A. Name. …") is a
        // story, not a caption: only the credit is.
        for caption in std::mem::take(&mut layout.captions) {
            match split_credit(&caption.text) {
                Some((story, credit)) => {
                    paragraphs.push(story.to_owned());
                    layout.captions.push(self::caption(credit));
                }
                None => layout.captions.push(caption),
            }
        }
    }
    layout.body = paragraphs.join("\n\n");
    layout
}

/// True when a line (folded) is the given headline (folded) again: the same, or one
/// holding the other ("Headline - Site name"), if the shorter has three words or more.
fn repeats_title(line: &str, title: &str) -> bool {
    let (shorter, longer) = if line.len() <= title.len() {
        (line, title)
    } else {
        (title, line)
    };
    shorter == longer || (word_count(shorter) >= 3 && longer.contains(shorter))
}

/// A line that is a story with a photo credit, cut into the two (story, credit): the
/// credit is the last sentence or the closing parenthesis, else the first sentence, and
/// the story holds no credit.
fn split_credit(line: &str) -> Option<(&str, &str)> {
    let sentence_ends = line
        .match_indices(['.', '!', '?', '»', '"'])
        .map(|(at, mark)| at + mark.len());
    let cuts: Vec<usize> = sentence_ends
        .clone()
        .chain(line.match_indices(" (").map(|(at, _)| at))
        .filter(|&at| at < line.len())
        .collect();
    let is_story = |story: &str| word_count(story) >= 3 && credit(story).is_none();
    let credit_last = cuts
        .iter()
        .map(|&at| (line[..at].trim(), line[at..].trim()))
        .rfind(|(story, credit_part)| is_story(story) && credit(credit_part).is_some());
    credit_last.or_else(|| {
        sentence_ends
            .filter(|&at| at < line.len())
            .map(|at| (line[at..].trim(), line[..at].trim()))
            .find(|(story, credit_part)| is_story(story) && credit(credit_part).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_first_paragraph_is_body_when_the_input_gives_the_headline() {
        let text = "Des hommes armés ont attaqué un poste à Gao.\n\nL'armée a riposté.";
        let titled = lay_out_titled(text, Some("Attaque à Gao"));
        assert_eq!(titled.title, None);
        assert_eq!(titled.body, text);
        let repeated = lay_out_titled(&format!("Attaque à Gao\n\n{text}"), Some("Attaque à GAO"));
        assert_eq!(repeated.title.as_deref(), Some("Attaque à Gao"));
        assert_eq!(repeated.body, text);
        // A page's title often carries the site's name after the headline.
        let suffixed = lay_out_titled(
            &format!("Attaque meurtrière à Gao\n\n{text}"),
            Some("Attaque meurtrière à Gao - Le Guetteur"),
        );
        assert_eq!(suffixed.title.as_deref(), Some("Attaque meurtrière à Gao"));
        assert_eq!(
            lay_out(text).title.as_deref(),
            Some("Des hommes armés ont attaqué un poste à Gao.")
        );
    }

    #[test]
    fn time_stamps_are_furniture_and_sentences_with_times_are_not() {
        for line in [
            "Published 11:34 PM EST Nov 19, 2019",
            "Updated Nov 19, 6:55 AM;Posted Nov 19, 6:51 AM",
            "Nov. 20, 2019 5:52 AM EST",
            "Publié le 20 novembre 2019 à 11h28",
            "Mis à jour : 20/11/2019",
            "15:23 2019",
        ] {
            assert_eq!(
                furniture_kind(line),
                Some(FurnitureKind::Timestamp),
                "{line}"
            );
        }
        for line in [
            "The attack began at 5:30 AM on Tuesday and lasted two hours.",
            "Updated figures show 12 people were killed",
            "Le couvre-feu commence à 20:00 dans toute la ville de Bamako",
        ] {
            assert_eq!(furniture_kind(line), None, "{line}");
        }
    }

    #[test]
    fn bylines_are_furniture_and_sentences_are_not() {
        for line in [
            "By Mike Wuerthele and Malcolm Owen",
            "By Justine Coleman - 11/18/19 11:04 PM EST",
            "Par Amadou Diallo",
            "Tom Krisher, Ap Auto Writer",
            "Meg Kinnard and Errin Haines, Associated Press",
        ] {
            assert_eq!(furniture_kind(line), Some(FurnitureKind::Byline), "{line}");
        }
        for line in [
            "By the end of the week, the army had retaken the town.",
            "Par ailleurs, trois soldats ont été blessés",
            "The minister said the attack was the work of a staff writer.",
        ] {
            assert_eq!(furniture_kind(line), None, "{line}");
        }
    }

    #[test]
    fn separates_label_title_captions_and_source_line() {
        let text = "TV\n\nUne offensive est lancée à l'est\n\nSoldiers talk in Washington on March 8, 2019. (AFP photo)\nUn soldat à la frontière. ©AFP\n\nLe premier paragraphe du corps.\n\nLe second paragraphe,\nqui continue.\n\nPartager Cet Article\nSOURCE: FRENCH PRESS TV";
        let layout = lay_out(text);
        assert_eq!(
            layout.title.as_deref(),
            Some("Une offensive est lancée à l'est")
        );
        assert_eq!(
            layout.body,
            "Le premier paragraphe du corps.\n\nLe second paragraphe, qui continue."
        );
        assert_eq!(layout.captions.len(), 2);
        assert_eq!(layout.captions[0].credit.as_deref(), Some("AFP"));
        let kinds: Vec<FurnitureKind> = layout.furniture.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FurnitureKind::SiteLabel,
                FurnitureKind::Share,
                FurnitureKind::SourceLine
            ]
        );
    }

    #[test]
    fn a_story_with_a_photo_credit_keeps_its_body() {
        let story = "Warplanes pounded rebel positions near Idlib on Tuesday, killing 12 \
                     fighters, a monitor said.";
        for credit in ["Pic/AFP", "(Photo courtesy of the Army Public Affairs)"] {
            let layout = lay_out(&format!("{story} {credit}"));
            assert_eq!(layout.body, story, "{credit}");
            assert_eq!(layout.captions.len(), 1);
            assert_eq!(layout.captions[0].text, credit);
        }
        // The credit as the first sentence.
        let credit = "Photo credit: Ana Diallo.";
        let layout = lay_out(&format!("{credit} {story}"));
        assert_eq!(layout.body, story);
        assert_eq!(layout.captions.len(), 1);
        assert_eq!(layout.captions[0].text, credit);
        // A caption line among paragraphs stays a caption.
        let layout = lay_out(&format!(
            "Soldiers stand guard in Baghdad. (AFP photo)\n\n{story}"
        ));
        assert_eq!(layout.body, story);
        assert_eq!(
            layout.captions[0].text,
            "Soldiers stand guard in Baghdad. (AFP photo)"
        );
    }

    #[test]
    fn single_paragraph_has_no_title() {
        let layout = lay_out("Une seule phrase de texte, sans titre.");
        assert_eq!(layout.title, None);
        assert_eq!(layout.body, "Une seule phrase de texte, sans titre.");
    }
}
