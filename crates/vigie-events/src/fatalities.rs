//! Fatalities where a sentence states them: "at least 12 people were killed", "faisant
//! cinq morts", "killing three soldiers", "trois civils ont été tués".
//!
//! A count is a number (digits or a number word up to twenty, French or English) with a
//! death word ("killed", "dead", "morts", "tués" …) at most four words after it, or a
//! killing verb ("killing", "tuant") at most three words before it. Several counts in
//! one sentence are added up; "wounded" and "blessés" counts are not fatalities.

use vigie_core::{fold_text, is_word_char};

/// Number words, French and English (folded), and their values.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("un", 1),
    ("une", 1),
    ("one", 1),
    ("deux", 2),
    ("two", 2),
    ("trois", 3),
    ("three", 3),
    ("quatre", 4),
    ("four", 4),
    ("cinq", 5),
    ("five", 5),
    ("six", 6),
    ("sept", 7),
    ("seven", 7),
    ("huit", 8),
    ("eight", 8),
    ("neuf", 9),
    ("nine", 9),
    ("dix", 10),
    ("ten", 10),
    ("onze", 11),
    ("eleven", 11),
    ("douze", 12),
    ("twelve", 12),
    ("quinze", 15),
    ("fifteen", 15),
    ("vingt", 20),
    ("twenty", 20),
    ("dozens", 24),
    ("dizaines", 20),
    ("cent", 100),
    ("hundred", 100),
    ("centaines", 100),
];

/// Words saying the counted people died.
const DEATH_WORDS: &[&str] = &[
    "killed",
    "dead",
    "died",
    "deaths",
    "fatalities",
    "lives",
    "morts",
    "mort",
    "tues",
    "tue",
    "tuees",
    "deces",
    "victimes",
    "perished",
    "tuant",
];

/// Verbs right before a count of the dead.
const KILLING_VERBS: &[&str] = &["killing", "tuant", "killed", "tue", "tues", "faisant"];

/// Words that make a count one of the wounded, not the dead.
const WOUNDED_WORDS: &[&str] = &["wounded", "injured", "blesses", "blessees", "blesse"];

/// Fatalities stated in `sentence`, if any.
pub fn fatalities(sentence: &str) -> Option<u32> {
    let folded = fold_text(sentence);
    let words: Vec<&str> = folded
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total: Option<u32> = None;
    for (i, word) in words.iter().enumerate() {
        let Some(count) = number(word) else {
            continue;
        };
        let after = &words[i + 1..words.len().min(i + 5)];
        let death_after = after
            .iter()
            .take_while(|w| !WOUNDED_WORDS.contains(w) && number(w).is_none())
            .any(|w| DEATH_WORDS.contains(w));
        // "killing 7", "killed at least 20", "faisant au moins neuf morts"
        let killing_before = words[i.saturating_sub(3)..i]
            .iter()
            .any(|w| KILLING_VERBS.contains(w));
        let wounded_after = after.first().is_some_and(|w| WOUNDED_WORDS.contains(w));
        if (death_after || killing_before) && !wounded_after {
            total = Some(total.unwrap_or(0).saturating_add(count));
        }
    }
    total
}

fn number(word: &str) -> Option<u32> {
    if word.len() <= 6 && word.bytes().all(|b| b.is_ascii_digit()) {
        return word.parse().ok().filter(|n| (1..1900).contains(n));
    }
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stated_deaths_in_both_languages() {
        assert_eq!(
            fatalities("At least 12 people were killed in the blast."),
            Some(12)
        );
        assert_eq!(
            fatalities("L'attaque a fait cinq morts et 20 blessés."),
            Some(5)
        );
        assert_eq!(
            fatalities("Trois soldats ont été tués près de Kidal."),
            Some(3)
        );
        assert_eq!(
            fatalities("The strike hit a market, killing 7 civilians."),
            Some(7)
        );
        assert_eq!(fatalities("Twelve people were wounded in 2019."), None);
        assert_eq!(
            fatalities("Les forces ont lancé une offensive sur trois fronts."),
            None
        );
    }
}
