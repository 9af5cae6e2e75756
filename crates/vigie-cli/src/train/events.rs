//! `vigie train events`: the event heads over the multilingual encoder — the trigger
//! tagger (PLOVER types), the attribute classifier (mode, ACLED sub-event type, modality)
//! and the argument tagger (actor, recipient) — from Vigie's annotated corpus.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vigie_core::EventType;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_eval::event_corpus::{AnnotatedEvent, EventItem, read_event_items};
use vigie_eval::weak_events::read_weak_items;
use vigie_heads::classifier::{SpanExample, train_classifier};
use vigie_heads::event_layer::{self, EventLayer, LayerExample, LayerTraining};
use vigie_heads::events::{
    ARGUMENTS_HEAD, ATTRIBUTES_HEAD, GoldAttributes, ROLES, TRIGGERS_HEAD, argument_inputs,
    attribute_example, attribute_outputs, type_and_mode_example,
};
use vigie_heads::tagger::{self, Example, SpanTagger};
use vigie_heads::training::TrainingOptions;
use vigie_heads::words::HalfVectors;

use crate::parallel::parallel_map;

use super::encoded::encoded_sentences;
use super::{EncoderHead, epoch_progress};

/// One of the event heads `vigie train events` trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EventHead {
    /// The trigger tagger.
    Triggers,
    /// The attribute classifier.
    Attributes,
    /// The argument tagger.
    Arguments,
}

impl EventHead {
    /// Every event head.
    pub const ALL: [EventHead; 3] = [Self::Triggers, Self::Attributes, Self::Arguments];
}

/// Settings of `vigie train events`.
pub struct EventTraining<'a> {
    /// Corpus files (`data/corpus/events-*.jsonl`).
    pub files: &'a [PathBuf],
    /// Weak examples for the attribute classifier's type and mode
    /// (`scripts/build-ngec-weak.py`), used for training only.
    pub weak: Option<&'a Path>,
    /// The encoder, the layers read, each head's size and the cache.
    pub head: &'a EncoderHead,
    /// Passes of the trigger tagger over the data.
    pub epochs: usize,
    /// Passes of the argument tagger over the data.
    pub argument_epochs: usize,
    /// The event layer the heads read the encoder's last layer through, if any.
    pub event_layer: Option<&'a Path>,
    /// Cross-fitting: the event layers tuned without each fold of the training items, in
    /// fold order; each training item is read through its fold's (empty: every item
    /// through `event_layer`).
    pub fold_layers: &'a [PathBuf],
    /// Which heads to train and write.
    pub heads: &'a [EventHead],
    /// Where to write the trigger tagger.
    pub triggers_out: &'a Path,
    /// Where to write the attribute classifier.
    pub attributes_out: &'a Path,
    /// Where to write the argument tagger.
    pub arguments_out: &'a Path,
}

/// The argument tags of one event: `B-`/`I-` of each role over the words of its span.
fn argument_tags(item: &EventItem, event: &AnnotatedEvent) -> Vec<usize> {
    let mut tags = vec![tagger::OUTSIDE; item.words.len()];
    for (role, span) in [event.actor, event.recipient].into_iter().enumerate() {
        if let Some(span) = span {
            tagger::mark_span(&mut tags, item.words_of(span), role);
        }
    }
    tags
}

/// The trigger tags of an item: `B-`/`I-` of the event's PLOVER type over each trigger's
/// words (the first event wins where triggers overlap).
fn trigger_tags(item: &EventItem) -> Result<Vec<usize>, String> {
    let mut tags = vec![tagger::OUTSIDE; item.words.len()];
    for event in &item.events {
        let kind = EventType::from_name(&event.plover)
            .and_then(|t| EventType::ALL.iter().position(|x| *x == t))
            .ok_or_else(|| format!("{}: unknown PLOVER type {}", item.id, event.plover))?;
        tagger::mark_span(&mut tags, item.words_of(event.trigger), kind);
    }
    Ok(tags)
}

/// The attribute classifier's weak examples from the stories in `path`: in each lead
/// sentence, the first trigger `triggers` finds of the story's type, else its first
/// trigger, labelled with the story's type and mode. Stories where it finds no trigger
/// give none.
fn weak_attribute_examples(
    path: &Path,
    encoder: &MultilingualEncoder,
    event_layer: Option<&EventLayer>,
    triggers: &SpanTagger,
    head: &EncoderHead,
) -> anyhow::Result<Vec<SpanExample>> {
    let items = read_weak_items(path).map_err(anyhow::Error::msg)?;
    let texts: Vec<(&str, &[(usize, usize)])> = items
        .iter()
        .map(|i| (i.sentence.as_str(), i.words.as_slice()))
        .collect();
    let vectors = encoded_sentences(
        path,
        &texts,
        encoder,
        &head.layers,
        event_layer,
        &head.cache,
    )?;
    let mut examples = Vec::new();
    let mut agreeing = 0;
    for (item, vectors) in items.iter().zip(vectors) {
        let words = vectors.to_f32();
        let spans = triggers.spans(&words).map_err(anyhow::Error::msg)?;
        let own_type = spans
            .iter()
            .find(|s| EventType::ALL[s.kind] == item.event_type);
        agreeing += usize::from(own_type.is_some());
        if let Some(span) = own_type.or(spans.first()) {
            examples.push(type_and_mode_example(
                &words,
                span.words.clone(),
                item.event_type,
                item.mode,
            ));
        }
    }
    eprintln!(
        "{}: {} weak examples from {} stories ({agreeing} on a trigger of the story's type)",
        path.display(),
        examples.len(),
        items.len()
    );
    Ok(examples)
}

/// Trains both heads and writes them.
pub fn train_heads(settings: &EventTraining<'_>) -> anyhow::Result<ExitCode> {
    if settings.weak.is_some() && !settings.heads.contains(&EventHead::Triggers) {
        anyhow::bail!("weak examples are placed by the trigger tagger: train it too (--heads)");
    }
    let encoder = MultilingualEncoder::load(&settings.head.encoder)?;
    let event_layer = settings
        .event_layer
        .map(EventLayer::load)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let fold_layers = settings
        .fold_layers
        .iter()
        .map(|path| EventLayer::load(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let layers = &settings.head.layers;
    let mut trigger_sets = (Vec::new(), Vec::new());
    let mut attribute_sets: (Vec<SpanExample>, Vec<SpanExample>) = (Vec::new(), Vec::new());
    let mut argument_sets = (Vec::new(), Vec::new());
    let mut sources = Vec::new();
    for file in settings.files {
        let items = read_event_items(file).map_err(anyhow::Error::msg)?;
        sources.push(format!(
            "{} ({} items)",
            file.file_name().unwrap_or_default().to_string_lossy(),
            items.len()
        ));
        let vectors = item_vectors(
            file,
            &items,
            &encoder,
            layers,
            (event_layer.as_ref(), &fold_layers),
            &settings.head.cache,
        )?;
        for (item, vectors) in items.iter().zip(vectors) {
            let words = vectors.to_f32();
            let (triggers, attributes, arguments) = if item.held_out() {
                (
                    &mut trigger_sets.1,
                    &mut attribute_sets.1,
                    &mut argument_sets.1,
                )
            } else {
                (
                    &mut trigger_sets.0,
                    &mut attribute_sets.0,
                    &mut argument_sets.0,
                )
            };
            for event in &item.events {
                let span = item.words_of(event.trigger);
                if span.is_empty() {
                    continue;
                }
                arguments.push(
                    Example::new(
                        HalfVectors::from(&argument_inputs(&words, span.clone())),
                        argument_tags(item, event),
                        Vec::new(),
                    )
                    .map_err(anyhow::Error::msg)?,
                );
                attributes.push(match &event.modality {
                    Some(modality) => attribute_example(
                        &words,
                        span,
                        GoldAttributes {
                            plover: &event.plover,
                            mode: event.mode.as_deref(),
                            acled: event.acled.as_ref().map(|a| a.sub_event_type.as_str()),
                            modality,
                        },
                    ),
                    // Annotated for type, mode and participants only.
                    None => type_and_mode_example(
                        &words,
                        span,
                        EventType::from_name(&event.plover).ok_or_else(|| {
                            anyhow::anyhow!("{}: unknown PLOVER type {}", item.id, event.plover)
                        })?,
                        event.mode.as_deref(),
                    ),
                });
            }
            let tags = trigger_tags(item).map_err(anyhow::Error::msg)?;
            triggers.push(
                Example::new(HalfVectors::from(&words), tags, Vec::new())
                    .map_err(anyhow::Error::msg)?,
            );
        }
    }
    eprintln!(
        "{} training and {} development items; {} and {} events (layers {layers:?})",
        trigger_sets.0.len(),
        trigger_sets.1.len(),
        attribute_sets.0.len(),
        attribute_sets.1.len()
    );
    if let Some(weak) = settings.weak {
        sources.push(format!(
            "the attribute classifier's type and mode also on {}",
            weak.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    let started = Instant::now();
    let kinds = EventType::ALL.map(EventType::name);
    let options = TrainingOptions {
        layers: layers.clone(),
        event_layer: event_layer.as_ref().map(EventLayer::fingerprint),
        hidden: settings.head.hidden,
        epochs: settings.epochs,
        batch: 16,
        seed: settings.head.seed,
        ..TrainingOptions::default()
    };
    let through = event_layer.as_ref().map_or_else(String::new, |l| {
        let folds: Vec<String> = fold_layers
            .iter()
            .map(|f| format!("{:016x}", f.fingerprint()))
            .collect();
        let cross_fitted = if folds.is_empty() {
            String::new()
        } else {
            format!("; training items cross-fitted through {}", folds.join(", "))
        };
        format!(
            " (the last through the event layer {:016x}{cross_fitted})",
            l.fingerprint()
        )
    });
    let provenance = |what: &str, seed: u64, epochs: usize| {
        format!(
            "vigie train events ({what}): multilingual-e5-small layers {layers:?}{through}, \
             hidden {}, {epochs} epochs, seed {seed}; trained on {}",
            settings.head.hidden,
            sources.join(", ")
        )
    };
    let wanted = |head: EventHead| settings.heads.contains(&head);
    let mut trained: Vec<(&Path, Vec<u8>)> = Vec::new();
    if wanted(EventHead::Triggers) {
        let triggers = tagger::train(
            TRIGGERS_HEAD,
            &kinds,
            &trigger_sets.0,
            &trigger_sets.1,
            &options,
            &provenance("triggers", options.seed, options.epochs),
            epoch_progress(Some("triggers"), "trigger F1", started),
        )?;
        if let Some(weak) = settings.weak {
            attribute_sets.0.extend(weak_attribute_examples(
                weak,
                &encoder,
                event_layer.as_ref(),
                &triggers,
                settings.head,
            )?);
        }
        trained.push((settings.triggers_out, triggers.to_bytes()));
    }
    if wanted(EventHead::Attributes) {
        let classifier_options = TrainingOptions {
            layers: layers.clone(),
            event_layer: options.event_layer,
            hidden: settings.head.hidden,
            epochs: 40,
            batch: 32,
            dropout: 0.3,
            // The classifier's seed has always been 12 above the taggers'.
            seed: settings.head.seed + 12,
            ..TrainingOptions::default()
        };
        let attributes = train_classifier(
            ATTRIBUTES_HEAD,
            attribute_outputs(),
            &attribute_sets.0,
            &attribute_sets.1,
            &classifier_options,
            &provenance(
                "attributes",
                classifier_options.seed,
                classifier_options.epochs,
            ),
            epoch_progress(Some("attributes"), "accuracy", started),
        )?;
        trained.push((settings.attributes_out, attributes.to_bytes()));
    }
    if wanted(EventHead::Arguments) {
        let argument_options = TrainingOptions {
            epochs: settings.argument_epochs,
            ..options.clone()
        };
        let arguments = tagger::train(
            ARGUMENTS_HEAD,
            &ROLES,
            &argument_sets.0,
            &argument_sets.1,
            &argument_options,
            &provenance("arguments", argument_options.seed, argument_options.epochs),
            epoch_progress(Some("arguments"), "argument F1", started),
        )?;
        trained.push((settings.arguments_out, arguments.to_bytes()));
    }
    for (out, bytes) in trained {
        std::fs::write(out, bytes).with_context(|| format!("{}: cannot write", out.display()))?;
        println!("{}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The word vectors of each of `items` (the contents of `file`), the last layer read
/// through `through.0` — or, when `through.1` holds fold layers (cross-fitting), each
/// training item's through the layer of its fold, which was tuned without it.
fn item_vectors(
    file: &Path,
    items: &[EventItem],
    encoder: &MultilingualEncoder,
    layers: &[usize],
    through: (Option<&EventLayer>, &[EventLayer]),
    cache: &Path,
) -> anyhow::Result<Vec<HalfVectors>> {
    let (event_layer, fold_layers) = through;
    let folds = fold_layers.len() as u64;
    // None: read through `event_layer`; Some(k): through fold k's layer.
    let reader = |item: &EventItem| (folds > 0 && !item.held_out()).then(|| item.fold(folds));
    let mut vectors: Vec<Option<HalfVectors>> = items.iter().map(|_| None).collect();
    for group in std::iter::once(None).chain((0..folds).map(Some)) {
        let members: Vec<usize> = (0..items.len())
            .filter(|&i| reader(&items[i]) == group)
            .collect();
        if members.is_empty() {
            continue;
        }
        let texts: Vec<(&str, &[(usize, usize)])> = members
            .iter()
            .map(|&i| (items[i].text.as_str(), items[i].words.as_slice()))
            .collect();
        let layer = group.map_or(event_layer, |k| fold_layers.get(k as usize));
        let encoded = encoded_sentences(file, &texts, encoder, layers, layer, cache)?;
        for (&i, encoded) in members.iter().zip(encoded) {
            vectors[i] = Some(encoded);
        }
    }
    Ok(vectors.into_iter().flatten().collect())
}

/// Trains the event layer (the encoder's last `depth` layers) on the trigger tags of the
/// corpus `files` and writes it to `out`; with `left_out` (fold, folds), without the
/// training items of that fold.
pub fn train_event_layer(
    files: &[PathBuf],
    encoder_dir: &Path,
    depth: usize,
    left_out: Option<(u64, u64)>,
    settings: &LayerTraining,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    if let Some((fold, folds)) = left_out {
        anyhow::ensure!(
            fold < folds,
            "--fold {fold}: the folds are numbered 0 to {}",
            folds - 1
        );
    }
    let encoder = MultilingualEncoder::load(encoder_dir)?;
    let replaces = encoder.depth();
    anyhow::ensure!(
        depth <= replaces,
        "--depth {depth}: the encoder has {replaces} layers"
    );
    let reads = replaces - depth;
    let (mut training, mut development) = (Vec::new(), Vec::new());
    let mut sources = Vec::new();
    for file in files {
        let mut items = read_event_items(file).map_err(anyhow::Error::msg)?;
        if let Some((fold, folds)) = left_out {
            items.retain(|item| item.held_out() || item.fold(folds) != fold);
        }
        sources.push(format!(
            "{} ({} items)",
            file.file_name().unwrap_or_default().to_string_lossy(),
            items.len()
        ));
        let batches: Vec<&[EventItem]> = items.chunks(32).collect();
        let examples = parallel_map(
            &batches,
            |batch| -> anyhow::Result<Vec<(bool, LayerExample)>> {
                let texts: Vec<&str> = batch.iter().map(|i| i.text.as_str()).collect();
                let encoded = encoder
                    .token_layers_many(&texts, vigie_encoder::e5::Role::Passage, &[reads])
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                batch
                    .iter()
                    .zip(encoded)
                    .map(|(item, (tokens, states))| {
                        let example = LayerExample::new(
                            &states[0],
                            vigie_heads::words::covering_tokens(&tokens, &item.words),
                            trigger_tags(item).map_err(anyhow::Error::msg)?,
                        )
                        .map_err(|e| anyhow::anyhow!("{}: {e}", item.id))?;
                        Ok((item.held_out(), example))
                    })
                    .collect()
            },
        );
        for (held_out, example) in examples
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
        {
            if held_out {
                development.push(example);
            } else {
                training.push(example);
            }
        }
    }
    eprintln!(
        "{} training and {} development items (layers {} to {replaces} tuned)",
        training.len(),
        development.len(),
        reads + 1
    );
    let provenance = format!(
        "vigie train event-layer: multilingual-e5-small {}, tuned on trigger tags \
         ({} epochs, learning rate {}, dropout {}, seed {}); trained on {}",
        if depth == 1 {
            format!("layer {replaces}")
        } else {
            format!("layers {} to {replaces}", reads + 1)
        },
        settings.epochs,
        settings.layer_rate,
        settings.dropout,
        settings.seed,
        sources.join(", ")
    );
    let start = EventLayer::from_encoder(encoder_dir, replaces, depth, &provenance)
        .map_err(anyhow::Error::msg)?;
    let kinds = EventType::ALL.map(EventType::name);
    let started = Instant::now();
    let layer = event_layer::train(
        &start,
        tagger::tags_of_kinds(&kinds).len(),
        &training,
        &development,
        settings,
        epoch_progress(Some("event layer"), "trigger F1", started),
    )
    .map_err(anyhow::Error::msg)?;
    std::fs::write(out, layer.to_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}
