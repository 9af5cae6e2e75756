//! The file format of a head: a magic line, a JSON header (what the head is, how it was
//! made, the shape of each tensor), then the tensors as little-endian half floats.

use serde::{Deserialize, Serialize};

/// First bytes of a head file.
const MAGIC: &[u8] = b"VIGIE-HEAD1\n";

/// One named tensor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
struct TensorEntry {
    name: String,
    shape: Vec<usize>,
}

#[derive(Serialize, Deserialize)]
struct Header<M> {
    head: M,
    tensors: Vec<TensorEntry>,
}

/// Writes a head: its description `head` and its tensors.
pub(crate) fn to_bytes<M: Serialize>(head: &M, tensors: &[NamedTensor]) -> Vec<u8> {
    let header = Header {
        head,
        tensors: tensors
            .iter()
            .map(|t| TensorEntry {
                name: t.name.clone(),
                shape: t.shape.clone(),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&header).expect("a head header serialises");
    let mut out = MAGIC.to_vec();
    out.extend((json.len() as u32).to_le_bytes());
    out.extend(json);
    for tensor in tensors {
        for value in &tensor.values {
            out.extend(half::f16::from_f32(*value).to_le_bytes());
        }
    }
    out
}

/// Reads a head written by [`to_bytes`].
pub(crate) fn from_bytes<M: for<'de> Deserialize<'de>>(
    bytes: &[u8],
) -> Result<(M, Vec<NamedTensor>), String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not a Vigie head (bad magic)")?;
    let (length, rest) = rest.split_at_checked(4).ok_or("truncated header")?;
    let length = u32::from_le_bytes(length.try_into().expect("4 bytes")) as usize;
    let (json, mut data) = rest.split_at_checked(length).ok_or("truncated header")?;
    let header: Header<M> = serde_json::from_slice(json).map_err(|e| format!("bad header: {e}"))?;
    let mut tensors = Vec::with_capacity(header.tensors.len());
    for entry in header.tensors {
        let count: usize = entry.shape.iter().product();
        let (raw, rest) = data
            .split_at_checked(count * 2)
            .ok_or_else(|| format!("tensor {} truncated", entry.name))?;
        data = rest;
        let values = raw
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        tensors.push(NamedTensor {
            name: entry.name,
            shape: entry.shape,
            values,
        });
    }
    if !data.is_empty() {
        return Err(format!("{} bytes after the last tensor", data.len()));
    }
    Ok((header.head, tensors))
}

/// Reads the head file at `path` with `parse`; errors name the file.
pub(crate) fn load<T>(
    path: &std::path::Path,
    parse: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<T, String> {
    std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| parse(&bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

impl NamedTensor {
    /// A copy of `tensor` (f32) under `name`.
    pub(crate) fn of(name: &str, tensor: &candle_core::Tensor) -> Self {
        NamedTensor {
            name: name.into(),
            shape: tensor.dims().to_vec(),
            values: tensor
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("head weights are f32"),
        }
    }
}

/// The description of an ensemble of heads described by `members`: they must be equal
/// once their provenance (reached by `provenance`) is set aside, and the ensemble's
/// provenance says how many members it has, then gives each one's own.
pub(crate) fn ensemble_description<D: Clone + PartialEq>(
    members: &[&D],
    provenance: impl Fn(&mut D) -> &mut String,
) -> Result<D, String> {
    // Each description without its provenance, and the provenance.
    let (bare, provenances): (Vec<D>, Vec<String>) = members
        .iter()
        .map(|&member| {
            let mut bare = member.clone();
            let own = std::mem::take(provenance(&mut bare));
            (bare, own)
        })
        .unzip();
    let first = bare.first().ok_or("an ensemble of no head")?;
    if bare[1..].iter().any(|other| other != first) {
        return Err(
            "cannot average heads that differ in more than their provenance (kind, layers, \
             sizes or labels)"
                .into(),
        );
    }
    let mut description = first.clone();
    *provenance(&mut description) = format!(
        "ensemble of {} (scores averaged): {}",
        members.len(),
        provenances.join(" | ")
    );
    Ok(description)
}

/// The mean over an ensemble's members of their log-probabilities: the log-softmax of
/// each member's scores (`logits`, labels along the last dimension), averaged.
pub(crate) fn mean_log_probabilities(
    logits: &[candle_core::Tensor],
) -> candle_core::Result<candle_core::Tensor> {
    let mut sum: Option<candle_core::Tensor> = None;
    for scores in logits {
        let log_probabilities = candle_nn::ops::log_softmax(scores, candle_core::D::Minus1)?;
        sum = Some(match sum {
            Some(sum) => (sum + log_probabilities)?,
            None => log_probabilities,
        });
    }
    let sum = sum.ok_or_else(|| candle_core::Error::msg("an ensemble of no member"))?;
    sum / logits.len() as f64
}

/// Adds `share` of `scores` (rows of log-probabilities) to `sum`, row by row: how the
/// scores of heads reading different vectors are averaged over all their members.
pub(crate) fn add_share(sum: &mut [Vec<f32>], scores: Vec<Vec<f32>>, share: f32) {
    for (sum, scores) in sum.iter_mut().zip(scores) {
        for (s, v) in sum.iter_mut().zip(scores) {
            *s += share * v;
        }
    }
}

/// The tensors of a head file of one or more members (an ensemble stores each member's
/// tensors in turn), checked against the names and shapes one member has, in that order:
/// one list of candle tensors per member.
pub(crate) fn expect_members(
    tensors: Vec<NamedTensor>,
    expected: &[(&str, Vec<usize>)],
) -> Result<Vec<Vec<candle_core::Tensor>>, String> {
    if tensors.is_empty() || !tensors.len().is_multiple_of(expected.len()) {
        return Err(format!(
            "{} tensors, expected a multiple of {}",
            tensors.len(),
            expected.len()
        ));
    }
    let mut tensors = tensors.into_iter();
    let mut members = Vec::new();
    while tensors.len() > 0 {
        let member: Vec<NamedTensor> = tensors.by_ref().take(expected.len()).collect();
        members.push(expect_tensors(member, expected)?);
    }
    Ok(members)
}

/// The tensors of a head file as candle tensors, checked against the names and shapes
/// the head expects, in that order.
pub(crate) fn expect_tensors(
    tensors: Vec<NamedTensor>,
    expected: &[(&str, Vec<usize>)],
) -> Result<Vec<candle_core::Tensor>, String> {
    if tensors.len() != expected.len() {
        return Err(format!(
            "{} tensors, expected {}",
            tensors.len(),
            expected.len()
        ));
    }
    tensors
        .into_iter()
        .zip(expected)
        .map(|(tensor, (name, shape))| {
            if tensor.name != *name || tensor.shape != *shape {
                return Err(format!(
                    "tensor {} {:?}, expected {name} {shape:?}",
                    tensor.name, tensor.shape
                ));
            }
            candle_core::Tensor::from_vec(
                tensor.values,
                shape.as_slice(),
                &candle_core::Device::Cpu,
            )
            .map_err(|e| e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_half_precision_and_rejects_damage() {
        let tensors = vec![
            NamedTensor {
                name: "w".into(),
                shape: vec![2, 3],
                values: vec![0.5, -1.25, 3.0, 0.1, 1e-3, -7.5],
            },
            NamedTensor {
                name: "b".into(),
                shape: vec![1],
                values: vec![2.0],
            },
        ];
        let bytes = to_bytes(&"names", &tensors);
        let (head, read): (String, _) = from_bytes(&bytes).unwrap();
        assert_eq!(head, "names");
        assert_eq!(read.len(), 2);
        for (a, b) in tensors.iter().zip(&read) {
            assert_eq!((&a.name, &a.shape), (&b.name, &b.shape));
            for (x, y) in a.values.iter().zip(&b.values) {
                assert!((x - y).abs() <= x.abs() * 1e-3, "{x} vs {y}");
            }
        }
        assert!(from_bytes::<String>(&bytes[..bytes.len() - 1]).is_err());
        assert!(from_bytes::<String>(&[bytes.as_slice(), &[0, 0]].concat()).is_err());
        assert!(from_bytes::<String>(b"VIGIE-NER1").is_err());
    }
}
