//! Small closed word lists shared by several stages (folded: lower case, no accents).

/// Month names in French and English with their number.
pub const MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("decembre", 12),
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
];

/// Day names in French and English, Monday first (index 0 to 6 in each language).
pub const WEEKDAYS: &[(&str, u32)] = &[
    ("lundi", 0),
    ("mardi", 1),
    ("mercredi", 2),
    ("jeudi", 3),
    ("vendredi", 4),
    ("samedi", 5),
    ("dimanche", 6),
    ("monday", 0),
    ("tuesday", 1),
    ("wednesday", 2),
    ("thursday", 3),
    ("friday", 4),
    ("saturday", 5),
    ("sunday", 6),
];

/// French speech verbs, folded: the past participle used with "a"/"ont", which for most
/// of them is also the present tense ("déclaré" and "déclare" both fold to "declare").
pub const SPEECH_VERBS_FR: &[&str] = &[
    "dit", "declare", "affirme", "indique", "ajoute", "precise", "souligne", "explique", "assure",
    "annonce", "estime", "confie", "raconte", "reconnu", "averti", "martele", "denonce",
    "rapporte",
];

/// English speech verbs, past and present.
pub const SPEECH_VERBS_EN: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "stated",
    "claimed",
    "warned",
    "announced",
    "reported",
    "noted",
    "explained",
    "confirmed",
    "insisted",
];

/// Titles that precede a person's name (folded).
pub const TITLES: &[&str] = &[
    "m",
    "mme",
    "mlle",
    "dr",
    "pr",
    "me",
    "mr",
    "mrs",
    "ms",
    "rep",
    "sen",
    "gen",
    "col",
    "lt",
    "general",
    "president",
    "presidente",
    "ministre",
    "commandant",
    "colonel",
    "capitaine",
    "lieutenant",
    "sergent",
    "porte-parole",
    "cheikh",
    "sheikh",
    "imam",
    "ayatollah",
    "emir",
    "roi",
    "king",
    "prince",
    "princesse",
    "senateur",
    "senator",
    "speaker",
    "secretary",
    "minister",
    "gouverneur",
    "governor",
    "maire",
    "mayor",
    "depute",
    "deputee",
    "juge",
    "judge",
    "chef",
    "chief",
    "commander",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "leader",
    "dirigeant",
    "candidate",
    "candidat",
    "ambassadeur",
    "ambassador",
    "envoy",
    "emissaire",
    "journaliste",
    "journalist",
    "reporter",
    "analyste",
    "analyst",
    "professeur",
    "professor",
    "pape",
    "pope",
    "patriarche",
    "premier",
    "chancellor",
    "chanceliere",
    "chancelier",
    "activist",
    "militant",
    "militante",
    "opposant",
];

/// English compass words and adjectives that qualify a place (folded): "northern Iraq",
/// "in the north of", "central Mali".
pub const COMPASS_WORDS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "northeastern",
    "northwestern",
    "southeastern",
    "southwestern",
    "central",
];

/// Abbreviated month names (folded).
pub const MONTH_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "janv", "fevr",
    "avr", "juil",
];

/// Month number of a folded month name.
pub fn month_number(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(m, _)| *m == word).map(|&(_, n)| n)
}

/// Day of the week (0 = Monday) of a folded day name.
pub fn weekday_number(word: &str) -> Option<u32> {
    WEEKDAYS.iter().find(|(d, _)| *d == word).map(|&(_, n)| n)
}

/// True for folded month and day names.
pub fn is_calendar_word(word: &str) -> bool {
    month_number(word).is_some()
        || weekday_number(word).is_some()
        || MONTH_ABBREVIATIONS.contains(&word)
}

/// True for folded titles that precede a person's name ("general", "sen", "president").
///
/// A compound title counts by its head ("vice-president", "ex-ministre",
/// "lieutenant-colonel").
pub fn is_title(word: &str) -> bool {
    const TITLE_PREFIXES: &[&str] = &["vice", "ex", "co", "sous", "deputy", "lieutenant", "major"];
    TITLES.contains(&word)
        || word.split_once('-').is_some_and(|(prefix, head)| {
            TITLE_PREFIXES.contains(&prefix) && TITLES.contains(&head)
        })
}

/// True for folded speech verbs.
pub fn is_speech_verb(word: &str) -> bool {
    SPEECH_VERBS_FR.contains(&word) || SPEECH_VERBS_EN.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_words() {
        assert_eq!(month_number("aout"), Some(8));
        assert_eq!(weekday_number("sunday"), Some(6));
        assert!(is_calendar_word("mardi") && !is_calendar_word("mardis"));
    }

    #[test]
    fn compound_titles_count_by_their_head() {
        assert!(is_title("vice-president") && is_title("ex-ministre"));
        assert!(is_title("lieutenant-colonel") && is_title("porte-parole"));
        assert!(!is_title("vice") && !is_title("al-sheikh") && !is_title("vice-versa"));
    }
}
