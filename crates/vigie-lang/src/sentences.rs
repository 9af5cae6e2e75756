//! Sentence splitting for French and English news.
//!
//! A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets) when the
//! next word starts a sentence, unless the period closes an abbreviation or title
//! ("M. Dupont", "Dr. Smith", "U.S. troops") or an initial. Line breaks always end a
//! sentence: headlines, captions and paragraphs never run together.

use vigie_core::{Span, is_letter};

/// Abbreviations after which a period does not end a sentence (case-sensitive).
const ABBREVIATIONS: &[&str] = &[
    "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Drs", "Pr", "Me", "Mgr", "St", "Ste", "Mr",
    "Mrs", "Ms", "Prof", "Gen", "Gén", "Col", "Lt", "Capt", "Cpt", "Sgt", "Maj", "Adm", "Rep",
    "Sen", "Gov", "Jr", "Sr", "Rev", "No", "Nos", "cf", "av", "apr", "env", "p", "pp", "vol",
    "art", "Inc", "Corp", "Ltd", "Co", "vs", "Jan", "Feb", "Aug", "Sept", "Oct", "Nov", "Dec",
    "janv", "févr", "oct", "nov", "déc", "St", "Mt", "Ft",
];

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '»' | '”' | '’' | ')' | ']')
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn starts_sentence(c: char) -> bool {
    c.is_uppercase()
        || c.is_ascii_digit()
        || matches!(c, '«' | '"' | '“' | '\'' | '(' | '[' | '-' | '—' | '–')
}

/// True when the period at `dot` closes an abbreviation, an initial or a dotted acronym.
fn closes_abbreviation(chars: &[char], dot: usize) -> bool {
    let mut start = dot;
    while start > 0 && (is_letter(chars[start - 1]) || chars[start - 1] == '.') {
        start -= 1;
    }
    let word: String = chars[start..dot].iter().collect();
    if word.is_empty() {
        return false;
    }
    let single_initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    let dotted_acronym = word.contains('.');
    single_initial || dotted_acronym || ABBREVIATIONS.contains(&word.as_str())
}

/// Splits `text` into sentence spans (code points, trimmed of surrounding whitespace).
pub fn split_sentences(text: &str) -> Vec<Span> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut push = |start: usize, end: usize| {
        let (mut s, mut e) = (start, end);
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
        while e > s && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        if s < e {
            sentences.push(Span::new(s, e));
        }
    };
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            push(start, i);
            start = i + 1;
            i += 1;
            continue;
        }
        if !is_terminator(c) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        loop {
            match chars.get(end) {
                Some(&c) if is_terminator(c) || is_closing(c) => end += 1,
                // French typography puts a space before the closing guillemet: ". »"
                Some(' ' | '\u{a0}' | '\u{202f}') if chars.get(end + 1) == Some(&'»') => end += 2,
                _ => break,
            }
        }
        let mut next = end;
        while next < chars.len() && matches!(chars[next], ' ' | '\t' | '\u{a0}') {
            next += 1;
        }
        let at_break = next == chars.len() || chars[next] == '\n';
        let boundary = next > end
            && (at_break || starts_sentence(chars[next]))
            && !(c == '.' && end == i + 1 && closes_abbreviation(&chars, i) && !at_break);
        if boundary {
            push(start, end);
            start = end;
        }
        i = end;
    }
    push(start, chars.len());
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        split_sentences(text)
            .into_iter()
            .map(|s| chars[s.start..s.end].iter().collect())
            .collect()
    }

    #[test]
    fn keeps_titles_and_names_intact() {
        assert_eq!(
            sentences(
                "M. Dupont est arrivé à al-Anbar. Dr. Smith said U.S. troops left. Ils partent."
            ),
            [
                "M. Dupont est arrivé à al-Anbar.",
                "Dr. Smith said U.S. troops left.",
                "Ils partent."
            ]
        );
    }

    #[test]
    fn handles_quotes_questions_and_lines() {
        assert_eq!(
            sentences("« C'est fini. » Il est parti ! Vraiment ?\nTitre sans point\nSuite."),
            [
                "« C'est fini. »",
                "Il est parti !",
                "Vraiment ?",
                "Titre sans point",
                "Suite."
            ]
        );
    }

    #[test]
    fn elisions_and_lowercase_continuations_do_not_split() {
        assert_eq!(
            sentences("Il a lancé un S.O.S. à leurs unités d'élite. Fin."),
            ["Il a lancé un S.O.S. à leurs unités d'élite.", "Fin."]
        );
    }
}
