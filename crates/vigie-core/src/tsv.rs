//! Reading the tab-separated reference files in `data/`: `#` comment lines and blank lines
//! are skipped, the first remaining line is the header.

/// The data rows of a TSV text: `(line number, fields)`, header and comments skipped.
pub fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .skip(1)
        .map(|(index, line)| (index + 1, line.split('\t').collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_comments_blank_lines_and_header() {
        let text = "# about\nname\tvalue\n\na\t1\n# note\nb\t2\n";
        let rows: Vec<(usize, Vec<&str>)> = rows(text).collect();
        assert_eq!(rows, [(4, vec!["a", "1"]), (6, vec!["b", "2"])]);
    }
}
