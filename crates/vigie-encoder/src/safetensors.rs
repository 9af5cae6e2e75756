//! Reader for the `safetensors` format: an 8-byte little-endian header length, a JSON
//! header naming each tensor's dtype, shape and byte range, then the raw data.

use std::collections::HashMap;

/// A float tensor: its shape and values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// Reads every `F32` tensor of a safetensors file (other dtypes, such as the `I64`
/// position ids some exports carry, are skipped).
pub fn read_f32_tensors(bytes: &[u8]) -> Result<HashMap<String, Tensor>, String> {
    let header_len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .ok_or("shorter than a safetensors header")?;
    let data_start = 8usize
        .checked_add(header_len)
        .filter(|&end| end <= bytes.len())
        .ok_or("safetensors header runs past the end of the file")?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..data_start])
            .map_err(|e| format!("safetensors header is not JSON: {e}"))?;
    let data = &bytes[data_start..];
    let mut tensors = HashMap::new();
    for (name, entry) in header {
        if name == "__metadata__" || entry["dtype"] != "F32" {
            continue;
        }
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .ok_or_else(|| format!("{name}: no shape"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("{name}: bad shape"))?;
        let offsets = entry["data_offsets"]
            .as_array()
            .and_then(|o| Some((o.first()?.as_u64()? as usize, o.get(1)?.as_u64()? as usize)))
            .ok_or_else(|| format!("{name}: no data offsets"))?;
        let raw = data
            .get(offsets.0..offsets.1)
            .ok_or_else(|| format!("{name}: data past the end of the file"))?;
        if raw.len() != shape.iter().product::<usize>() * 4 {
            return Err(format!("{name}: {} bytes for shape {shape:?}", raw.len()));
        }
        let values = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        tensors.insert(name, Tensor { shape, values });
    }
    Ok(tensors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_float_tensors_and_rejects_truncation() {
        let header = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&1.5f32.to_le_bytes());
        bytes.extend_from_slice(&(-2.0f32).to_le_bytes());
        bytes.extend_from_slice(&7i64.to_le_bytes());
        let tensors = read_f32_tensors(&bytes).expect("valid file");
        assert_eq!(tensors.len(), 1);
        assert_eq!(tensors["a"].shape, vec![2]);
        assert_eq!(tensors["a"].values, vec![1.5, -2.0]);
        assert!(read_f32_tensors(&bytes[..bytes.len() - 12]).is_err());
        assert!(read_f32_tensors(&bytes[..4]).is_err());
    }
}
