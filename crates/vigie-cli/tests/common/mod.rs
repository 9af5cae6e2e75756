//! What the integration tests share. (Each test binary uses part of it.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A scratch directory, empty at the start and removed at the end of the test.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A fresh directory named after the test and this process.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vigie-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Towns the invented articles happen in.
const TOWNS: [&str; 6] = ["Kidal", "Gao", "Tombouctou", "Mopti", "Ménaka", "Ségou"];

/// Writes `count` distinct invented articles into `dir`, plus a binary file and an empty one.
pub fn write_articles(dir: &Path, count: usize) {
    for i in 0..count {
        let town = TOWNS[i % TOWNS.len()];
        let text = format!(
            "Attaque à {town}\n\nDes hommes armés ont attaqué le {} mars un poste de l'armée \
             malienne à {town}, au Mali, faisant {} morts selon une source sécuritaire. \
             L'armée a déployé des renforts dans la région. Dépêche numéro {i}.",
            1 + i % 28,
            2 + i % 9
        );
        std::fs::write(dir.join(format!("article-{i:04}.txt")), text).unwrap();
    }
    std::fs::write(dir.join("broken.txt"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::write(dir.join("empty.txt"), "   \n").unwrap();
}
