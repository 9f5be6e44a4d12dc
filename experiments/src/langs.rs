//! The experiment's languages, labelled at run time by `ltlattn::fragment::classify`: the
//! class column is the classifier's answer with its certificate, never typed by hand, and
//! the run stops if a language is not in the class it was chosen for or if two rows are
//! the same language.

use ltlattn::automata::{minimize, parse_dfa, Alphabet, Budget, Dfa};
use ltlattn::engine::explicit::{compare, formula_dfa};
use ltlattn::engine::layout::Question;
use ltlattn::fragment::{classify, Classification, Decision, Limits};
use ltlattn::logic::{parse, Acceptance, Arena};

/// The class a language was chosen to stand for (the classifier must agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// In LTL\[Y\], not in LTL\[P\].
    LocalOnly,
    /// In LTL\[P\], not in LTL\[Y\].
    GlobalOnly,
    /// In LTL\[P, Y\], in neither LTL\[P\] nor LTL\[Y\].
    HybridOnly,
    /// Star-free (LTL\[Y, S\]) but outside LTL\[P, Y\].
    StarFreeOnly,
    /// Not star-free.
    NotStarFree,
}

impl Class {
    /// The class's name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Class::LocalOnly => "LTL[Y] only",
            Class::GlobalOnly => "LTL[P] only",
            Class::HybridOnly => "LTL[P,Y] only",
            Class::StarFreeOnly => "star-free outside LTL[P,Y]",
            Class::NotStarFree => "not star-free",
        }
    }
}

/// How a language is written.
#[derive(Clone, Copy, Debug)]
pub enum Def {
    /// A past-LTL formula, EOS acceptance.
    Formula(&'static str),
    /// A DFA in grammar/dfa.md's text format (languages no formula defines).
    Dfa(&'static str),
}

/// One language of the experiment.
#[derive(Clone, Copy, Debug)]
pub struct Language {
    /// Its name in the tables.
    pub name: &'static str,
    /// Its directory under examples/trained/.
    pub slug: &'static str,
    /// The letters (three where two would collapse the separation it stands for).
    pub alphabet: &'static [&'static str],
    /// The definition.
    pub def: Def,
    /// The class it was chosen for; the classifier must say the same.
    pub intended: Class,
}

/// Two per class, plus two that are not star-free.
pub const LANGUAGES: &[Language] = &[
    Language {
        name: "Σ*a",
        slug: "ends-a",
        alphabet: &["a", "b"],
        def: Def::Formula("Y a"),
        intended: Class::LocalOnly,
    },
    Language {
        name: "Σ*ab",
        slug: "ends-ab",
        alphabet: &["a", "b"],
        def: Def::Formula("Y (b & Y a)"),
        intended: Class::LocalOnly,
    },
    Language {
        name: "aΣ*",
        slug: "starts-a",
        alphabet: &["a", "b"],
        def: Def::Formula("P (a & start)"),
        intended: Class::GlobalOnly,
    },
    Language {
        name: "Σ*aΣ*bΣ* over {a,b,c}",
        slug: "a-then-b-abc",
        alphabet: &["a", "b", "c"],
        def: Def::Formula("P (b & P a)"),
        intended: Class::GlobalOnly,
    },
    Language {
        name: "Σ*abΣ* over {a,b,c}",
        slug: "contains-ab-abc",
        alphabet: &["a", "b", "c"],
        def: Def::Formula("P (b & Y a)"),
        intended: Class::HybridOnly,
    },
    Language {
        name: "(ab)*",
        slug: "ab-star",
        alphabet: &["a", "b"],
        def: Def::Formula("(start | Y b) & !P (a & Y a) & !P (b & Y b) & !P (b & start)"),
        intended: Class::HybridOnly,
    },
    Language {
        name: "Σ*ba* over {a,b,c}",
        slug: "ends-b-a-star-abc",
        alphabet: &["a", "b", "c"],
        def: Def::Formula("Y (a S b)"),
        intended: Class::StarFreeOnly,
    },
    Language {
        name: "Σ*b(b|c)* over {a,b,c}",
        slug: "ends-b-bc-star-abc",
        alphabet: &["a", "b", "c"],
        def: Def::Formula("Y (!a S b)"),
        intended: Class::StarFreeOnly,
    },
    Language {
        name: "parity (even #a)",
        slug: "parity",
        alphabet: &["a", "b"],
        def: Def::Dfa(
            "alphabet: a b\nstates: 2\ninitial: 0\naccepting: 0\n0 a 1\n0 b 0\n1 a 0\n1 b 1\n",
        ),
        intended: Class::NotStarFree,
    },
    Language {
        name: "even length",
        slug: "even-length",
        alphabet: &["a", "b"],
        def: Def::Dfa(
            "alphabet: a b\nstates: 2\ninitial: 0\naccepting: 0\n0 a 1\n0 b 1\n1 a 0\n1 b 0\n",
        ),
        intended: Class::NotStarFree,
    },
];

impl Language {
    /// The alphabet as the library spells it.
    pub fn sigma(&self) -> Alphabet {
        Alphabet::Tokens(self.alphabet.iter().map(|s| s.to_string()).collect())
    }

    /// The minimal DFA (EOS acceptance).
    pub fn dfa(&self) -> Result<Dfa, String> {
        spec_dfa(&self.spec(), &self.sigma())
    }

    /// The spec as the manifest writes it: the formula, or `dfa:` and the DFA's text.
    pub fn spec(&self) -> String {
        match self.def {
            Def::Formula(f) => f.to_string(),
            Def::Dfa(t) => format!("dfa:{t}"),
        }
    }
}

/// The minimal DFA of a manifest spec (a formula, or `dfa:` and a DFA's text) over `sigma`.
pub fn spec_dfa(spec: &str, sigma: &Alphabet) -> Result<Dfa, String> {
    let budget = Budget::new(100_000, None);
    match spec.strip_prefix("dfa:") {
        Some(text) => parse_dfa(text)
            .map(|d| minimize(&d))
            .map_err(|e| e.to_string()),
        None => {
            let mut arena = Arena::new();
            let root = parse(&mut arena, spec).map_err(|e| format!("{e:?}"))?;
            formula_dfa(&arena, root, sigma, Acceptance::Eos, &budget)
                .map(|d| minimize(&d))
                .map_err(|e| e.to_string())
        }
    }
}

/// The classifier's table for a spec.
pub fn classification(spec: &str, sigma: &Alphabet) -> Result<Classification, String> {
    let dfa = spec_dfa(spec, sigma)?;
    Ok(match spec.strip_prefix("dfa:") {
        Some(_) => classify(&dfa, &Limits::default(), None),
        None => {
            let mut arena = Arena::new();
            let root = parse(&mut arena, spec).map_err(|e| format!("{e:?}"))?;
            classify(&dfa, &Limits::default(), Some((&arena, root)))
        }
    })
}

/// One decision as the certificate column shows it: the formula that proves "yes" (the
/// equivalence checker re-checked it), or the identity that fails for "no".
fn cert(name: &str, d: &Decision) -> String {
    let star = if d.hypothesis { "*" } else { "" };
    match d.member {
        Some(true) => match &d.formula {
            Some(f) => format!("{name}: yes, formula `{}`", f.formula),
            None => format!("{name}: yes ({})", d.basis),
        },
        Some(false) => match &d.refutation {
            Some(r) => format!("{name}: no{star}, violates {}", r.identity),
            None => format!("{name}: no{star} ({})", d.basis),
        },
        None => format!("{name}: undecided ({})", d.basis),
    }
}

/// The class the classifier puts the language in, with the certificates that place it
/// there; `None` when a decision it needs is undecided.
pub fn label(c: &Classification) -> Option<(Class, String)> {
    let (g, l, h, s) = (
        c.global.member?,
        c.local.member?,
        c.hybrid.member?,
        c.hard.member?,
    );
    let (class, shown) = if !s {
        (Class::NotStarFree, vec![cert("star-free", &c.hard)])
    } else if !h {
        (
            Class::StarFreeOnly,
            vec![cert("LTL[P,Y]", &c.hybrid), cert("star-free", &c.hard)],
        )
    } else if g && !l {
        (
            Class::GlobalOnly,
            vec![cert("LTL[P]", &c.global), cert("LTL[Y]", &c.local)],
        )
    } else if l && !g {
        (
            Class::LocalOnly,
            vec![cert("LTL[Y]", &c.local), cert("LTL[P]", &c.global)],
        )
    } else if !g && !l {
        (
            Class::HybridOnly,
            vec![
                cert("LTL[P,Y]", &c.hybrid),
                cert("LTL[P]", &c.global),
                cert("LTL[Y]", &c.local),
            ],
        )
    } else {
        // In both LTL[P] and LTL[Y]: no class of the experiment.
        return None;
    };
    Some((class, shown.join("; ")))
}

/// A language as the tables show it: the classifier's class and certificate.
#[derive(Clone, Debug)]
pub struct Labelled {
    /// The language.
    pub lang: Language,
    /// The classifier's class.
    pub class: Class,
    /// The certificates that place it there.
    pub certificate: String,
}

/// Every language labelled by the classifier. Fails, naming the language, if one is not
/// in its intended class; fails, naming both and the check, if two are the same language
/// (equal alphabets and the equivalence checker finds no word telling them apart).
pub fn label_all(langs: &[Language]) -> Result<Vec<Labelled>, String> {
    let mut out = Vec::new();
    for lang in langs {
        let c = classification(&lang.spec(), &lang.sigma())?;
        let (class, certificate) = label(&c).ok_or_else(|| {
            format!(
                "{}: the classifier leaves its class undecided or puts it in both LTL[P] and LTL[Y]",
                lang.name
            )
        })?;
        if class != lang.intended {
            return Err(format!(
                "{} was chosen as {} but the classifier says {} ({certificate})",
                lang.name,
                lang.intended.name(),
                class.name()
            ));
        }
        out.push(Labelled {
            lang: *lang,
            class,
            certificate,
        });
    }
    for (i, a) in langs.iter().enumerate() {
        for b in &langs[i + 1..] {
            if a.alphabet != b.alphabet {
                continue;
            }
            let answer = compare(
                &a.dfa()?,
                &b.dfa()?,
                Question::Equivalent,
                &Budget::new(100_000, None),
            )
            .map_err(|e| e.to_string())?;
            if answer.counterexample.is_none() {
                return Err(format!(
                    "{} and {} are the same language over {{{}}} (the equivalence checker finds no word telling them apart)",
                    a.name,
                    b.name,
                    a.alphabet.join(",")
                ));
            }
        }
    }
    Ok(out)
}

/// What a two-layer model of an architecture can do with a language, as the tool decides
/// it: the target cells of the results are the [`Cell::Target`] ones.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The architecture's fragment contains the language, by a formula the classifier found
    /// and re-checked that the model's layers can compute: a proof is possible, a target.
    Target(String),
    /// The fragment does not contain the language (the classifier's certificate).
    Outside(String),
    /// Every model of the architecture's shape answers these two words alike
    /// (`ltlattn::fragment::blind`): no such model recognizes the language.
    Blind {
        /// A word of the language.
        member: Vec<String>,
        /// A word outside it.
        non_member: Vec<String>,
    },
    /// Neither is known: why.
    Open(String),
}

/// Words typed by the blind-pair search per cell (under a second; a pair of the local
/// architectures has 4 to 8 letters).
const BLIND_WORDS: usize = 30_000;

/// How many layers a formula needs: one per temporal operator above an atom, and one for
/// `start` itself (a model tells position 1 by its empty attention).
fn layers_needed(f: &Arena, n: ltlattn::logic::NodeId) -> u32 {
    use ltlattn::logic::Node;
    let node = f.node(n);
    let below = node
        .children()
        .map(|c| layers_needed(f, c))
        .max()
        .unwrap_or(0);
    match node {
        Node::Start => 1,
        node if node.is_temporal() => below + 1,
        _ => below,
    }
}

/// The cell of `arch` (an [`crate::net::Arch`]) for a language with this spec, alphabet and
/// classification.
pub fn cell(
    spec: &str,
    sigma: &Alphabet,
    c: &Classification,
    arch: &crate::net::Arch,
) -> Result<Cell, String> {
    use crate::net::Range;
    use ltlattn::fragment::blind::{blind_pair, BlindSearch, ModelShape};
    let heads: Vec<Range> = arch.layers.iter().flatten().copied().collect();
    let global = heads.iter().any(|r| matches!(r, Range::Global));
    let window = heads.iter().find_map(|r| match r {
        Range::Local(k) => Some(*k as u32),
        Range::Global => None,
    });
    let shape = ModelShape {
        layers: arch.layers.len() as u32,
        global,
        window,
    };
    // The fragment that decides it: LTL[P] for global heads, LTL[Y] for window 1,
    // LTL[P, Y] for both; a window k ≥ 2 gives a fragment inside these whose membership
    // the classifier cannot decide, so only "outside" carries over from the larger one,
    // and "inside" only through LTL[P] (the hybrid's global heads alone).
    let (name, d) = match (global, window) {
        (true, None) => ("LTL[P]", &c.global),
        (false, Some(_)) => ("LTL[Y]", &c.local),
        _ => ("LTL[P,Y]", &c.hybrid),
    };
    let (name, d) = match window {
        Some(k) if k >= 2 && d.member == Some(true) && global && c.global.member == Some(true) => {
            ("LTL[P]", &c.global)
        }
        _ => (name, d),
    };
    let dfa = spec_dfa(spec, sigma)?;
    let blind = blind_pair(&dfa, shape, 40, BLIND_WORDS);
    let show = |w: &[u32]| -> Vec<String> { w.iter().map(|&l| sigma.show(l)).collect() };
    let inside = match d.member {
        Some(false) => {
            let why = d
                .refutation
                .as_ref()
                .map_or(d.basis.clone(), |r| format!("violates {}", r.identity));
            return Ok(Cell::Outside(format!("outside {name}: {why}")));
        }
        Some(true) if window.is_none_or(|k| k == 1) || name == "LTL[P]" => d.formula.as_ref(),
        _ => None,
    };
    let fits = match inside {
        Some(cert) => {
            let mut f = Arena::new();
            let root = parse(&mut f, &cert.formula).map_err(|e| format!("{e:?}"))?;
            let need = layers_needed(&f, root);
            (need <= shape.layers)
                .then(|| format!("{name}: formula `{}` ({need} layers)", cert.formula))
        }
        None => None,
    };
    match (blind, fits) {
        (BlindSearch::Found { member, non_member }, Some(target)) => Err(format!(
            "THEORY VIOLATED: {target} says a model of {} can recognize `{spec}`, but every such model answers `{}` (in) and `{}` (out) alike",
            arch.name,
            show(&member).join(" "),
            show(&non_member).join(" ")
        )),
        (BlindSearch::Found { member, non_member }, None) => Ok(Cell::Blind {
            member: show(&member),
            non_member: show(&non_member),
        }),
        (_, Some(target)) => Ok(Cell::Target(target)),
        (blind, None) => {
            let pairs = match blind {
                BlindSearch::NoneUpTo(n) => format!("no blind pair up to length {n}"),
                _ => "no blind pair exists (with global heads, two layers type every word apart)".to_string(),
            };
            Ok(Cell::Open(match inside {
                Some(cert) => format!(
                    "the classifier's formula `{}` needs more than {} layers; {pairs}",
                    cert.formula, shape.layers
                ),
                None => format!(
                    "inside {name}, but no formula of the window's fragment is known; {pairs}"
                ),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Arch;

    fn cell_of(slug: &str, arch: &str) -> Cell {
        let l = LANGUAGES.iter().find(|l| l.slug == slug).unwrap();
        let c = classification(&l.spec(), &l.sigma()).unwrap();
        cell(&l.spec(), &l.sigma(), &c, &Arch::named(arch).unwrap()).unwrap()
    }

    #[test]
    fn cells_are_targets_only_where_two_layers_compute_the_classifiers_formula() {
        assert!(matches!(cell_of("ends-a", "local-1"), Cell::Target(_)));
        assert!(matches!(cell_of("ends-a", "hybrid-1"), Cell::Target(_)));
        assert!(matches!(cell_of("ends-a", "global"), Cell::Outside(_)));
        assert_eq!(
            cell_of("ends-a", "local-2"),
            Cell::Blind {
                member: vec!["a".into(), "a".into(), "b".into(), "a".into()],
                non_member: vec!["b".into(), "a".into(), "a".into(), "b".into()],
            }
        );
        assert!(matches!(cell_of("ends-a", "hybrid-2"), Cell::Open(_)));
        // An LTL[P] language is a hybrid's target through its global heads alone.
        assert!(matches!(cell_of("starts-a", "hybrid-4"), Cell::Target(_)));
        assert!(matches!(
            cell_of("contains-ab-abc", "hybrid-1"),
            Cell::Target(_)
        ));
        assert!(matches!(
            cell_of("contains-ab-abc", "local-2"),
            Cell::Outside(_)
        ));
    }

    #[test]
    fn start_takes_a_layer() {
        let need = |s: &str| {
            let mut f = Arena::new();
            let root = parse(&mut f, s).unwrap();
            layers_needed(&f, root)
        };
        assert_eq!(need("a & !b"), 0);
        assert_eq!(need("Y a"), 1);
        assert_eq!(need("start"), 1);
        assert_eq!(need("P (a & start)"), 2);
        assert_eq!(need("P (b & P a) | Y start"), 2);
    }
}
