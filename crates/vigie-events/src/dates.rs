//! Date expressions in French and English, resolved against the publication date.
//!
//! Absolute dates ("le 3 mars 2025", "12 May 2025", "March 3"), relative days ("hier",
//! "ce mardi", "last Thursday"), weeks ("ces derniers jours", "last week"), months and
//! years ("en 2014"). A relative expression without a publication date stays unresolved
//! (`value: null`) rather than guessed.

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate};
use rustc_hash::FxHashSet;
use vigie_core::lexicon::{month_number, weekday_number};
use vigie_core::{DatePrecision, EventDate, Span, TextIndex, fold_text, is_word_char};

/// Relative day expressions and their offset from the publication date.
const RELATIVE_DAYS: &[(&str, i64)] = &[
    ("avant-hier", -2),
    ("hier", -1),
    ("aujourd'hui", 0),
    ("ce matin", 0),
    ("ce soir", 0),
    ("cet apres-midi", 0),
    ("demain", 1),
    ("yesterday", -1),
    ("today", 0),
    ("this morning", 0),
    ("tonight", 0),
    ("tomorrow", 1),
];

/// Expressions for the week before or around the publication date, with the offset of
/// the week's first day.
const RELATIVE_WEEKS: &[(&str, i64)] = &[
    ("ces derniers jours", -7),
    ("cette semaine", 0),
    ("la semaine derniere", -7),
    ("la semaine passee", -7),
    ("in recent days", -7),
    ("this week", 0),
    ("last week", -7),
    ("past few days", -7),
    ("last few days", -7),
];

/// First words of the relative expressions: only they can start one.
static RELATIVE_FIRST_WORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    RELATIVE_DAYS
        .iter()
        .chain(RELATIVE_WEEKS)
        .filter_map(|(phrase, _)| phrase.split(' ').next())
        .collect()
});

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
}

struct Words {
    words: Vec<(String, Span)>,
}

impl Words {
    fn new(text: &str, index: &TextIndex, sentence: Span) -> Self {
        let folded = fold_text(index.slice(text, sentence));
        let mut words = Vec::new();
        // (code-point, byte) offset of the word being read.
        let mut start: Option<(usize, usize)> = None;
        let ends = folded
            .char_indices()
            .chain(std::iter::once((folded.len(), ' ')));
        for (i, (byte, c)) in ends.enumerate() {
            let inside = is_word_char(c) || c == '\'' || c == '-';
            match (inside, start) {
                (true, None) => start = Some((i, byte)),
                (false, Some((s, byte_start))) => {
                    words.push((
                        folded[byte_start..byte]
                            .trim_matches(['\'', '-'])
                            .to_owned(),
                        Span::new(sentence.start + s, sentence.start + i),
                    ));
                    start = None;
                }
                _ => {}
            }
        }
        Self { words }
    }

    /// Index of the phrase `phrase` (space-separated words) starting at word `i`.
    fn phrase_at(&self, i: usize, phrase: &str) -> Option<Span> {
        let first = self.word(i)?;
        let starts_phrase = phrase.starts_with(first)
            && phrase
                .as_bytes()
                .get(first.len())
                .is_none_or(|&b| b == b' ');
        if !starts_phrase {
            return None;
        }
        let mut end = i;
        for part in phrase.split(' ') {
            if self.word(end)? != part {
                return None;
            }
            end += 1;
        }
        Some(Span::new(self.words[i].1.start, self.words[end - 1].1.end))
    }

    fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(|(w, _)| w.as_str())
    }
}

fn year_of(word: Option<&str>) -> Option<i32> {
    word.filter(|w| w.len() == 4)
        .and_then(|w| w.parse().ok())
        .filter(|y| (1900..=2100).contains(y))
}

fn day_of(word: Option<&str>) -> Option<u32> {
    let word = word.filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let digits = word
        .trim_end_matches("er")
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// The most recent date with this month and day on or before `published` (+3 days).
fn infer_year(month: u32, day: u32, published: NaiveDate) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(published.year(), month, day)?;
    if this_year <= published + Duration::days(3) {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(published.year() - 1, month, day)
    }
}

fn event_date(
    value: Option<String>,
    precision: DatePrecision,
    text: &str,
    index: &TextIndex,
    span: Span,
) -> EventDate {
    EventDate {
        value,
        precision,
        text: index.slice(text, span).to_owned(),
        span,
    }
}

/// The relative day or week expression starting at word `i`: its span, the offset of
/// its day (or of its week's first day) from publication, and its precision.
fn relative_at(words: &Words, i: usize) -> Option<(Span, i64, DatePrecision)> {
    if !RELATIVE_FIRST_WORDS.contains(words.word(i)?) {
        return None;
    }
    let days = RELATIVE_DAYS
        .iter()
        .map(|&(p, o)| (p, o, DatePrecision::Day));
    let weeks = RELATIVE_WEEKS
        .iter()
        .map(|&(p, o)| (p, o, DatePrecision::Week));
    days.chain(weeks).find_map(|(phrase, offset, precision)| {
        words.phrase_at(i, phrase).map(|s| (s, offset, precision))
    })
}

/// Date expressions in `sentence`, in text order.
pub fn find_dates(
    text: &str,
    index: &TextIndex,
    sentence: Span,
    published: Option<NaiveDate>,
) -> Vec<EventDate> {
    let words = Words::new(text, index, sentence);
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.words.len() {
        let (word, span) = (&words.words[i].0, words.words[i].1);
        let mut advance = 1;
        let day_month = day_of(Some(word)).zip(words.word(i + 1).and_then(month_number));
        let month_day = month_number(word).zip(day_of(words.word(i + 1)));
        if let Some((day, month)) = day_month.or(month_day) {
            // "3 mars 2025", "12 May", "March 3, 2025"
            let year = year_of(words.word(i + 2));
            let last = i + 1 + usize::from(year.is_some());
            let date = match year {
                Some(y) => NaiveDate::from_ymd_opt(y, month, day),
                None => published.and_then(|p| infer_year(month, day, p)),
            };
            let span = Span::new(span.start, words.words[last].1.end);
            found.push(event_date(
                date.map(|d| d.to_string()),
                DatePrecision::Day,
                text,
                index,
                span,
            ));
            advance = last + 1 - i;
        } else if let Some((month, year)) = month_number(word).zip(year_of(words.word(i + 1))) {
            // "mars 2024", "March 2024"
            let span = Span::new(span.start, words.words[i + 1].1.end);
            found.push(event_date(
                Some(format!("{year}-{month:02}")),
                DatePrecision::Month,
                text,
                index,
                span,
            ));
            advance = 2;
        } else if let Some(weekday) = weekday_number(word) {
            let next = matches!(words.word(i + 1), Some("prochain" | "next"))
                || matches!(i.checked_sub(1).and_then(|p| words.word(p)), Some("next"));
            let date = published.map(|p| {
                let back = (p.weekday().num_days_from_monday() + 7 - weekday) % 7;
                if next {
                    let ahead = (7 - back) % 7;
                    p + Duration::days(i64::from(if ahead == 0 { 7 } else { ahead }))
                } else {
                    p - Duration::days(i64::from(back))
                }
            });
            found.push(event_date(
                date.map(|d| d.to_string()),
                DatePrecision::Day,
                text,
                index,
                span,
            ));
        } else if let Some(year) = year_of(Some(word)).filter(|_| {
            i > 0 && matches!(words.word(i - 1), Some("en" | "in" | "depuis" | "since"))
        }) {
            found.push(event_date(
                Some(year.to_string()),
                DatePrecision::Year,
                text,
                index,
                span,
            ));
        } else if let Some((phrase_span, offset, precision)) = relative_at(&words, i) {
            let date = published.map(|p| {
                let day = p + Duration::days(offset);
                match precision {
                    DatePrecision::Week => {
                        day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
                    }
                    _ => day,
                }
            });
            found.push(event_date(
                date.map(|d| d.to_string()),
                precision,
                text,
                index,
                phrase_span,
            ));
            advance = words
                .words
                .iter()
                .skip(i)
                .take_while(|(_, s)| s.end <= phrase_span.end)
                .count()
                .max(1);
        }
        i += advance;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str, published: Option<&str>) -> Vec<(Option<String>, DatePrecision, String)> {
        let index = TextIndex::new(text);
        let published = published.and_then(parse_iso_date);
        find_dates(text, &index, Span::new(0, index.char_len()), published)
            .into_iter()
            .map(|d| (d.value, d.precision, d.text))
            .collect()
    }

    #[test]
    fn resolves_relative_days_against_publication() {
        // 2020-05-14 was a Thursday.
        assert_eq!(
            dates(
                "Ce mardi à Salaheddine, hier et ces derniers jours.",
                Some("2020-05-14")
            ),
            [
                (
                    Some("2020-05-12".into()),
                    DatePrecision::Day,
                    "mardi".into()
                ),
                (Some("2020-05-13".into()), DatePrecision::Day, "hier".into()),
                (
                    Some("2020-05-04".into()),
                    DatePrecision::Week,
                    "ces derniers jours".into()
                ),
            ]
        );
    }

    #[test]
    fn absolute_dates_months_and_years() {
        assert_eq!(
            dates(
                "Le 3 mars, puis on 12 May 2025, in March 2024 and en 2014.",
                Some("2025-03-17")
            ),
            [
                (
                    Some("2025-03-03".into()),
                    DatePrecision::Day,
                    "3 mars".into()
                ),
                (
                    Some("2025-05-12".into()),
                    DatePrecision::Day,
                    "12 May 2025".into()
                ),
                (
                    Some("2024-03".into()),
                    DatePrecision::Month,
                    "March 2024".into()
                ),
                (Some("2014".into()), DatePrecision::Year, "2014".into()),
            ]
        );
    }

    #[test]
    fn relative_dates_without_anchor_stay_unresolved() {
        assert_eq!(
            dates("Last Thursday the army moved.", None),
            [(None, DatePrecision::Day, "Thursday".into())]
        );
    }
}
