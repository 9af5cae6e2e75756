//! The gazetteer embedded in the binary: the binary form the build script made from
//! `data/gazetteer/places.tsv.gz`, plus `data/gazetteer/demonyms.tsv`.

use std::sync::LazyLock;

use crate::gazetteer::{Gazetteer, GazetteerError};

static BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gazetteer.bin"));

static DEMONYMS: &str = include_str!("../../../data/gazetteer/demonyms.tsv");

static EMBEDDED: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut gazetteer =
        Gazetteer::from_binary(BINARY).expect("the build script writes a valid gazetteer");
    gazetteer
        .add_demonyms(DEMONYMS)
        .expect("the embedded demonyms are valid");
    gazetteer
});

impl Gazetteer {
    /// The gazetteer embedded in the binary, loaded on first use.
    pub fn embedded() -> &'static Gazetteer {
        &EMBEDDED
    }

    /// A gazetteer written by `vigie gazetteer build` (binary form), with the embedded
    /// demonyms. It lives for the rest of the process.
    pub fn load(path: &std::path::Path) -> Result<&'static Gazetteer, GazetteerError> {
        let bytes =
            std::fs::read(path).map_err(|e| GazetteerError(format!("{}: {e}", path.display())))?;
        let mut gazetteer = Gazetteer::from_binary(Box::leak(bytes.into_boxed_slice()))
            .map_err(|e| GazetteerError(format!("{}: {}", path.display(), e.0)))?;
        gazetteer.add_demonyms(DEMONYMS)?;
        Ok(Box::leak(Box::new(gazetteer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name_key;

    #[test]
    fn embedded_gazetteer_round_trips_from_the_build_script() {
        let gazetteer = Gazetteer::embedded();
        assert!(gazetteer.len() > 200_000);
        let anbar: Vec<&str> = gazetteer
            .lookup(&name_key("al-Anbar"))
            .map(|e| e.country_code.as_str())
            .collect();
        assert!(anbar.contains(&"IQ"));
        assert_eq!(gazetteer.admin1_name("IQ", "01"), Some("Al Anbār"));
        assert!(
            gazetteer
                .demonym("irakienne", None)
                .is_some_and(|e| e.country_code == "IQ")
        );
        let mut fresh = Gazetteer::from_binary(BINARY).unwrap();
        assert_eq!(
            fresh.add_demonyms(DEMONYMS).unwrap(),
            0,
            "every demonym names an embedded place"
        );
    }
}
