//! Summary values: scalars, images, text and tensors, each with the plugin
//! metadata TensorBoard's two loaders need to keep them.
//!
//! The forms are the ones both loaders accept: scalars are rank-0
//! `DT_FLOAT` tensors (a `DT_DOUBLE` scalar vanishes in the Rust loader:
//! [`tensor_proto_to_scalar`]), images are rank-1 `DT_STRING` tensors
//! `[width, height, png]` *with* a shape (without one the Rust loader drops
//! the tag: [`into_blob_sequence`]), text is a rank-0 `DT_STRING` tensor of
//! Markdown, and tensors under a plugin of our own carry `data_class` TENSOR
//! (without it the Rust loader keeps none of them: [`initial_metadata`]).
//! TensorBoard needs metadata only on the first value of a tag in each
//! file; the writer decides where it goes and passes `with_metadata`.
//!
//! [`tensor_proto_to_scalar`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/data_compat.rs#L231-L257
//! [`into_blob_sequence`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/data_compat.rs#L197-L201
//! [`initial_metadata`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/data_compat.rs#L335-L374

use crate::png::Png;
use crate::proto::summary::Value;
use crate::proto::summary::value::Value as ValueKind;
use crate::proto::summary_metadata::PluginData;
use crate::proto::tensor_shape_proto::Dim;
use crate::proto::{DataClass, DataType, SummaryMetadata, TensorProto, TensorShapeProto};

/// Plugin names, which must match TensorBoard's `plugins/*/metadata.py`.
pub mod plugin {
    /// The scalars dashboard.
    pub const SCALARS: &str = "scalars";
    /// The images dashboard.
    pub const IMAGES: &str = "images";
    /// The text dashboard (Markdown).
    pub const TEXT: &str = "text";
}

/// Metadata naming a plugin, with its content and data class.
pub fn metadata(plugin_name: &str, content: Vec<u8>, data_class: DataClass) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(PluginData {
            plugin_name: plugin_name.to_owned(),
            content,
        }),
        display_name: String::new(),
        summary_description: String::new(),
        data_class: data_class as i32,
    }
}

fn shape(dims: &[i64]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|&size| Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

fn value(tag: &str, tensor: TensorProto, metadata: Option<SummaryMetadata>) -> Value {
    Value {
        node_name: String::new(),
        tag: tag.to_owned(),
        metadata,
        value: Some(ValueKind::Tensor(tensor)),
    }
}

/// A scalar: a rank-0 `DT_FLOAT` tensor for the scalars dashboard.
pub fn scalar(tag: &str, v: f32, with_metadata: bool) -> Value {
    let tensor = TensorProto {
        dtype: DataType::DtFloat as i32,
        float_val: vec![v],
        ..Default::default()
    };
    let meta = with_metadata.then(|| metadata(plugin::SCALARS, Vec::new(), DataClass::Scalar));
    value(tag, tensor, meta)
}

/// An image: a rank-1 `DT_STRING` tensor `[width, height, png]`.
pub fn image(tag: &str, png: Png, with_metadata: bool) -> Value {
    let (w, h) = (png.width(), png.height());
    let tensor = TensorProto {
        dtype: DataType::DtString as i32,
        tensor_shape: Some(shape(&[3])),
        string_val: vec![
            w.to_string().into_bytes(),
            h.to_string().into_bytes(),
            png.into_bytes(),
        ],
        ..Default::default()
    };
    let meta = with_metadata.then(|| metadata(plugin::IMAGES, Vec::new(), DataClass::BlobSequence));
    value(tag, tensor, meta)
}

/// Markdown text: a rank-0 `DT_STRING` tensor. TensorBoard renders GitHub
/// pipe tables and fenced code.
pub fn text(tag: &str, markdown: &str, with_metadata: bool) -> Value {
    let tensor = TensorProto {
        dtype: DataType::DtString as i32,
        tensor_shape: Some(shape(&[])),
        string_val: vec![markdown.as_bytes().to_vec()],
        ..Default::default()
    };
    let meta = with_metadata.then(|| metadata(plugin::TEXT, Vec::new(), DataClass::Tensor));
    value(tag, tensor, meta)
}

/// A dense `i64` tensor of the given shape (row-major values), stored as
/// packed varints, which keeps runs of small counts small.
pub fn int64_tensor(dims: &[i64], values: Vec<i64>) -> TensorProto {
    TensorProto {
        dtype: DataType::DtInt64 as i32,
        tensor_shape: Some(shape(dims)),
        int64_val: values,
        ..Default::default()
    }
}

/// A tensor under a plugin of the caller's, with `data_class` TENSOR so that
/// TensorBoard's Rust loader keeps it.
pub fn tensor(
    tag: &str,
    tensor: TensorProto,
    plugin_name: &str,
    content: Vec<u8>,
    with_metadata: bool,
) -> Value {
    let meta = with_metadata.then(|| metadata(plugin_name, content, DataClass::Tensor));
    value(tag, tensor, meta)
}

/// Appends the encoding of a complete scalar `Event` to `buf`, byte for
/// byte what `prost` would write for the equivalent message (a unit test
/// holds it to that), but without building the message and its four heap
/// allocations: logging a scalar is the hot path of a training loop.
pub(crate) fn encode_scalar_event(
    buf: &mut Vec<u8>,
    wall_time: f64,
    step: i64,
    tag: &str,
    v: f32,
    with_metadata: bool,
) {
    // SummaryMetadata{plugin_data{plugin_name:"scalars"}, data_class:SCALAR}
    const META: &[u8] = b"\x4a\x0d\x0a\x09\x0a\x07scalars\x20\x01";
    // TensorProto{dtype:DT_FLOAT, float_val:[v]}: 08 01, 2a 04 <f32>
    const TENSOR_LEN: usize = 8;
    let tensor_field = 2 + TENSOR_LEN;
    let value_len = 1
        + varint_len(tag.len() as u64)
        + tag.len()
        + if with_metadata { META.len() } else { 0 }
        + tensor_field;
    let summary_len = 1 + varint_len(value_len as u64) + value_len;
    if wall_time.to_bits() != 0 {
        buf.push(0x09);
        buf.extend_from_slice(&wall_time.to_le_bytes());
    }
    if step != 0 {
        buf.push(0x10);
        put_varint(buf, step as u64);
    }
    buf.push(0x2a);
    put_varint(buf, summary_len as u64);
    buf.push(0x0a);
    put_varint(buf, value_len as u64);
    buf.push(0x0a);
    put_varint(buf, tag.len() as u64);
    buf.extend_from_slice(tag.as_bytes());
    // prost writes fields in field-number order: tensor (8) before metadata (9).
    buf.extend_from_slice(&[0x42, TENSOR_LEN as u8, 0x08, 0x01, 0x2a, 0x04]);
    buf.extend_from_slice(&v.to_le_bytes());
    if with_metadata {
        buf.extend_from_slice(META);
    }
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Event, Summary, event};
    use prost::Message;

    fn scalar_event(wall: f64, step: i64, tag: &str, v: f32, meta: bool) -> Vec<u8> {
        Event {
            wall_time: wall,
            step,
            what: Some(event::What::Summary(Summary {
                value: vec![scalar(tag, v, meta)],
            })),
            source_metadata: None,
        }
        .encode_to_vec()
    }

    #[test]
    fn fast_scalar_encoding_matches_prost() {
        let long_tag = "t".repeat(300);
        for &(wall, step, tag, v, meta) in &[
            (1_700_000_001.0, 1, "loss", 0.5f32, true),
            (1_700_000_001.0, 1, "loss", 0.5, false),
            (0.0, 0, "a", 0.0, true),
            (-1.5, -7, "neg/step", f32::NAN, false),
            (1e9, i64::MAX, long_tag.as_str(), f32::INFINITY, true),
            (3.25, 300, "ünïcode/tag", -1e-30, true),
        ] {
            let mut fast = Vec::new();
            encode_scalar_event(&mut fast, wall, step, tag, v, meta);
            assert_eq!(fast, scalar_event(wall, step, tag, v, meta), "{tag} {step}");
        }
    }

    #[test]
    fn scalar_wire_form_matches_the_format_notes() {
        // loss = 0.5 at step 1 in the v2 form (a rank-0 DT_FLOAT tensor under
        // plugin "scalars" with data_class SCALAR), encoded by hand from the
        // field numbers of TensorFlow's summary.proto and tensor.proto. Python
        // writes metadata before the tensor; prost writes field-number order,
        // so compare the decoded messages.
        let from_notes: &[u8] = b"\x0a\x1f\x0a\x04loss\x4a\x0d\x0a\x09\x0a\x07scalars\x20\x01\x42\x08\x08\x01\x2a\x04\x00\x00\x00\x3f";
        let ours = Summary {
            value: vec![scalar("loss", 0.5, true)],
        };
        let notes = Summary::decode(from_notes).unwrap();
        assert_eq!(notes, ours);
        let bytes = scalar_event(1_700_000_001.0, 1, "loss", 0.5, true);
        assert_eq!(
            bytes.len() + 16,
            62,
            "framed size of a 4-letter scalar with metadata"
        );
    }

    #[test]
    fn image_has_rank_one_shape_and_size_strings() {
        let bytes = crate::png::tiny_png(4, 2);
        let v = image("cm", Png::new(bytes.clone()).unwrap(), true);
        let Some(ValueKind::Tensor(t)) = v.value else {
            panic!("not a tensor")
        };
        assert_eq!(t.dtype, DataType::DtString as i32);
        assert_eq!(t.tensor_shape.unwrap().dim[0].size, 3);
        assert_eq!(t.string_val, vec![b"4".to_vec(), b"2".to_vec(), bytes]);
        let meta = v.metadata.unwrap();
        assert_eq!(meta.plugin_data.unwrap().plugin_name, "images");
        assert_eq!(meta.data_class, DataClass::BlobSequence as i32);
    }

    #[test]
    fn text_and_tensor_carry_data_class_tensor() {
        let t = text("notes", "| a |\n|---|\n| 1 |", true);
        assert_eq!(t.metadata.unwrap().data_class, DataClass::Tensor as i32);
        let c = tensor(
            "cm/counts",
            int64_tensor(&[2, 2], vec![1, 0, 0, 1]),
            "x",
            vec![],
            true,
        );
        let meta = c.metadata.unwrap();
        assert_eq!(meta.data_class, DataClass::Tensor as i32);
        assert_eq!(meta.plugin_data.unwrap().plugin_name, "x");
        assert!(scalar("s", 1.0, false).metadata.is_none());
    }
}
