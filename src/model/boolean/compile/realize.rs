//! Formula → `model.toml`: a transformer that recognizes the formula's language.
//!
//! Every temporal subformula becomes one head in the layer its temporal nesting needs
//! (so the model has as many layers as the formula's temporal depth); Boolean structure
//! goes into the heads' keys and values and into one feed-forward line for the output.
//! P, O, H, Y, Z and Y^{≤k} use soft heads (global or local); since, strict since and
//! past release use hard-rightmost heads (strict since is exactly rightmost hard
//! attention: the nearest position where ¬φ ∨ ψ holds must carry ψ).

use std::collections::HashMap;

use crate::logic::{print, Acceptance, Arena, Node, NodeId, Syntax};

/// Why a formula cannot be realized.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum RealizeError {
    /// Position-modulo atoms need Combiner heads, which realize does not build.
    #[error("the formula uses a position-modulo atom (pos%m=r); realize builds global, local and hard heads only, which cannot count positions")]
    PositionModulo,
    /// An atom that is not a token of the alphabet.
    #[error("the formula uses `{atom}`, which is not in the alphabet")]
    NotInAlphabet {
        /// The atom.
        atom: String,
    },
    /// A `Y<=k` whose window is beyond what the model loader accepts.
    #[error("Y<={window} needs a local head with window {window}, beyond the loader's maximum of {max} for soft heads")]
    #[diagnostic(help("a window that covers every position is a global head: write P instead"))]
    WindowTooLarge {
        /// The window asked for.
        window: u32,
        /// The loader's maximum ([`crate::model::boolean::MAX_WINDOW`]).
        max: i64,
    },
    /// A `P>=m` whose count needs more layers than realize builds.
    #[error("P>={count} needs {count} nested global heads (P>=m = P(φ ∧ P>=m−1 φ)), beyond realize's {max}")]
    #[diagnostic(help(
        "a B-RASP head sees only whether a key is present, so counting to m takes m layers"
    ))]
    CountTooLarge {
        /// The count asked for.
        count: u32,
        /// [`MAX_REALIZED_COUNT`].
        max: u32,
    },
}

/// The largest m of a `P>=m` that realize unrolls into m nested global heads.
pub const MAX_REALIZED_COUNT: u32 = 64;

/// `root` with every `P>=m φ` written as P(φ ∧ P(φ ∧ … P φ)), m nested P's, in `out`.
fn expand_counts(arena: &Arena, root: NodeId, out: &mut Arena) -> Result<NodeId, RealizeError> {
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for n in arena.subformulas(root) {
        let new = match arena.node(n) {
            Node::Atom(a) => out.atom(arena.atom_name(a)),
            Node::OnceAtLeast(m, _) if m > MAX_REALIZED_COUNT => {
                return Err(RealizeError::CountTooLarge {
                    count: m,
                    max: MAX_REALIZED_COUNT,
                })
            }
            Node::OnceAtLeast(m, x) => {
                let x = map[&x];
                let mut chain = out.add(Node::StrictOnce(x));
                for _ in 1..m {
                    let both = out.add(Node::And(x, chain));
                    chain = out.add(Node::StrictOnce(both));
                }
                chain
            }
            node => out.add(node.map_children(|c| map[&c])),
        };
        map.insert(n, new);
    }
    Ok(map[&root])
}

struct HeadSpec {
    name: String,
    layer: usize,
    range: &'static str,
    window: Option<u32>,
    masking: &'static str,
    mode: &'static str,
    key: Option<NodeId>,
    value: NodeId,
}

/// ¬x, folding double negation so realized expressions read naturally.
fn neg(sk: &mut Arena, x: NodeId) -> NodeId {
    match sk.node(x) {
        Node::Not(y) => y,
        _ => sk.add(Node::Not(x)),
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The heads a formula needs: skeleton formulas over feature names, each subformula's
/// skeleton and layer, and one head per temporal subformula.
struct Plan {
    sk: Arena,
    skel: HashMap<NodeId, NodeId>,
    layer_of: HashMap<NodeId, usize>,
    heads: Vec<HeadSpec>,
}

/// Writes a model that recognizes L(`root`) over `alphabet` under `acceptance`.
pub fn realize(
    arena: &Arena,
    root: NodeId,
    alphabet: &[String],
    acceptance: Acceptance,
) -> Result<String, RealizeError> {
    if arena.ops(root).contains(crate::logic::Op::PosMod) {
        return Err(RealizeError::PositionModulo);
    }
    if arena.ops(root).contains(crate::logic::Op::OnceAtLeast) {
        let mut plain = Arena::new();
        let root = expand_counts(arena, root, &mut plain)?;
        return realize(&plain, root, alphabet, acceptance);
    }
    if let Some(atom) = arena
        .atom_names(root)
        .into_iter()
        .find(|a| !alphabet.contains(a))
    {
        return Err(RealizeError::NotInAlphabet { atom });
    }
    // Feature names must not clash with tokens.
    let mut prefix = "_h".to_string();
    while alphabet.iter().any(|t| t.starts_with(&prefix)) {
        prefix.insert(0, '_');
    }
    let plan = plan(arena, root, &prefix)?;
    Ok(write_toml(
        arena, root, alphabet, acceptance, &prefix, &plan,
    ))
}

fn plan(arena: &Arena, root: NodeId, prefix: &str) -> Result<Plan, RealizeError> {
    let mut p = Plan {
        sk: Arena::new(),
        skel: HashMap::new(),
        layer_of: HashMap::new(),
        heads: Vec::new(),
    };
    for n in arena.subformulas(root) {
        let node = arena.node(n);
        let lay = |x: NodeId| p.layer_of[&x];
        let (out, layer) = match node {
            Node::Atom(a) => (p.sk.atom(arena.atom_name(a)), 0),
            Node::True | Node::False | Node::Start | Node::Eos => (p.sk.add(node), 0),
            Node::Not(_) | Node::And(..) | Node::Or(..) | Node::Implies(..) | Node::Iff(..) => {
                let layer = node.children().map(lay).max().unwrap_or(0);
                (p.sk.add(node.map_children(|x| p.skel[&x])), layer)
            }
            _ => {
                let layer = 1 + node.children().map(lay).max().unwrap_or(0);
                let name = format!("{prefix}{}", p.heads.len() + 1);
                let (spec, out) = temporal_head(&mut p, node, name, layer)?;
                p.heads.push(spec);
                (out, layer)
            }
        };
        p.skel.insert(n, out);
        p.layer_of.insert(n, layer);
    }
    Ok(p)
}

/// The head for one temporal node (its operands already have skeletons), and the
/// skeleton of the node's value in terms of the head's feature.
fn temporal_head(
    p: &mut Plan,
    node: Node,
    name: String,
    layer: usize,
) -> Result<(HeadSpec, NodeId), RealizeError> {
    let s = |x: NodeId| p.skel[&x];
    let sk = &mut p.sk;
    let feat = sk.atom(&name);
    let soft = |range, window, masking, value| HeadSpec {
        name: name.clone(),
        layer,
        range,
        window,
        masking,
        mode: "soft",
        key: None,
        value,
    };
    // Strict since φ S< ψ as a hard head: key ¬φ ∨ ψ, value ψ, default false.
    let since = |sk: &mut Arena, phi: NodeId, psi: NodeId| {
        let nphi = neg(sk, phi);
        let key = sk.add(Node::Or(nphi, psi));
        HeadSpec {
            name: name.clone(),
            layer,
            range: "global",
            window: None,
            masking: "strict",
            mode: "hard-rightmost",
            key: Some(key),
            value: psi,
        }
    };
    Ok(match node {
        Node::StrictOnce(x) => (soft("global", None, "strict", s(x)), feat),
        Node::Once(x) => (soft("global", None, "inclusive", s(x)), feat),
        Node::Historically(x) => {
            let nx = neg(sk, s(x));
            (soft("global", None, "inclusive", nx), neg(sk, feat))
        }
        Node::Yesterday(x) => (soft("local", Some(1), "strict", s(x)), feat),
        Node::YesterdayWithin(k, _) if i64::from(k) > crate::model::boolean::MAX_WINDOW => {
            return Err(RealizeError::WindowTooLarge {
                window: k,
                max: crate::model::boolean::MAX_WINDOW,
            })
        }
        Node::YesterdayWithin(k, x) => (soft("local", Some(k), "strict", s(x)), feat),
        Node::WeakYesterday(x) => {
            let st = sk.add(Node::Start);
            (
                soft("local", Some(1), "strict", s(x)),
                sk.add(Node::Or(st, feat)),
            )
        }
        Node::StrictSince(x, y) => (since(sk, s(x), s(y)), feat),
        Node::Since(x, y) => {
            // φ S ψ = ψ ∨ (φ ∧ φ S< ψ)
            let spec = since(sk, s(x), s(y));
            let both = sk.add(Node::And(s(x), feat));
            (spec, sk.add(Node::Or(s(y), both)))
        }
        Node::Release(x, y) => {
            // φ P ψ = ¬(¬φ S ¬ψ) = ψ ∧ (φ ∨ ¬(¬φ S< ¬ψ))
            let nx = neg(sk, s(x));
            let ny = neg(sk, s(y));
            let spec = since(sk, nx, ny);
            let nfeat = neg(sk, feat);
            let inner = sk.add(Node::Or(s(x), nfeat));
            (spec, sk.add(Node::And(s(y), inner)))
        }
        _ => unreachable!("Boolean and leaf nodes have no head"),
    })
}

fn write_toml(
    arena: &Arena,
    root: NodeId,
    alphabet: &[String],
    acceptance: Acceptance,
    prefix: &str,
    p: &Plan,
) -> String {
    let (sk, heads) = (&p.sk, &p.heads);
    let output = format!("{prefix}accept");
    let out_layer = p.layer_of[&root].max(1);
    let mut t = String::new();
    t.push_str(&format!(
        "# Realized by ltlattn from: {}\n",
        print(arena, root, Syntax::Ascii).replace('\n', " ")
    ));
    t.push_str(&format!(
        "# {} layer(s), {} head(s): one head per temporal subformula, layered by temporal depth.\n",
        out_layer,
        heads.len()
    ));
    t.push_str(&format!(
        "alphabet = [{}]\n",
        alphabet
            .iter()
            .map(|a| toml_str(a))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    t.push_str(&format!(
        "acceptance = \"{}\"\n",
        if acceptance == Acceptance::Eos {
            "eos"
        } else {
            "last"
        }
    ));
    t.push_str(&format!("output = {}\n", toml_str(&output)));
    for l in 1..=out_layer {
        t.push_str("\n[[layer]]\n");
        for h in heads.iter().filter(|h| h.layer == l) {
            t.push_str("\n[[layer.head]]\n");
            t.push_str(&format!("name = {}\n", toml_str(&h.name)));
            t.push_str(&format!("range = \"{}\"\n", h.range));
            if let Some(w) = h.window {
                t.push_str(&format!("window = {w}\n"));
            }
            t.push_str(&format!("masking = \"{}\"\n", h.masking));
            t.push_str(&format!("mode = \"{}\"\n", h.mode));
            if let Some(k) = h.key {
                t.push_str(&format!(
                    "key = {}\n",
                    toml_str(&print(sk, k, Syntax::Ascii))
                ));
            }
            t.push_str(&format!(
                "value = {}\n",
                toml_str(&print(sk, h.value, Syntax::Ascii))
            ));
            if h.mode != "soft" {
                t.push_str("default = false\n");
            }
        }
        if l == out_layer {
            t.push_str("\n[[layer.ffn]]\n");
            t.push_str(&format!("name = {}\n", toml_str(&output)));
            t.push_str(&format!(
                "expr = {}\n",
                toml_str(&print(sk, p.skel[&root], Syntax::Ascii))
            ));
        }
    }
    t
}
