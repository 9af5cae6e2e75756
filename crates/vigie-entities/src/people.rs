//! People: capitalised names that a title, a role apposition or a speech verb marks as
//! a person, with the role attached ("Ahmad Nasrallah, commandant adjoint de …").

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

use vigie_core::lexicon::{WEEKDAYS, is_speech_verb, is_title};
use vigie_core::{Entity, EntityKind, Span, TextSpan, Token, fold_text, is_word_char};

/// Nouns that open a role apposition after a name (folded).
const ROLE_NOUNS: &[&str] = &[
    "commandant",
    "porte-parole",
    "ministre",
    "president",
    "presidente",
    "chef",
    "directeur",
    "directrice",
    "general",
    "colonel",
    "gouverneur",
    "depute",
    "deputee",
    "maire",
    "responsable",
    "analyste",
    "conseiller",
    "conseillere",
    "secretaire",
    "ambassadeur",
    "envoye",
    "emissaire",
    "dirigeant",
    "fondateur",
    "membre",
    "haut",
    "ancien",
    "ancienne",
    "numero",
    "adjoint",
    "vice",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "minister",
    "commander",
    "governor",
    "president",
    "head",
    "chief",
    "director",
    "leader",
    "secretary",
    "ambassador",
    "envoy",
    "official",
    "adviser",
    "advisor",
    "deputy",
    "member",
    "former",
    "senior",
    "mayor",
    "lawmaker",
    "senator",
    "analyst",
    "founder",
    "coordinator",
    "coordinatrice",
    "coordinateur",
    "researcher",
    "chercheur",
    "doctor",
    "medecin",
    "nurse",
    "infirmier",
    "infirmiere",
    "teacher",
    "enseignant",
    "enseignante",
    "resident",
    "habitant",
    "habitante",
    "witness",
    "temoin",
    "farmer",
    "agriculteur",
    "student",
    "etudiant",
    "etudiante",
    "worker",
    "employe",
    "employee",
    "engineer",
    "ingenieur",
    "lawyer",
    "avocat",
    "avocate",
    "priest",
    "pretre",
    "pastor",
    "pasteur",
    "journalist",
    "journaliste",
    "reporter",
    "professor",
    "professeur",
    "expert",
    "specialist",
    "specialiste",
    "survivor",
    "survivant",
    "survivante",
    "father",
    "mother",
    "pere",
    "mere",
    "nurse",
    "volunteer",
    "benevole",
];

/// Words that never belong to a person's name even when capitalised (folded).
const NOT_NAME_WORDS: &[&str] = &[
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "de",
    "du",
    "ce",
    "cette",
    "selon",
    "mais",
    "et",
    "the",
    "a",
    "an",
    "and",
    "but",
    "in",
    "on",
    "at",
    "of",
    "according",
    "after",
    "when",
];

/// Words that make a capitalised name an organisation, not a person (folded).
pub(crate) const ORGANISATION_WORDS: &[&str] = &[
    "ministry",
    "ministere",
    "army",
    "armee",
    "forces",
    "force",
    "council",
    "conseil",
    "committee",
    "comite",
    "office",
    "bureau",
    "agency",
    "agence",
    "department",
    "departement",
    "party",
    "parti",
    "front",
    "union",
    "government",
    "gouvernement",
    "commission",
    "programme",
    "program",
    "organisation",
    "organization",
    "brigade",
    "brigades",
    "staff",
    "command",
    "commandement",
    "ministry's",
    "police",
    "guard",
    "garde",
    "corps",
    "movement",
    "mouvement",
    "alliance",
    "coalition",
    "court",
    "cour",
    "tribunal",
    "parliament",
    "parlement",
    "assembly",
    "assemblee",
    "senate",
    "senat",
    "house",
    "bank",
    "banque",
    "company",
    "group",
    "groupe",
    "network",
    "reseau",
    "forum",
    "fund",
    "fonds",
    "foundation",
    "fondation",
    "institute",
    "institut",
    "association",
    "federation",
    "league",
    "ligue",
];

/// Words that may stand between a name and its speech verb (folded): "X has said", "X a
/// déclaré", "X also told".
const SPEECH_AUXILIARIES: &[&str] = &[
    "has", "had", "have", "was", "is", "will", "would", "also", "later", "then", "a", "avait",
    "aurait", "aussi", "ont", "avaient",
];

/// Articles that may open a role apposition ("Daniel Whitmore, a senior official").
const ARTICLES: &[&str] = &["a", "an", "the", "un", "une", "le", "la", "l'"];

/// Lowercase particles allowed inside a name ("Mohammed bin Salman").
const PARTICLES: &[&str] = &[
    "bin", "ben", "ibn", "bint", "van", "von", "de", "da", "di", "del",
];

/// [`NOT_NAME_WORDS`] for fast lookup.
static NOT_NAME_WORD_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| NOT_NAME_WORDS.iter().copied().collect());

fn folded_word(token: &Token, text: &str) -> String {
    fold_text(token.text(text))
}

pub(crate) fn is_capitalised(token: &Token, text: &str) -> bool {
    if !token.is_capitalised(text) || !token.text(text).chars().any(char::is_lowercase) {
        return false;
    }
    // "Yasser Arafat Wednesday": weekdays are not part of a name (months may be: "Theresa
    // May").
    let folded = folded_word(token, text);
    !NOT_NAME_WORD_SET.contains(folded.as_str()) && !WEEKDAYS.iter().any(|(day, _)| *day == folded)
}

pub(crate) fn joined_by_space(text: &str, a: &Token, b: &Token) -> bool {
    let gap = &text[a.byte_end..b.byte_start];
    !gap.is_empty()
        && gap
            .chars()
            .all(|c| matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
}

/// Finds people in `text`, skipping spans already `taken` by other entities.
pub fn find_people(text: &str, tokens: &[Token], taken: &[Span]) -> Vec<Entity> {
    let mut people = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_capitalised(&tokens[i], text) || taken.iter().any(|s| s.overlaps(tokens[i].span)) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < tokens.len()
            && end - i < 5
            && joined_by_space(text, &tokens[end - 1], &tokens[end])
            && !taken.iter().any(|s| s.overlaps(tokens[end].span))
            && (is_capitalised(&tokens[end], text)
                || (PARTICLES.contains(&folded_word(&tokens[end], text).as_str())
                    && tokens.get(end + 1).is_some_and(|n| is_capitalised(n, text))))
        {
            end += 1;
        }
        // "British Defence Secretary Tom King": the name is what follows the last title
        // that leaves a word (a surname may itself be a title: "King").
        let name_start = (i..end.saturating_sub(1))
            .rev()
            .find(|&t| is_title(folded_word(&tokens[t], text).as_str()))
            .map_or(i, |t| t + 1);
        // A single name counts after a title ("President Obama", "le général Haddad").
        let after_title = name_start > 0
            && tokens[..name_start]
                .iter()
                .rev()
                .find(|t| t.is_word)
                .is_some_and(|t| is_title(folded_word(t, text).as_str()));
        if (end - name_start >= 2 || (end - name_start == 1 && after_title))
            && let Some(person) = person_with_cue(text, tokens, name_start, end)
        {
            people.push(person);
        }
        i = end;
    }
    people
}

/// Builds the person entity for tokens `start..end` if a cue marks them as a person.
fn person_with_cue(text: &str, tokens: &[Token], start: usize, end: usize) -> Option<Entity> {
    let previous_word = tokens[..start].iter().rev().find(|t| t.is_word);
    let title = previous_word
        .filter(|t| is_title(folded_word(t, text).as_str()))
        .map(|t| TextSpan {
            text: t.text(text).to_owned(),
            span: t.span,
        });
    let apposition =
        role_apposition(text, tokens, end).or_else(|| role_before(text, tokens, start));
    // Two words either side are all the cues need: fold a short window, not the text.
    const WINDOW_CHARS: usize = 80;
    let after: String = text[tokens[end - 1].byte_end..]
        .trim_start()
        .chars()
        .take(WINDOW_CHARS)
        .collect();
    let after = fold_text(&after);
    let preceding = text[..tokens[start].byte_start].trim_end();
    let window_start = preceding
        .char_indices()
        .rev()
        .nth(WINDOW_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let before = fold_text(&preceding[window_start..]);
    // "Maria Petrenko said", "Tom King has told"; not "Radical French farmers said".
    let mut words_after = after
        .split(|c: char| !is_word_char(c) && c != '-')
        .filter(|w| !w.is_empty());
    let speech_after = match words_after.next() {
        Some(first) if is_speech_verb(first) => true,
        Some(first) if SPEECH_AUXILIARIES.contains(&first) => {
            words_after.next().is_some_and(is_speech_verb)
        }
        _ => false,
    };
    let speech_before = before
        .rsplit(|c: char| !is_word_char(c) && c != '-')
        .find(|w| !w.is_empty())
        .is_some_and(is_speech_verb);
    if title.is_none() && apposition.is_none() && !speech_after && !speech_before {
        return None;
    }
    // "President Suharto's government": the possessive ending is not part of the name.
    // Both endings are two characters long.
    let last = tokens[end - 1].text(text);
    let (possessive_bytes, possessive_chars) = ["'s", "’s"]
        .iter()
        .find(|s| last.len() > s.len() && last.ends_with(*s))
        .map_or((0, 0), |s| (s.len(), 2));
    let span = Span::new(
        tokens[start].span.start,
        tokens[end - 1].span.end - possessive_chars,
    );
    let organisation = tokens[start..end]
        .iter()
        .any(|t| ORGANISATION_WORDS.contains(&folded_word(t, text).as_str()));
    Some(Entity {
        text: text[tokens[start].byte_start..tokens[end - 1].byte_end - possessive_bytes]
            .to_owned(),
        span,
        kind: if organisation {
            EntityKind::Org
        } else {
            EntityKind::Per
        },
        actor: None,
        country: None,
        role: apposition.or(title),
        loaded: false,
        antecedent: None,
    })
}

/// The role in "le ministre britannique de la Défense, Tom King, …": a noun phrase with
/// a title, right before the name and separated from it by a comma.
fn role_before(text: &str, tokens: &[Token], start: usize) -> Option<TextSpan> {
    let comma = start
        .checked_sub(1)
        .filter(|&c| tokens[c].text(text) == ",")?;
    let phrase: Vec<&Token> = tokens[..comma]
        .iter()
        .rev()
        .take_while(|t| t.is_word || matches!(t.text(text), "'" | "’" | "-"))
        .take(8)
        .collect();
    let title = phrase
        .iter()
        .rposition(|t| is_title(folded_word(t, text).as_str()))?;
    let first = phrase[title];
    let last = phrase[0];
    Some(TextSpan {
        text: text[first.byte_start..last.byte_end].to_owned(),
        span: Span::new(first.span.start, last.span.end),
    })
}

/// The role in ", <role noun> …" right after a name, up to the next clause break.
fn role_apposition(text: &str, tokens: &[Token], end: usize) -> Option<TextSpan> {
    tokens.get(end).filter(|t| t.text(text) == ",")?;
    let mut first_index = end + 1;
    if tokens
        .get(first_index)
        .is_some_and(|t| ARTICLES.contains(&folded_word(t, text).as_str()))
    {
        first_index += 1;
    }
    let first = tokens.get(first_index).filter(|t| t.is_word)?;
    let first_word = folded_word(first, text);
    if !first
        .text(text)
        .chars()
        .next()
        .is_some_and(char::is_lowercase)
        || !ROLE_NOUNS.contains(&first_word.as_str())
    {
        return None;
    }
    let last = tokens[first_index..]
        .iter()
        .take_while(|t| t.is_word || matches!(t.text(text), "'" | "’" | "-" | "(" | ")"))
        .take(16)
        .last()?;
    Some(TextSpan {
        text: text[tokens[end + 1].byte_start..last.byte_end].to_owned(),
        span: Span::new(tokens[end + 1].span.start, last.span.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::tokenize;

    fn people(text: &str) -> Vec<(String, Option<String>)> {
        find_people(text, &tokenize(text), &[])
            .into_iter()
            .map(|p| (p.text, p.role.map(|r| r.text)))
            .collect()
    }

    #[test]
    fn speaker_with_role_apposition() {
        assert_eq!(
            people(
                "« C'est préventif », a dit Ahmad Nasrallah, commandant adjoint de l'opération d’al-Anbar."
            ),
            [(
                "Ahmad Nasrallah".into(),
                Some("commandant adjoint de l'opération d’al-Anbar".into())
            )]
        );
    }

    #[test]
    fn titles_and_speech_verbs_mark_people() {
        assert_eq!(
            people("\"It will stop,\" Daniel Whitmore, a senior Treasury official, said."),
            [(
                "Daniel Whitmore".into(),
                Some("a senior Treasury official".into())
            )]
        );
        assert_eq!(
            people("Le général Karim Haddad est arrivé. Maria Petrenko said the city was hit."),
            [
                ("Karim Haddad".into(), Some("général".into())),
                ("Maria Petrenko".into(), None)
            ]
        );
    }

    #[test]
    fn weekdays_end_a_name_and_months_do_not() {
        let names = |text: &str| -> Vec<String> {
            find_people(text, &tokenize(text), &[])
                .into_iter()
                .map(|p| p.text)
                .collect()
        };
        assert_eq!(
            names("Palestinian leader Yasser Arafat Wednesday rejected the plan."),
            ["Yasser Arafat"]
        );
        assert_eq!(
            names("Prime Minister Theresa May said it would."),
            ["Theresa May"]
        );
    }

    #[test]
    fn organisations_named_like_people_are_organisations() {
        let text = "Russia's Defence Ministry said its forces struck.";
        let found = find_people(text, &tokenize(text), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].text.as_str(), found[0].kind),
            ("Russia's Defence Ministry", EntityKind::Org)
        );
    }

    #[test]
    fn titles_inside_a_capitalised_run_open_the_name() {
        assert_eq!(
            people("British Defence Secretary Tom King has promised aid."),
            [("Tom King".into(), Some("Secretary".into()))]
        );
    }

    #[test]
    fn a_single_name_after_a_title_is_a_person() {
        assert_eq!(
            people("They met President Obama at lunch."),
            [("Obama".into(), Some("President".into()))]
        );
        assert!(people("They met Obama at lunch.").is_empty());
        assert_eq!(
            people("They protested against Vice-President Suharto’s government."),
            [("Suharto".into(), Some("Vice-President".into()))]
        );
    }

    #[test]
    fn a_titled_phrase_before_a_comma_is_a_role() {
        assert_eq!(
            people("Le ministre britannique de la Défense, Tom King, a promis une aide."),
            [(
                "Tom King".into(),
                Some("ministre britannique de la Défense".into())
            )]
        );
    }

    #[test]
    fn capitalised_pairs_without_cue_are_not_people() {
        assert!(people("Il vit à New York depuis que Abu Dhabi a signé.").is_empty());
    }
}
