//! Signals stage: what a careful reader would note when weighing a report — the
//! outlet's profile, how claims are sourced, loaded language, and photo captions that
//! have nothing to do with the story. Vigie never says "true" or "false".

pub mod attribution_profile;
pub mod captions;
pub mod loaded;
pub mod persuasion;
pub mod sources;

pub use loaded::LoadedLexicon;
pub use sources::{Outlet, OutletRegistry};

use vigie_core::{Document, PreparedText};

/// The reference data the stage uses.
#[derive(Debug, Clone, Copy)]
pub struct SignalData<'a> {
    /// Outlet profiles.
    pub outlets: &'a OutletRegistry,
    /// Loaded-language lexicon.
    pub loaded: &'a LoadedLexicon,
    /// A persuasion-technique model, when one is given (none is embedded: see
    /// [`persuasion`]).
    pub persuasion: Option<&'a persuasion::PersuasionModel>,
}

impl SignalData<'static> {
    /// The data embedded in the binary.
    pub fn embedded() -> Self {
        Self {
            outlets: OutletRegistry::embedded(),
            loaded: LoadedLexicon::embedded(),
            persuasion: None,
        }
    }
}

/// Runs the stage: fills `doc.signals` (and `doc.source` when the outlet is recognised
/// and the input did not name it). Needs entities and events from earlier stages;
/// `prepared` is `doc.text` prepared.
pub fn analyze(doc: &mut Document, prepared: &PreparedText, data: SignalData<'_>) {
    let mut signals = Vec::new();
    if let Some((outlet, signal)) = sources::profile(doc, data.outlets) {
        if doc.source.is_none() {
            doc.source = Some(outlet.name.clone());
        }
        signals.push(signal);
    }
    signals.extend(attribution_profile::signals(doc));
    signals.extend(loaded::signals(doc, prepared, data.loaded));
    signals.extend(captions::signals(doc, prepared.folded.as_str()));
    if let Some(model) = data.persuasion {
        signals.extend(persuasion::signals(doc, model, data.loaded));
    }
    doc.signals = signals;
}
