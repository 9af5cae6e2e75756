//! Events stage: codes PLOVER events from sentences — trigger, type and mode, actor and
//! recipient, place, date, attribution and modality, with the sentence as evidence.

pub mod acled;
pub mod arguments;
pub mod cameo;
pub mod dates;
pub mod fatalities;
pub mod modality;
pub mod triggers;

pub use cameo::CameoVerbs;
pub use triggers::{Trigger, TriggerLexicon};

use vigie_core::speaker::speaker_kind;
use vigie_core::{
    AcledSubEventType, Attribution, AttributionKind, Document, Event, EventType, Modality,
    Participant, PreparedText, Span, TextSpan, fold_text,
};

/// A trigger trained heads read (see `vigie-heads`), with the ACLED sub-event type and
/// the participants they give the event.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTrigger {
    /// The trigger, its PLOVER type and mode.
    pub trigger: Trigger,
    /// The ACLED sub-event type (`None`: ACLED would not code it).
    pub acled: Option<AcledSubEventType>,
    /// The actor's span, when a head marks one.
    pub actor: Option<Span>,
    /// The recipient's span, when a head marks one.
    pub recipient: Option<Span>,
    /// The modality the head reads.
    pub modality: Modality,
}

/// Where triggers come from besides the heads: the hand-written lexicon, and the CAMEO
/// verb patterns for a sentence in which nothing else finds one (their events are kept,
/// as PETRARCH keeps them, only with a coded actor and a coded recipient).
#[derive(Debug, Clone, Copy)]
pub struct TriggerSources<'a> {
    /// The hand-written trigger lexicon.
    pub lexicon: &'a TriggerLexicon,
    /// PETRARCH2's CAMEO verb patterns, with French forms.
    pub cameo_verbs: &'a CameoVerbs,
}

impl TriggerSources<'static> {
    /// The lexicon and the verb patterns embedded in the binary.
    pub fn embedded() -> Self {
        Self {
            lexicon: TriggerLexicon::embedded(),
            cameo_verbs: CameoVerbs::embedded(),
        }
    }
}

/// The triggers of one sentence: those the heads read, then the lexicon's that overlap
/// none of them (as read triggers with nothing read but the trigger); when neither finds
/// any, the CAMEO verb patterns' (then `true`). A read trigger of function words alone ("ont", "se") is
/// no evidence of an event and is left out.
fn sentence_triggers(
    doc: &Document,
    prepared: &PreparedText,
    sentence: Span,
    sources: TriggerSources,
    read: Option<&[ReadTrigger]>,
) -> (Vec<(Trigger, Option<ReadTrigger>)>, bool) {
    let from_lexicon = sources
        .lexicon
        .find_in_sentence(prepared, sentence, doc.language);
    let triggers: Vec<(Trigger, Option<ReadTrigger>)> = match read {
        None => from_lexicon.into_iter().map(|t| (t, None)).collect(),
        Some(read) => {
            let in_sentence: Vec<&ReadTrigger> = read
                .iter()
                .filter(|r| {
                    sentence.start <= r.trigger.span.start && r.trigger.span.end <= sentence.end
                })
                .filter(|r| !signals_no_act(prepared.index.slice(&doc.text, r.trigger.span)))
                .collect();
            let mut triggers: Vec<(Trigger, Option<ReadTrigger>)> = in_sentence
                .iter()
                .map(|r| (r.trigger.clone(), Some((*r).clone())))
                .collect();
            triggers.extend(
                from_lexicon
                    .into_iter()
                    .filter(|t| !in_sentence.iter().any(|r| r.trigger.span.overlaps(t.span)))
                    .map(|t| (t, None)),
            );
            triggers.sort_by_key(|(t, _)| t.span.start);
            triggers
        }
    };
    if !triggers.is_empty() || !names_two_participants(doc, sentence) {
        return (triggers, false);
    }
    let from_cameo = sources
        .cameo_verbs
        .find_in_sentence(prepared, sentence, doc.language)
        .into_iter()
        .map(|t| (t, None))
        .collect();
    (from_cameo, true)
}

/// True when a CAMEO-coded event has what PETRARCH requires of one: an actor and a
/// recipient that both carry an actor code.
fn coded_participants(actor: Option<&Participant>, recipient: Option<&Participant>) -> bool {
    let coded = |p: Option<&Participant>| p.is_some_and(|p| p.code.is_some());
    coded(actor) && coded(recipient)
}

/// True when `sentence` names at least two entities or places: fewer cannot give an
/// event both a coded actor and a coded recipient.
fn names_two_participants(doc: &Document, sentence: Span) -> bool {
    let inside = |span: Span| sentence.start <= span.start && span.end <= sentence.end;
    let entities = doc.entities.iter().filter(|e| inside(e.span)).count();
    let places = doc.places.iter().filter(|p| inside(p.span)).count();
    entities + places >= 2
}

/// Runs the stage: fills `doc.events`. Needs sentences, entities, places and
/// attributions from the earlier stages; `prepared` is `doc.text` prepared. Triggers come
/// from `sources`, and from the heads' `read` triggers where given (the lexicon then
/// adds only triggers the heads did not read).
pub fn analyze(
    doc: &mut Document,
    prepared: &PreparedText,
    sources: TriggerSources,
    read: Option<&[ReadTrigger]>,
) {
    let index = &prepared.index;
    let published = doc.published.as_deref().and_then(dates::parse_iso_date);
    let mut events: Vec<Event> = Vec::new();
    for (sentence_index, &sentence) in doc.sentences.iter().enumerate() {
        let (triggers, from_cameo) = sentence_triggers(doc, prepared, sentence, sources, read);
        if triggers.is_empty() {
            continue;
        }
        let date = dates::find_dates(&doc.text, index, sentence, published)
            .into_iter()
            .next();
        let mut in_sentence: Vec<Event> = Vec::new();
        let mut refined_object: Option<(usize, &ObjectRefinement)> = None;
        for (trigger, read) in triggers {
            let inside_name = doc.entities.iter().any(|e| e.span.overlaps(trigger.span));
            if inside_name || arguments::inside_speaker(doc, trigger.span) {
                continue;
            }
            let after_trigger = prepared
                .folded
                .slice(Span::new(trigger.span.end, sentence.end));
            // "lifted the blockade": the object that refined an act is no act of its own.
            if let Some((end, refinement)) = refined_object
                && trigger.span.start <= end + OBJECT_WINDOW
                && refinement.names_object(prepared.folded.slice(trigger.span))
            {
                continue;
            }
            // A head's type already reads the object; the lexicon's may need it.
            let refinement = read
                .is_none()
                .then(|| refinement_for(&trigger, after_trigger))
                .flatten();
            if let Some(refinement) = refinement {
                refined_object = Some((trigger.span.end, refinement));
            }
            let (trigger_type, trigger_mode) = match refinement {
                Some(ObjectRefinement {
                    refined: (event_type, mode),
                    ..
                }) => (*event_type, mode.map(str::to_owned)),
                None => (trigger.event_type, trigger.mode.clone()),
            };
            let (mut actor, mut recipient) = arguments::participants(
                doc,
                index,
                sentence,
                trigger.span,
                trigger_type,
                trigger_mode.as_deref(),
            );
            // The argument head's participants, where it marks them, over the rules'.
            if let Some(read) = &read {
                if let Some(span) = read.actor {
                    actor = Some(arguments::participant_at(doc, index, span));
                }
                if let Some(span) = read.recipient {
                    recipient = Some(arguments::participant_at(doc, index, span));
                }
            }
            if from_cameo && !coded_participants(actor.as_ref(), recipient.as_ref()) {
                continue;
            }
            let place = arguments::place(doc, index, sentence, trigger.span);
            let attribution = attribution_for(doc, sentence, trigger.span);
            // A head's modality reads the whole sentence; the rules' only cue words.
            let cued = modality::modality(&doc.text, index, sentence, trigger.span, &attribution);
            let modality = match &read {
                Some(read) => read_modality(read.modality, cued),
                None => cued,
            };
            let attribution = match &read {
                Some(_) => attribution_for_modality(doc, sentence_index, attribution, modality),
                None => attribution,
            };
            let conditional = [
                " unless ",
                " a moins que ",
                " a moins qu'",
                " sauf si ",
                " si ",
            ]
            .iter()
            .any(|c| format!(" {after_trigger} ").contains(c));
            let (event_type, mode) = commitment(trigger_type, trigger_mode, modality, conditional);
            let mut event = Event {
                event_type,
                mode,
                trigger: TextSpan {
                    text: index.slice(&doc.text, trigger.span).to_owned(),
                    span: trigger.span,
                },
                actor,
                recipient,
                place,
                date: date.clone(),
                attribution,
                modality,
                evidence: sentence,
                confidence: 0.0,
                acled: None,
                fatalities: None,
            };
            event.confidence = confidence(&event);
            event.acled = match &read {
                // ACLED codes what happened, as the rules do.
                Some(read) => read
                    .acled
                    .filter(|_| matches!(event.modality, Modality::Asserted | Modality::Claimed))
                    .map(AcledSubEventType::category),
                None => acled::category(&event),
            };
            if event.event_type == EventType::Assault {
                event.fatalities = fatalities::fatalities(index.slice(&doc.text, sentence));
            }
            match in_sentence
                .iter_mut()
                .find(|e| e.event_type == event.event_type)
            {
                Some(same) => merge_same_type(same, event, |e| {
                    arguments::in_adverbial_phrase(doc, index, sentence, e.trigger.span)
                }),
                None => in_sentence.push(event),
            }
        }
        sourced_by_speech_acts(doc, prepared, &mut in_sentence);
        events.extend(in_sentence);
    }
    doc.events = events;
}

/// Keeps one of two events of the same type in a sentence: the first when the second
/// would make its passive subject the actor, the clause's own act over one named in an
/// adverbial phrase ("wounded two soldiers in a bomb attack"), else the better supported;
/// the kept event takes the mode only the other names.
fn merge_same_type(same: &mut Event, event: Event, adverbial: impl Fn(&Event) -> bool) {
    // "six soldats ont été tués et quatre autres blessés": a later trigger that makes the
    // first one's passive subject its actor misreads a coordinated participle.
    let swapped = same
        .recipient
        .as_ref()
        .zip(event.actor.as_ref())
        .is_some_and(|(recipient, actor)| {
            recipient.span.end <= same.trigger.span.start && recipient.span.overlaps(actor.span)
        });
    // A word of the clause first, then the better supported.
    let rank = |e: &Event| !adverbial(e);
    let keep_same = swapped
        || match rank(same).cmp(&rank(&event)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => same.confidence >= event.confidence,
        };
    let other_mode = if keep_same {
        event.mode
    } else {
        std::mem::replace(same, event).mode
    };
    if same.mode.is_none() && other_mode.is_some() {
        same.mode = other_mode;
        same.acled = acled::category(same);
    }
}

/// Clitics, auxiliaries and articles (folded): words that cannot signal an event alone.
const FUNCTION_WORDS: &[&str] = &[
    "se", "s'", "a", "ont", "est", "sont", "ete", "etre", "avait", "avaient", "le", "la", "les",
    "l'", "un", "une", "des", "de", "du", "d'", "y", "en", "ne", "n'", "has", "have", "had", "is",
    "are", "was", "were", "be", "been", "the", "an", "to", "of",
];

/// Verbs of state (folded): being somewhere, or staying so, is no act.
const STATE_VERBS: &[&str] = &[
    "reste",
    "restent",
    "restait",
    "restaient",
    "demeure",
    "demeurent",
    "demeurait",
    "demeuraient",
    "remain",
    "remains",
    "remained",
    "stay",
    "stays",
    "stayed",
    "located",
];

/// True when a trigger is made of function words and verbs of state only ("se", "ont",
/// "se trouvaient", "remained"): a trained head may mark one, but it is no evidence of an
/// event. "Trouver" is a verb of state only when pronominal ("se trouvaient", not "a
/// trouvé la mort").
fn signals_no_act(trigger: &str) -> bool {
    let folded = fold_text(trigger);
    let words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let pronominal = words.iter().any(|w| matches!(*w, "se" | "s'"));
    words.iter().all(|w| {
        FUNCTION_WORDS.contains(w)
            || STATE_VERBS.contains(w)
            || pronominal && w.starts_with("trouv")
    })
}

/// A type CAMEO gives an act by its object ("expelled two Russian diplomats" reduces
/// relations; expelling people coerces them).
struct ObjectRefinement {
    /// The trigger's own type and mode.
    trigger: (EventType, Option<&'static str>),
    /// Folded word prefixes (French and English) of the objects that change it.
    objects: &'static [&'static str],
    /// The type and mode (one of the type's [`EventType::modes`]) those objects give.
    refined: (EventType, Option<&'static str>),
}

impl ObjectRefinement {
    fn names_object(&self, word: &str) -> bool {
        self.objects.iter().any(|prefix| word.starts_with(prefix))
    }
}

/// The object refinements Vigie applies.
const OBJECT_REFINEMENTS: &[ObjectRefinement] = &[
    // Expelling envoys or monitors reduces relations (CAMEO 166).
    ObjectRefinement {
        trigger: (EventType::Coerce, Some("deport")),
        objects: &[
            "diplomat",
            "ambassad",
            "envoy",
            "emissaire",
            "inspect",
            "observ",
            "monitor",
            "peacekeep",
        ],
        refined: (EventType::Sanction, Some("expel")),
    },
    // Easing a blockade or a siege de-escalates militarily (CAMEO 0872): RETREAT
    // 'withdraw' in the CAMEO-to-PLOVER table.
    ObjectRefinement {
        trigger: (EventType::Concede, None),
        objects: &["blockade", "blocus", "siege"],
        refined: (EventType::Retreat, Some("withdraw")),
    },
    // Deploying peacekeepers provides them (CAMEO 074), aid, which has no mode.
    ObjectRefinement {
        trigger: (EventType::Mobilize, Some("troops")),
        objects: &["peacekeep", "casques"],
        refined: (EventType::Aid, None),
    },
];

/// How far (in characters) after a refined trigger its object may lie.
const OBJECT_WINDOW: usize = 60;

/// The refinement the trigger's object, within its next five words, calls for (see
/// [`OBJECT_REFINEMENTS`]).
fn refinement_for(trigger: &Trigger, after_trigger: &str) -> Option<&'static ObjectRefinement> {
    let object: Vec<&str> = after_trigger
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .collect();
    OBJECT_REFINEMENTS.iter().find(|refinement| {
        refinement.trigger == (trigger.event_type, trigger.mode.as_deref())
            && object.iter().any(|w| refinement.names_object(w))
    })
}

/// PLOVER codes a commitment to act as the verbal event: a planned cooperative act
/// ("Israel will evacuate the settlements") is an AGREE, unless a condition makes it a
/// THREATEN ("… unless the president resigns"); a planned hostile act ("the group will
/// attack") is a THREATEN whose mode is what is threatened ([`threat_content`]). A denied
/// agreement is a REJECT.
fn commitment(
    event_type: EventType,
    mode: Option<String>,
    modality: Modality,
    conditional: bool,
) -> (EventType, Option<String>) {
    use EventType::*;
    if modality == Modality::Denied && event_type == Agree {
        // Refusing or failing to agree is a rejection.
        return (Reject, mode);
    }
    if modality != Modality::Planned {
        return (event_type, mode);
    }
    match event_type {
        // "will withdraw its force unless …": a conditional commitment is a threat.
        Retreat | Aid | Support | Consult | Cooperate | Concede if conditional => (Threaten, None),
        // AGREE has no modes.
        Retreat | Aid | Support | Consult | Cooperate | Concede => (Agree, None),
        // Announced force, boycotts, blockades and sanctions are threats (CAMEO 13).
        Assault | Coerce | Mobilize | Protest | Sanction => (
            Threaten,
            threat_content(event_type, mode.as_deref()).map(str::to_owned),
        ),
        other => (other, mode),
    }
}

/// The THREATEN mode of a threat to carry out an act of `event_type` and `mode`: "the
/// content of the threat" (PLOVER manual, table 3.6), as the CAMEO-to-PLOVER table codes
/// CAMEO's threats (13x): force and violent repression are `violence`, an occupation
/// `territory`, an arrest `arrest`, a ban `ban`, restrictions on speech `rights`; curfews,
/// blockades, boycotts and strikes `restrict`; expelling or withdrawing from an
/// involvement `expel`; cutting aid or relations, or protest, `relations`.
fn threat_content(event_type: EventType, mode: Option<&str>) -> Option<&'static str> {
    use EventType::*;
    match (event_type, mode) {
        (Assault | Mobilize, _) => Some("violence"),
        (Coerce, Some("arrest")) => Some("arrest"),
        (Coerce, Some("ban")) => Some("ban"),
        (Coerce, Some("censor")) => Some("rights"),
        (Coerce, Some("seize")) => Some("territory"),
        (Coerce, Some("restrict" | "curfew")) => Some("restrict"),
        (Coerce, Some("withhold")) => Some("relations"),
        (Protest, Some("boycott" | "strike" | "obstruct")) => Some("restrict"),
        (Protest, _) => Some("relations"),
        (Sanction, Some("expel" | "withdraw")) => Some("expel"),
        (Sanction, Some("discontinue")) => Some("relations"),
        _ => None,
    }
}

/// The attribution covering the trigger: one whose content contains it, or one whose
/// cue is in the same sentence; otherwise none.
fn attribution_for(doc: &Document, sentence: Span, trigger: Span) -> Attribution {
    doc.attributions
        .iter()
        .find(|a| a.content.is_some_and(|c| c.contains(trigger)))
        .or_else(|| attribution_cued_in(doc, sentence))
        .cloned()
        .unwrap_or_else(Attribution::none)
}

/// The modality of an event the heads read: the attribute head's, except that an
/// intention the cue words spell out ("projettent de se manifester", "plans to strike")
/// makes an event the head reads as done or claimed a planned one.
fn read_modality(head: Modality, cued: Modality) -> Modality {
    match (head, cued) {
        (Modality::Asserted | Modality::Claimed, Modality::Planned) => Modality::Planned,
        _ => head,
    }
}

/// Gives an unsourced claim, denial or threat of a sentence the source the sentence's own
/// speech act names: its actor ("X threatened to close the border": the closure is
/// threatened, on X's word; "X accused Y of shelling": the shelling is claimed by X). The
/// actor is a source of the kind its words make it ("residents" are anonymous).
fn sourced_by_speech_acts(doc: &Document, prepared: &PreparedText, in_sentence: &mut [Event]) {
    let speech_act = in_sentence
        .iter()
        .filter(|e| {
            matches!(
                e.event_type,
                EventType::Threaten | EventType::Accuse | EventType::Reject
            )
        })
        .find_map(|e| Some((e.actor.clone()?, e.trigger.clone())));
    let Some((speaker, cue)) = speech_act else {
        return;
    };
    for event in in_sentence.iter_mut() {
        let unsourced = event.attribution.kind == AttributionKind::None
            && matches!(
                event.modality,
                Modality::Claimed | Modality::Denied | Modality::Threatened
            )
            && event.trigger.span != cue.span;
        if unsourced {
            event.attribution = Attribution {
                kind: speaker_kind(doc, prepared, speaker.span),
                speaker: Some(TextSpan {
                    text: speaker.text.clone(),
                    span: speaker.span,
                }),
                actor: speaker.code.clone(),
                cue: Some(cue.clone()),
                ..Attribution::none()
            };
        }
    }
}

/// The first attribution whose cue is in `sentence`.
fn attribution_cued_in(doc: &Document, sentence: Span) -> Option<&Attribution> {
    doc.attributions
        .iter()
        .find(|a| a.cue.as_ref().is_some_and(|c| sentence.contains(c.span)))
}

/// The attribution of an event of `modality` in sentence number `sentence_index`, given
/// the one found in its sentence: an asserted event has none; a claim, denial or threat
/// whose source is not in its sentence ("… », a-t-il déclaré." after a quote, a speaker
/// named just before) takes the nearest one around.
fn attribution_for_modality(
    doc: &Document,
    sentence_index: usize,
    in_sentence: Attribution,
    modality: Modality,
) -> Attribution {
    match modality {
        Modality::Asserted => Attribution::none(),
        Modality::Claimed | Modality::Denied | Modality::Threatened
            if in_sentence.kind == AttributionKind::None =>
        {
            nearby_attribution(doc, sentence_index).unwrap_or(in_sentence)
        }
        _ => in_sentence,
    }
}

/// An attribution whose cue is in the next sentence, else in one of the two before.
fn nearby_attribution(doc: &Document, sentence_index: usize) -> Option<Attribution> {
    let in_sentence = |i: usize| attribution_cued_in(doc, *doc.sentences.get(i)?);
    in_sentence(sentence_index + 1)
        .or_else(|| {
            (1..=2)
                .filter_map(|d| sentence_index.checked_sub(d))
                .find_map(in_sentence)
        })
        .cloned()
}

/// A simple confidence: a trigger alone is weak; each argument found adds support.
fn confidence(event: &Event) -> f32 {
    let mut score = 0.4;
    if event.actor.is_some() {
        score += 0.2;
    }
    if event.recipient.is_some() {
        score += 0.1;
    }
    if event.place.is_some() {
        score += 0.15;
    }
    if event.date.is_some() {
        score += 0.05;
    }
    if event.modality == Modality::Hypothetical {
        score -= 0.2;
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::Span;

    fn coded(text: &str) -> Vec<(EventType, Option<String>, Modality)> {
        let mut doc = Document::new("t", text);
        doc.language = Some(vigie_core::Language::En);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        let prepared = PreparedText::new(&doc.text);
        analyze(&mut doc, &prepared, TriggerSources::embedded(), None);
        doc.events
            .into_iter()
            .map(|e| (e.event_type, e.mode, e.modality))
            .collect()
    }

    /// Events coded in `text` (one English sentence) whose `actors` are entities with
    /// actor codes.
    fn coded_with_actors(text: &str, actors: &[(&str, &str)]) -> Vec<(String, EventType)> {
        let mut doc = Document::new("t", text);
        doc.language = Some(vigie_core::Language::En);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        doc.entities = actors
            .iter()
            .map(|&(name, code)| {
                let start = text[..text.find(name).unwrap()].chars().count();
                vigie_core::Entity {
                    text: name.into(),
                    span: Span::new(start, start + name.chars().count()),
                    kind: vigie_core::EntityKind::State,
                    actor: Some(code.into()),
                    country: None,
                    role: None,
                    loaded: false,
                    antecedent: None,
                }
            })
            .collect();
        let prepared = PreparedText::new(&doc.text);
        analyze(&mut doc, &prepared, TriggerSources::embedded(), None);
        doc.events
            .into_iter()
            .map(|e| (e.trigger.text, e.event_type))
            .collect()
    }

    #[test]
    fn cameo_verbs_code_a_sentence_nothing_else_codes_between_two_actors() {
        // "rebuffed" is in no hand-written lexicon; CAMEO codes it 110 (disapprove): ACCUSE.
        let text = "Russia rebuffed Ukraine on Monday.";
        assert_eq!(
            coded_with_actors(text, &[("Russia", "RUS"), ("Ukraine", "UKR")]),
            [("rebuffed".to_owned(), EventType::Accuse)]
        );
        // As in PETRARCH, an event needs a coded actor and a coded recipient.
        assert_eq!(coded_with_actors(text, &[("Russia", "RUS")]), []);
        assert_eq!(coded("The council rebuffed the mayor on Monday."), []);
        // Where the lexicon finds a trigger, the verb patterns add nothing.
        let text = "Russia attacked Ukraine and rebuffed Ukraine.";
        let types: Vec<EventType> =
            coded_with_actors(text, &[("Russia", "RUS"), ("Ukraine", "UKR")])
                .into_iter()
                .map(|(_, event_type)| event_type)
                .collect();
        assert_eq!(types, [EventType::Assault]);
    }

    #[test]
    fn commitments_are_coded_as_verbal_events() {
        assert_eq!(
            coded("Israel will evacuate all settlements."),
            [(EventType::Agree, None, Modality::Planned)]
        );
        // The mode of a threat is what is threatened.
        assert_eq!(
            coded("The group plans to attack the convoy."),
            [(
                EventType::Threaten,
                Some("violence".into()),
                Modality::Planned
            )]
        );
        assert_eq!(
            coded("Rebels attacked the convoy."),
            [(EventType::Assault, None, Modality::Asserted)]
        );
    }

    #[test]
    fn objects_refine_the_type() {
        assert_eq!(
            coded("Switzerland expelled two Russian diplomats."),
            [(
                EventType::Sanction,
                Some("expel".into()),
                Modality::Asserted
            )]
        );
        assert_eq!(
            coded("Switzerland expelled two Russian smugglers."),
            [(EventType::Coerce, Some("deport".into()), Modality::Asserted)]
        );
        assert_eq!(
            coded("The army lifted the blockade on the town."),
            [(
                EventType::Retreat,
                Some("withdraw".into()),
                Modality::Asserted
            )]
        );
    }

    #[test]
    fn every_mode_given_is_one_of_its_types() {
        let is_plover = |(event_type, mode): (EventType, Option<&str>)| {
            mode.is_none_or(|mode| event_type.modes().contains(&mode))
        };
        for refinement in OBJECT_REFINEMENTS {
            assert!(is_plover(refinement.refined), "{:?}", refinement.refined);
        }
        for event_type in EventType::ALL {
            let modes = event_type.modes().iter().map(|&m| Some(m));
            for mode in std::iter::once(None).chain(modes) {
                for modality in Modality::ALL {
                    for conditional in [false, true] {
                        let owned = mode.map(str::to_owned);
                        let (t, m) = commitment(event_type, owned, modality, conditional);
                        assert!(
                            is_plover((t, m.as_deref())),
                            "{event_type:?} {mode:?} {modality:?} → {t:?} {m:?}"
                        );
                    }
                }
            }
        }
    }

    /// An event of `event_type` at `trigger` (code points `start..`), with `actor`.
    fn event_at(
        event_type: EventType,
        trigger: &str,
        start: usize,
        actor: Option<&str>,
        modality: Modality,
    ) -> Event {
        let span_of = |text: &str, start: usize| Span::new(start, start + text.chars().count());
        Event {
            event_type,
            mode: None,
            trigger: TextSpan {
                text: trigger.into(),
                span: span_of(trigger, start),
            },
            actor: actor.map(|a| vigie_core::Participant {
                text: a.into(),
                span: span_of(a, 0),
                code: Some("TUR".into()),
                country: Some("TR".into()),
            }),
            recipient: None,
            place: None,
            date: None,
            attribution: Attribution::none(),
            modality,
            evidence: Span::new(0, 80),
            confidence: 0.5,
            acled: None,
            fatalities: None,
        }
    }

    #[test]
    fn a_threat_or_a_claim_is_sourced_by_the_speech_act_of_its_sentence() {
        // "La Turquie a menacé de fermer son espace aérien …"
        let mut events = vec![
            event_at(
                EventType::Threaten,
                "a menacé",
                11,
                Some("La Turquie"),
                Modality::Asserted,
            ),
            event_at(EventType::Coerce, "fermer", 23, None, Modality::Threatened),
            event_at(EventType::Assault, "frappé", 50, None, Modality::Asserted),
        ];
        let text = "La Turquie a menacé de fermer son espace aérien aux vols qui frappé.";
        let doc = Document::new("t", text);
        let prepared = PreparedText::new(text);
        sourced_by_speech_acts(&doc, &prepared, &mut events);
        let threatened = &events[1].attribution;
        assert_eq!(threatened.kind, AttributionKind::Named);
        assert_eq!(threatened.speaker.as_ref().unwrap().text, "La Turquie");
        assert_eq!(threatened.actor.as_deref(), Some("TUR"));
        assert_eq!(threatened.cue.as_ref().unwrap().text, "a menacé");
        // The speech act itself, and what the text asserts, stay unsourced.
        assert_eq!(events[0].attribution.kind, AttributionKind::None);
        assert_eq!(events[2].attribution.kind, AttributionKind::None);
        // Without a speaker, nothing is sourced.
        let mut unsourced = vec![
            event_at(
                EventType::Threaten,
                "a menacé",
                11,
                None,
                Modality::Asserted,
            ),
            event_at(EventType::Coerce, "fermer", 23, None, Modality::Threatened),
        ];
        sourced_by_speech_acts(&doc, &prepared, &mut unsourced);
        assert_eq!(unsourced[1].attribution.kind, AttributionKind::None);
    }

    #[test]
    fn a_speech_act_by_unidentified_people_sources_its_claims_anonymously() {
        // "Residents accused the army of shelling the market."
        let text = "Residents accused the army of shelling the market.";
        let mut events = vec![
            event_at(
                EventType::Accuse,
                "accused",
                10,
                Some("Residents"),
                Modality::Asserted,
            ),
            event_at(EventType::Assault, "shelling", 30, None, Modality::Claimed),
        ];
        let doc = Document::new("t", text);
        sourced_by_speech_acts(&doc, &PreparedText::new(text), &mut events);
        let claimed = &events[1].attribution;
        assert_eq!(claimed.kind, AttributionKind::Anonymous);
        assert_eq!(claimed.speaker.as_ref().unwrap().text, "Residents");
    }

    #[test]
    fn a_read_trigger_of_function_words_or_verbs_of_state_is_no_event() {
        assert!(signals_no_act("se"));
        assert!(signals_no_act("ont été"));
        assert!(signals_no_act("s'"));
        assert!(signals_no_act("se trouvaient"));
        assert!(signals_no_act("remained"));
        assert!(!signals_no_act("s'explique"));
        assert!(!signals_no_act("enlèvement"));
        assert!(!signals_no_act("has withdrawn"));
        assert!(!signals_no_act("trouvé la mort"));
        assert!(!signals_no_act("trouvé"));
        // A head reads the auxiliary "ont" as an ASSAULT, and "enlevé" as an abduction.
        let text = "Les Américains ont du mal, et des hommes armés ont enlevé trois soldats.";
        let mut doc = Document::new("t", text);
        doc.language = Some(vigie_core::Language::Fr);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        let prepared = PreparedText::new(&doc.text);
        let read = |word: &str, after: usize, mode: Option<&str>| {
            let start = text[..text[after..].find(word).unwrap() + after]
                .chars()
                .count();
            ReadTrigger {
                trigger: Trigger {
                    span: Span::new(start, start + word.chars().count()),
                    event_type: EventType::Assault,
                    mode: mode.map(str::to_owned),
                },
                acled: None,
                actor: None,
                recipient: None,
                modality: Modality::Asserted,
            }
        };
        let triggers = [read("ont", 0, None), read("enlevé", 0, Some("abduct"))];
        analyze(
            &mut doc,
            &prepared,
            TriggerSources::embedded(),
            Some(&triggers),
        );
        let found: Vec<(&str, Option<&str>)> = doc
            .events
            .iter()
            .map(|e| (e.trigger.text.as_str(), e.mode.as_deref()))
            .collect();
        assert_eq!(found, [("enlevé", Some("abduct"))]);
    }

    #[test]
    fn a_spelled_out_intention_outranks_a_head_reading_the_event_as_done() {
        use Modality::*;
        assert_eq!(read_modality(Claimed, Planned), Planned);
        assert_eq!(read_modality(Asserted, Planned), Planned);
        // Only intentions: other cues, and other readings of the head, stand.
        assert_eq!(read_modality(Claimed, Denied), Claimed);
        assert_eq!(read_modality(Threatened, Planned), Threatened);
        assert_eq!(read_modality(Asserted, Claimed), Asserted);
    }

    #[test]
    fn a_read_modality_decides_whether_and_where_an_event_is_attributed() {
        // Sentence 0 holds the event; the speaker's cue is in sentence 1.
        let mut doc = Document::new("t", "Troops shelled the town. The ministry said so.");
        doc.sentences = vec![Span::new(0, 24), Span::new(25, 46)];
        let said = Attribution {
            kind: AttributionKind::Named,
            speaker: Some(TextSpan {
                text: "The ministry".into(),
                span: Span::new(25, 37),
            }),
            role: None,
            actor: None,
            cue: Some(TextSpan {
                text: "said".into(),
                span: Span::new(38, 42),
            }),
            content: None,
        };
        doc.attributions = vec![said.clone()];
        let in_sentence = Attribution::none();
        assert_eq!(
            attribution_for_modality(&doc, 0, in_sentence.clone(), Modality::Claimed),
            said
        );
        assert_eq!(
            attribution_for_modality(&doc, 0, said.clone(), Modality::Asserted),
            Attribution::none()
        );
        // A plan may have no source: none is looked for.
        assert_eq!(
            attribution_for_modality(&doc, 0, in_sentence, Modality::Planned),
            Attribution::none()
        );
    }
}
