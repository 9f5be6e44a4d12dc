//! The formula DAG: a hash-consed arena of past-time LTL nodes.
//!
//! Equal subformulas are one node: building `P a` twice returns the same [`NodeId`].
//! Children are always created before their parents, so every child id is smaller
//! than its parent's id. Engines rely on that: iterating ids in increasing order visits
//! subformulas before the formulas that use them, with no recursion, which is what lets
//! 100,000-deep formulas be parsed, printed and evaluated without a stack overflow.
//!
//! ```
//! use ltlattn::logic::{Arena, Node};
//! let mut f = Arena::new();
//! let a = f.atom("a");
//! let p1 = f.add(Node::StrictOnce(a));
//! let p2 = f.add(Node::StrictOnce(a));
//! assert_eq!(p1, p2);
//! assert_eq!(f.height(p1), 1);
//! ```

use std::collections::HashMap;

/// Index of a node in an [`Arena`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of an atom name in an [`Arena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AtomId(pub u32);

/// One node of the DAG; the operators of docs/SEMANTICS.md §2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// ⊤
    True,
    /// ⊥
    False,
    /// True only at the end marker ⊣ (EOS acceptance).
    Eos,
    /// True only at the first position.
    Start,
    /// `pos%m=r`: true at position p (1-based) when p mod m = r (0 ≤ r < m). Not
    /// star-free for m ≥ 2; it comes from Combiner heads whose block boundaries leak the
    /// position (docs/SEMANTICS.md §4).
    PosMod(u32, u32),
    /// A letter (letter alphabets) or a proposition (`--props`).
    Atom(AtomId),
    /// ¬φ
    Not(NodeId),
    /// φ ∧ ψ
    And(NodeId, NodeId),
    /// φ ∨ ψ
    Or(NodeId, NodeId),
    /// φ → ψ
    Implies(NodeId, NodeId),
    /// φ ↔ ψ
    Iff(NodeId, NodeId),
    /// Y φ: yesterday (false at the first position).
    Yesterday(NodeId),
    /// Z φ: weak yesterday (true at the first position); PPLTL's `WY`.
    WeakYesterday(NodeId),
    /// Y^{≤k} φ with k ≥ 2 (k = 1 is stored as [`Node::Yesterday`]).
    YesterdayWithin(u32, NodeId),
    /// P φ: strict once, ∃ j < i.
    StrictOnce(NodeId),
    /// O φ: once, ∃ j ≤ i.
    Once(NodeId),
    /// H φ: historically, ∀ j ≤ i.
    Historically(NodeId),
    /// φ S ψ: since, non-strict.
    Since(NodeId, NodeId),
    /// φ S< ψ: strict since.
    StrictSince(NodeId, NodeId),
    /// φ P ψ: past release, ¬(¬φ S ¬ψ).
    Release(NodeId, NodeId),
    /// P^{≥m} φ with m ≥ 2: φ held at m or more strictly earlier positions (m = 1 is
    /// stored as [`Node::StrictOnce`]). Definable in `LTL[P]`, `P^{≥m} φ ≡ P(φ ∧ P^{≥m−1} φ)`,
    /// but of size 1 instead of m: the counting operator of docs/SEMANTICS.md §2 that
    /// keeps the formulas of fp8-sized count thresholds small.
    OnceAtLeast(u32, NodeId),
}

impl Node {
    /// The operator of this node, without its operands.
    pub fn op(&self) -> Op {
        match self {
            Node::True => Op::True,
            Node::False => Op::False,
            Node::Eos => Op::Eos,
            Node::Start => Op::Start,
            Node::PosMod(..) => Op::PosMod,
            Node::Atom(_) => Op::Atom,
            Node::Not(_) => Op::Not,
            Node::And(..) => Op::And,
            Node::Or(..) => Op::Or,
            Node::Implies(..) => Op::Implies,
            Node::Iff(..) => Op::Iff,
            Node::Yesterday(_) => Op::Yesterday,
            Node::WeakYesterday(_) => Op::WeakYesterday,
            Node::YesterdayWithin(..) => Op::YesterdayWithin,
            Node::StrictOnce(_) => Op::StrictOnce,
            Node::Once(_) => Op::Once,
            Node::Historically(_) => Op::Historically,
            Node::Since(..) => Op::Since,
            Node::StrictSince(..) => Op::StrictSince,
            Node::Release(..) => Op::Release,
            Node::OnceAtLeast(..) => Op::OnceAtLeast,
        }
    }

    /// The operands, left to right (zero, one or two).
    pub fn children(&self) -> impl Iterator<Item = NodeId> {
        let (a, b) = match *self {
            Node::True
            | Node::False
            | Node::Eos
            | Node::Start
            | Node::PosMod(..)
            | Node::Atom(_) => (None, None),
            Node::Not(x)
            | Node::Yesterday(x)
            | Node::WeakYesterday(x)
            | Node::YesterdayWithin(_, x)
            | Node::OnceAtLeast(_, x)
            | Node::StrictOnce(x)
            | Node::Once(x)
            | Node::Historically(x) => (Some(x), None),
            Node::And(x, y)
            | Node::Or(x, y)
            | Node::Implies(x, y)
            | Node::Iff(x, y)
            | Node::Since(x, y)
            | Node::StrictSince(x, y)
            | Node::Release(x, y) => (Some(x), Some(y)),
        };
        a.into_iter().chain(b)
    }

    /// The same operator over operands renamed by `f`.
    pub fn map_children(self, mut f: impl FnMut(NodeId) -> NodeId) -> Node {
        match self {
            Node::True
            | Node::False
            | Node::Eos
            | Node::Start
            | Node::PosMod(..)
            | Node::Atom(_) => self,
            Node::Not(x) => Node::Not(f(x)),
            Node::Yesterday(x) => Node::Yesterday(f(x)),
            Node::WeakYesterday(x) => Node::WeakYesterday(f(x)),
            Node::YesterdayWithin(k, x) => Node::YesterdayWithin(k, f(x)),
            Node::OnceAtLeast(m, x) => Node::OnceAtLeast(m, f(x)),
            Node::StrictOnce(x) => Node::StrictOnce(f(x)),
            Node::Once(x) => Node::Once(f(x)),
            Node::Historically(x) => Node::Historically(f(x)),
            Node::And(x, y) => Node::And(f(x), f(y)),
            Node::Or(x, y) => Node::Or(f(x), f(y)),
            Node::Implies(x, y) => Node::Implies(f(x), f(y)),
            Node::Iff(x, y) => Node::Iff(f(x), f(y)),
            Node::Since(x, y) => Node::Since(f(x), f(y)),
            Node::StrictSince(x, y) => Node::StrictSince(f(x), f(y)),
            Node::Release(x, y) => Node::Release(f(x), f(y)),
        }
    }

    /// Whether the node looks into the past (its truth depends on earlier positions).
    pub fn is_temporal(&self) -> bool {
        self.op().is_temporal()
    }
}

/// Operator kinds, used for "which operators occur" queries and fragment checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Op {
    /// ⊤.
    True,
    /// ⊥.
    False,
    /// The end-marker atom `eos`.
    Eos,
    /// The first-position atom `start`.
    Start,
    /// A position-modulo atom `pos%m=r`.
    PosMod,
    /// A token or proposition.
    Atom,
    /// ¬.
    Not,
    /// ∧.
    And,
    /// ∨.
    Or,
    /// →.
    Implies,
    /// ↔.
    Iff,
    /// Y (strict yesterday).
    Yesterday,
    /// Z (weak yesterday, PPLTL `WY`).
    WeakYesterday,
    /// Y^{≤k} (bounded yesterday).
    YesterdayWithin,
    /// P (strict once).
    StrictOnce,
    /// O (once, non-strict).
    Once,
    /// H (historically, non-strict).
    Historically,
    /// S (since, non-strict).
    Since,
    /// S< (strict since).
    StrictSince,
    /// Infix P (past release).
    Release,
    /// P^{≥m} (at least m times before; declared last so that earlier kinds keep their
    /// numbers).
    OnceAtLeast,
}

impl Op {
    /// All operator kinds, in declaration order.
    pub const ALL: [Op; 21] = [
        Op::True,
        Op::False,
        Op::Eos,
        Op::Start,
        Op::PosMod,
        Op::Atom,
        Op::Not,
        Op::And,
        Op::Or,
        Op::Implies,
        Op::Iff,
        Op::Yesterday,
        Op::WeakYesterday,
        Op::YesterdayWithin,
        Op::StrictOnce,
        Op::Once,
        Op::Historically,
        Op::Since,
        Op::StrictSince,
        Op::Release,
        Op::OnceAtLeast,
    ];

    /// Whether this operator refers to earlier positions.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            Op::Yesterday
                | Op::WeakYesterday
                | Op::YesterdayWithin
                | Op::StrictOnce
                | Op::Once
                | Op::Historically
                | Op::Since
                | Op::StrictSince
                | Op::Release
                | Op::OnceAtLeast
        )
    }

    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            Op::True => "true",
            Op::False => "false",
            Op::Eos => "eos",
            Op::Start => "start",
            Op::PosMod => "pos%m=r",
            Op::Atom => "atom",
            Op::Not => "not",
            Op::And => "and",
            Op::Or => "or",
            Op::Implies => "implies",
            Op::Iff => "iff",
            Op::Yesterday => "Y",
            Op::WeakYesterday => "Z",
            Op::YesterdayWithin => "Y<=k",
            Op::StrictOnce => "P",
            Op::Once => "O",
            Op::Historically => "H",
            Op::Since => "S",
            Op::StrictSince => "S<",
            Op::Release => "P (release)",
            Op::OnceAtLeast => "P>=m",
        }
    }
}

/// A set of [`Op`]s as a bit mask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OpSet(u32);

impl OpSet {
    /// The empty set.
    pub fn empty() -> Self {
        OpSet(0)
    }
    /// The set holding just `op`.
    pub fn single(op: Op) -> Self {
        OpSet(1 << op as u8)
    }
    /// Union.
    pub fn union(self, other: OpSet) -> Self {
        OpSet(self.0 | other.0)
    }
    /// Membership.
    pub fn contains(self, op: Op) -> bool {
        self.0 & (1 << op as u8) != 0
    }
    /// The members, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Op> {
        Op::ALL.into_iter().filter(move |&o| self.contains(o))
    }
}

#[derive(Clone, Copy, Debug)]
struct Meta {
    /// Nesting depth of the tree: 0 for leaves.
    height: u32,
    /// Nesting depth counting temporal operators only.
    temporal_depth: u32,
    /// Operators occurring in the subformula.
    ops: OpSet,
}

/// The hash-consed store of formulas. Formulas that are compared with each other
/// (equivalence, inclusion) must live in the same arena so that atoms line up.
#[derive(Clone, Debug, Default)]
pub struct Arena {
    nodes: Vec<Node>,
    meta: Vec<Meta>,
    index: HashMap<Node, NodeId>,
    atoms: Vec<String>,
    atom_index: HashMap<String, AtomId>,
}

impl Arena {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of nodes stored (all formulas together).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id.index()]
    }

    /// The name of an atom.
    pub fn atom_name(&self, atom: AtomId) -> &str {
        &self.atoms[atom.0 as usize]
    }

    /// The atom with this name, if any formula of the arena uses it.
    pub fn find_atom(&self, name: &str) -> Option<AtomId> {
        self.atom_index.get(name).copied()
    }

    /// Adds (or finds) a node. Children must already be in the arena.
    ///
    /// `YesterdayWithin(1, φ)` is stored as `Yesterday(φ)` and `YesterdayWithin(0, φ)`
    /// as `False`, `OnceAtLeast(1, φ)` as `StrictOnce(φ)` and `OnceAtLeast(0, φ)` as
    /// `True`, so that equal meanings of the window and counting operators share a node.
    pub fn add(&mut self, node: Node) -> NodeId {
        let node = match node {
            Node::YesterdayWithin(0, _) => Node::False,
            Node::YesterdayWithin(1, x) => Node::Yesterday(x),
            Node::OnceAtLeast(0, _) => Node::True,
            Node::OnceAtLeast(1, x) => Node::StrictOnce(x),
            other => other,
        };
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let mut height = 0;
        let mut temporal_depth = 0;
        let mut ops = OpSet::single(node.op());
        for c in node.children() {
            assert!(
                c.index() < self.nodes.len(),
                "child {c:?} is not in this arena"
            );
            let m = self.meta[c.index()];
            height = height.max(m.height + 1);
            temporal_depth = temporal_depth.max(m.temporal_depth);
            ops = ops.union(m.ops);
        }
        // P>=m φ abbreviates m nested P's, and counts as their depth.
        if let Node::OnceAtLeast(m, _) = node {
            temporal_depth = temporal_depth.saturating_add(m);
        } else if node.is_temporal() {
            temporal_depth += 1;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).expect("more than 2^32 formula nodes"));
        self.nodes.push(node);
        self.meta.push(Meta {
            height,
            temporal_depth,
            ops,
        });
        self.index.insert(node, id);
        id
    }

    /// The atom node for a token or proposition name.
    pub fn atom(&mut self, name: &str) -> NodeId {
        let a = match self.atom_index.get(name) {
            Some(&a) => a,
            None => {
                let a = AtomId(self.atoms.len() as u32);
                self.atoms.push(name.to_string());
                self.atom_index.insert(name.to_string(), a);
                a
            }
        };
        self.add(Node::Atom(a))
    }

    /// Nesting depth of the formula tree (0 for atoms and constants).
    pub fn height(&self, id: NodeId) -> u32 {
        self.meta[id.index()].height
    }

    /// Nesting depth of temporal operators (0 for a Boolean combination of atoms; a
    /// `P>=m` counts m, the depth of the nested P's it abbreviates).
    pub fn temporal_depth(&self, id: NodeId) -> u32 {
        self.meta[id.index()].temporal_depth
    }

    /// The operators that occur in the formula.
    pub fn ops(&self, id: NodeId) -> OpSet {
        self.meta[id.index()].ops
    }

    /// The distinct subformulas of `root` (the DAG's nodes below it, itself included),
    /// in increasing id order, so children come before parents. The work is proportional
    /// to the subformula's own size, not to the arena's.
    pub fn subformulas(&self, root: NodeId) -> Vec<NodeId> {
        let mut seen: rustc_hash::FxHashSet<NodeId> = rustc_hash::FxHashSet::default();
        let mut stack = vec![root];
        seen.insert(root);
        while let Some(n) = stack.pop() {
            for c in self.nodes[n.index()].children() {
                if seen.insert(c) {
                    stack.push(c);
                }
            }
        }
        let mut out: Vec<NodeId> = seen.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Tree size: the number of nodes when shared subformulas are written out each time
    /// they occur (what a printer writes), saturating at `u64::MAX`. Work proportional to
    /// the subformula's DAG.
    pub fn tree_size(&self, root: NodeId) -> u64 {
        let mut size: rustc_hash::FxHashMap<NodeId, u64> = rustc_hash::FxHashMap::default();
        for n in self.subformulas(root) {
            size.insert(n, self.tree_size_from(n, |c| size[&c]));
        }
        size[&root]
    }

    /// [`Arena::tree_size`] of every node, indexed by id, in one pass over the arena (for
    /// printing many formulas of one arena).
    pub fn tree_sizes(&self) -> Vec<u64> {
        let mut sizes: Vec<u64> = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            let s = self.tree_size_from(NodeId(i as u32), |c| sizes[c.index()]);
            sizes.push(s);
        }
        sizes
    }

    /// One node plus its children's tree sizes, saturating.
    fn tree_size_from(&self, n: NodeId, child: impl Fn(NodeId) -> u64) -> u64 {
        self.nodes[n.index()]
            .children()
            .fold(1u64, |acc, c| acc.saturating_add(child(c)))
    }

    /// DAG size: the number of distinct subformulas.
    pub fn size(&self, root: NodeId) -> usize {
        self.subformulas(root).len()
    }

    /// The atoms that occur in `root`, in order of first creation.
    pub fn atoms_of(&self, root: NodeId) -> Vec<AtomId> {
        let mut out: Vec<AtomId> = self
            .subformulas(root)
            .into_iter()
            .filter_map(|n| match self.node(n) {
                Node::Atom(a) => Some(a),
                _ => None,
            })
            .collect();
        out.sort();
        out
    }

    /// The names of the atoms of `root`, in order of first creation.
    pub fn atom_names(&self, root: NodeId) -> Vec<String> {
        self.atoms_of(root)
            .into_iter()
            .map(|a| self.atom_name(a).to_string())
            .collect()
    }

    /// The reserved word (`eos`, `start`, `true`, `false`) that `root` uses as an
    /// operator while `tokens` also has a token of that name, if any. Bare reserved words
    /// are always the operators and quoted names always tokens (grammar/formula.md), so
    /// such a formula almost surely means the token: callers refuse it and say to quote.
    /// (`true`, `false` and `start` are keywords in any case; `eos` only in lower case.)
    pub fn reserved_clash(&self, root: NodeId, tokens: &[String]) -> Option<&'static str> {
        let has = |word: &str, any_case: bool| {
            tokens
                .iter()
                .any(|t| t == word || (any_case && t.eq_ignore_ascii_case(word)))
        };
        self.subformulas(root)
            .into_iter()
            .find_map(|n| match self.node(n) {
                Node::Eos if has("eos", false) => Some("eos"),
                Node::Start if has("start", true) => Some("start"),
                Node::True if has("true", true) => Some("true"),
                Node::False if has("false", true) => Some("false"),
                _ => None,
            })
    }

    /// Copies the formula `root` of `other` into this arena, returning its id here.
    pub fn import(&mut self, other: &Arena, root: NodeId) -> NodeId {
        let mut map: HashMap<NodeId, NodeId> = HashMap::new();
        for n in other.subformulas(root) {
            let new = match other.node(n) {
                Node::Atom(a) => self.atom(other.atom_name(a)),
                node => self.add(node.map_children(|c| map[&c])),
            };
            map.insert(n, new);
        }
        map[&root]
    }
}

/// The modulus a position counter needs for atoms `pos%m=r` with these moduli: their lcm,
/// or 0 ("count without reducing") when it exceeds 2^62; `None` without moduli.
pub fn position_modulus(moduli: impl IntoIterator<Item = u32>) -> Option<u64> {
    let gcd = |mut a: u128, mut b: u128| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let mut lcm: Option<u128> = None;
    for m in moduli {
        let l = lcm.unwrap_or(1);
        let next = if l == 0 {
            0
        } else {
            l / gcd(l, u128::from(m)) * u128::from(m)
        };
        lcm = Some(if next > 1 << 62 { 0 } else { next });
    }
    lcm.map(|l| l as u64)
}
