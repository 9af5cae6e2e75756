//! Options choosing the multilingual encoder and its heads, shared by every command that
//! runs the pipeline.

use std::path::PathBuf;

use vigie_encoder::e5::{Arithmetic, MultilingualEncoder};
use vigie_heads::events::{EventHeadFiles, EventReader};
use vigie_heads::names::NameTagger;
use vigie_heads::reader::{HeadFiles, SentenceReader};
use vigie_pipeline::Pipeline;

/// Where the encoder and its heads are, or the fast path without them.
#[derive(Debug, Clone, clap::Args)]
pub struct HeadArgs {
    /// The multilingual encoder's folder (built by `scripts/build-encoder`): its heads
    /// find names and events, and a persuasion model trained with `--encoder` reads it.
    #[arg(long, default_value = MultilingualEncoder::DEFAULT_DIR)]
    pub encoder: PathBuf,
    /// The fast path: names from the statistical tagger and event triggers from the
    /// lexicon, without the multilingual encoder.
    #[arg(long)]
    pub fast: bool,
    /// The name head over the encoder (from `vigie train ner`).
    #[arg(long, default_value = NameTagger::DEFAULT_FILE)]
    pub names_head: PathBuf,
    /// The event trigger heads over the encoder (from `vigie train events`): one, or
    /// several trained on different vectors (the flag repeated), whose scores are averaged.
    #[arg(long, default_values = EventReader::DEFAULT_TRIGGERS)]
    pub triggers_head: Vec<PathBuf>,
    /// The event attribute heads over the encoder (from `vigie train events`): one, or
    /// several trained on different vectors (the flag repeated), whose scores are averaged.
    #[arg(long, default_values = EventReader::DEFAULT_ATTRIBUTES)]
    pub event_attributes_head: Vec<PathBuf>,
    /// The event argument heads over the encoder (from `vigie train events`): one, or
    /// several trained on different vectors (the flag repeated), whose scores are averaged.
    #[arg(long, default_values = EventReader::DEFAULT_ARGUMENTS)]
    pub event_arguments_head: Vec<PathBuf>,
    /// The event layer (from `vigie train event-layer`), read when the event heads were
    /// trained through it.
    #[arg(long, default_value = EventReader::DEFAULT_EVENT_LAYER)]
    pub event_layer: PathBuf,
    /// Event triggers from the lexicon alone (names still from the encoder).
    #[arg(long)]
    pub lexicon_triggers: bool,
    /// The encoder multiplies in f32, as on CPUs without AVX-512 VNNI or AVX2, instead of its
    /// 4-bit weights times 8-bit activations (slower; to compare the two).
    #[arg(long)]
    pub float_encoder: bool,
}

/// The encoder's arithmetic for a `--float-encoder` flag.
pub fn arithmetic(float_encoder: bool) -> Arithmetic {
    if float_encoder {
        Arithmetic::Float
    } else {
        Arithmetic::Integer
    }
}

/// Owned paths of `files`.
fn paths(files: &[&str]) -> Vec<PathBuf> {
    files.iter().map(PathBuf::from).collect()
}

impl Default for HeadArgs {
    fn default() -> Self {
        HeadArgs {
            encoder: MultilingualEncoder::DEFAULT_DIR.into(),
            fast: false,
            names_head: NameTagger::DEFAULT_FILE.into(),
            triggers_head: paths(EventReader::DEFAULT_TRIGGERS),
            event_attributes_head: paths(EventReader::DEFAULT_ATTRIBUTES),
            event_arguments_head: paths(EventReader::DEFAULT_ARGUMENTS),
            event_layer: EventReader::DEFAULT_EVENT_LAYER.into(),
            lexicon_triggers: false,
            float_encoder: false,
        }
    }
}

impl HeadArgs {
    /// The encoder and heads asked for (`None` on the fast path).
    pub fn reader(&self) -> Result<Option<SentenceReader>, String> {
        if self.fast {
            return Ok(None);
        }
        let files = HeadFiles {
            names: &self.names_head,
            events: (!self.lexicon_triggers).then_some(EventHeadFiles {
                triggers: &self.triggers_head,
                attributes: &self.event_attributes_head,
                arguments: &self.event_arguments_head,
                event_layer: &self.event_layer,
            }),
        };
        SentenceReader::load_with(&self.encoder, arithmetic(self.float_encoder), files).map(Some)
    }

    /// `pipeline` with the encoder and heads asked for; when they cannot be loaded, the
    /// fast path with a one-line message saying why and what to run.
    pub fn apply(&self, pipeline: Pipeline<'static>) -> Pipeline<'static> {
        match self.reader() {
            // Lives as long as the command, like the embedded data.
            Ok(Some(reader)) => pipeline.with_reader(Box::leak(Box::new(reader))),
            Ok(None) => pipeline,
            Err(error) => {
                eprintln!("fast path: {error} (or pass --fast to choose it)");
                pipeline
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        heads: HeadArgs,
        inputs: Vec<PathBuf>,
    }

    #[test]
    fn a_head_flag_repeated_gives_several_heads_and_leaves_inputs_alone() {
        let parsed = Command::parse_from(["vigie", "--triggers-head", "a.bin", "article.txt"]);
        assert_eq!(parsed.heads.triggers_head, [PathBuf::from("a.bin")]);
        assert_eq!(parsed.inputs, [PathBuf::from("article.txt")]);
        let parsed = Command::parse_from([
            "vigie",
            "--event-attributes-head",
            "a.bin",
            "--event-attributes-head",
            "b.bin",
        ]);
        assert_eq!(
            parsed.heads.event_attributes_head,
            paths(&["a.bin", "b.bin"])
        );
        assert_eq!(
            parsed.heads.triggers_head,
            paths(EventReader::DEFAULT_TRIGGERS)
        );
        assert_eq!(
            HeadArgs::default().event_arguments_head,
            parsed.heads.event_arguments_head
        );
    }
}
