//! The numeric examples (`examples/numeric/*.toml` with their weights), for the benches.

/// Each example: its path, its TOML text and its weights file's bytes, sorted by path.
pub fn numeric_examples() -> Vec<(std::path::PathBuf, String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/numeric");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let w = std::fs::read(p.with_extension("safetensors")).unwrap();
            (p, text, w)
        })
        .collect()
}
