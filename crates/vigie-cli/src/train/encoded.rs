//! Encoded sentences for training heads: word vectors from the multilingual encoder,
//! cached on disk per file, layers and encoder so that every head trained on a file, and
//! every run after the first, reads them instead of encoding again.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_heads::event_layer::EventLayer;
use vigie_heads::words::{HalfVectors, word_vectors_many, word_vectors_through};

use crate::parallel::parallel_map;

/// Sentences encoded in one encoder pass.
const SENTENCES_PER_PASS: usize = 32;

/// The word vectors after `layers` of each of `sentences` (text and code-point word
/// spans; the contents of `file`), the last layer read through `event_layer` when one is
/// given; from the cache in `cache_dir` when it holds them for this file, these layers,
/// this encoder and this event layer; encoded on every core and cached otherwise.
pub fn encoded_sentences(
    file: &Path,
    sentences: &[(&str, &[(usize, usize)])],
    encoder: &MultilingualEncoder,
    layers: &[usize],
    event_layer: Option<&EventLayer>,
    cache_dir: &Path,
) -> anyhow::Result<Vec<HalfVectors>> {
    let content =
        std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let key = vigie_core::fnv1a(
        content
            .into_iter()
            .chain(layers.iter().flat_map(|l| (*l as u64).to_le_bytes()))
            .chain(encoder.identity().to_le_bytes())
            .chain(
                event_layer
                    .into_iter()
                    .flat_map(|l| l.fingerprint().to_le_bytes()),
            )
            .chain(
                sentences
                    .iter()
                    .flat_map(|(_, words)| (words.len() as u64).to_le_bytes()),
            ),
    );
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let cached = cache_dir.join(format!("{name}.{key:016x}.vectors"));
    if let Ok(bytes) = std::fs::read(&cached) {
        let mut rest = bytes.as_slice();
        let read: Result<Vec<HalfVectors>, String> = sentences
            .iter()
            .map(|_| HalfVectors::read(&mut rest))
            .collect();
        match read {
            Ok(vectors) if rest.is_empty() => return Ok(vectors),
            Ok(_) => eprintln!("{}: longer than expected; encoding again", cached.display()),
            Err(e) => eprintln!("{}: {e}; encoding again", cached.display()),
        }
    }
    let started = Instant::now();
    // Sentences are encoded a few dozen at a time: one pass serves them all.
    let batches: Vec<_> = sentences.chunks(SENTENCES_PER_PASS).collect();
    let vectors: Vec<HalfVectors> = parallel_map(&batches, |batch| {
        match event_layer {
            Some(event_layer) => word_vectors_through(encoder, batch, &[], layers, event_layer)
                .map(|pairs| pairs.iter().map(|(_, v)| HalfVectors::from(v)).collect()),
            None => word_vectors_many(encoder, batch, layers)
                .map(|vectors| vectors.iter().map(HalfVectors::from).collect::<Vec<_>>()),
        }
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
    })
    .into_iter()
    .collect::<anyhow::Result<Vec<_>>>()?
    .into_iter()
    .flatten()
    .collect();
    eprintln!(
        "{name}: {} sentences encoded in {:.0} s",
        sentences.len(),
        started.elapsed().as_secs_f64()
    );
    let mut bytes = Vec::new();
    for v in &vectors {
        v.write(&mut bytes);
    }
    std::fs::create_dir_all(cache_dir)
        .and_then(|()| std::fs::write(&cached, bytes))
        .with_context(|| format!("{}: cannot write", cached.display()))?;
    Ok(vectors)
}
