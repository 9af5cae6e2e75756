//! The readable summary of an analysed document.

use std::io::Write;

use vigie_core::{Document, Event};

fn describe(event: &Event) -> String {
    let who = event.actor.as_ref().map_or("?", |a| a.text.as_str());
    let whom = event
        .recipient
        .as_ref()
        .map(|r| format!(" → {}", r.text))
        .unwrap_or_default();
    let place = event
        .place
        .as_ref()
        .map(|p| {
            format!(
                " @ {} [{} {}, {:.2},{:.2}]",
                p.text, p.country_code, p.feature_code, p.lat, p.lon
            )
        })
        .unwrap_or_default();
    let date = event
        .date
        .as_ref()
        .map(|d| {
            format!(
                " on {} (“{}”)",
                d.value.as_deref().unwrap_or("unresolved"),
                d.text
            )
        })
        .unwrap_or_default();
    let source = match &event.attribution.speaker {
        Some(speaker) => format!(" — {:?} source: {}", event.attribution.kind, speaker.text),
        None => String::new(),
    };
    let mode = event
        .mode
        .as_deref()
        .map(|m| format!("/{m}"))
        .unwrap_or_default();
    format!(
        "{}{mode} “{}”: {who}{whom}{place}{date} [{:?}{source}]",
        event.event_type.name(),
        event.trigger.text,
        event.modality
    )
}

/// Writes a few lines per document: metadata, places, actors, events, signals.
pub fn print_summary(out: &mut impl Write, doc: &Document) -> std::io::Result<()> {
    writeln!(out, "━━ {} ━━", doc.title.as_deref().unwrap_or(&doc.id))?;
    writeln!(
        out,
        "id {} · language {} · published {} · source {}",
        doc.id,
        doc.language.map_or("?", |l| l.code()),
        doc.published.as_deref().unwrap_or("?"),
        doc.source.as_deref().unwrap_or("?")
    )?;
    let mut places: Vec<String> = Vec::new();
    for p in &doc.places {
        let line = format!(
            "{} → {} ({}, {}) {:.3},{:.3}",
            p.text, p.name, p.feature_code, p.country_code, p.lat, p.lon
        );
        if !places.contains(&line) {
            places.push(line);
        }
    }
    writeln!(out, "places ({}):", places.len())?;
    for line in &places {
        writeln!(out, "  {line}")?;
    }
    let mut actors: Vec<String> = Vec::new();
    for e in &doc.entities {
        let role = e
            .role
            .as_ref()
            .map(|r| format!(", {}", r.text))
            .unwrap_or_default();
        let line = format!(
            "{} [{:?}{}]{role}",
            e.text,
            e.kind,
            e.actor
                .as_deref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default()
        );
        if !actors.contains(&line) {
            actors.push(line);
        }
    }
    writeln!(
        out,
        "actors and people ({}): {}",
        actors.len(),
        actors.join("; ")
    )?;
    writeln!(out, "attributions ({}):", doc.attributions.len())?;
    for a in &doc.attributions {
        let cue = a.cue.as_ref().map_or("", |c| c.text.as_str());
        let speaker = a.speaker.as_ref().map_or("", |s| s.text.as_str());
        let role = a
            .role
            .as_ref()
            .map(|r| format!(" ({})", r.text))
            .unwrap_or_default();
        writeln!(out, "  {:?}: “{cue}” {speaker}{role}", a.kind)?;
    }
    writeln!(out, "events ({}):", doc.events.len())?;
    for event in &doc.events {
        writeln!(out, "  {}", describe(event))?;
    }
    writeln!(out, "signals ({}):", doc.signals.len())?;
    for s in &doc.signals {
        writeln!(out, "  {:?}: {}", s.kind, s.detail)?;
    }
    if !doc.captions.is_empty() {
        writeln!(out, "captions kept apart: {}", doc.captions.len())?;
    }
    writeln!(out)
}
