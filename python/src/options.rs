//! The keyword arguments of `add_confusion_matrix` as the library's option
//! structs. Every default is the library's: a keyword left out sets
//! nothing, so `ConfusionOptions::default()` and `RenderOptions::default()`
//! decide.

use clap::ValueEnum;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use tbconfusion::confusion::render::{MAX_SIDE_PX, MIN_SIDE_PX};
use tbconfusion::confusion::{RenderError, ScoreKind};
use tbconfusion::{ConfusionOptions, Delta, RenderOptions};

/// The keywords that shape what is logged and how it is drawn, as given
/// (`None`: the library's default).
#[derive(Debug, Default)]
pub struct Keywords {
    /// `normalize`: "none", "true", "pred", "all".
    pub normalize: Option<String>,
    /// `color_mode`: "sequential", "errors".
    pub color_mode: Option<String>,
    /// `class_order`: "auto", "given", "clustered".
    pub class_order: Option<String>,
    /// `annotate`: "auto", "always", "never".
    pub annotate: Option<String>,
    /// `colorbar`.
    pub colorbar: Option<bool>,
    /// `margins`.
    pub margins: Option<bool>,
    /// `max_side_px`.
    pub max_side_px: Option<u32>,
    /// `system_fonts`: add the machine's CJK/Thai faces for class names.
    pub system_fonts: Option<bool>,
    /// `zero_division`: "nan", "zero", "one".
    pub zero_division: Option<String>,
    /// `per_class_scalars_up_to`.
    pub per_class_scalars_up_to: Option<usize>,
    /// `top_confused_above`.
    pub top_confused_above: Option<usize>,
    /// `top_confused_classes`.
    pub top_confused_classes: Option<usize>,
    /// `image`.
    pub image: Option<bool>,
    /// `table`.
    pub table: Option<bool>,
    /// `scalars`.
    pub scalars: Option<bool>,
    /// `counts`.
    pub counts: Option<bool>,
    /// `pr_curves`.
    pub pr_curves: Option<bool>,
    /// `delta`: "previous", "off".
    pub delta: Option<String>,
}

/// Reads `value` as one of `T`'s names, the command line's spellings (the library's
/// `clap::ValueEnum`), or says which were expected.
fn choose<T: ValueEnum>(keyword: &str, value: &str) -> PyResult<T> {
    T::from_str(value, false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| format!("{:?}", v.get_name()))
            .collect();
        PyValueError::new_err(format!(
            "{keyword} must be one of {}, got {value:?}",
            names.join(", ")
        ))
    })
}

/// `score_kind`: "auto", "probs", "logits" (the names of the command's
/// `--score-kind`).
pub fn score_kind(value: &str) -> PyResult<ScoreKind> {
    choose("score_kind", value)
}

impl Keywords {
    /// The rendering options these keywords ask for.
    fn render(&self) -> PyResult<RenderOptions> {
        let mut render = RenderOptions::default();
        if let Some(value) = &self.normalize {
            render = render.normalization(choose("normalize", value)?);
        }
        if let Some(value) = &self.color_mode {
            render = render.color_mode(choose("color_mode", value)?);
        }
        if let Some(value) = &self.class_order {
            render = render.class_order(choose("class_order", value)?);
        }
        if let Some(value) = &self.annotate {
            render = render.annotate(choose("annotate", value)?);
        }
        if let Some(on) = self.colorbar {
            render = render.colorbar(on);
        }
        if let Some(on) = self.margins {
            render = render.margins(on);
        }
        if let Some(px) = self.max_side_px {
            // Checked now, not when the background thread draws (its error
            // would reach only a later call).
            if !(MIN_SIDE_PX..=MAX_SIDE_PX).contains(&px) {
                return Err(PyValueError::new_err(
                    RenderError::CapOutOfRange(px).to_string(),
                ));
            }
            render = render.max_side_px(px);
        }
        if self.system_fonts == Some(true) {
            render = render.fallback_fonts_from_system();
        }
        Ok(render)
    }

    /// The logging options these keywords ask for.
    ///
    /// # Errors
    ///
    /// `ValueError` naming the keyword, the value and the choices, for a
    /// string keyword outside its choices.
    pub fn options(&self) -> PyResult<ConfusionOptions> {
        let mut options = ConfusionOptions::default().render(self.render()?);
        if let Some(value) = &self.zero_division {
            options = options.zero_division(choose("zero_division", value)?);
        }
        if let Some(classes) = self.per_class_scalars_up_to {
            options = options.per_class_scalars_up_to(classes);
        }
        if let Some(classes) = self.top_confused_above {
            options = options.top_confused_above(classes);
        }
        if let Some(classes) = self.top_confused_classes {
            options = options.top_confused_classes(classes);
        }
        if let Some(on) = self.image {
            options = options.image(on);
        }
        if let Some(on) = self.table {
            options = options.table(on);
        }
        if let Some(on) = self.scalars {
            options = options.scalars(on);
        }
        if let Some(on) = self.counts {
            options = options.counts(on);
        }
        if let Some(on) = self.pr_curves {
            options = options.pr_curves(on);
        }
        if let Some(value) = &self.delta {
            // Not a `ValueEnum`: `Delta` also holds a baseline matrix.
            let on = match value.as_str() {
                "previous" => true,
                "off" => false,
                _ => {
                    return Err(PyValueError::new_err(format!(
                        "delta must be one of \"previous\", \"off\", got {value:?}"
                    )));
                }
            };
            options = options.delta(if on { Delta::PreviousStep } else { Delta::Off });
        }
        Ok(options)
    }
}
