//! The gallery of confused examples: for the most confused (true,
//! predicted) pairs at a step, the inputs that were confused, next to one
//! correctly classified example of each of the two classes.
//!
//! A confusion matrix says *that* class 3 is taken for 8; the gallery shows
//! *which* 3s. [`SummaryWriter::add_confusion_examples`] takes what a
//! training loop has at hand (labels, predictions and a way to get an
//! example's pixels by index), copies only the few examples it shows, and
//! renders the image on the writer's background thread.

use thiserror::Error;

use super::matrix::{ConfusionMatrix, Label};
use super::render::RenderError;
use super::report::most_confused_pairs;
use crate::draw::canvas::{Rect, RgbImage};
use crate::draw::color::{INK, Rgb, WHITE};
use crate::draw::encode::encode_png;
use crate::draw::text::{Typesetter, primary_face};
use crate::event::{Step, SummaryWriter, WriteError};
use crate::summary;

/// Pixels of one example input: grayscale or RGB, 8 bits per channel,
/// row-major, any size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    width: u32,
    height: u32,
    channels: u8,
    pixels: Vec<u8>,
}

impl Thumbnail {
    /// A grayscale image (`width × height` bytes, 0 = black).
    pub fn gray(width: u32, height: u32, pixels: Vec<u8>) -> Thumbnail {
        Thumbnail {
            width,
            height,
            channels: 1,
            pixels,
        }
    }

    /// An RGB image (`width × height × 3` bytes).
    pub fn rgb(width: u32, height: u32, pixels: Vec<u8>) -> Thumbnail {
        Thumbnail {
            width,
            height,
            channels: 3,
            pixels,
        }
    }

    fn check(&self, index: usize) -> Result<(), GalleryError> {
        let want = self.width as usize * self.height as usize * usize::from(self.channels);
        if self.width == 0 || self.height == 0 || self.pixels.len() != want {
            return Err(GalleryError::BadThumbnail {
                index,
                width: self.width,
                height: self.height,
                channels: self.channels,
                got: self.pixels.len(),
            });
        }
        Ok(())
    }

    fn rgb_at(&self, x: u32, y: u32) -> [u32; 3] {
        let i = (y as usize * self.width as usize + x as usize) * usize::from(self.channels);
        if self.channels == 1 {
            let v = u32::from(self.pixels[i]);
            [v, v, v]
        } else {
            [
                u32::from(self.pixels[i]),
                u32::from(self.pixels[i + 1]),
                u32::from(self.pixels[i + 2]),
            ]
        }
    }
}

/// What the gallery shows.
///
/// ```
/// use tbconfusion::GalleryOptions;
/// let options = GalleryOptions::default().pairs(3).per_pair(6).thumbnail_px(32);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GalleryOptions {
    pub(crate) pairs: usize,
    pub(crate) per_pair: usize,
    pub(crate) thumbnail_px: u32,
}

impl Default for GalleryOptions {
    fn default() -> Self {
        GalleryOptions {
            pairs: 5,
            per_pair: 4,
            thumbnail_px: 40,
        }
    }
}

impl GalleryOptions {
    /// How many of the most confused pairs get a row (default 5).
    pub fn pairs(mut self, pairs: usize) -> Self {
        self.pairs = pairs;
        self
    }

    /// Misclassified examples shown per pair (default 4).
    pub fn per_pair(mut self, examples: usize) -> Self {
        self.per_pair = examples;
        self
    }

    /// Side of a thumbnail's square in pixels (default 40; kept within 8..=256).
    pub fn thumbnail_px(mut self, px: u32) -> Self {
        self.thumbnail_px = px;
        self
    }
}

/// What [`SummaryWriter::add_confusion_examples`] draws from: the labels and
/// predictions a matrix was counted from, and a way to get an example's
/// pixels by its index.
///
/// ```
/// use tbconfusion::{ConfusedExamples, ConfusionMatrix, Thumbnail};
/// let (y_true, y_pred) = ([0u8, 1, 1], [0u8, 0, 1]);
/// let mut cm = ConfusionMatrix::new(2)?;
/// cm.update(&y_true, &y_pred)?;
/// let images = vec![vec![0u8; 8 * 8]; 3];
/// let examples = ConfusedExamples::new(&cm, &y_true, &y_pred, |i| {
///     Thumbnail::gray(8, 8, images[i].clone())
/// });
/// # let _ = examples;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ConfusedExamples<'a, L, F> {
    matrix: &'a ConfusionMatrix,
    y_true: &'a [L],
    y_pred: &'a [L],
    thumbnail: F,
}

impl<'a, L: Label, F: FnMut(usize) -> Thumbnail> ConfusedExamples<'a, L, F> {
    /// `y_true` and `y_pred` are what `matrix` was counted from (only its
    /// class names and counts are read); `thumbnail(i)` returns example
    /// `i`'s pixels. It is called only for the handful of examples shown.
    pub fn new(
        matrix: &'a ConfusionMatrix,
        y_true: &'a [L],
        y_pred: &'a [L],
        thumbnail: F,
    ) -> Self {
        ConfusedExamples {
            matrix,
            y_true,
            y_pred,
            thumbnail,
        }
    }
}

impl<L, F> std::fmt::Debug for ConfusedExamples<'_, L, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfusedExamples")
            .field("classes", &self.matrix.num_classes())
            .field("samples", &self.y_true.len())
            .finish_non_exhaustive()
    }
}

/// Why [`SummaryWriter::add_confusion_examples`] failed: inputs the gallery
/// cannot use (reported at the call, nothing logged), or the writer's error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GalleryError {
    /// Labels and predictions differ in length.
    #[error("{labels} labels but {predictions} predictions")]
    LengthMismatch {
        /// Labels given.
        labels: usize,
        /// Predictions given.
        predictions: usize,
    },
    /// An example's pixel buffer does not match its size.
    #[error(
        "example {index}: a {width}×{height} image with {channels} channel(s) needs {} bytes, got {got}",
        *width as usize * *height as usize * usize::from(*channels)
    )]
    BadThumbnail {
        /// Index of the example.
        index: usize,
        /// Width claimed.
        width: u32,
        /// Height claimed.
        height: u32,
        /// Channels (1 or 3).
        channels: u8,
        /// Bytes given.
        got: usize,
    },
    /// The writer refused the gallery (see [`WriteError`]).
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One row of the gallery: a confused pair and the examples shown for it.
#[derive(Debug)]
struct Row {
    true_name: String,
    predicted_name: String,
    count: u64,
    confused: Vec<Thumbnail>,
    true_reference: Option<Thumbnail>,
    predicted_reference: Option<Thumbnail>,
}

impl SummaryWriter {
    /// Logs, as image `tag`, a gallery of the most confused pairs at `step`:
    /// per pair its class names and count, up to
    /// [`per_pair`](GalleryOptions::per_pair) of its misclassified inputs, and
    /// one correctly classified example of each of the two classes.
    ///
    /// The thumbnails are fetched and copied on the caller's thread; the
    /// image is drawn on the writer's background thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use tbconfusion::{ConfusedExamples, ConfusionMatrix, GalleryOptions, SummaryWriter, Thumbnail};
    /// # let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::create(dir.path())?;
    /// let (y_true, y_pred) = ([0u8, 1, 1, 2], [0u8, 2, 1, 1]);
    /// let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
    /// cm.update(&y_true, &y_pred)?;
    /// let images: Vec<Vec<u8>> = (0..4).map(|i| vec![i * 60; 16 * 16]).collect();
    /// let examples = ConfusedExamples::new(&cm, &y_true, &y_pred, |i| {
    ///     Thumbnail::gray(16, 16, images[i].clone())
    /// });
    /// writer.add_confusion_examples("confused", examples, 1, &GalleryOptions::default())?;
    /// writer.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`GalleryError::LengthMismatch`] and [`GalleryError::BadThumbnail`]
    /// for unusable inputs (nothing is logged), and [`GalleryError::Write`]
    /// for the writer's errors, as from
    /// [`add_scalar`](SummaryWriter::add_scalar).
    pub fn add_confusion_examples<L, F, S>(
        &self,
        tag: &str,
        examples: ConfusedExamples<'_, L, F>,
        step: S,
        options: &GalleryOptions,
    ) -> Result<(), GalleryError>
    where
        L: Label,
        F: FnMut(usize) -> Thumbnail,
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        let step = crate::event::writer::to_step(step)?;
        let total = examples.matrix.total();
        let rows = collect_rows(examples, options)?;
        let (tag_owned, options) = (tag.to_owned(), options.clone());
        self.submit_job(
            tag,
            &[tag],
            step,
            Box::new(move || {
                let img = render_gallery(&rows, &tag_owned, step.0, total, &options)?;
                let png = encode_png(&img)?;
                Ok(vec![summary::image(&tag_owned, png)])
            }),
        )?;
        Ok(())
    }
}

/// Picks the pairs and copies the examples to show, in one pass over the labels.
fn collect_rows<L: Label>(
    examples: ConfusedExamples<'_, L, impl FnMut(usize) -> Thumbnail>,
    options: &GalleryOptions,
) -> Result<Vec<Row>, GalleryError> {
    let ConfusedExamples {
        matrix: cm,
        y_true,
        y_pred,
        thumbnail: mut example,
    } = examples;
    if y_true.len() != y_pred.len() {
        return Err(GalleryError::LengthMismatch {
            labels: y_true.len(),
            predictions: y_pred.len(),
        });
    }
    let k = cm.num_classes() as u64;
    let pairs = most_confused_pairs(cm, options.pairs);
    let mut confused: Vec<Vec<usize>> = vec![Vec::new(); pairs.len()];
    let mut reference: Vec<Option<usize>> = vec![None; cm.num_classes()];
    let wanted = |c: usize| {
        pairs
            .iter()
            .any(|p| p.true_class == c || p.predicted_class == c)
    };
    for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
        let (t, p) = (t.to_u64_wrapping(), p.to_u64_wrapping());
        if t >= k || p >= k {
            continue; // not a class of this matrix; the matrix reports such labels
        }
        let (t, p) = (t as usize, p as usize);
        if t == p {
            if reference[t].is_none() && wanted(t) {
                reference[t] = Some(i);
            }
        } else if let Some(slot) = pairs
            .iter()
            .position(|q| q.true_class == t && q.predicted_class == p)
        {
            if confused[slot].len() < options.per_pair {
                confused[slot].push(i);
            }
        }
    }
    let mut fetch = |i: usize| -> Result<Thumbnail, GalleryError> {
        let thumb = example(i);
        thumb.check(i)?;
        Ok(thumb)
    };
    let names = cm.class_names();
    let mut rows = Vec::with_capacity(pairs.len());
    for (pair, indices) in pairs.iter().zip(confused) {
        rows.push(Row {
            true_name: names[pair.true_class].clone(),
            predicted_name: names[pair.predicted_class].clone(),
            count: pair.count,
            confused: indices
                .into_iter()
                .map(&mut fetch)
                .collect::<Result<_, _>>()?,
            true_reference: reference[pair.true_class].map(&mut fetch).transpose()?,
            predicted_reference: reference[pair.predicted_class]
                .map(&mut fetch)
                .transpose()?,
        });
    }
    Ok(rows)
}

// Sized for TensorBoard's ~330-pixel image card: the default gallery is
// about 400 pixels wide, so text shrinks by at most a fifth on screen.
const TITLE_PX: u32 = 15;
const LABEL_PX: u32 = 15;
const CAPTION_PX: u32 = 12;
const PAD: u32 = 8;
const GAP: u32 = 4;
const LABEL_WIDTH: u32 = 84;
const CONFUSED_BORDER: Rgb = [213, 94, 0];
const REFERENCE_BORDER: Rgb = [0, 114, 178];
const EMPTY_SLOT: Rgb = [240, 240, 240];

/// Draws the gallery: a title, then per pair a label column, the confused
/// thumbnails (orange frames) and the two reference examples (blue frames).
fn render_gallery(
    rows: &[Row],
    tag: &str,
    step: i64,
    total: u64,
    options: &GalleryOptions,
) -> Result<RgbImage, RenderError> {
    let mut ts = Typesetter::new(primary_face()?, &[]);
    let thumb = options.thumbnail_px.clamp(8, 256);
    let cell = thumb + 2 * 2; // a 2-pixel frame
    let slots = options.per_pair.max(1) as u32;
    let confused_width = slots * cell + (slots - 1) * GAP;
    let width = PAD + LABEL_WIDTH + GAP + confused_width + 3 * GAP + 2 * cell + GAP + PAD;
    let title_h = ts.line_height(TITLE_PX) + ts.line_height(CAPTION_PX) + PAD;
    let row_h = cell + ts.line_height(CAPTION_PX) + GAP;
    let body_h = if rows.is_empty() {
        row_h
    } else {
        rows.len() as u32 * (row_h + GAP)
    };
    let height = PAD + title_h + body_h + PAD;
    let mut img = RgbImage::filled(width, height, WHITE);

    let mut text =
        |img: &mut RgbImage, s: &str, px: u32, x: u32, y: u32, max_w: u32, color: Rgb| {
            let fitted = ts.ellipsize_middle(s, px, max_w);
            let mask = ts.render(&fitted, px);
            img.draw_mask(&mask, x, y, color, 255, false);
        };
    let title = format!("{tag} · step {step} · N={total}");
    text(&mut img, &title, TITLE_PX, PAD, PAD, width - 2 * PAD, INK);
    let legend = "true → predicted: misclassified (orange), correct (blue)";
    text(
        &mut img,
        legend,
        CAPTION_PX,
        PAD,
        PAD + TITLE_PX + 6,
        width - 2 * PAD,
        [90, 90, 90],
    );

    let mut y = PAD + title_h;
    if rows.is_empty() {
        text(
            &mut img,
            "no misclassified examples at this step",
            LABEL_PX,
            PAD,
            y,
            width - 2 * PAD,
            INK,
        );
    }
    let refs_x = PAD + LABEL_WIDTH + GAP + confused_width + 3 * GAP;
    for row in rows {
        let pair = format!("{} → {}", row.true_name, row.predicted_name);
        text(&mut img, &pair, LABEL_PX, PAD, y + 2, LABEL_WIDTH, INK);
        let count = format!("{}×", row.count);
        text(
            &mut img,
            &count,
            CAPTION_PX,
            PAD,
            y + 4 + LABEL_PX + 2,
            LABEL_WIDTH,
            [90, 90, 90],
        );
        let mut x = PAD + LABEL_WIDTH + GAP;
        for slot in 0..slots as usize {
            match row.confused.get(slot) {
                Some(t) => {
                    draw_thumbnail(&mut img, t, Rect::new(x, y, cell, cell), CONFUSED_BORDER)
                }
                None => img.fill_rect(Rect::new(x, y, cell, cell), EMPTY_SLOT),
            }
            x += cell + GAP;
        }
        for (i, (reference, name)) in [
            (&row.true_reference, &row.true_name),
            (&row.predicted_reference, &row.predicted_name),
        ]
        .into_iter()
        .enumerate()
        {
            let rx = refs_x + i as u32 * (cell + GAP);
            match reference {
                Some(t) => {
                    draw_thumbnail(&mut img, t, Rect::new(rx, y, cell, cell), REFERENCE_BORDER)
                }
                None => img.fill_rect(Rect::new(rx, y, cell, cell), EMPTY_SLOT),
            }
            text(
                &mut img,
                name,
                CAPTION_PX,
                rx,
                y + cell + 1,
                cell,
                [90, 90, 90],
            );
        }
        y += row_h + GAP;
    }
    Ok(img)
}

/// Draws `t` scaled into `frame` inside a 2-pixel border: small images are
/// enlarged by a whole factor with crisp pixels (an 8×8 digit stays legible),
/// large ones shrunk by averaging each output pixel's source area.
fn draw_thumbnail(img: &mut RgbImage, t: &Thumbnail, frame: Rect, border: Rgb) {
    img.fill_rect(frame, border);
    let inner = Rect::new(frame.x + 2, frame.y + 2, frame.w - 4, frame.h - 4);
    img.fill_rect(inner, WHITE);
    let longest = t.width.max(t.height);
    let (w, h) = if longest <= inner.w {
        let factor = inner.w / longest;
        (t.width * factor, t.height * factor)
    } else {
        let scale = inner.w as f64 / longest as f64;
        (
            ((t.width as f64 * scale).round() as u32).max(1),
            ((t.height as f64 * scale).round() as u32).max(1),
        )
    };
    let (ox, oy) = (inner.x + (inner.w - w) / 2, inner.y + (inner.h - h) / 2);
    for y in 0..h {
        let (sy0, sy1) = source_span(y, h, t.height);
        for x in 0..w {
            let (sx0, sx1) = source_span(x, w, t.width);
            let mut sum = [0u32; 3];
            for sy in sy0..sy1 {
                for sx in sx0..sx1 {
                    let p = t.rgb_at(sx, sy);
                    for c in 0..3 {
                        sum[c] += p[c];
                    }
                }
            }
            let n = (sy1 - sy0) * (sx1 - sx0);
            let color = sum.map(|s| ((s + n / 2) / n) as u8);
            img.fill_rect(Rect::new(ox + x, oy + y, 1, 1), color);
        }
    }
}

/// The source pixels `[start, end)` that output pixel `i` of `out` covers
/// along an axis of `src` pixels; at least one.
fn source_span(i: u32, out: u32, src: u32) -> (u32, u32) {
    let start = (u64::from(i) * u64::from(src) / u64::from(out)) as u32;
    let end = ((u64::from(i) + 1) * u64::from(src)).div_ceil(u64::from(out)) as u32;
    (start.min(src - 1), end.clamp(start + 1, src))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digit(v: u8) -> Thumbnail {
        Thumbnail::gray(
            8,
            8,
            (0..64).map(|i| if i % 9 == 0 { 0 } else { v }).collect(),
        )
    }

    fn sample() -> (ConfusionMatrix, Vec<u32>, Vec<u32>) {
        let y_true = vec![3u32, 3, 3, 8, 8, 1, 1, 3, 8, 1];
        let y_pred = vec![8u32, 8, 3, 8, 3, 1, 7, 8, 8, 1];
        let mut names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        names[3] = "three".into();
        let mut cm = ConfusionMatrix::with_class_names(names).unwrap();
        cm.update(&y_true, &y_pred).unwrap();
        (cm, y_true, y_pred)
    }

    #[test]
    fn rows_follow_the_most_confused_pairs() {
        let (cm, y_true, y_pred) = sample();
        let mut asked = Vec::new();
        let examples = ConfusedExamples::new(&cm, &y_true, &y_pred, |i| {
            asked.push(i);
            digit(i as u8 * 20)
        });
        let rows = collect_rows(examples, &GalleryOptions::default()).unwrap();
        assert_eq!(
            (
                rows[0].true_name.as_str(),
                rows[0].predicted_name.as_str(),
                rows[0].count
            ),
            ("three", "8", 3)
        );
        assert_eq!(rows[0].confused.len(), 3);
        assert!(rows[0].true_reference.is_some() && rows[0].predicted_reference.is_some());
        // Only the examples shown are fetched.
        asked.sort_unstable();
        asked.dedup();
        assert!(asked.len() <= 8, "{asked:?}");
    }

    #[test]
    fn rejects_bad_inputs() {
        let (cm, y_true, y_pred) = sample();
        let opts = GalleryOptions::default();
        assert!(matches!(
            collect_rows(
                ConfusedExamples::new(&cm, &y_true, &y_pred[..3], |_| digit(1)),
                &opts
            ),
            Err(GalleryError::LengthMismatch { .. })
        ));
        let err = collect_rows(
            ConfusedExamples::new(&cm, &y_true, &y_pred, |_| {
                Thumbnail::gray(8, 8, vec![0; 10])
            }),
            &opts,
        );
        assert!(
            matches!(err, Err(GalleryError::BadThumbnail { got: 10, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn small_images_scale_up_crisply_and_large_ones_average() {
        let mut img = RgbImage::filled(44, 44, WHITE);
        let checker = Thumbnail::gray(2, 2, vec![0, 255, 255, 0]);
        draw_thumbnail(&mut img, &checker, Rect::new(0, 0, 44, 44), CONFUSED_BORDER);
        let at = |img: &RgbImage, x: u32, y: u32| {
            let i = (y as usize * img.width as usize + x as usize) * 3;
            img.pixels[i]
        };
        // 2×2 enlarged 20× inside the 40-pixel interior: hard edges, no blur.
        assert_eq!(
            (
                at(&img, 2, 2),
                at(&img, 21, 21),
                at(&img, 22, 2),
                at(&img, 41, 41)
            ),
            (0, 0, 255, 0)
        );
        assert_eq!(at(&img, 0, 0), CONFUSED_BORDER[0]);
        let big = Thumbnail::rgb(400, 400, vec![100; 400 * 400 * 3]);
        let mut img = RgbImage::filled(44, 44, WHITE);
        draw_thumbnail(&mut img, &big, Rect::new(0, 0, 44, 44), CONFUSED_BORDER);
        assert_eq!(at(&img, 20, 20), 100);
    }

    /// The layout, pixel for pixel: `tests/golden/gallery.png`. Set
    /// `UPDATE_GOLDEN=1` to rewrite it after an intended change, and look at
    /// it before committing.
    #[test]
    fn golden_gallery() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/gallery.png");
        let (cm, y_true, y_pred) = sample();
        let opts = GalleryOptions::default();
        let shade = |i: usize| {
            Thumbnail::gray(
                8,
                8,
                (0..64).map(|p| ((p * 7 + i * 31) % 256) as u8).collect(),
            )
        };
        let rows =
            collect_rows(ConfusedExamples::new(&cm, &y_true, &y_pred, shade), &opts).unwrap();
        let img = render_gallery(&rows, "val/examples", 3, cm.total(), &opts).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, encode_png(&img).unwrap().bytes()).unwrap();
        }
        let bytes = std::fs::read(&path).expect("golden missing: run with UPDATE_GOLDEN=1");
        let golden = crate::draw::encode::decode_png(&bytes);
        assert_eq!(
            (golden.width, golden.height),
            (img.width, img.height),
            "gallery size changed"
        );
        assert!(
            golden.pixels == img.pixels,
            "gallery pixels changed; if intended, rerun with UPDATE_GOLDEN=1 and look at {}",
            path.display()
        );
    }

    #[test]
    fn gallery_image_size_is_stable() {
        let (cm, y_true, y_pred) = sample();
        let opts = GalleryOptions::default();
        let rows = collect_rows(
            ConfusedExamples::new(&cm, &y_true, &y_pred, |_| digit(200)),
            &opts,
        )
        .unwrap();
        let img = render_gallery(&rows, "val/examples", 3, cm.total(), &opts).unwrap();
        assert!(
            img.width <= 520 && img.height <= 420,
            "{}x{}",
            img.width,
            img.height
        );
        let empty = render_gallery(&[], "val/examples", 3, 10, &opts).unwrap();
        assert_eq!(empty.width, img.width);
    }
}
