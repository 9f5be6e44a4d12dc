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
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RealizeError(pub String);

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

/// Writes a model that recognizes L(`root`) over `alphabet` under `acceptance`.
pub fn realize(
    arena: &Arena,
    root: NodeId,
    alphabet: &[String],
    acceptance: Acceptance,
) -> Result<String, RealizeError> {
    if arena.ops(root).contains(crate::logic::Op::PosMod) {
        return Err(RealizeError(
            "the formula uses a position-modulo atom (pos%m=r); realize builds global, local and hard heads only, which cannot count positions".into(),
        ));
    }
    if let Some(a) = arena
        .atom_names(root)
        .into_iter()
        .find(|a| !alphabet.contains(a))
    {
        return Err(RealizeError(format!(
            "the formula uses `{a}`, which is not in the alphabet"
        )));
    }
    // Feature names must not clash with tokens.
    let mut prefix = "_h".to_string();
    while alphabet.iter().any(|t| t.starts_with(&prefix)) {
        prefix.insert(0, '_');
    }
    let output = format!("{prefix}accept");
    // Skeletons: Boolean formulas over feature names (tokens and head features).
    let mut sk = Arena::new();
    let mut skel: HashMap<NodeId, NodeId> = HashMap::new();
    let mut layer_of: HashMap<NodeId, usize> = HashMap::new();
    let mut heads: Vec<HeadSpec> = Vec::new();
    for n in arena.subformulas(root) {
        let s = |x: NodeId| skel[&x];
        let lay = |x: NodeId| layer_of[&x];
        let node = arena.node(n);
        let (out, layer) = match node {
            Node::Atom(a) => (sk.atom(arena.atom_name(a)), 0),
            Node::True | Node::False | Node::Start | Node::Eos => (sk.add(node), 0),
            Node::Not(_) | Node::And(..) | Node::Or(..) | Node::Implies(..) | Node::Iff(..) => {
                let layer = node.children().map(lay).max().unwrap_or(0);
                (sk.add(node.map_children(s)), layer)
            }
            _ => {
                let layer = 1 + node.children().map(lay).max().unwrap_or(0);
                let name = format!("{prefix}{}", heads.len() + 1);
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
                let (spec, out) = match node {
                    Node::StrictOnce(x) => (soft("global", None, "strict", s(x)), feat),
                    Node::Once(x) => (soft("global", None, "inclusive", s(x)), feat),
                    Node::Historically(x) => {
                        let nx = neg(&mut sk, s(x));
                        (soft("global", None, "inclusive", nx), neg(&mut sk, feat))
                    }
                    Node::Yesterday(x) => (soft("local", Some(1), "strict", s(x)), feat),
                    Node::YesterdayWithin(k, x) => (soft("local", Some(k), "strict", s(x)), feat),
                    Node::WeakYesterday(x) => {
                        let st = sk.add(Node::Start);
                        (
                            soft("local", Some(1), "strict", s(x)),
                            sk.add(Node::Or(st, feat)),
                        )
                    }
                    Node::StrictSince(x, y) => (since(&mut sk, s(x), s(y)), feat),
                    Node::Since(x, y) => {
                        // φ S ψ = ψ ∨ (φ ∧ φ S< ψ)
                        let spec = since(&mut sk, s(x), s(y));
                        let both = sk.add(Node::And(s(x), feat));
                        (spec, sk.add(Node::Or(s(y), both)))
                    }
                    Node::Release(x, y) => {
                        // φ P ψ = ¬(¬φ S ¬ψ) = ψ ∧ (φ ∨ ¬(¬φ S< ¬ψ))
                        let nx = neg(&mut sk, s(x));
                        let ny = neg(&mut sk, s(y));
                        let spec = since(&mut sk, nx, ny);
                        let nfeat = neg(&mut sk, feat);
                        let inner = sk.add(Node::Or(s(x), nfeat));
                        (spec, sk.add(Node::And(s(y), inner)))
                    }
                    _ => unreachable!("Boolean and leaf nodes are handled above"),
                };
                heads.push(spec);
                (out, layer)
            }
        };
        skel.insert(n, out);
        layer_of.insert(n, layer);
    }
    let out_layer = layer_of[&root].max(1);
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
                    toml_str(&print(&sk, k, Syntax::Ascii))
                ));
            }
            t.push_str(&format!(
                "value = {}\n",
                toml_str(&print(&sk, h.value, Syntax::Ascii))
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
                toml_str(&print(&sk, skel[&root], Syntax::Ascii))
            ));
        }
    }
    Ok(t)
}
