//! How the document's event claims are sourced: shares of named, outlet, anonymous and
//! unattributed claims, and each unattributed assertion.

use vigie_core::{AttributionKind, Document, Modality, Signal, SignalKind};

/// The attribution profile of the document and one signal per unattributed assertion.
pub fn signals(doc: &Document) -> Vec<Signal> {
    if doc.events.is_empty() {
        return Vec::new();
    }
    let count = |kind: AttributionKind| {
        doc.events
            .iter()
            .filter(|e| e.attribution.kind == kind)
            .count()
    };
    let (named, outlet, anonymous, none) = (
        count(AttributionKind::Named),
        count(AttributionKind::Outlet),
        count(AttributionKind::Anonymous),
        count(AttributionKind::None),
    );
    let total = doc.events.len();
    let weak = (anonymous + none) as f32 / total as f32;
    let mut signals = vec![Signal {
        kind: SignalKind::AttributionProfile,
        span: None,
        detail: format!(
            "{total} event claims: {named} from named sources, {outlet} from outlets, {anonymous} from anonymous sources, {none} unattributed"
        ),
        score: weak,
    }];
    signals.extend(
        doc.events
            .iter()
            .filter(|e| {
                e.attribution.kind == AttributionKind::None && e.modality == Modality::Asserted
            })
            .map(|e| Signal {
                kind: SignalKind::UnattributedClaim,
                span: Some(e.evidence),
                detail: format!(
                    "{} event asserted without a source (trigger “{}”)",
                    e.event_type.name(),
                    e.trigger.text
                ),
                score: 0.5,
            }),
    );
    signals
}
