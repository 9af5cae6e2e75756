//! The document type and its annotations.

use serde::{Deserialize, Serialize};

use crate::span::{Span, TextSpan};

/// One article and everything the pipeline found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Schema version, always [`crate::SCHEMA_VERSION`].
    pub schema: String,
    /// Stable identifier (given by the input, or derived from its content).
    pub id: String,
    /// Where the article was published, when known.
    pub url: Option<String>,
    /// Name of the outlet, when known.
    pub source: Option<String>,
    /// Publication date as `YYYY-MM-DD`, when known: relative dates resolve against it.
    pub published: Option<String>,
    /// Language of the body, when identified.
    pub language: Option<Language>,
    /// Headline, kept apart from the body.
    pub title: Option<String>,
    /// The clean body text; every span in the document points into it.
    pub text: String,
    /// Photo captions, kept apart from the body.
    #[serde(default)]
    pub captions: Vec<Caption>,
    /// Page furniture removed from the body: site labels, share buttons, source lines.
    #[serde(default)]
    pub furniture: Vec<Furniture>,
    /// Sentence boundaries.
    #[serde(default)]
    pub sentences: Vec<Span>,
    /// Named entities and actors.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Toponyms resolved to gazetteer entries.
    #[serde(default)]
    pub places: Vec<Place>,
    /// Reported speech and sourcing: who says what.
    #[serde(default)]
    pub attributions: Vec<Attribution>,
    /// Coded events.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Trust signals.
    #[serde(default)]
    pub signals: Vec<Signal>,
}

impl Document {
    /// A new document with the given id and body text and no annotations.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            schema: crate::SCHEMA_VERSION.to_owned(),
            id: id.into(),
            url: None,
            source: None,
            published: None,
            language: None,
            title: None,
            text: text.into(),
            captions: Vec::new(),
            furniture: Vec::new(),
            sentences: Vec::new(),
            entities: Vec::new(),
            places: Vec::new(),
            attributions: Vec::new(),
            events: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// The sentence containing code point `offset`, if any.
    pub fn sentence_at(&self, offset: usize) -> Option<Span> {
        self.sentences
            .iter()
            .copied()
            .find(|s| s.start <= offset && offset < s.end)
    }
}

/// Languages Vigie analyses natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// French.
    Fr,
    /// English.
    En,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// The language of an ISO 639-1 code ("fr", "en"), if Vigie analyses it.
    pub fn from_code(code: &str) -> Option<Self> {
        [Language::Fr, Language::En]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

/// A photo caption found with the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caption {
    /// Caption text, credit included.
    pub text: String,
    /// Photo credit, when one was recognised (e.g. `AFP`).
    pub credit: Option<String>,
    /// Actors named in the caption; their spans are offsets into the caption's `text`.
    #[serde(default)]
    pub entities: Vec<Entity>,
}

/// What kind of page furniture a removed line was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FurnitureKind {
    /// A site or section label before the headline.
    SiteLabel,
    /// Share, print or follow buttons.
    Share,
    /// A line naming the source of the article (`SOURCE: …`).
    SourceLine,
    /// Author line.
    Byline,
    /// When the page was published or updated ("Published 11:34 PM EST Nov 19, 2019").
    Timestamp,
}

/// A line of page furniture removed from the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Furniture {
    /// What it is.
    pub kind: FurnitureKind,
    /// Its text.
    pub text: String,
}

/// Kinds of named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityKind {
    /// A person.
    Per,
    /// A state or its government, named as an actor.
    State,
    /// An organisation (government body, company, NGO, party).
    Org,
    /// An armed group, militia or rebel movement.
    Group,
    /// A media outlet or news agency.
    Media,
    /// An international organisation.
    Igo,
    /// A location named as such (see `places` for resolved toponyms).
    Loc,
    /// Any other name.
    Misc,
}

/// A named entity or actor mention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Surface text.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// What it is.
    pub kind: EntityKind,
    /// Actor code from the actor dictionary, when linked.
    pub actor: Option<String>,
    /// ISO 3166-1 alpha-2 country of the actor, when known.
    pub country: Option<String>,
    /// Role or title attached to a person ("commandant adjoint de l'opération").
    pub role: Option<TextSpan>,
    /// True when the surface form is a pejorative or loaded name for the actor.
    #[serde(default)]
    pub loaded: bool,
    /// For a pronoun ("ils", "they"), the span of the mention it refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antecedent: Option<Span>,
}

/// A toponym resolved to a gazetteer entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Surface text.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// GeoNames id (ids ≥ 900000000 are Vigie's own supplement).
    pub geonameid: u64,
    /// Gazetteer name.
    pub name: String,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// GeoNames feature code (PCLI, ADM1, PPL, …).
    pub feature_code: String,
    /// Name of the first-level division containing the place, when known.
    pub admin1: Option<String>,
    /// Resolution confidence in `[0, 1]`.
    pub confidence: f32,
    /// A place name, or a demonym pointing to its place ("irakienne", "Iraqi").
    #[serde(default)]
    pub kind: PlaceKind,
}

impl Place {
    /// How broad the place is: 3 a country, 2 a first-level division, 1 a lower division,
    /// 0 a town, site or feature.
    pub fn breadth(&self) -> u8 {
        feature_breadth(&self.feature_code)
    }
}

/// How broad a GeoNames feature is (see [`Place::breadth`]).
pub fn feature_breadth(feature_code: &str) -> u8 {
    match feature_code {
        code if code.starts_with("PCL") => 3,
        "ADM1" => 2,
        "ADM2" | "ADM3" | "ADM4" | "ADM5" => 1,
        _ => 0,
    }
}

/// How a place is named in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    /// A toponym ("Irak", "Baghdad").
    #[default]
    Toponym,
    /// A demonym or adjective of a place ("irakienne", "Iraqi").
    Demonym,
}

/// Who a claim is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionKind {
    /// A named person or organisation.
    Named,
    /// An unnamed source ("selon des informations", "a military source").
    Anonymous,
    /// A news outlet only ("selon Al-Mayadeen").
    Outlet,
    /// No attribution: the text asserts it.
    None,
}

/// A sourcing statement: a cue, its speaker, and the content attributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// Strength of the sourcing.
    pub kind: AttributionKind,
    /// The speaker as written.
    pub speaker: Option<TextSpan>,
    /// The speaker's role or title as written.
    pub role: Option<TextSpan>,
    /// Actor code of the speaker, when linked.
    pub actor: Option<String>,
    /// The reporting cue ("a dit", "selon", "said").
    pub cue: Option<TextSpan>,
    /// What is attributed (a quotation or reported clause).
    pub content: Option<Span>,
}

impl Attribution {
    /// The attribution of a bare assertion.
    pub fn none() -> Self {
        Self {
            kind: AttributionKind::None,
            speaker: None,
            role: None,
            actor: None,
            cue: None,
            content: None,
        }
    }
}

/// PLOVER event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum EventType {
    Agree,
    Consult,
    Support,
    Concede,
    Cooperate,
    Aid,
    Retreat,
    Request,
    Accuse,
    Reject,
    Threaten,
    Protest,
    Sanction,
    Mobilize,
    Coerce,
    Assault,
}

impl EventType {
    /// Every type, in PLOVER order.
    pub const ALL: [EventType; 16] = [
        EventType::Agree,
        EventType::Consult,
        EventType::Support,
        EventType::Concede,
        EventType::Cooperate,
        EventType::Aid,
        EventType::Retreat,
        EventType::Request,
        EventType::Accuse,
        EventType::Reject,
        EventType::Threaten,
        EventType::Protest,
        EventType::Sanction,
        EventType::Mobilize,
        EventType::Coerce,
        EventType::Assault,
    ];

    /// The PLOVER name (`ASSAULT`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::Agree => "AGREE",
            EventType::Consult => "CONSULT",
            EventType::Support => "SUPPORT",
            EventType::Concede => "CONCEDE",
            EventType::Cooperate => "COOPERATE",
            EventType::Aid => "AID",
            EventType::Retreat => "RETREAT",
            EventType::Request => "REQUEST",
            EventType::Accuse => "ACCUSE",
            EventType::Reject => "REJECT",
            EventType::Threaten => "THREATEN",
            EventType::Protest => "PROTEST",
            EventType::Sanction => "SANCTION",
            EventType::Mobilize => "MOBILIZE",
            EventType::Coerce => "COERCE",
            EventType::Assault => "ASSAULT",
        }
    }

    /// Parses a PLOVER name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The PLOVER modes of this type (the codebook's; types without modes have none).
    pub fn modes(self) -> &'static [&'static str] {
        match self {
            EventType::Consult => &["visit", "third-party", "multilateral", "phone"],
            EventType::Retreat => &[
                "withdraw",
                "release",
                "return",
                "disarm",
                "ceasefire",
                "access",
                "resign",
            ],
            EventType::Request | EventType::Reject => &["assist", "change", "yield", "meet"],
            EventType::Accuse => &["disapprove", "investigate", "allege"],
            EventType::Threaten => &[
                "restrict",
                "ban",
                "arrest",
                "relations",
                "rights",
                "expel",
                "territory",
                "violence",
            ],
            EventType::Protest => &["demo", "riot", "strike", "hunger", "boycott", "obstruct"],
            EventType::Sanction => &["convict", "expel", "withdraw", "discontinue"],
            EventType::Mobilize => &["troops", "weapons", "police", "militia"],
            EventType::Coerce => &[
                "seize",
                "restrict",
                "ban",
                "censor",
                "curfew",
                "arrest",
                "deport",
                "withhold",
                "misinformation",
                "cyber",
            ],
            EventType::Assault => &[
                "abduct",
                "beat",
                "torture",
                "execute",
                "sexual",
                "assassinate",
                "destroy",
                "primitive",
                "firearms",
                "explosives",
                "suicide-attack",
                "aerial",
                "drone",
                "heavy-weapons",
                "crowd-control",
                "cleansing",
                "massacre",
                "unconventional",
            ],
            EventType::Agree
            | EventType::Support
            | EventType::Concede
            | EventType::Cooperate
            | EventType::Aid => &[],
        }
    }
}

/// Whether an event happened according to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Stated as fact by the text.
    Asserted,
    /// Stated by a source the text reports.
    Claimed,
    /// Intended or scheduled, not yet happened.
    Planned,
    /// Threatened.
    Threatened,
    /// Said not to have happened.
    Denied,
    /// Conditional or speculative.
    Hypothetical,
}

impl Modality {
    /// Every modality.
    pub const ALL: [Modality; 6] = [
        Modality::Asserted,
        Modality::Claimed,
        Modality::Planned,
        Modality::Threatened,
        Modality::Denied,
        Modality::Hypothetical,
    ];

    /// The name used in documents (`claimed`).
    pub fn name(self) -> &'static str {
        match self {
            Modality::Asserted => "asserted",
            Modality::Claimed => "claimed",
            Modality::Planned => "planned",
            Modality::Threatened => "threatened",
            Modality::Denied => "denied",
            Modality::Hypothetical => "hypothetical",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A participant of an event (actor or recipient).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Surface text.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// Actor code, when linked.
    pub code: Option<String>,
    /// ISO 3166-1 alpha-2 country, when known.
    pub country: Option<String>,
}

/// How precisely an event date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    /// A calendar day.
    Day,
    /// A week (the value is its first day).
    Week,
    /// A month (the value is `YYYY-MM`).
    Month,
    /// A year (the value is `YYYY`).
    Year,
}

/// When an event happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDate {
    /// Resolved value (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`), or null when the expression
    /// has no anchor (relative date without a publication date).
    pub value: Option<String>,
    /// Precision of the value.
    pub precision: DatePrecision,
    /// The expression it came from.
    pub text: String,
    /// Where the expression is.
    pub span: Span,
}

/// Declares an enum of ACLED codebook names that serialises as the codebook's text.
macro_rules! codebook_names {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every value, in codebook order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name the ACLED codebook uses.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.name()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(name: String) -> Result<Self, Self::Error> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.name() == name)
                    .ok_or_else(|| format!("unknown ACLED name: {name}"))
            }
        }
    };
}

codebook_names! {
    /// ACLED event types (the categories of the ACLED codebook).
    AcledEventType {
        /// Armed, organised groups fighting each other.
        Battles => "Battles",
        /// One-sided violence at a distance: air strikes, shelling, bombs.
        ExplosionsRemoteViolence => "Explosions/Remote violence",
        /// Organised violence against unarmed people.
        ViolenceAgainstCivilians => "Violence against civilians",
        /// Non-violent demonstrations.
        Protests => "Protests",
        /// Violent demonstrations and mobs.
        Riots => "Riots",
        /// Non-violent acts that change the course of a conflict.
        StrategicDevelopments => "Strategic developments",
    }
}

codebook_names! {
    /// ACLED sub-event types (all 25 of the codebook), each belonging to one
    /// [`AcledEventType`] (see [`AcledSubEventType::event_type`]).
    #[allow(missing_docs)]
    AcledSubEventType {
        ArmedClash => "Armed clash",
        GovernmentRegainsTerritory => "Government regains territory",
        NonStateActorOvertakesTerritory => "Non-state actor overtakes territory",
        ChemicalWeapon => "Chemical weapon",
        AirDroneStrike => "Air/drone strike",
        SuicideBomb => "Suicide bomb",
        ShellingArtilleryMissileAttack => "Shelling/artillery/missile attack",
        RemoteExplosive => "Remote explosive/landmine/IED",
        Grenade => "Grenade",
        SexualViolence => "Sexual violence",
        Attack => "Attack",
        AbductionForcedDisappearance => "Abduction/forced disappearance",
        PeacefulProtest => "Peaceful protest",
        ProtestWithIntervention => "Protest with intervention",
        ExcessiveForceAgainstProtesters => "Excessive force against protesters",
        ViolentDemonstration => "Violent demonstration",
        MobViolence => "Mob violence",
        Agreement => "Agreement",
        Arrests => "Arrests",
        ChangeToGroupActivity => "Change to group/activity",
        DisruptedWeaponsUse => "Disrupted weapons use",
        HeadquartersOrBaseEstablished => "Headquarters or base established",
        LootingPropertyDestruction => "Looting/property destruction",
        NonViolentTransferOfTerritory => "Non-violent transfer of territory",
        Other => "Other",
    }
}

impl AcledSubEventType {
    /// The event type this sub-event type belongs to.
    pub fn event_type(self) -> AcledEventType {
        use AcledEventType as T;
        use AcledSubEventType as S;
        match self {
            S::ArmedClash | S::GovernmentRegainsTerritory | S::NonStateActorOvertakesTerritory => {
                T::Battles
            }
            S::ChemicalWeapon
            | S::AirDroneStrike
            | S::SuicideBomb
            | S::ShellingArtilleryMissileAttack
            | S::RemoteExplosive
            | S::Grenade => T::ExplosionsRemoteViolence,
            S::SexualViolence | S::Attack | S::AbductionForcedDisappearance => {
                T::ViolenceAgainstCivilians
            }
            S::PeacefulProtest
            | S::ProtestWithIntervention
            | S::ExcessiveForceAgainstProtesters => T::Protests,
            S::ViolentDemonstration | S::MobViolence => T::Riots,
            S::Agreement
            | S::Arrests
            | S::ChangeToGroupActivity
            | S::DisruptedWeaponsUse
            | S::HeadquartersOrBaseEstablished
            | S::LootingPropertyDestruction
            | S::NonViolentTransferOfTerritory
            | S::Other => T::StrategicDevelopments,
        }
    }

    /// The category (event type and this sub-event type).
    pub fn category(self) -> AcledCategory {
        AcledCategory {
            event_type: self.event_type(),
            sub_event_type: self,
        }
    }
}

/// Where an event sits in the ACLED codebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AcledCategory {
    /// ACLED event type.
    pub event_type: AcledEventType,
    /// ACLED sub-event type.
    pub sub_event_type: AcledSubEventType,
}

/// One coded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// PLOVER type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// PLOVER mode (e.g. `firearms`, `troops`), when determined.
    pub mode: Option<String>,
    /// The word or phrase that signals the event.
    pub trigger: TextSpan,
    /// Who acts.
    pub actor: Option<Participant>,
    /// Who is acted upon.
    pub recipient: Option<Participant>,
    /// Where it happened.
    pub place: Option<Place>,
    /// When it happened.
    pub date: Option<EventDate>,
    /// According to whom.
    pub attribution: Attribution,
    /// Whether it happened.
    pub modality: Modality,
    /// The sentence that is the evidence.
    pub evidence: Span,
    /// Coder confidence in `[0, 1]`.
    pub confidence: f32,
    /// The ACLED event and sub-event type, for events ACLED would record (violent and
    /// strategic events that happened, not statements, plans or threats).
    #[serde(default)]
    pub acled: Option<AcledCategory>,
    /// Deaths the evidence sentence states, for violent events.
    #[serde(default)]
    pub fatalities: Option<u32>,
}

/// Kinds of trust signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// The outlet's profile (owner, country, typology).
    SourceProfile,
    /// Shares of claims by attribution strength.
    AttributionProfile,
    /// An event claim with no source.
    UnattributedClaim,
    /// Loaded or emotionally charged wording, pejorative labels.
    LoadedLanguage,
    /// A photo caption unrelated to the body.
    CaptionMismatch,
    /// Persuasion techniques a model finds in a paragraph (SemEval-2023 Task 3 labels).
    Persuasion,
}

/// A signal a careful reader would note when weighing the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// What is noted.
    pub kind: SignalKind,
    /// Where, when it has a place in the text.
    pub span: Option<Span>,
    /// Human-readable detail.
    pub detail: String,
    /// Strength in `[0, 1]`.
    pub score: f32,
}
