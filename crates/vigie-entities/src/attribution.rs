//! Attribution: reporting cues in French and English and the speakers they introduce.
//!
//! Three constructions are recognised in each sentence:
//! - a prepositional source: "selon X, …", "d'après X", "according to X";
//! - an inverted speech verb after a quotation or clause: "« … », a dit X, <role>";
//! - a speaker before the verb: "X estime que …", "X said …".
//!
//! The speaker is then classified ([`vigie_core::speaker`]): an outlet (a media actor), a
//! named person or organisation, or an anonymous source ("des informations", "un analyste").

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use vigie_core::lexicon::{SPEECH_VERBS_EN, SPEECH_VERBS_FR, is_calendar_word};
use vigie_core::speaker::speaker_kind;
use vigie_core::{Attribution, Document, Entity, PreparedText, Span, TextSpan, is_word_char};

/// Prepositions that introduce a source (folded).
const SOURCE_PREPOSITIONS: &[&str] = &["selon", "d'apres", "according to", "citant", "quoting"];

/// Words after "selon" that make it a relative or personal construction, not a source
/// ("des renseignements selon lesquels …", "selon moi").
const NOT_SOURCES: &[&str] = &[
    "lequel",
    "laquelle",
    "lesquels",
    "lesquelles",
    "moi",
    "toi",
    "lui",
    "elle",
    "nous",
    "vous",
    "eux",
    "elles",
    "which",
    "whom",
];

/// Reporting cues (folded): French compound past ("a dit", "ont déclaré"), then bare
/// French and English speech verbs. Compound forms come first so they win over the bare
/// participle they contain.
static SPEECH_CUES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let compound = SPEECH_VERBS_FR
        .iter()
        .flat_map(|v| [format!("a {v}"), format!("ont {v}")]);
    let bare = SPEECH_VERBS_FR
        .iter()
        .chain(SPEECH_VERBS_EN)
        .map(|v| (*v).to_owned());
    compound.chain(bare).collect()
});

/// Indices into [`SPEECH_CUES`] by the cue's first word (its leading letters and digits).
static CUES_BY_FIRST_WORD: LazyLock<FxHashMap<String, Vec<usize>>> = LazyLock::new(|| {
    let mut by_word: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, cue) in SPEECH_CUES.iter().enumerate() {
        let first: String = cue.chars().take_while(|&c| is_word_char(c)).collect();
        by_word.entry(first).or_default().push(i);
    }
    by_word
});

/// Connectives stripped from the front of a pre-verbal speaker (folded).
const CONNECTIVES: &[&str] = &[
    "mais",
    "et",
    "or",
    "donc",
    "pourtant",
    "cependant",
    "but",
    "and",
    "yet",
    "however",
];

/// Time words that may sit between an inverted speech verb and its speaker (folded):
/// "a annoncé mercredi le commandement".
const TIME_WORDS: &[&str] = &[
    "hier",
    "aujourd'hui",
    "soir",
    "matin",
    "yesterday",
    "today",
    "on",
    "late",
    "earlier",
];

/// Words that open the object of a speech verb, not its speaker (folded): after
/// "…, ont affirmé avoir tenté …" the verb is not inverted.
const OBJECT_OPENERS: &[&str] = &[
    "avoir", "etre", "que", "qu'", "de", "d'", "that", "to", "having", "being",
];

/// Adverbs that may sit between a speaker and the verb's object (folded).
const ADVERBS: &[&str] = &[
    "meme",
    "aussi",
    "encore",
    "egalement",
    "also",
    "even",
    "still",
];

struct Sentence<'a> {
    folded: &'a [char],
    span: Span,
    /// Positions where a word starts, ascending, by the word's first character.
    word_starts: FxHashMap<char, Vec<usize>>,
}

impl<'a> Sentence<'a> {
    /// The sentence at `span` of the folded document text.
    fn new(folded: &'a [char], span: Span) -> Self {
        let mut word_starts: FxHashMap<char, Vec<usize>> = FxHashMap::default();
        for i in (span.start..span.end)
            .filter(|&i| is_word_char(folded[i]) && (i == 0 || !is_word_char(folded[i - 1])))
        {
            word_starts.entry(folded[i]).or_default().push(i);
        }
        Self {
            folded,
            span,
            word_starts,
        }
    }

    /// The speech cues whose first word occurs in the sentence, in [`SPEECH_CUES`] order.
    fn speech_cues(&self) -> impl Iterator<Item = &'static String> {
        let mut word = String::new();
        let mut cues: Vec<usize> = Vec::new();
        for starts in self.word_starts.values() {
            for &start in starts {
                word.clear();
                word.extend(
                    self.folded[start..self.span.end]
                        .iter()
                        .take_while(|&&c| is_word_char(c)),
                );
                cues.extend(CUES_BY_FIRST_WORD.get(&word).into_iter().flatten());
            }
        }
        cues.sort_unstable();
        cues.dedup();
        cues.into_iter().map(|i| &SPEECH_CUES[i])
    }

    /// First position at or after `from` where the whole word `needle` starts.
    fn find_word(&self, needle: &str, from: usize) -> Option<usize> {
        let starts = self.word_starts.get(&needle.chars().next()?)?;
        let first = starts.partition_point(|&i| i < from);
        starts[first..]
            .iter()
            .copied()
            .find(|&i| self.word_at(needle, i))
    }

    /// True when the whole word `needle` starts at `i` (within the sentence).
    fn word_at(&self, needle: &str, i: usize) -> bool {
        if i > 0 && is_word_char(self.folded[i - 1]) {
            return false;
        }
        let mut end = i;
        for c in needle.chars() {
            if end >= self.span.end || self.folded[end] != c {
                return false;
            }
            end += 1;
        }
        self.folded.get(end).is_none_or(|c| !is_word_char(*c))
    }
}

fn trim(folded: &[char], mut span: Span) -> Span {
    while span.start < span.end
        && !is_word_char(folded[span.start])
        && !matches!(folded[span.start], '«' | '"')
    {
        span.start += 1;
    }
    while span.end > span.start
        && !is_word_char(folded[span.end - 1])
        && !matches!(folded[span.end - 1], '»' | '"')
    {
        span.end -= 1;
    }
    span
}

/// End of the clause that starts at `from`: next `,` `;` `:` `.` `»` or the sentence end.
fn clause_end(folded: &[char], from: usize, limit: usize) -> usize {
    (from..limit)
        .find(|&i| {
            matches!(folded[i], ',' | ';' | ':' | '»' | '(' | '\n')
                || (folded[i] == '.' && folded.get(i + 1).is_none_or(|c| c.is_whitespace()))
        })
        .unwrap_or(limit)
}

/// Start of the clause that ends at `to`: after the last `,` `;` `:` `«` `»` or the sentence start.
fn clause_start(folded: &[char], from: usize, to: usize) -> usize {
    (from..to)
        .rev()
        .find(|&i| matches!(folded[i], ',' | ';' | ':' | '«' | '»' | '"'))
        .map_or(from, |i| i + 1)
}

/// Finds every attribution in the document's sentences; `prepared` is `doc.text`
/// prepared.
pub fn find_attributions(doc: &Document, prepared: &PreparedText) -> Vec<Attribution> {
    let folded: Vec<char> = prepared.folded.as_str().chars().collect();
    let mut found = Vec::new();
    for &span in &doc.sentences {
        let sentence = Sentence::new(&folded, span);
        for prep in SOURCE_PREPOSITIONS {
            let mut from = span.start;
            while let Some(at) = sentence.find_word(prep, from) {
                let speaker_start = at + prep.chars().count();
                from = speaker_start;
                let speaker = trim(
                    &folded,
                    Span::new(speaker_start, clause_end(&folded, speaker_start, span.end)),
                );
                if speaker_words(&folded, speaker)
                    .first()
                    .is_some_and(|w| NOT_SOURCES.contains(&w.as_str()))
                {
                    continue;
                }
                let content = if at == clause_start(&folded, span.start, at) || at == span.start {
                    trim(&folded, Span::new(speaker.end, span.end))
                } else {
                    trim(&folded, Span::new(span.start, at))
                };
                let cue = Span::new(at, speaker_start);
                found.push(build(doc, prepared, cue, speaker, Some(content)));
            }
        }
        for verb in sentence.speech_cues() {
            let mut from = span.start;
            while let Some(at) = sentence.find_word(verb, from) {
                let verb_end = at + verb.chars().count();
                from = verb_end;
                if found.iter().any(|a: &Attribution| {
                    a.cue
                        .as_ref()
                        .is_some_and(|c| c.span.overlaps(Span::new(at, verb_end)))
                }) {
                    continue;
                }
                let before = (span.start..at).rev().find(|&i| !folded[i].is_whitespace());
                let inverted =
                    before.is_some_and(|i| matches!(folded[i], ',' | '»' | '"' | '\u{201d}'));
                let cue = Span::new(at, verb_end);
                let attribution = if inverted {
                    let speaker = strip_leading(
                        &folded,
                        trim(
                            &folded,
                            Span::new(verb_end, clause_end(&folded, verb_end, span.end)),
                        ),
                        |w| is_calendar_word(w) || TIME_WORDS.contains(&w),
                    );
                    if speaker_words(&folded, speaker)
                        .first()
                        .is_some_and(|w| OBJECT_OPENERS.contains(&w.as_str()))
                    {
                        continue;
                    }
                    let content = trim(&folded, Span::new(span.start, at));
                    build(doc, prepared, cue, speaker, Some(content))
                } else {
                    let start = clause_start(&folded, span.start, at);
                    let speaker =
                        strip_leading(&folded, trim(&folded, Span::new(start, at)), |w| {
                            CONNECTIVES.contains(&w)
                        });
                    let words = speaker_words(&folded, speaker);
                    if words.is_empty() || words.len() > 10 {
                        continue;
                    }
                    let mut content_start = verb_end;
                    for skip in ["que", "qu'", "that"].iter().chain(ADVERBS) {
                        let next_word = (content_start..span.end)
                            .find(|&i| !folded[i].is_whitespace())
                            .unwrap_or(span.end);
                        if sentence.word_at(skip, next_word) {
                            content_start = next_word + skip.chars().count();
                        }
                    }
                    let content = trim(&folded, Span::new(content_start, span.end));
                    build(doc, prepared, cue, speaker, Some(content))
                };
                if attribution.speaker.is_some() {
                    found.push(attribution);
                }
            }
        }
    }
    found.sort_by_key(|a| a.cue.as_ref().map(|c| c.span.start));
    found
}

fn speaker_words(folded: &[char], span: Span) -> Vec<String> {
    folded[span.start..span.end]
        .iter()
        .collect::<String>()
        .split(|c: char| !is_word_char(c) && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Drops leading words that `skip` accepts ("Mais", "mercredi") from a speaker span.
fn strip_leading(folded: &[char], mut span: Span, skip: impl Fn(&str) -> bool) -> Span {
    loop {
        let words = speaker_words(folded, span);
        match words.first() {
            Some(first) if skip(first) => {
                span = trim(
                    folded,
                    Span::new(span.start + first.chars().count(), span.end),
                );
            }
            _ => return span,
        }
    }
}

fn build(
    doc: &Document,
    prepared: &PreparedText,
    cue: Span,
    speaker: Span,
    content: Option<Span>,
) -> Attribution {
    let text_span = |span: Span| TextSpan {
        text: prepared.index.slice(&doc.text, span).to_owned(),
        span,
    };
    if speaker.is_empty() {
        return Attribution::none();
    }
    let entity: Option<&Entity> = doc
        .entities
        .iter()
        .filter(|e| speaker.contains(e.span))
        .min_by_key(|e| e.span.start);
    Attribution {
        kind: speaker_kind(doc, prepared, speaker),
        speaker: Some(text_span(speaker)),
        role: entity.and_then(|e| e.role.clone()),
        actor: entity.and_then(|e| e.actor.clone()),
        cue: Some(text_span(cue)),
        content: content.filter(|c| !c.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorDictionary, analyze};
    use vigie_core::AttributionKind;

    const ACTORS: &str = "code\tname\tkind\tcountry\tsector\taliases
ALMAYADEEN\tAl Mayadeen\tMEDIA\tLB\tmedia\tAl-Mayadeen
";

    fn attributions(text: &str) -> Vec<(AttributionKind, String)> {
        let mut doc = Document::new("t", text);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        let prepared = PreparedText::new(&doc.text);
        analyze(
            &mut doc,
            &prepared,
            &ActorDictionary::from_tsv(ACTORS).unwrap(),
        );
        doc.attributions
            .into_iter()
            .map(|a| (a.kind, a.speaker.map(|s| s.text).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn outlets_unknown_to_the_dictionary_are_known_by_their_kind() {
        let kind = |text: &str| attributions(text).first().map(|a| a.0);
        for text in [
            "Les forces ont arrêté dix hommes, a rapporté l'agence Petra.",
            "La police a arrêté quarante manifestants, a rapporté le quotidien The Standard.",
            "Forces regained the town, state news agency SONNA reported.",
            "The minister threatened to resign, according to public broadcaster Kan.",
        ] {
            assert_eq!(kind(text), Some(AttributionKind::Outlet), "{text}");
        }
        // A public body called an agency is no outlet.
        assert_eq!(
            kind("Thousands fled, the UN refugee agency said."),
            Some(AttributionKind::Named)
        );
    }

    #[test]
    fn outlet_and_anonymous_sources() {
        assert_eq!(
            attributions("Selon Al-Mayadeen, un convoi militaire est parti de Syrie."),
            [(AttributionKind::Outlet, "Al-Mayadeen".into())]
        );
        assert_eq!(
            attributions(
                "Selon des informations, l'arrivée de quatre bataillons a changé la donne."
            ),
            [(AttributionKind::Anonymous, "des informations".into())]
        );
        assert_eq!(
            attributions(
                "Un analyste de la question estime même que les convois cachent un transfert."
            ),
            [(
                AttributionKind::Anonymous,
                "Un analyste de la question".into()
            )]
        );
    }

    #[test]
    fn named_speaker_after_quote_carries_role() {
        let text = "« C'est une opération préventive », a dit Ahmad Nasrallah, commandant adjoint de l'opération.";
        let mut doc = Document::new("t", text);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        let prepared = PreparedText::new(&doc.text);
        analyze(
            &mut doc,
            &prepared,
            &ActorDictionary::from_tsv(ACTORS).unwrap(),
        );
        let a = &doc.attributions[0];
        assert_eq!(a.kind, AttributionKind::Named);
        assert_eq!(a.speaker.as_ref().unwrap().text, "Ahmad Nasrallah");
        assert_eq!(
            a.role.as_ref().unwrap().text,
            "commandant adjoint de l'opération"
        );
        assert_eq!(a.cue.as_ref().unwrap().text, "a dit");
        let content = a.content.unwrap();
        assert_eq!(
            &text.chars().collect::<Vec<_>>()[content.start..content.end]
                .iter()
                .collect::<String>(),
            "« C'est une opération préventive »"
        );
    }

    #[test]
    fn relative_selon_is_not_a_source() {
        assert!(attributions("Une opération lancée sur base de renseignements selon lesquels des cellules projettent d'attaquer.").is_empty());
    }

    #[test]
    fn time_words_are_not_part_of_the_speaker() {
        assert_eq!(
            attributions(
                "« Six soldats ont été tués », a annoncé mercredi le commandement des opérations."
            ),
            [(
                AttributionKind::Named,
                "le commandement des opérations".into()
            )]
        );
    }

    #[test]
    fn english_reported_speech() {
        assert_eq!(
            attributions("A military source said the convoy left at dawn."),
            [(AttributionKind::Anonymous, "A military source".into())]
        );
        assert_eq!(
            attributions("The strike hit a school, according to Reuters."),
            [(AttributionKind::Named, "Reuters".into())]
        );
    }

    #[test]
    fn a_speech_verb_followed_by_its_object_is_not_inverted() {
        assert!(
            attributions("Des militants, proches du groupe, ont affirmé avoir tenté une attaque.")
                .iter()
                .all(|(_, speaker)| !speaker.contains("tenté"))
        );
    }
}
