//! Maps a coded PLOVER event onto the ACLED codebook's event and sub-event types.
//!
//! ACLED records political violence, demonstrations and strategic developments that
//! happened; it does not record statements, plans, threats or denials. So only events that
//! are asserted or claimed, of a type ACLED covers, get a category:
//!
//! | PLOVER (mode) | ACLED |
//! |---|---|
//! | ASSAULT aerial | Explosions/Remote violence · Air/drone strike |
//! | ASSAULT heavy-weapons | Explosions/Remote violence · Shelling/artillery/missile attack |
//! | ASSAULT explosives | Explosions/Remote violence · Remote explosive/landmine/IED |
//! | ASSAULT suicide-attack | Explosions/Remote violence · Suicide bomb |
//! | ASSAULT abduct | Violence against civilians · Abduction/forced disappearance |
//! | ASSAULT sexual | Violence against civilians · Sexual violence |
//! | ASSAULT on civilians, massacre, torture, beating, cleansing | Violence against civilians · Attack |
//! | other ASSAULT | Battles · Armed clash |
//! | PROTEST riot | Riots · Violent demonstration |
//! | PROTEST demo, boycott, hunger strike, obstruction | Protests · Peaceful protest |
//! | COERCE arrest | Strategic developments · Arrests |
//! | COERCE seize | Strategic developments · Looting/property destruction |
//! | AGREE | Strategic developments · Agreement |
//! | MOBILIZE | Strategic developments · Change to group/activity |
//! | RETREAT withdraw | Strategic developments · Non-violent transfer of territory |
//! | other COERCE and RETREAT | Strategic developments · Other |

use vigie_core::{
    AcledCategory, AcledEventType as Type, AcledSubEventType as Sub, Event, EventType, Modality,
};

/// Actor code of the generic civilians actor in the actor dictionary.
const CIVILIANS: &str = "CIVILIANS";

/// The ACLED category of `event`, or `None` when ACLED would not record it.
pub fn category(event: &Event) -> Option<AcledCategory> {
    if !matches!(event.modality, Modality::Asserted | Modality::Claimed) {
        return None;
    }
    let mode = event.mode.as_deref().unwrap_or("");
    let (event_type, sub_event_type) = match event.event_type {
        EventType::Assault => assault(mode, against_civilians(event)),
        EventType::Protest => match mode {
            "riot" => (Type::Riots, Sub::ViolentDemonstration),
            "demo" | "boycott" | "hunger" | "obstruct" => (Type::Protests, Sub::PeacefulProtest),
            _ => return None,
        },
        EventType::Coerce => match mode {
            "arrest" => (Type::StrategicDevelopments, Sub::Arrests),
            "seize" => (Type::StrategicDevelopments, Sub::LootingPropertyDestruction),
            _ => (Type::StrategicDevelopments, Sub::Other),
        },
        EventType::Agree => (Type::StrategicDevelopments, Sub::Agreement),
        EventType::Mobilize => (Type::StrategicDevelopments, Sub::ChangeToGroupActivity),
        EventType::Retreat => match mode {
            "withdraw" => (
                Type::StrategicDevelopments,
                Sub::NonViolentTransferOfTerritory,
            ),
            _ => (Type::StrategicDevelopments, Sub::Other),
        },
        _ => return None,
    };
    Some(AcledCategory {
        event_type,
        sub_event_type,
    })
}

/// ACLED's split of PLOVER ASSAULT by how the violence was done and against whom.
fn assault(mode: &str, against_civilians: bool) -> (Type, Sub) {
    match mode {
        "aerial" => (Type::ExplosionsRemoteViolence, Sub::AirDroneStrike),
        "heavy-weapons" => (
            Type::ExplosionsRemoteViolence,
            Sub::ShellingArtilleryMissileAttack,
        ),
        "explosives" => (Type::ExplosionsRemoteViolence, Sub::RemoteExplosive),
        "suicide-attack" => (Type::ExplosionsRemoteViolence, Sub::SuicideBomb),
        "abduct" => (
            Type::ViolenceAgainstCivilians,
            Sub::AbductionForcedDisappearance,
        ),
        "sexual" => (Type::ViolenceAgainstCivilians, Sub::SexualViolence),
        "massacre" | "torture" | "beat" | "cleansing" => {
            (Type::ViolenceAgainstCivilians, Sub::Attack)
        }
        _ if against_civilians => (Type::ViolenceAgainstCivilians, Sub::Attack),
        _ => (Type::Battles, Sub::ArmedClash),
    }
}

/// True when the event's recipient is the civilian population.
fn against_civilians(event: &Event) -> bool {
    event
        .recipient
        .as_ref()
        .and_then(|r| r.code.as_deref())
        .is_some_and(|code| code == CIVILIANS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::{Attribution, Participant, Span, TextSpan};

    fn event(event_type: EventType, mode: Option<&str>, modality: Modality) -> Event {
        Event {
            event_type,
            mode: mode.map(str::to_owned),
            trigger: TextSpan {
                text: "x".into(),
                span: Span::new(0, 1),
            },
            actor: None,
            recipient: None,
            place: None,
            date: None,
            attribution: Attribution::none(),
            modality,
            evidence: Span::new(0, 1),
            confidence: 0.5,
            acled: None,
            fatalities: None,
        }
    }

    fn names(event: &Event) -> Option<(&'static str, &'static str)> {
        category(event).map(|c| (c.event_type.name(), c.sub_event_type.name()))
    }

    #[test]
    fn splits_assaults_by_mode() {
        let abduction = event(EventType::Assault, Some("abduct"), Modality::Claimed);
        assert_eq!(
            names(&abduction),
            Some((
                "Violence against civilians",
                "Abduction/forced disappearance"
            ))
        );
        let air = event(EventType::Assault, Some("aerial"), Modality::Asserted);
        assert_eq!(
            names(&air),
            Some(("Explosions/Remote violence", "Air/drone strike"))
        );
        let clash = event(EventType::Assault, Some("firearms"), Modality::Asserted);
        assert_eq!(names(&clash), Some(("Battles", "Armed clash")));
    }

    #[test]
    fn shooting_at_civilians_is_violence_against_civilians() {
        let mut shooting = event(EventType::Assault, Some("firearms"), Modality::Asserted);
        shooting.recipient = Some(Participant {
            text: "civilians".into(),
            span: Span::new(0, 9),
            code: Some(CIVILIANS.into()),
            country: None,
        });
        assert_eq!(
            names(&shooting),
            Some(("Violence against civilians", "Attack"))
        );
    }

    #[test]
    fn plans_threats_and_statements_are_not_recorded() {
        assert_eq!(
            names(&event(EventType::Assault, None, Modality::Planned)),
            None
        );
        assert_eq!(
            names(&event(EventType::Protest, Some("demo"), Modality::Denied)),
            None
        );
        assert_eq!(
            names(&event(EventType::Accuse, None, Modality::Asserted)),
            None
        );
        assert_eq!(
            names(&event(EventType::Protest, Some("riot"), Modality::Asserted)),
            Some(("Riots", "Violent demonstration"))
        );
    }
}
