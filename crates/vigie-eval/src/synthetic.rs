//! Synthetic analysed documents for load benchmarks: many events spread over real
//! places, actors, types, dates and sources, generated deterministically (no gold data
//! needed). Their text is filler; only the annotations matter.

use vigie_core::{
    Attribution, DatePrecision, Document, Event, EventDate, EventType, Language, Modality,
    Participant, Place, PlaceKind, Span, TextSpan,
};
use vigie_geo::Gazetteer;

use crate::random::Random;

/// Places events are spread over (looked up in the embedded gazetteer).
const PLACES: [&str; 24] = [
    "Baghdad",
    "Mosul",
    "Ramadi",
    "Kirkuk",
    "Damascus",
    "Aleppo",
    "Deir ez-Zor",
    "Raqqa",
    "Kidal",
    "Gao",
    "Timbuktu",
    "Bamako",
    "Niamey",
    "Ouagadougou",
    "Khartoum",
    "El Fasher",
    "Kyiv",
    "Kharkiv",
    "Odesa",
    "Gaza",
    "Beirut",
    "Sanaa",
    "Aden",
    "Tripoli",
];

/// Actor codes of the embedded actor dictionary.
const ACTORS: [&str; 12] = [
    "ISIS", "PMF", "SDF", "USAMIL", "IRQMIL", "SYRMIL", "RSF", "SAF", "JNIM", "HTS", "RUSMIL",
    "UKRMIL",
];

/// `count` documents of `events_per_document` events each.
pub fn documents(count: usize, events_per_document: usize) -> Vec<Document> {
    let gazetteer = Gazetteer::embedded();
    let places: Vec<Place> = PLACES
        .iter()
        .filter_map(|name| {
            let entry = gazetteer.lookup(&vigie_geo::name_key(name)).next()?;
            Some(entry.place(name, Span::new(0, 1), PlaceKind::Toponym, 1.0))
        })
        .collect();
    let mut random = Random(42);
    (0..count)
        .map(|d| {
            // Every document's text differs, or the store would take them for copies.
            let sentence = format!("Synthetic evidence sentence {d:08} for a load benchmark. ");
            let sentence_len = sentence.chars().count();
            let text = sentence.repeat(events_per_document);
            let mut doc = Document::new(format!("synthetic-{d}"), text);
            doc.language = Some(Language::En);
            doc.source = Some(format!("Outlet {}", random.next(50)));
            let day = random.next(365);
            doc.published = Some(date_of(day));
            doc.events = (0..events_per_document)
                .map(|e| {
                    let evidence = Span::new(e * sentence_len, (e + 1) * sentence_len);
                    let participant = |code: &str| Participant {
                        text: code.to_owned(),
                        span: Span::new(evidence.start, evidence.start + 9),
                        code: Some(code.to_owned()),
                        country: None,
                    };
                    let place = places[random.next(places.len())].clone();
                    Event {
                        event_type: EventType::ALL[random.next(EventType::ALL.len())],
                        mode: None,
                        trigger: TextSpan {
                            text: "Synthetic".into(),
                            span: Span::new(evidence.start, evidence.start + 9),
                        },
                        actor: Some(participant(ACTORS[random.next(ACTORS.len())])),
                        recipient: Some(participant(ACTORS[random.next(ACTORS.len())])),
                        place: Some(place),
                        date: Some(EventDate {
                            value: Some(date_of((day + 365 - random.next(3)) % 365)),
                            precision: DatePrecision::Day,
                            text: "Synthetic".into(),
                            span: Span::new(evidence.start, evidence.start + 9),
                        }),
                        attribution: Attribution::none(),
                        modality: Modality::Asserted,
                        evidence,
                        confidence: 0.5,
                        acled: None,
                        fatalities: None,
                    }
                })
                .collect();
            doc
        })
        .collect()
}

/// The date `day` days after 2025-01-01.
fn date_of(day: usize) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    (start + chrono::Days::new(day as u64)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_deterministic_placed_and_dated_events() {
        let a = documents(3, 4);
        let b = documents(3, 4);
        assert_eq!(a, b);
        assert_eq!(a.iter().map(|d| d.events.len()).sum::<usize>(), 12);
        let event = &a[0].events[1];
        assert!(event.place.is_some() && event.date.as_ref().unwrap().value.is_some());
        let evidence: String = a[0]
            .text
            .chars()
            .skip(event.evidence.start)
            .take(event.evidence.len())
            .collect();
        assert!(evidence.starts_with("Synthetic evidence"));
    }
}
