//! Every shipped example states its expected answers in its header; check them all.
//!
//! Header lines: `# alphabet: a,b`, `# accept: eos|last`, `# states: N` (minimal DFA),
//! `# accepts: w1 | w2`, `# rejects: …` (`ε` is the empty word).

use ltlattn::automata::{formula_dfa, Alphabet, Budget};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Word};

fn word(s: &str) -> Word {
    let s = s.trim();
    Word::letters(if s == "ε" {
        vec![]
    } else {
        s.split_whitespace().collect()
    })
}

#[test]
fn every_example_has_its_stated_answers() {
    let mut checked = 0;
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/formulas")).unwrap()
    {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let header = |key: &str| {
            text.lines().find_map(|l| {
                l.strip_prefix(&format!("# {key}:"))
                    .map(|v| v.trim().to_string())
            })
        };
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let mut f = Arena::new();
        let phi = parse(&mut f, &body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let acc: Acceptance = header("accept").map_or(Acceptance::Eos, |a| a.parse().unwrap());
        let sigma = Alphabet::Tokens(
            header("alphabet")
                .expect("alphabet")
                .split(',')
                .map(|s| s.trim().to_string())
                .collect(),
        );
        let dfa = formula_dfa(&f, phi, &sigma, acc, &Budget::default()).unwrap();
        let want: usize = header("states").expect("states").parse().unwrap();
        assert_eq!(dfa.states(), want, "{}: minimal DFA size", path.display());
        for (key, expected) in [("accepts", true), ("rejects", false)] {
            for w in header(key).expect(key).split('|').map(word) {
                assert_eq!(
                    evaluate(&f, phi, &w, acc),
                    expected,
                    "{}: {key} {}",
                    path.display(),
                    w.show()
                );
                let letters = sigma.letters_of(&w).unwrap();
                assert_eq!(
                    dfa.accepts(&letters),
                    expected,
                    "{}: DFA on {}",
                    path.display(),
                    w.show()
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} examples");
}
