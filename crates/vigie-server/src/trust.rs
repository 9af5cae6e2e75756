//! What the article view shows beside the text to tell how far to trust an article: its
//! outlet's profile, how its event claims are sourced, each event it reports with who
//! says so and which other sources report the same event, its loaded language and
//! persuasion techniques, its photo captions (with whether they match the story), and
//! the articles that repeat it.

use serde_json::{Value, json};
use vigie_core::{AttributionKind, Document, SignalKind};
use vigie_signals::OutletRegistry;
use vigie_store::{ReportRow, Store, StoreError};

/// An outlet profile as the API gives it.
pub fn outlet_profile(outlet: &vigie_signals::Outlet) -> Value {
    json!({
        "id": outlet.id,
        "name": outlet.name,
        "owner": outlet.owner,
        "country": outlet.country,
        "typology": outlet.typology,
        "basis": outlet.basis,
    })
}

/// The registry's profile of a source key (an outlet name or a web host).
pub fn source_profile(key: &str) -> Option<Value> {
    let registry = OutletRegistry::embedded();
    registry
        .by_name(key)
        .or_else(|| registry.by_url(&format!("https://{key}/")))
        .map(outlet_profile)
}

/// The trust panel of the stored article `id`, whose reports are `own_reports`.
pub fn panel(
    store: &Store,
    id: i64,
    doc: &Document,
    own_reports: &[ReportRow],
) -> Result<Value, StoreError> {
    let outlet = vigie_signals::sources::profile(doc, OutletRegistry::embedded())
        .map(|(outlet, _)| outlet_profile(outlet));
    let others = store.corroborating_reports(id)?;
    let events: Vec<Value> = doc
        .events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let event_id = own_reports
                .iter()
                .find(|r| r.trigger_span[0] == event.trigger.span.start as i64)
                .map(|r| r.event_id);
            let corroboration: Vec<Value> = others
                .iter()
                .filter(|r| Some(r.event_id) == event_id)
                .map(other_report)
                .collect();
            json!({
                "index": index,
                "event_id": event_id,
                "type": event.event_type.name(),
                "mode": event.mode,
                "modality": event.modality.name(),
                "trigger": event.trigger,
                "evidence": event.evidence,
                "actor": event.actor.as_ref().map(|p| &p.text),
                "recipient": event.recipient.as_ref().map(|p| &p.text),
                "place": event.place.as_ref().map(|p| &p.name),
                "date": event.date.as_ref().and_then(|d| d.value.clone()),
                "attribution": {
                    "kind": event.attribution.kind,
                    "speaker": event.attribution.speaker.as_ref().map(|s| &s.text),
                },
                "corroboration": corroboration,
            })
        })
        .collect();
    let count = |kind: AttributionKind| {
        doc.events
            .iter()
            .filter(|e| e.attribution.kind == kind)
            .count()
    };
    let signals_of = |kinds: &[SignalKind]| -> Vec<Value> {
        doc.signals
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            .map(
                |s| json!({ "kind": s.kind, "span": s.span, "detail": s.detail, "score": s.score }),
            )
            .collect()
    };
    let captions: Vec<Value> = doc
        .captions
        .iter()
        .map(|caption| {
            let mismatch = doc.signals.iter().find(|s| {
                s.kind == SignalKind::CaptionMismatch && s.detail.contains(&caption.text)
            });
            json!({
                "text": caption.text,
                "credit": caption.credit,
                "mismatch": mismatch.is_some(),
                "detail": mismatch.map(|s| &s.detail),
            })
        })
        .collect();
    Ok(json!({
        "outlet": outlet,
        "attribution": {
            "events": doc.events.len(),
            "named": count(AttributionKind::Named),
            "outlet": count(AttributionKind::Outlet),
            "anonymous": count(AttributionKind::Anonymous),
            "none": count(AttributionKind::None),
        },
        "events": events,
        "unattributed": signals_of(&[SignalKind::UnattributedClaim]),
        "language": signals_of(&[SignalKind::LoadedLanguage, SignalKind::Persuasion]),
        "captions": captions,
        "near_duplicates": store.near_duplicates(id)?,
    }))
}

/// Another article's report of the same event, with its source's profile.
fn other_report(report: &ReportRow) -> Value {
    json!({
        "document_id": report.document_id,
        "report_id": report.id,
        "title": report.title,
        "source": report.source,
        "published": report.published,
        "modality": report.modality,
        "attribution": report.attribution,
        "speaker": report.speaker,
        "profile": source_profile(&report.source),
    })
}
