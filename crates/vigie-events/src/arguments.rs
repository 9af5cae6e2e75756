//! Event arguments without a parser: actor and recipient from the entities around the
//! trigger, and the place where the event happened.

use vigie_core::lexicon::COMPASS_WORDS;
use vigie_core::{
    Document, Entity, EntityKind, EventType, Participant, Place, PlaceKind, Span, TextIndex,
    contains_phrase, fold_text, is_letter,
};

/// Words that mark the following participant as the agent of a passive ("par", "by").
const AGENT_MARKERS: &[&str] = &["par", "by"];

/// Prepositions that attach a participant to a nominal trigger ("attaques de Daech").
const OF_MARKERS: &[&str] = &["de", "du", "des", "d'", "of"];

/// Prepositions after which a place is where something happens (folded).
const LOCATIVES: &[&str] = &[
    "a", "au", "aux", "dans", "en", "pres de", "sur", "in", "at", "near", "on", "outside", "inside",
];

/// Words after which a place is an origin, destination or neighbour, not the location.
const DIRECTIONALS: &[&str] = &[
    "depuis",
    "vers",
    "direction de",
    "direction d'",
    "provenance de",
    "parti de",
    "partis de",
    "parti d'",
    "partis d'",
    "frontalier avec",
    "frontaliere avec",
    "frontiere avec",
    "towards",
    "toward",
    "to",
    "from",
    "border with",
];

/// Words that open a new clause (folded): a participant after one belongs to that clause,
/// not to the trigger's ("attacked the town as rebels fled").
const SUBORDINATORS: &[&str] = &[
    "as",
    "if",
    "when",
    "while",
    "after",
    "before",
    "following",
    "because",
    "since",
    "until",
    "unless",
    "who",
    "which",
    "whose",
    "where",
    "alors que",
    "tandis que",
    "lorsque",
    "quand",
    "apres",
    "avant",
    "si",
    "qui",
    "dont",
    "parce que",
    "puisque",
];

/// Modals of obligation (folded): under a reported speech they code a demand by the
/// speaker of the one who must act (French reported speech puts them in the imperfect:
/// "a déclaré que le Soudan devait restituer").
const OBLIGATION_MODALS: &[&str] = &[
    "must",
    "should",
    "doit",
    "doivent",
    "devait",
    "devaient",
    "devrait",
    "devraient",
    "faut",
];

/// Words that open a complement clause (folded).
const COMPLEMENTISERS: &[&str] = &["that", "que", "qu'"];

/// Conditions, which belong to a threat's own frame ("will attack if …").
const CONDITIONS: &[&str] = &["if", "unless", "si"];

/// Prepositions after which a place is the target of an act aimed at it ("shelling in
/// Kabul", "couvre-feu à Alger"), folded.
const TARGET_LOCATIVES: &[&str] = &["in", "at", "dans", "a", "au", "aux", "en", "sur"];

/// How far after a trigger (in characters) its object may start ("a menacé de lancer
/// une nouvelle offensive militaire dans sa guerre du Golfe contre l'Irak").
const MAX_OBJECT_DISTANCE: usize = 100;

/// Nouns for places (folded): a demonym qualifying one describes the place, it is no
/// participant ("the Bosnian town of Gorazde", "la ville bosniaque de Gorazde").
const PLACE_NOUNS: &[&str] = &[
    "base",
    "town",
    "city",
    "village",
    "capital",
    "province",
    "region",
    "border",
    "territory",
    "coast",
    "port",
    "island",
    "soil",
    "waters",
    "ville",
    "capitale",
    "frontiere",
    "territoire",
    "cote",
    "ile",
    "sol",
    "eaux",
];

/// Possessive determiners (folded): "its troops" are the actor's own, "son invasion du
/// Liban" is the actor's act on its complement.
const POSSESSIVES: &[&str] = &[
    "its", "their", "his", "her", "our", "son", "sa", "ses", "leur", "leurs", "notre", "nos",
];

/// English auxiliaries that make a following participle passive (folded): "were killed".
const ENGLISH_PASSIVE_AUXILIARIES: &[&str] = &[
    "was", "were", "been", "being", "is", "are", "be", "get", "got",
];

/// French auxiliaries that make a following participle passive (folded): "ont été
/// enlevés", "sont détenus".
const FRENCH_PASSIVE_AUXILIARIES: &[&str] = &[
    "ete", "est", "sont", "etait", "etaient", "fut", "furent", "sera", "seront",
];

/// Articles that may stand between a clause start and its subject (folded).
const ARTICLES: &[&str] = &["l'", "la", "le", "les", "the"];

/// True when the span lies inside the speaker of an attribution or the speaker's role
/// ("a dit X, commandant de l'opération").
pub fn inside_speaker(doc: &Document, span: Span) -> bool {
    doc.attributions.iter().any(|a| {
        a.speaker.as_ref().is_some_and(|s| s.span.contains(span))
            || a.role.as_ref().is_some_and(|r| r.span.contains(span))
    })
}

fn participant(entity: &Entity) -> Participant {
    Participant {
        text: entity.text.clone(),
        span: entity.span,
        code: entity.actor.clone(),
        country: entity.country.clone(),
    }
}

/// The mention a pronoun stands for, or the entity itself.
fn resolved<'d>(doc: &'d Document, entity: &'d Entity) -> &'d Entity {
    entity
        .antecedent
        .and_then(|span| doc.entities.iter().find(|e| e.span == span))
        .unwrap_or(entity)
}

/// A participant; an actor with no country of its own takes it from a demonym right next
/// to it, and its text and span grow to cover both ("Afghan rebels", "l'armée malienne").
fn participant_in(doc: &Document, index: &TextIndex, entity: &Entity) -> Participant {
    let entity = resolved(doc, entity);
    if let Some(owner) = owner_of_group_noun(doc, index, entity) {
        let span = Span::new(owner.span.start, entity.span.end);
        return Participant {
            text: index.slice(&doc.text, span).to_owned(),
            span,
            code: owner.actor.clone().or_else(|| entity.actor.clone()),
            country: owner.country.clone().or_else(|| entity.country.clone()),
        };
    }
    let mut participant = participant(entity);
    if participant.country.is_some() {
        return participant;
    }
    // "Afghan rebels", "l'armée malienne"; and a place named right before a common noun
    // owns it ("Mozambique military", "Iraq's police").
    let generic = entity.text.starts_with(char::is_lowercase);
    let adjacent = doc.places.iter().find(|p| match p.kind {
        PlaceKind::Demonym => {
            (p.span.end <= entity.span.start
                && only_space(doc, index, p.span.end, entity.span.start))
                || (p.span.start >= entity.span.end
                    && only_space(doc, index, entity.span.end, p.span.start))
        }
        PlaceKind::Toponym => {
            generic
                && p.span.end <= entity.span.start
                && possessive_gap(doc, index, p.span.end, entity.span.start)
        }
    });
    if let Some(place) = adjacent {
        let span = Span::new(
            place.span.start.min(entity.span.start),
            place.span.end.max(entity.span.end),
        );
        participant.text = index.slice(&doc.text, span).to_owned();
        participant.span = span;
        participant.country = Some(place.country_code.clone());
    }
    participant
}

/// True when only spaces, or a possessive `'s`, stand between two offsets.
fn possessive_gap(doc: &Document, index: &TextIndex, start: usize, end: usize) -> bool {
    let gap = index
        .slice(&doc.text, Span::new(start, end))
        .replace('’', "'");
    let gap = gap.trim_end();
    gap.strip_prefix("'s").unwrap_or(gap).trim().is_empty()
}

/// The participant a trained head marks at `span`: its text, with the code and country of
/// the first entity inside it that can act (or of a state the geo stage names there).
pub fn participant_at(doc: &Document, index: &TextIndex, span: Span) -> Participant {
    let from_places = states_named_by_places(doc, span);
    let inside = doc
        .entities
        .iter()
        .filter(|e| can_act(e))
        .chain(from_places.iter().map(|(e, _)| e))
        .filter(|e| span.contains(e.span))
        .min_by_key(|e| e.span.start);
    let (code, country) = inside.map_or((None, None), |entity| {
        let linked = participant_in(doc, index, entity);
        (linked.code, linked.country)
    });
    Participant {
        text: index.slice(&doc.text, span).to_owned(),
        span,
        code,
        country,
    }
}

/// The named actor a common group noun belongs to, right before it ("Red Cross
/// officials", "Hamas fighters").
fn owner_of_group_noun<'d>(
    doc: &'d Document,
    index: &TextIndex,
    entity: &Entity,
) -> Option<&'d Entity> {
    if !entity.text.starts_with(char::is_lowercase) {
        return None;
    }
    doc.entities.iter().find(|owner| {
        owner.span.end <= entity.span.start
            && owner.text.starts_with(char::is_uppercase)
            && can_act(owner)
            && only_space(doc, index, owner.span.end, entity.span.start)
    })
}

/// True when a clause opens between a trigger and a later participant (conditions stay
/// in a threat's frame).
fn clause_between(
    doc: &Document,
    index: &TextIndex,
    trigger_end: usize,
    start: usize,
    event_type: EventType,
) -> bool {
    let gap = between(doc, index, trigger_end, start);
    // "agreed that their countries should cooperate": what one agrees to is a proposition,
    // not a partner; what one demands of, accuses or threatens is the clause's subject.
    let proposition = matches!(
        event_type,
        EventType::Agree | EventType::Support | EventType::Concede | EventType::Cooperate
    ) && COMPLEMENTISERS.iter().any(|c| contains_phrase(&gap, c));
    proposition
        || SUBORDINATORS
            .iter()
            .filter(|s| event_type != EventType::Threaten || !CONDITIONS.contains(s))
            .any(|s| contains_phrase(&gap, s))
}

/// The place a hostile act (or the easing of one) targets when no one else is named: the
/// nearest after the trigger, introduced by a locative ("shelling in Kabul", "couvre-feu à
/// Alger", "lifted a state of emergency in West Darfur"). Agreements, talks and
/// withdrawals merely happen somewhere.
fn place_target(
    doc: &Document,
    index: &TextIndex,
    sentence: Span,
    trigger: Span,
    event_type: EventType,
) -> Option<Participant> {
    use EventType::*;
    let aimed = matches!(
        event_type,
        Assault | Coerce | Sanction | Protest | Threaten | Concede
    );
    if !aimed {
        return None;
    }
    doc.places
        .iter()
        .filter(|p| {
            p.kind == PlaceKind::Toponym
                && sentence.contains(p.span)
                && p.span.start >= trigger.end
                && p.span.start - trigger.end <= MAX_OBJECT_DISTANCE
                // "des attaques de Daech, les USA ont lancé un S.O.S … en Syrie": the
                // target lies in the trigger's own clause.
                && !clause_between(doc, index, trigger.end, p.span.start, event_type)
                && !punctuation_between(doc, index, trigger.end, p.span.start)
        })
        .filter(|p| {
            let before = locative_context(doc, index, sentence, p.span);
            let before = without_article(&before);
            TARGET_LOCATIVES.iter().any(|l| ends_with_word(before, l))
        })
        .min_by_key(|p| p.span.start)
        .map(|p| Participant {
            text: p.text.clone(),
            span: p.span,
            code: Some(p.country_code.clone()),
            country: Some(p.country_code.clone()),
        })
}

/// True for entities that can act or be acted upon: not outlets, bare locations or
/// miscellaneous names.
fn can_act(entity: &Entity) -> bool {
    !matches!(
        entity.kind,
        EntityKind::Media | EntityKind::Loc | EntityKind::Misc
    )
}

/// The entities that can act, then the states the geo stage names
/// ([`states_named_by_places`]).
fn actors_with_places<'d>(
    doc: &'d Document,
    from_places: &'d [(Entity, bool)],
) -> impl Iterator<Item = &'d Entity> {
    doc.entities
        .iter()
        .filter(|e| can_act(e))
        .chain(from_places.iter().map(|(e, _)| e))
}

/// True when the trigger is a modal of obligation ("must", "doit", "il faut").
fn is_obligation(doc: &Document, index: &TextIndex, trigger: Span) -> bool {
    let word = fold_text(index.slice(&doc.text, trigger));
    OBLIGATION_MODALS.contains(&word.as_str())
}

/// The actor who reports content containing the trigger: the first actor named in the
/// speaker of its attribution.
fn reporting_actor(
    doc: &Document,
    index: &TextIndex,
    from_places: &[(Entity, bool)],
    trigger: Span,
) -> Option<Participant> {
    let speaker = doc
        .attributions
        .iter()
        .filter(|a| a.content.is_some_and(|c| c.contains(trigger)))
        .find_map(|a| a.speaker.as_ref())?;
    actors_with_places(doc, from_places)
        .filter(|e| speaker.span.contains(e.span))
        .min_by_key(|e| e.span.start)
        .map(|e| participant_in(doc, index, e))
}

/// True when nothing but white space lies between two offsets.
fn only_space(doc: &Document, index: &TextIndex, start: usize, end: usize) -> bool {
    index
        .slice(&doc.text, Span::new(start, end))
        .chars()
        .all(char::is_whitespace)
}

/// True when a comma, semicolon or colon stands between two offsets: what follows belongs
/// to another phrase.
fn punctuation_between(doc: &Document, index: &TextIndex, start: usize, end: usize) -> bool {
    end > start
        && index
            .slice(&doc.text, Span::new(start, end))
            .contains([',', ';', ':'])
}

/// The folded text between two offsets, trimmed.
fn between(doc: &Document, index: &TextIndex, start: usize, end: usize) -> String {
    if end <= start {
        return String::new();
    }
    fold_text(index.slice(&doc.text, Span::new(start, end)).trim())
}

/// True when `text` (folded) ends with the word or phrase `word`.
fn ends_with_word(text: &str, word: &str) -> bool {
    text == word
        || text
            .strip_suffix(word)
            .is_some_and(|rest| rest.ends_with(' '))
        || (word.ends_with('\'') && text.ends_with(word))
}

/// The folded words just before `span` in its sentence.
fn preceding(doc: &Document, index: &TextIndex, sentence: Span, span: Span) -> String {
    between(
        doc,
        index,
        sentence.start.max(span.start.saturating_sub(16)),
        span.start,
    )
}

/// Besides [`COMPASS_WORDS`], words that may stand between a locative and its place ("in
/// neighbouring Lebanon", "dans le sud-est de la Turquie").
const REGION_WORDS: &[&str] = &[
    "neighboring",
    "neighbouring",
    "occupied",
    "nord",
    "sud",
    "est",
    "ouest",
    "centre",
    "nord-est",
    "nord-ouest",
    "sud-est",
    "sud-ouest",
    "north-east",
    "north-west",
    "south-east",
    "south-west",
];

/// True for a compass word or a region adjective (folded).
fn is_region_word(word: &str) -> bool {
    COMPASS_WORDS.contains(&word) || REGION_WORDS.contains(&word)
}

/// The folded words before a place with what stands between it and its locative taken
/// out, articles included: "in the town of Cizre", "in southeastern Turkey", "dans la
/// ville de Kirkouk" all read as after "in"/"dans".
fn locative_context(doc: &Document, index: &TextIndex, sentence: Span, span: Span) -> String {
    let mut before = between(
        doc,
        index,
        sentence.start.max(span.start.saturating_sub(48)),
        span.start,
    );
    loop {
        let words: Vec<&str> = without_article(&before).split(' ').collect();
        let kept = match words.as_slice() {
            [rest @ .., noun, "of" | "de" | "du" | "d'" | "des"]
                if PLACE_NOUNS.contains(noun) || is_region_word(noun) =>
            {
                rest
            }
            [rest @ .., adjective] if is_region_word(adjective) => rest,
            _ => return without_article(&before).to_owned(),
        };
        before = kept.join(" ");
    }
}

/// Folded text before a name without its trailing article ("dans la" → "dans").
fn without_article(before: &str) -> &str {
    ARTICLES
        .iter()
        .find_map(|a| before.strip_suffix(a))
        .map_or(before, str::trim_end)
}

/// True for a short upper-case abbreviation ("US", "U.S.", "UK"), which may qualify a noun
/// like an adjective.
fn is_short_abbreviation(text: &str) -> bool {
    text.chars().count() <= 4 && text.chars().all(|c| c.is_uppercase() || c == '.')
}

/// A state named by a place name acts only as the subject of its clause ("l'Irak a
/// condamné"); elsewhere ("à travers l'Irak", "frontalier avec la Syrie") it is a place.
fn used_as_location(doc: &Document, index: &TextIndex, sentence: Span, entity: &Entity) -> bool {
    // Demonyms ("les chars israéliens") are never locations.
    let named_as_place = doc
        .places
        .iter()
        .any(|p| p.span == entity.span && p.kind == PlaceKind::Toponym);
    if entity.kind != EntityKind::State || !named_as_place {
        return false;
    }
    let before = between(doc, index, sentence.start, entity.span.start);
    // "convoi militaire US", "a top U.S. official": a short upper-case adjective after a
    // word other than a locative qualifies a noun's actor; it is not a place.
    let after_word = before.ends_with(is_letter);
    let before = without_article(&before);
    let located = LOCATIVES.iter().any(|l| ends_with_word(before, l));
    if is_short_abbreviation(&entity.text) && after_word && !located {
        return false;
    }
    // "… said that Iraq must withdraw": a clause opens with its subject.
    let clause_opens = COMPLEMENTISERS.iter().any(|w| ends_with_word(before, w));
    !(before.is_empty() || clause_opens || before.ends_with([',', ';', ':', '«', '"']))
}

/// States that only the geo stage names in the sentence: countries ("Libya has offered"),
/// capitals standing for their government ("Moscow demanded") and demonyms ("Hungarian
/// officials"), as participants; the flag marks demonyms, which
/// are never locations.
fn states_named_by_places(doc: &Document, sentence: Span) -> Vec<(Entity, bool)> {
    doc.places
        .iter()
        .filter(|p| {
            sentence.contains(p.span) && !doc.entities.iter().any(|e| e.span.overlaps(p.span))
        })
        .filter(|p| {
            p.kind == PlaceKind::Demonym
                || p.feature_code.starts_with("PCL")
                || p.feature_code == "PPLC"
        })
        .map(|p| {
            let entity = Entity {
                text: p.text.clone(),
                span: p.span,
                kind: EntityKind::State,
                actor: Some(p.country_code.clone()),
                country: Some(p.country_code.clone()),
                role: None,
                loaded: false,
                antecedent: None,
            };
            (entity, p.kind == PlaceKind::Demonym)
        })
        .collect()
}

/// True when a state's name follows a locative preposition ("in Syria", "dans la ville").
/// French "à", "au", "aux" before a country also mark the indirect object of a transfer
/// or a request ("remettre à la Grande-Bretagne"), so they do not make a country a scene.
fn located_by_preposition(
    doc: &Document,
    index: &TextIndex,
    sentence: Span,
    entity: &Entity,
) -> bool {
    let Some(place) = doc
        .places
        .iter()
        .find(|p| p.span == entity.span && p.kind == PlaceKind::Toponym)
    else {
        return false;
    };
    let before = locative_context(doc, index, sentence, entity.span);
    let before = without_article(&before);
    let dative = ["a", "au", "aux"].iter().any(|d| ends_with_word(before, d));
    LOCATIVES.iter().any(|l| ends_with_word(before, l))
        && !(dative && place.feature_code.starts_with("PCL"))
}

/// True when a nominal trigger sits in an adverbial phrase of another act ("killed in a
/// suicide car bombing", "tués dans un attentat", "wounded by a shell"): the act it
/// describes is that of the clause's verb. Up to four words may stand between ("dans un
/// attentat-suicide à la voiture piégée").
pub fn in_adverbial_phrase(
    doc: &Document,
    index: &TextIndex,
    sentence: Span,
    trigger: Span,
) -> bool {
    const OPENERS: &[&str] = &[
        "in a",
        "in an",
        "by a",
        "by an",
        "during a",
        "during an",
        "dans un",
        "dans une",
        "lors d'un",
        "lors d'une",
        "par un",
        "par une",
    ];
    let before = between(
        doc,
        index,
        sentence.start.max(trigger.start.saturating_sub(48)),
        trigger.start,
    );
    let mut phrase = before.as_str();
    for _ in 0..5 {
        if OPENERS.iter().any(|o| ends_with_word(phrase, o)) {
            return true;
        }
        // The phrase does not reach across punctuation ("in a statement, rebels attacked").
        match phrase.rsplit_once(' ') {
            Some((rest, word)) if word.ends_with(is_letter) => phrase = rest,
            _ => return false,
        }
    }
    false
}

/// True when a demonym qualifies a place noun next to it ("Bosnian town", "ville
/// bosniaque").
fn describes_place(doc: &Document, index: &TextIndex, sentence: Span, span: Span) -> bool {
    let before = preceding(doc, index, sentence, span);
    let after = between(doc, index, span.end, sentence.end.min(span.end + 16));
    let next_word = after.split(' ').next().unwrap_or_default();
    let previous_word = before.rsplit(' ').next().unwrap_or_default();
    PLACE_NOUNS.contains(&next_word) || PLACE_NOUNS.contains(&previous_word)
}

/// True when a tense auxiliary stands right before `span`, which makes it a verb ("a
/// accepté", "have rejected").
fn after_auxiliary(doc: &Document, index: &TextIndex, sentence: Span, span: Span) -> bool {
    const AUXILIARIES: &[&str] = &[
        "a", "ont", "avait", "avaient", "aura", "auront", "avoir", "has", "have", "had", "having",
        "will", "would",
    ];
    let before = preceding(doc, index, sentence, span);
    AUXILIARIES.iter().any(|a| ends_with_word(&before, a))
}

/// True when a possessive determiner stands right before `span` ("its troops", "son
/// invasion").
fn after_possessive(doc: &Document, index: &TextIndex, sentence: Span, span: Span) -> bool {
    let before = preceding(doc, index, sentence, span);
    POSSESSIVES.iter().any(|p| ends_with_word(&before, p))
}

/// True when the trigger is a participle under a passive auxiliary after its subject
/// ("civilians were killed", "des soldats ont été enlevés"), for acts done to someone:
/// force, coercion, sanctions, releases. Reflexive French verbs ("se sont retirés"),
/// progressive English forms ("are attacking") and states ("is committed to") are not.
fn is_passive(
    doc: &Document,
    index: &TextIndex,
    subject_end: usize,
    trigger: Span,
    event_type: EventType,
    mode: Option<&str>,
) -> bool {
    let done_to = matches!(
        event_type,
        EventType::Assault | EventType::Coerce | EventType::Sanction
    ) || mode == Some("release");
    if !done_to {
        return false;
    }
    let gap = between(doc, index, subject_end, trigger.start);
    let mut words = gap.rsplit(' ');
    let auxiliary = words.next().unwrap_or_default();
    let verb = fold_text(index.slice(&doc.text, trigger));
    let verb = verb.split(' ').next().unwrap_or_default();
    if ENGLISH_PASSIVE_AUXILIARIES.contains(&auxiliary) {
        return !verb.ends_with("ing") && verb.ends_with(is_letter);
    }
    if !FRENCH_PASSIVE_AUXILIARIES.contains(&auxiliary) {
        return false;
    }
    let participle = ["e", "es", "i", "is", "u", "us", "it", "its"]
        .iter()
        .any(|ending| verb.ends_with(ending));
    let reflexive = words.next() == Some("se");
    participle && !reflexive
}

/// True for a generic armed or police force with no owner of its own ("troops",
/// "soldats"): after a deployment, withdrawal or pledge it is what the actor moves, not
/// whom the act aims at.
fn moved_forces(entity: &Entity, event_type: EventType, mode: Option<&str>) -> bool {
    let generic_force =
        entity.country.is_none() && matches!(entity.actor.as_deref(), Some("MILITARY" | "POLICE"));
    let moves = matches!(
        event_type,
        EventType::Mobilize | EventType::Agree | EventType::Aid | EventType::Reject
    ) || (event_type == EventType::Retreat && mode != Some("release"));
    generic_force && moves
}

/// Whether "X de Y" makes Y the patient (abductions, arrests) rather than the agent.
fn of_marks_patient(event_type: EventType, mode: Option<&str>) -> bool {
    matches!(mode, Some("abduct" | "arrest" | "deport" | "release"))
        || matches!(event_type, EventType::Coerce | EventType::Retreat)
}

/// Actor and recipient of a trigger.
///
/// The nearest entity before the trigger in the sentence acts, the nearest after it is
/// acted upon; a passive agent ("libérés par X") acts; an entity right after a noun
/// trigger ("convoi militaire US") or joined by "de" ("attaques de Daech") is its actor,
/// except for abductions and arrests where "de" introduces the patient.
pub fn participants(
    doc: &Document,
    index: &TextIndex,
    sentence: Span,
    trigger: Span,
    event_type: EventType,
    mode: Option<&str>,
) -> (Option<Participant>, Option<Participant>) {
    let from_places = states_named_by_places(doc, sentence);
    let eligible = |e: &&Entity| {
        sentence.contains(e.span)
            && can_act(e)
            && !inside_speaker(doc, e.span)
            && !in_compound_adjective(doc, index, e.span)
    };
    let all: Vec<(&Entity, bool)> = doc
        .entities
        .iter()
        .filter(eligible)
        .map(|e| (e, false))
        .chain(
            from_places
                .iter()
                .filter(|(e, demonym)| {
                    eligible(&e) && !(*demonym && describes_place(doc, index, sentence, e.span))
                })
                .map(|(e, demonym)| (e, *demonym)),
        )
        .collect();
    // A state named as a place acts only as a clause subject; after the trigger it may be
    // the recipient ("offered to Great Britain") unless a locative makes it the scene
    // ("clashes in Syria").
    let subjects: Vec<&Entity> = all
        .iter()
        .filter(|(e, demonym)| {
            e.span.end <= trigger.start && (*demonym || !used_as_location(doc, index, sentence, e))
        })
        .map(|(e, _)| *e)
        .collect();
    // "Pakistan, a key U.S. ally, has refused": a participant set off by commas after
    // another one describes it and does not act.
    let parenthetical = |e: &Entity| {
        let prefix = index.slice(&doc.text, Span::new(sentence.start, e.span.start));
        let opened = prefix
            .rfind(',')
            .map(|comma| sentence.start + prefix[..comma].chars().count());
        let closed = index
            .slice(&doc.text, Span::new(e.span.end, trigger.start))
            .contains(',');
        closed && opened.is_some_and(|comma| subjects.iter().any(|s| s.span.end <= comma))
    };
    // "killed one U.S. soldier and wounded two others": a participant right before "and"
    // and a second verb is the first verb's object.
    let object_of_earlier_verb = |e: &Entity| {
        let gap = between(doc, index, e.span.end, trigger.start);
        ["and", "et"].iter().any(|c| ends_with_word(&gap, c))
    };
    let before = subjects
        .iter()
        .copied()
        .filter(|e| !parenthetical(e) && !object_of_earlier_verb(e))
        .max_by_key(|e| e.span.end)
        // "Hungary has said it will support …": with no one else before the trigger, the
        // speaker acts.
        .or_else(|| {
            actors_with_places(doc, &from_places)
                .filter(|e| {
                    sentence.contains(e.span)
                        && e.span.end <= trigger.start
                        && inside_speaker(doc, e.span)
                })
                .max_by_key(|e| e.span.end)
        });
    // "its troops", "deployed troops": the actor's own forces are not whom the act aims at
    // ("its European Community partners" are).
    let own_group = |e: &Entity| {
        e.text.starts_with(char::is_lowercase) && after_possessive(doc, index, sentence, e.span)
    };
    let aimed_at = |e: &Entity| {
        e.span.start >= trigger.end
            && e.span.start - trigger.end <= MAX_OBJECT_DISTANCE
            && !clause_between(doc, index, trigger.end, e.span.start, event_type)
            && !own_group(e)
            && !moved_forces(e, event_type, mode)
    };
    let mut following: Vec<&Entity> = all
        .iter()
        .filter(|(e, demonym)| {
            aimed_at(e) && (*demonym || !located_by_preposition(doc, index, sentence, e))
        })
        .map(|(e, _)| *e)
        .collect();
    following.sort_by_key(|e| e.span.start);
    // Verbal and cooperative acts aim at the country they name even after "in"/"from"
    // ("withdraw its troops from Lebanon", "an embassy in Tehran") when nothing else
    // follows the trigger.
    let aims_at_place = matches!(
        event_type,
        EventType::Agree
            | EventType::Consult
            | EventType::Support
            | EventType::Cooperate
            | EventType::Aid
            | EventType::Retreat
            | EventType::Request
            | EventType::Reject
            | EventType::Concede
    );
    // The first participant after `start` that the act aims at.
    let aimed_after = |start: usize| {
        following
            .iter()
            .copied()
            .find(|e| e.span.start >= start)
            .or_else(|| {
                all.iter()
                    .filter(|(e, demonym)| {
                        aims_at_place && !demonym && e.span.start >= start && aimed_at(e)
                    })
                    .map(|(e, _)| *e)
                    .min_by_key(|e| e.span.start)
            })
    };
    let after = aimed_after(trigger.end);
    let gap = after
        .map(|e| between(doc, index, trigger.end, e.span.start))
        .unwrap_or_default();
    let first_gap_word = gap.split([' ', '\'']).next().unwrap_or_default();
    let passive =
        before.is_some_and(|e| is_passive(doc, index, e.span.end, trigger, event_type, mode));
    let before = before.map(|e| participant_in(doc, index, e));
    let after_participant = after.map(|e| participant_in(doc, index, e));
    // "libérés par les FDS", "attacked by the rebels"; not "shortened by one hour the curfew".
    let agent_follows = AGENT_MARKERS.contains(&first_gap_word) && gap.split(' ').count() <= 3;
    if agent_follows {
        return (after_participant, before);
    }
    if passive {
        // "Iraqi civilians have been killed in a bombing": the subject suffered the act.
        return (None, before);
    }
    if is_obligation(doc, index, trigger) {
        // "X said Y must leave": X demands, of Y ("X said it must leave" stays X's act).
        // Without a reported-speech cue, the subject of the clause that holds "that Y
        // must" demands ("The Forum concluded that the US must allocate").
        let reporter = reporting_actor(doc, index, &from_places, trigger).or_else(|| {
            let obliged = before.as_ref()?;
            subjects
                .iter()
                .filter(|e| {
                    e.span.end <= obliged.span.start && {
                        let gap = between(doc, index, e.span.end, obliged.span.start);
                        COMPLEMENTISERS.iter().any(|c| contains_phrase(&gap, c))
                    }
                })
                .max_by_key(|e| e.span.end)
                .map(|e| participant_in(doc, index, e))
        });
        if reporter.is_none()
            || reporter.as_ref().map(|r| r.span) != before.as_ref().map(|b| b.span)
        {
            return (reporter, before);
        }
    }
    // "convoi militaire US", "frappes américaines": an adjective-like actor glued to the trigger.
    let adjectival = gap.is_empty()
        && after.is_some_and(|e| {
            // A lower-case demonym qualifies the trigger noun ("frappes américaines"); a
            // common noun is its object ("mobilized army reservists").
            let demonym = doc
                .places
                .iter()
                .any(|p| p.kind == PlaceKind::Demonym && p.span == e.span);
            (e.text.chars().count() <= 3 && is_short_abbreviation(&e.text))
                || (demonym && e.text.starts_with(char::is_lowercase))
        });
    // "attaques de Daech", "attacks of the rebels": the complement follows "de"/"of" and at
    // most an article, not a whole clause ("a promis de poursuivre l'aide au Mozambique").
    let genitive = OF_MARKERS.iter().any(|m| {
        let rest = gap.strip_prefix(m).map(str::trim_start);
        rest.is_some_and(|r| r.is_empty() || ["la", "l'", "les", "the"].contains(&r))
            && (gap.len() == m.len() || m.ends_with('\'') || gap[m.len()..].starts_with(' '))
    });
    // "son invasion du Liban-Sud": after a possessive the complement is acted upon; so it
    // is after a verb ("a accepté les exigences des rebelles").
    let possessed = after_possessive(doc, index, sentence, trigger)
        || after_auxiliary(doc, index, sentence, trigger);
    if adjectival || (genitive && !possessed && !of_marks_patient(event_type, mode)) {
        // "les émeutes palestiniennes contre l'armée israélienne", "the deployment of NATO
        // peacekeeping troops in Bosnia": the next participant is acted upon.
        // Within the same phrase: "des attaques de Daech, les USA ont lancé" is another.
        let recipient = after
            .and_then(|actor| {
                aimed_after(actor.span.end)
                    .filter(|e| !punctuation_between(doc, index, actor.span.end, e.span.start))
            })
            .map(|e| participant_in(doc, index, e))
            .or_else(|| place_target(doc, index, sentence, trigger, event_type));
        return (after_participant, recipient);
    }
    // "threatened to ban voting in East Jerusalem if Hamas ran": the place the threat aims
    // at comes before the condition's subject.
    let conditional_after = after.is_some_and(|e| {
        let gap = between(doc, index, trigger.end, e.span.start);
        CONDITIONS.iter().any(|c| contains_phrase(&gap, c))
    });
    let aimed_place = || place_target(doc, index, sentence, trigger, event_type);
    let recipient = match after_participant {
        Some(participant) if conditional_after => aimed_place()
            .filter(|place| place.span.end <= participant.span.start)
            .or(Some(participant)),
        Some(participant) => Some(participant),
        None => aimed_place(),
    };
    (before, recipient)
}

/// True when a name is the first part of a compound adjective ("European-based missiles",
/// "Saudi-led coalition"): it qualifies what follows and takes no part itself.
fn in_compound_adjective(doc: &Document, index: &TextIndex, span: Span) -> bool {
    let after = index.slice(
        &doc.text,
        Span::new(span.end, (span.end + 2).min(index.char_len())),
    );
    let mut chars = after.chars();
    chars.next() == Some('-') && chars.next().is_some_and(char::is_lowercase)
}

/// Where the event happened: a place after a locative preposition in the sentence,
/// preferring the nearest to the trigger; else the first place that is neither an
/// origin, destination or neighbour nor a state named as an actor.
pub fn place(doc: &Document, index: &TextIndex, sentence: Span, trigger: Span) -> Option<Place> {
    let distance = |p: &Place| p.span.start.abs_diff(trigger.start);
    // Each place with the folded words just before it.
    let places: Vec<(&Place, String)> = doc
        .places
        .iter()
        .filter(|p| p.kind == PlaceKind::Toponym && sentence.contains(p.span))
        .map(|p| (p, locative_context(doc, index, sentence, p.span)))
        .collect();
    let plain_place = |(p, before): &&(&Place, String)| {
        let names_actor = doc
            .entities
            .iter()
            .any(|e| e.kind == EntityKind::State && e.span.overlaps(p.span));
        let destination = DIRECTIONALS.iter().any(|d| ends_with_word(before, d));
        !names_actor && !destination
    };
    let (chosen, _) = places
        .iter()
        .filter(|(_, before)| LOCATIVES.iter().any(|l| ends_with_word(before, l)))
        .min_by_key(|(p, _)| distance(p))
        .or_else(|| places.iter().find(plain_place))?;
    // "près du champ d'al-Omar, dans la province de Deir ez-Zor, en Syrie": the finest
    // place of the chain inside the chosen one is where it happened.
    let finest = places
        .iter()
        .filter(plain_place)
        .map(|(p, _)| *p)
        .filter(|p| p.country_code == chosen.country_code && p.breadth() < chosen.breadth())
        .min_by_key(|p| (p.breadth(), distance(p)))
        .unwrap_or(chosen);
    Some(finest.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::Entity;

    fn entity(text: &str, whole: &str, kind: EntityKind) -> Entity {
        let start = whole[..whole.find(text).unwrap()].chars().count();
        Entity {
            text: text.into(),
            span: Span::new(start, start + text.chars().count()),
            kind,
            actor: Some(text.to_uppercase()),
            country: None,
            role: None,
            loaded: false,
            antecedent: None,
        }
    }

    fn roles(
        text: &str,
        trigger: &str,
        entities: &[(&str, EntityKind)],
        event_type: EventType,
        mode: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let mut doc = Document::new("t", text);
        doc.entities = entities.iter().map(|(t, k)| entity(t, text, *k)).collect();
        let trigger = entity(trigger, text, EntityKind::Misc).span;
        let sentence = Span::new(0, text.chars().count());
        let index = TextIndex::new(text);
        let (a, r) = participants(&doc, &index, sentence, trigger, event_type, mode);
        (a.map(|p| p.text), r.map(|p| p.text))
    }

    #[test]
    fn active_passive_and_nominal_frames() {
        use EntityKind::{Group, State};
        assert_eq!(
            roles(
                "Les FDS ont attaqué Daech.",
                "attaqué",
                &[("FDS", Group), ("Daech", Group)],
                EventType::Assault,
                None
            ),
            (Some("FDS".into()), Some("Daech".into()))
        );
        assert_eq!(
            roles(
                "Des chefs de Daech libérés par les FDS.",
                "libérés",
                &[("Daech", Group), ("FDS", Group)],
                EventType::Retreat,
                Some("release")
            ),
            (Some("FDS".into()), Some("Daech".into()))
        );
        assert_eq!(
            roles(
                "l'intensification des attaques de Daech",
                "attaques",
                &[("Daech", Group)],
                EventType::Assault,
                None
            ),
            (Some("Daech".into()), None)
        );
        assert_eq!(
            roles(
                "un convoi militaire US",
                "convoi militaire",
                &[("US", State)],
                EventType::Mobilize,
                Some("troops")
            ),
            (Some("US".into()), None)
        );
        assert_eq!(
            roles(
                "un enlèvement de soldats US",
                "enlèvement",
                &[("soldats US", State)],
                EventType::Assault,
                Some("abduct")
            ),
            (None, Some("soldats US".into()))
        );
    }

    #[test]
    fn clauses_group_nouns_and_obligations() {
        use EntityKind::{Group, Org, State};
        // A participant after a subordinator belongs to another clause.
        assert_eq!(
            roles(
                "Rebels attacked the town as soldiers fled.",
                "attacked",
                &[("Rebels", Group), ("soldiers", State)],
                EventType::Assault,
                None
            ),
            (Some("Rebels".into()), None)
        );
        // A common group noun belongs to the named actor right before it.
        assert_eq!(
            roles(
                "Red Cross officials criticized the army.",
                "criticized",
                &[("Red Cross", Org), ("officials", State), ("army", State)],
                EventType::Accuse,
                None
            ),
            (Some("Red Cross officials".into()), Some("army".into()))
        );
        // "X said Y must …": X demands of Y.
        let text = "Hungary said Serbia must withdraw.";
        let mut doc = Document::new("t", text);
        doc.entities = ["Hungary", "Serbia"]
            .iter()
            .map(|t| entity(t, text, State))
            .collect();
        let whole = Span::new(0, text.chars().count());
        doc.attributions.push(vigie_core::Attribution {
            speaker: Some(vigie_core::TextSpan {
                text: "Hungary".into(),
                span: Span::new(0, 7),
            }),
            content: Some(Span::new(13, 33)),
            ..vigie_core::Attribution::none()
        });
        let index = TextIndex::new(text);
        let must = entity("must", text, EntityKind::Misc).span;
        let (actor, recipient) = participants(&doc, &index, whole, must, EventType::Request, None);
        assert_eq!(actor.map(|p| p.text).as_deref(), Some("Hungary"));
        assert_eq!(recipient.map(|p| p.text).as_deref(), Some("Serbia"));
        // Without a speech verb, the subject of the clause holding "that Y must" demands.
        assert_eq!(
            roles(
                "The Forum concluded that Serbia must withdraw.",
                "must",
                &[("Forum", Org), ("Serbia", State)],
                EventType::Request,
                None
            ),
            (Some("Forum".into()), Some("Serbia".into()))
        );
    }

    #[test]
    fn passives_own_forces_and_appositions() {
        use EntityKind::{Org, State};
        // A passive subject suffers the act.
        assert_eq!(
            roles(
                "Three civilians were killed yesterday.",
                "killed",
                &[("civilians", Org)],
                EventType::Assault,
                None
            ),
            (None, Some("civilians".into()))
        );
        assert_eq!(
            roles(
                "Des soldats ont été enlevés.",
                "enlevés",
                &[("soldats", State)],
                EventType::Assault,
                Some("abduct")
            ),
            (None, Some("soldats".into()))
        );
        // A state is not passive: "is committed to" keeps its subject.
        assert_eq!(
            roles(
                "Vietnam is committed to reform.",
                "committed",
                &[("Vietnam", State)],
                EventType::Agree,
                None
            ),
            (Some("Vietnam".into()), None)
        );
        // The actor's own forces are not the recipient.
        assert_eq!(
            roles(
                "Syria will withdraw its troops soon.",
                "withdraw",
                &[("Syria", State), ("troops", State)],
                EventType::Retreat,
                None
            ),
            (Some("Syria".into()), None)
        );
        // The first part of a compound adjective takes no part.
        assert_eq!(
            roles(
                "Russia held talks on European-based missiles.",
                "talks",
                &[("Russia", State), ("European", State)],
                EventType::Consult,
                None
            ),
            (Some("Russia".into()), None)
        );
        // A participant in an apposition describes the one before it.
        assert_eq!(
            roles(
                "Pakistan, a key ally of Britain, has refused to help.",
                "refused",
                &[("Pakistan", State), ("Britain", State)],
                EventType::Reject,
                None
            ),
            (Some("Pakistan".into()), None)
        );
    }

    #[test]
    fn place_nouns_and_compass_words_stand_between_a_locative_and_its_place() {
        let context = |text: &str, place: &str| {
            let doc = Document::new("t", text);
            let index = TextIndex::new(text);
            let sentence = Span::new(0, text.chars().count());
            let place = entity(place, text, EntityKind::Loc).span;
            locative_context(&doc, &index, sentence, place)
        };
        assert_eq!(
            context("A curfew in the town of Cizre.", "Cizre"),
            "a curfew in"
        );
        assert_eq!(
            context("Clashes in southeastern Turkey.", "Turkey"),
            "clashes in"
        );
        assert_eq!(
            context("Des combats dans le nord-est de la Syrie.", "Syrie"),
            "des combats dans"
        );
        assert_eq!(context("Talks with Turkey.", "Turkey"), "talks with");
    }

    #[test]
    fn nominal_triggers_in_adverbial_phrases() {
        let adverbial = |text: &str, trigger: &str| {
            let doc = Document::new("t", text);
            let index = TextIndex::new(text);
            let sentence = Span::new(0, text.chars().count());
            let trigger = entity(trigger, text, EntityKind::Misc).span;
            in_adverbial_phrase(&doc, &index, sentence, trigger)
        };
        assert!(adverbial(
            "Two were killed in a suicide car bombing.",
            "bombing"
        ));
        assert!(adverbial(
            "Trois tués dans un attentat à la voiture piégée.",
            "voiture"
        ));
        assert!(!adverbial(
            "Two were killed in a suicide car bombing.",
            "killed"
        ));
        assert!(!adverbial(
            "In a statement, rebels attacked the town.",
            "attacked"
        ));
    }

    #[test]
    fn a_demonym_actor_is_never_a_location() {
        let text = "Des chars israéliens ont tiré sur Jéricho.";
        let mut doc = Document::new("t", text);
        let israeli = entity("israéliens", text, EntityKind::State);
        doc.places.push(Place {
            text: israeli.text.clone(),
            span: israeli.span,
            geonameid: 294640,
            name: "Israel".into(),
            lat: 31.5,
            lon: 34.75,
            country_code: "IL".into(),
            feature_code: "PCLI".into(),
            admin1: None,
            confidence: 0.9,
            kind: PlaceKind::Demonym,
        });
        doc.entities.push(israeli);
        let index = TextIndex::new(text);
        let sentence = Span::new(0, text.chars().count());
        let fired = entity("tiré", text, EntityKind::Misc).span;
        let (actor, _) = participants(&doc, &index, sentence, fired, EventType::Assault, None);
        assert_eq!(actor.map(|p| p.text).as_deref(), Some("israéliens"));
    }

    #[test]
    fn hostile_acts_target_the_place_they_are_aimed_at() {
        let text = "Shelling in Herat.";
        let mut doc = Document::new("t", text);
        doc.places.push(Place {
            text: "Herat".into(),
            span: Span::new(12, 17),
            geonameid: 1139715,
            name: "Herat".into(),
            lat: 34.3,
            lon: 62.2,
            country_code: "AF".into(),
            feature_code: "PPLA".into(),
            admin1: None,
            confidence: 0.9,
            kind: PlaceKind::Toponym,
        });
        let index = TextIndex::new(text);
        let sentence = Span::new(0, text.chars().count());
        let shelling = Span::new(0, 8);
        let target = |event_type| {
            participants(&doc, &index, sentence, shelling, event_type, None)
                .1
                .map(|p| p.text)
        };
        assert_eq!(target(EventType::Assault).as_deref(), Some("Herat"));
        assert_eq!(target(EventType::Consult), None);
    }

    #[test]
    fn a_place_right_before_a_common_noun_owns_it() {
        let text = "Mozambique's police arrested the men.";
        let mut doc = Document::new("t", text);
        let mozambique = Place {
            text: "Mozambique".into(),
            span: Span::new(0, 10),
            geonameid: 1036973,
            name: "Mozambique".into(),
            lat: -18.25,
            lon: 35.0,
            country_code: "MZ".into(),
            feature_code: "PCLI".into(),
            admin1: None,
            confidence: 0.9,
            kind: PlaceKind::Toponym,
        };
        doc.places.push(mozambique.clone());
        doc.entities.push(entity("police", text, EntityKind::State));
        let index = TextIndex::new(text);
        let police = &doc.entities[0];
        let owned = participant_in(&doc, &index, police);
        assert_eq!(owned.text, "Mozambique's police");
        assert_eq!(owned.country.as_deref(), Some("MZ"));
        // A capitalised name is not a common noun: "Mozambique Hamas" stays apart.
        let text = "Mozambique Hamas";
        let mut doc = Document::new("t", text);
        doc.places.push(mozambique.clone());
        doc.entities.push(entity("Hamas", text, EntityKind::Group));
        let named = participant_in(&doc, &TextIndex::new(text), &doc.entities[0]);
        assert_eq!(named.text, "Hamas");
    }
}
