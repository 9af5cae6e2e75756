//! Builds the embedded gazetteer: parses `data/gazetteer/places.tsv.gz` once at compile
//! time and writes its compact binary form (entries + `fst` name index) to `OUT_DIR`, so
//! that loading it at run time is a matter of milliseconds.

#![allow(dead_code)]

#[path = "src/gazetteer.rs"]
mod gazetteer;
#[path = "src/index.rs"]
mod index;
#[path = "src/name_key.rs"]
mod name_key;

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let source = manifest.join("../../data/gazetteer/places.tsv.gz");
    for watched in ["src/gazetteer.rs", "src/index.rs", "src/name_key.rs"] {
        println!("cargo:rerun-if-changed={watched}");
    }
    println!("cargo:rerun-if-changed={}", source.display());
    let bytes = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let gazetteer = gazetteer::Gazetteer::from_tsv_gz(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("gazetteer.bin");
    std::fs::write(&out, gazetteer.to_binary())
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
