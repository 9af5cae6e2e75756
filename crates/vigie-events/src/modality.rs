//! Modality: whether the text says an event happened, is claimed, planned, threatened,
//! denied or hypothetical.

use vigie_core::{
    Attribution, AttributionKind, Modality, Span, TextIndex, contains_phrase, fold_text,
};

const ENGLISH_NEGATION: &[&str] = &["not", "never", "didn't", "no"];
const NEGATION_AFTER: &[&str] = &["pas", "jamais", "point", "aucun", "aucune"];
const DENIAL: &[&str] = &[
    "dementi",
    "dement",
    "dementent",
    "nie",
    "nient",
    "denied",
    "denies",
    "deny",
    "rejected claims",
    "dismissed",
];
const PLANNED: &[&str] = &[
    "projette",
    "projettent",
    "prevoit",
    "prevoient",
    "compte",
    "comptent",
    "va",
    "vont",
    "s'apprete",
    "s'appretent",
    "envisage",
    "envisagent",
    "plan",
    "plans",
    "planned",
    "planning",
    "will",
    "intend",
    "intends",
    "preparing",
    "prepare",
    "prepares",
    "to be",
    "set to",
    "devrait",
    "devraient",
    "willing",
    "prepared",
    "ready",
    "would",
    "pret",
    "prete",
    "prets",
    "disposee",
    "dispose",
];
/// Words that open a condition.
const CONDITIONS: &[&str] = &["si", "if", "unless", "sauf si"];

const THREATENED: &[&str] = &[
    "menace",
    "menacent",
    "menace de",
    "threatened",
    "threatens",
    "threaten",
    "vowed",
];
const HYPOTHETICAL: &[&str] = &[
    "si",
    "if",
    "pourrait",
    "pourraient",
    "could",
    "might",
    "may",
    "would",
    "eventuel",
    "eventuelle",
];

/// True for a French verb in the future or conditional ("libéreraient", "fourniront",
/// "soutiendrait", "se rendra"): the act is announced, not done.
fn french_future(trigger: &str) -> bool {
    let word = fold_text(trigger.split_whitespace().last().unwrap_or_default());
    // Nouns in -trait ("retrait", "extrait") look like conditionals.
    word.chars().count() > 5
        && !word.ends_with("trait")
        && [
            "rai", "ras", "ra", "rons", "rez", "ront", "rait", "raient", "rions", "riez",
        ]
        .iter()
        .any(|ending| word.ends_with(ending))
}

/// Words of a folded stretch of text.
fn words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '«' | '»' | '"'))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(['.', '!', '?']))
        .collect()
}

/// True when the window holds one of the cues: a word, a phrase (words joined by
/// spaces) or an elided prefix ("n'", "qu'").
fn contains_any(window: &[&str], cues: &[&str]) -> bool {
    let mut joined: Option<String> = None;
    cues.iter().any(|cue| {
        if cue.ends_with('\'') {
            window.iter().any(|w| w.starts_with(cue))
        } else if !cue.contains(' ') {
            window.iter().any(|w| w == cue)
        } else {
            contains_phrase(joined.get_or_insert_with(|| window.join(" ")), cue)
        }
    })
}

/// The modality of the event signalled at `trigger` in `sentence`.
pub fn modality(
    text: &str,
    index: &TextIndex,
    sentence: Span,
    trigger: Span,
    attribution: &Attribution,
) -> Modality {
    let before = fold_text(index.slice(text, Span::new(sentence.start, trigger.start)));
    let before = words(&before);
    let after = fold_text(index.slice(text, Span::new(trigger.end, sentence.end)));
    let after = words(&after);
    let near_before = &before[before.len().saturating_sub(4)..];
    let near_after = &after[..after.len().min(3)];
    let french_negation = contains_any(near_before, &["n'", "ne"])
        && (contains_any(near_before, NEGATION_AFTER) || contains_any(near_after, NEGATION_AFTER));
    let negated = french_negation || contains_any(near_before, ENGLISH_NEGATION);
    if negated || contains_any(&before, DENIAL) {
        return Modality::Denied;
    }
    if contains_any(&before[before.len().saturating_sub(6)..], THREATENED) {
        return Modality::Threatened;
    }
    // An explicit condition outranks the future of "would" ("if talks fail, they would …").
    if contains_any(&before, CONDITIONS) {
        return Modality::Hypothetical;
    }
    if contains_any(&before[before.len().saturating_sub(7)..], PLANNED)
        || french_future(index.slice(text, trigger))
    {
        return Modality::Planned;
    }
    if contains_any(&before, HYPOTHETICAL) {
        return Modality::Hypothetical;
    }
    if attribution.kind != AttributionKind::None {
        return Modality::Claimed;
    }
    Modality::Asserted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modality_of(text: &str, trigger: &str) -> Modality {
        let index = TextIndex::new(text);
        let at = text.find(trigger).unwrap();
        let trigger = index.span(at, at + trigger.len());
        let sentence = Span::new(0, index.char_len());
        modality(text, &index, sentence, trigger, &Attribution::none())
    }

    #[test]
    fn recognises_each_modality() {
        assert_eq!(
            modality_of("Les rebelles n'ont pas attaqué la ville.", "attaqué"),
            Modality::Denied
        );
        assert_eq!(
            modality_of("The army denied that it shelled the camp.", "shelled"),
            Modality::Denied
        );
        assert_eq!(
            modality_of(
                "Des cellules projettent de se manifester et d'attaquer.",
                "attaquer"
            ),
            Modality::Planned
        );
        assert_eq!(
            modality_of("Le groupe menace de frapper les convois.", "frapper"),
            Modality::Threatened
        );
        assert_eq!(
            modality_of("If talks fail, the army could attack.", "attack"),
            Modality::Hypothetical
        );
        assert_eq!(
            modality_of("Les forces ont attaqué la base mardi.", "attaqué"),
            Modality::Asserted
        );
    }
}
