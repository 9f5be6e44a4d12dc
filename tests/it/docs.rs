//! The README stays short and every relative link of the README, the docs book
//! (`docs/book/`) and the dated results (`docs/results/`) points at a file that exists.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The README's limit (issue 30): what it is, the two commands, a tour, links.
const README_MAX_LINES: usize = 150;

/// The targets of the inline markdown links `[text](target)` in `text`, outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Inline code spans are not links: drop them before looking for `](`.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                targets.push(rest[..end].trim().to_string());
                rest = &rest[end..];
            }
        }
    }
    targets
}

/// Every `.md` file under `dir`, recursively.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "md") {
            out.push(path);
        }
    }
}

/// The relative links of `file` whose target does not exist, as `file: target`.
fn broken_links(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let dir = file.parent().expect("a file has a directory");
    link_targets(&text)
        .into_iter()
        .filter(|t| {
            !t.is_empty() && !t.starts_with('#') && !t.contains("://") && !t.starts_with("mailto:")
        })
        .filter(|t| {
            let path = t.split('#').next().unwrap_or(t);
            !dir.join(path).exists()
        })
        .map(|t| format!("{}: {t}", file.display()))
        .collect()
}

#[test]
fn the_readme_is_short_and_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move the rest into docs/book/"
    );
    let head: Vec<&str> = readme.lines().take(6).collect();
    assert!(head.contains(&"cargo run --release -- compile examples/models/contains-ba.toml"));
    // CI runs the test command the README gives (.ci/run).
    assert!(head.contains(&"cargo test"));
}

#[test]
fn every_relative_link_of_the_readme_and_the_book_resolves() {
    let root = Path::new(ROOT);
    let mut files = vec![root.join("README.md")];
    markdown_files(&root.join("docs/book"), &mut files);
    markdown_files(&root.join("docs/results"), &mut files);
    assert!(files.len() > 10, "the book is missing: {files:?}");
    let broken: Vec<String> = files
        .iter()
        .flat_map(|f| broken_links(f.as_path()))
        .collect();
    assert!(
        broken.is_empty(),
        "links to files that do not exist:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_chapter_is_in_the_summary() {
    let book = Path::new(ROOT).join("docs/book");
    let summary = std::fs::read_to_string(book.join("SUMMARY.md")).expect("docs/book/SUMMARY.md");
    let listed = link_targets(&summary);
    let mut chapters = Vec::new();
    markdown_files(&book, &mut chapters);
    for chapter in chapters {
        let relative = chapter.strip_prefix(&book).expect("under the book");
        let name = relative.to_string_lossy().replace('\\', "/");
        if name != "SUMMARY.md" {
            assert!(
                listed.contains(&name),
                "{name} is not in docs/book/SUMMARY.md"
            );
        }
    }
}
