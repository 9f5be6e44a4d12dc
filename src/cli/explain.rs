//! `ltlattn explain`: the per-position truth table of every subformula.

use miette::Report;

use super::io::print_budget;
use super::{shower, Exit};
use ltlattn::logic::{accepting_column, truth_table, Acceptance, Arena, NodeId, Syntax, Word};
use ltlattn::report::{explain_fits, to_json};

pub(crate) enum Style {
    Text(Syntax),
    Latex,
    Json,
}

pub(crate) fn explain(
    arena: &Arena,
    root: NodeId,
    word: &Word,
    acc: Acceptance,
    style: Style,
) -> Result<Exit, Report> {
    explain_fits(arena, root)?;
    let sh = shower(arena);
    let table = truth_table(arena, root, word, acc);
    let mut headers: Vec<String> = (0..word.len()).map(|i| word.show_position(i)).collect();
    let col = accepting_column(word.len(), acc);
    let accepted = col
        .map(|c| table.values[table.rows.len() - 1][c])
        .unwrap_or(false);
    match style {
        Style::Json => {
            outln!(
                "{}",
                to_json(
                    "explain",
                    &ltlattn::report::explain(arena, root, word, acc, print_budget())?
                )
            );
        }
        Style::Latex => {
            let latex = ltlattn::report::explain_latex(arena, root, word, acc, print_budget())?;
            for line in latex.lines() {
                outln!("{line}");
            }
        }
        Style::Text(syntax) => {
            if table.has_eos {
                headers.push("⊣".into());
            }
            let labels: Vec<String> = table.rows.iter().map(|&id| sh.show(id, syntax)).collect();
            let w0 = labels
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
                .max(8);
            let widths: Vec<usize> = headers.iter().map(|h| h.chars().count().max(1)).collect();
            let pad = |s: &str, w: usize| {
                format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
            };
            let mut line = pad("position", w0);
            for (i, w) in widths.iter().enumerate() {
                line.push_str("  ");
                line.push_str(&pad(&(i + 1).to_string(), *w));
            }
            outln!("{}", line.trim_end());
            let mut line = pad("token", w0);
            for (h, w) in headers.iter().zip(&widths) {
                line.push_str("  ");
                line.push_str(&pad(h, *w));
            }
            outln!("{}", line.trim_end());
            outln!(
                "{}",
                "-".repeat(w0 + widths.iter().map(|w| w + 2).sum::<usize>())
            );
            for (label, v) in labels.iter().zip(&table.values) {
                let mut line = pad(label, w0);
                for (b, w) in v.iter().zip(&widths) {
                    line.push_str("  ");
                    line.push_str(&pad(if *b { "1" } else { "0" }, *w));
                }
                outln!("{}", line.trim_end());
            }
            let whole = labels.last().cloned().unwrap_or_default();
            match col {
                Some(c) => outln!(
                    "\n{}: `{}` is {} at position {} ({})",
                    if accepted { "accepted" } else { "rejected" },
                    whole,
                    if accepted { "true" } else { "false" },
                    c + 1,
                    if acc == Acceptance::Eos {
                        "the end marker ⊣"
                    } else {
                        "the last position"
                    }
                ),
                None => outln!("\nrejected: the empty word has no last position (--accept last)"),
            }
        }
    }
    Ok(accepted.into())
}
