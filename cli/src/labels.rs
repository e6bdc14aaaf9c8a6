//! Class names from `--labels`: a file (one name per line, or a JSON list of
//! strings) or an inline comma-separated list, in class-index order.

use std::collections::HashMap;
use std::path::Path;

use super::error::CliError;

/// Class names in index order, with a reverse index.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Labels {
    /// Parses the `--labels` argument: an existing file's contents, else an
    /// inline list `a,b,c`.
    pub fn from_arg(arg: &str) -> Result<Labels, CliError> {
        let path = Path::new(arg);
        if path.is_file() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Labels(format!("{arg}: cannot read: {e}")))?;
            Labels::from_file_text(&text).map_err(|e| CliError::Labels(format!("{arg}: {e}")))
        } else {
            Labels::new(arg.split(',').map(|s| s.trim().to_string()).collect()).map_err(|e| {
                CliError::Labels(format!(
                    "{e} (no file named {arg:?} exists, so it was read as a list a,b,c)"
                ))
            })
        }
    }

    /// Parses a labels file: a JSON list of strings, or one name per line
    /// (surrounding blank lines ignored).
    fn from_file_text(text: &str) -> Result<Labels, String> {
        let text = text.trim_start_matches('\u{feff}');
        if text.trim_start().starts_with('[') {
            let names: Vec<String> = serde_json::from_str(text)
                .map_err(|e| format!("expected a JSON list of strings: {e}"))?;
            return Labels::new(names);
        }
        let names: Vec<String> = text
            .trim()
            .lines()
            .map(|line| line.trim().to_string())
            .collect();
        Labels::new(names)
    }

    /// Checks that names are non-empty and distinct.
    fn new(names: Vec<String>) -> Result<Labels, String> {
        if names.is_empty() || names.iter().all(String::is_empty) {
            return Err("no class names given; expected names like cat,dog,bird".into());
        }
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(format!("class {i} has an empty name"));
            }
            if let Some(first) = index.insert(name.clone(), i) {
                return Err(format!(
                    "class name {name:?} appears twice (classes {first} and {i}); names must be distinct"
                ));
            }
        }
        Ok(Labels { names, index })
    }

    /// The names in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// The index of a class name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_lists_and_files() {
        let labels = Labels::from_arg("cat, dog,bird").unwrap();
        assert_eq!(labels.names(), ["cat", "dog", "bird"]);
        assert_eq!(labels.index_of("bird"), Some(2));
        assert_eq!(labels.index_of("cow"), None);
        let dir = tempfile::tempdir().unwrap();
        let lines = dir.path().join("classes.txt");
        std::fs::write(&lines, "\nzero\r\none\ntwo\n\n").unwrap();
        assert_eq!(
            Labels::from_arg(lines.to_str().unwrap()).unwrap().names(),
            ["zero", "one", "two"]
        );
        let json = dir.path().join("classes.json");
        std::fs::write(&json, "[\"a\", \"b, c\"]").unwrap();
        assert_eq!(Labels::from_arg(json.to_str().unwrap()).unwrap().len(), 2);
    }

    #[test]
    fn duplicates_and_empties_are_rejected() {
        let msg = Labels::from_arg("a,b,a").unwrap_err().to_string();
        assert!(
            msg.starts_with("--labels: class name \"a\" appears twice (classes 0 and 2)"),
            "{msg}"
        );
        let msg = Labels::from_arg("a,,b").unwrap_err().to_string();
        assert!(msg.contains("class 1 has an empty name"), "{msg}");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "[1, 2]").unwrap();
        let msg = Labels::from_arg(bad.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("expected a JSON list of strings"), "{msg}");
    }
}
