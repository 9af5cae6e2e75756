//! Moving annotations along the text: what the pipeline does when it analyses a long
//! document window by window and puts each window's annotations back in place.

use crate::document::{
    Attribution, Document, Entity, Event, EventDate, Participant, Place, Signal,
};
use crate::span::{Span, TextSpan};

/// An annotation whose spans can be moved by a number of code points.
pub trait Shift {
    /// Adds `by` to every span offset.
    fn shift(&mut self, by: usize);
}

impl Shift for Span {
    fn shift(&mut self, by: usize) {
        self.start += by;
        self.end += by;
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: usize) {
        if let Some(inner) = self {
            inner.shift(by);
        }
    }
}

impl Shift for TextSpan {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for Entity {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        self.role.shift(by);
        self.antecedent.shift(by);
    }
}

impl Shift for Place {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for Attribution {
    fn shift(&mut self, by: usize) {
        self.speaker.shift(by);
        self.role.shift(by);
        self.cue.shift(by);
        self.content.shift(by);
    }
}

impl Shift for Participant {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for EventDate {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for Event {
    fn shift(&mut self, by: usize) {
        self.trigger.shift(by);
        self.actor.shift(by);
        self.recipient.shift(by);
        self.place.shift(by);
        self.date.shift(by);
        self.attribution.shift(by);
        self.evidence.shift(by);
    }
}

impl Shift for Signal {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Document {
    /// Appends the annotations of `window`, a document whose text starts at code point
    /// `offset` of this one, moved to where they lie in this document. Sentences are not
    /// taken: the whole document's are already split.
    pub fn absorb_window(&mut self, window: Document, offset: usize) {
        fn moved<T: Shift>(items: Vec<T>, by: usize) -> impl Iterator<Item = T> {
            items.into_iter().map(move |mut item| {
                item.shift(by);
                item
            })
        }
        self.entities.extend(moved(window.entities, offset));
        self.places.extend(moved(window.places, offset));
        self.attributions.extend(moved(window.attributions, offset));
        self.events.extend(moved(window.events, offset));
        self.signals.extend(moved(window.signals, offset));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{EntityKind, Language};

    #[test]
    fn a_window_s_annotations_land_on_the_same_text_in_the_document() {
        let text = "Premier paragraphe.\n\nLes forces irakiennes avancent.";
        let offset = text.chars().position(|c| c == 'L').unwrap();
        let mut window = Document::new("w", &text[text.find('L').unwrap()..]);
        window.language = Some(Language::Fr);
        window.entities.push(Entity {
            text: "forces irakiennes".into(),
            span: Span::new(4, 21),
            kind: EntityKind::State,
            actor: None,
            country: None,
            role: None,
            loaded: false,
            antecedent: Some(Span::new(0, 3)),
        });
        let mut doc = Document::new("d", text);
        doc.absorb_window(window, offset);
        let entity = &doc.entities[0];
        let chars: Vec<char> = doc.text.chars().collect();
        let found: String = chars[entity.span.start..entity.span.end].iter().collect();
        assert_eq!(found, "forces irakiennes");
        assert_eq!(entity.antecedent, Some(Span::new(offset, offset + 3)));
    }
}
