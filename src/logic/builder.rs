//! The constant-folding builder on the formula arena.

use super::{Arena, Node, NodeId};

/// Boolean constructors over an [`Arena`] that fold constants, so that generated
/// formulas (compiled models, certificates) stay readable.
///
/// ```
/// use ltlattn::logic::{print, Arena, Builder, Node, Syntax};
/// let mut f = Arena::new();
/// let a = f.atom("a");
/// let mut b = Builder(&mut f);
/// let t = b.konst(true);
/// let x = b.and(t, a);
/// assert_eq!(x, a);
/// ```
pub struct Builder<'a>(pub &'a mut Arena);

impl Builder<'_> {
    /// ¬x, folding constants and double negation.
    pub fn not(&mut self, x: NodeId) -> NodeId {
        match self.0.node(x) {
            Node::True => self.0.add(Node::False),
            Node::False => self.0.add(Node::True),
            Node::Not(y) => y,
            _ => self.0.add(Node::Not(x)),
        }
    }
    /// x ∧ y, folding constants and x ∧ x.
    pub fn and(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.0.node(x), self.0.node(y)) {
            (Node::True, _) => y,
            (_, Node::True) => x,
            (Node::False, _) | (_, Node::False) => self.0.add(Node::False),
            _ if x == y => x,
            _ => self.0.add(Node::And(x, y)),
        }
    }
    /// x ∨ y, folding constants and x ∨ x.
    pub fn or(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.0.node(x), self.0.node(y)) {
            (Node::False, _) => y,
            (_, Node::False) => x,
            (Node::True, _) | (_, Node::True) => self.0.add(Node::True),
            _ if x == y => x,
            _ => self.0.add(Node::Or(x, y)),
        }
    }
    /// ⊤ or ⊥.
    pub fn konst(&mut self, b: bool) -> NodeId {
        self.0.add(if b { Node::True } else { Node::False })
    }
    /// A unary operator node `f(x)`, folding Y ⊥ = P ⊥ = O ⊥ = ⊥.
    pub fn un(&mut self, f: fn(NodeId) -> Node, x: NodeId) -> NodeId {
        // Y ⊥ = P ⊥ = O ⊥ = ⊥.
        let node = f(x);
        if self.0.node(x) == Node::False
            && matches!(
                node,
                Node::Yesterday(_) | Node::StrictOnce(_) | Node::Once(_)
            )
        {
            return x;
        }
        self.0.add(node)
    }
}
