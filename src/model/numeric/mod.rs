//! Numeric fixed-precision transformers (docs/NUMERIC.md): number formats with exact
//! arithmetic, loading TOML + safetensors, the exact executor, and compilation to a
//! minimal DFA and a past-LTL formula, exact at every length.

mod compile;
mod counting;
mod exec;
mod intern;
mod load;
mod number;
mod spelling;

#[doc(hidden)]
pub use compile::mutate_congruence_for_tests;
pub use compile::{
    architecture, cap_for, compile_numeric, count_cap, formula_of, formula_or_note,
    formula_or_note_within, HeadReport, NumericCompileError, NumericCompiled, StageReport,
    FORMULA_DFA_STATES, SHORT_SEARCH_STATES,
};
pub use compile::{bounds, hunt, search};
pub use counting::{count_formula, CountTable};
pub use exec::{
    apply, attend, attention_input, layer_rest, layer_step, logit, project, run_numeric,
    run_numeric_answer, AlphaRow, ExecError, NumericTrace, Projected, RunError, Vector,
};
pub use load::{
    beyond_range_help, is_numeric, load_numeric, weights_path, LayerNorm, Linear, NormPlace,
    NumHead, NumLayer, NumRange, NumericError, NumericErrorKind, NumericModel, RoundingReport,
    MAX_WIDTH, MAX_WINDOW as MAX_NUMERIC_WINDOW,
};
pub use number::{Dyadic, Format, Kind, NanError, Num, Overflow, Rounding};
pub use spelling::{FormatNameError, FormatNameProblem, UnknownSetting};
