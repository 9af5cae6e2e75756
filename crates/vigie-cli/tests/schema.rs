//! Every document `vigie analyze` writes for the bundled examples conforms to
//! `docs/vigie-1.schema.json`, checked by a small validator for the keywords the
//! schema uses.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Validates `value` against `schema`, collecting errors with their JSON path.
fn validate(value: &Value, schema: &Value, root: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/$defs/");
        return validate(value, &root["$defs"][name], root, path, errors);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let matching = options
            .iter()
            .filter(|option| {
                let mut sub = Vec::new();
                validate(value, option, root, path, &mut sub);
                sub.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{path}: matches {matching} of the oneOf options"));
        }
        return;
    }
    if let Some(constant) = schema.get("const")
        && value != constant
    {
        errors.push(format!("{path}: expected {constant}"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} not in enum"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let type_ok = types.is_empty()
        || types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_u64() || value.is_i64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
    if !type_ok {
        errors.push(format!("{path}: {value} is not of type {types:?}"));
        return;
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                errors.push(format!("{path}: missing required {required}"));
            }
        }
        for (key, item) in object {
            match schema["properties"].get(key) {
                Some(property) => validate(item, property, root, &format!("{path}.{key}"), errors),
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    errors.push(format!("{path}: property {key} is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(prefix) = schema["prefixItems"].as_array() {
            for (i, (item, item_schema)) in items.iter().zip(prefix).enumerate() {
                validate(item, item_schema, root, &format!("{path}[{i}]"), errors);
            }
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                validate(
                    item,
                    &schema["items"],
                    root,
                    &format!("{path}[{i}]"),
                    errors,
                );
            }
        }
        if let Some(min) = schema["minItems"].as_u64()
            && (items.len() as u64) < min
        {
            errors.push(format!("{path}: fewer than {min} items"));
        }
    }
}

#[test]
fn example_documents_conform_to_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("docs/vigie-1.schema.json")).unwrap(),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["analyze", "--format", "jsonl"])
        .arg(workspace().join("examples/articles"))
        .arg(workspace().join("examples/articles.jsonl"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let documents: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(documents.len() >= 10);
    for doc in &documents {
        let mut errors = Vec::new();
        validate(doc, &schema, &schema, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "document {} does not conform:\n{}",
            doc["id"],
            errors.join("\n")
        );
    }
}

#[test]
fn validator_rejects_a_broken_document() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("docs/vigie-1.schema.json")).unwrap(),
    )
    .unwrap();
    let broken = serde_json::json!({"schema": "vigie/1", "id": "x", "text": "t", "events": [{"type": "EXPLODE"}], "extra": 1});
    let mut errors = Vec::new();
    validate(&broken, &schema, &schema, "$", &mut errors);
    assert!(errors.iter().any(|e| e.contains("extra")));
    assert!(errors.iter().any(|e| e.contains("EXPLODE")));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required trigger"))
    );
}
