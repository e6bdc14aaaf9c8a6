//! Summary values: scalars, images, text and tensors, in the forms every
//! reader of event files understands.
//!
//! Scalars are `Summary.Value.simple_value` and images `Summary.Image`
//! (height, width, colorspace, PNG bytes), the forms PyTorch's and
//! tensorboardX's writers use by default: TensorBoard's classic
//! `EventAccumulator`, tbparse and TensorFlow's own reader list them as
//! scalars and images, and both TensorBoard loaders convert them on load
//! (a `simple_value` gets the scalars plugin with data class SCALAR, an
//! `Image` the images plugin as a blob sequence `[width, height, png]`:
//! [`initial_metadata`], [`into_blob_sequence`], [`migrate_value`]); they need no
//! metadata. Text is a rank-0 `DT_STRING` tensor of Markdown and tensors
//! under a plugin of our own carry `data_class` TENSOR (without it the Rust
//! loader keeps none of them: [`initial_metadata`]); both carry their
//! metadata on every value, so that scripts classifying each value by its
//! own metadata see all of them, not only a tag's first per file.
//!
//! [`initial_metadata`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/data_compat.rs#L335-L374
//! [`into_blob_sequence`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data/server/data_compat.rs#L178-L193
//! [`migrate_value`]: https://github.com/tensorflow/tensorboard/blob/70b76c922822dcccc3e8d7e5dd89860948690357/tensorboard/data_compat.py#L46-L73

use crate::png::Png;
use crate::proto::summary::value::Value as ValueKind;
use crate::proto::summary::{Image, Value};
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

fn value(tag: &str, kind: ValueKind, metadata: Option<SummaryMetadata>) -> Value {
    Value {
        node_name: String::new(),
        tag: tag.to_owned(),
        metadata,
        value: Some(kind),
    }
}

/// A scalar: a `simple_value`, which every reader lists as a scalar.
pub fn scalar(tag: &str, v: f32) -> Value {
    value(tag, ValueKind::SimpleValue(v), None)
}

/// An image: a `Summary.Image` holding the PNG with its size and channels.
pub fn image(tag: &str, png: Png) -> Value {
    // The PNG header bounds both sizes by 2^31 - 1.
    let image = Image {
        height: i32::try_from(png.height()).unwrap_or(i32::MAX),
        width: i32::try_from(png.width()).unwrap_or(i32::MAX),
        colorspace: i32::from(png.channels()),
        encoded_image_string: png.into_bytes(),
    };
    value(tag, ValueKind::Image(image), None)
}

/// Markdown text: a rank-0 `DT_STRING` tensor under the text plugin.
/// TensorBoard renders GitHub pipe tables and fenced code.
pub fn text(tag: &str, markdown: &str) -> Value {
    let tensor = TensorProto {
        dtype: DataType::DtString as i32,
        tensor_shape: Some(shape(&[])),
        string_val: vec![markdown.as_bytes().to_vec()],
        ..Default::default()
    };
    let meta = metadata(plugin::TEXT, Vec::new(), DataClass::Tensor);
    value(tag, ValueKind::Tensor(tensor), Some(meta))
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
pub fn tensor(tag: &str, tensor: TensorProto, plugin_name: &str, content: Vec<u8>) -> Value {
    let meta = metadata(plugin_name, content, DataClass::Tensor);
    value(tag, ValueKind::Tensor(tensor), Some(meta))
}

/// Appends the encoding of a complete scalar `Event` to `buf`, byte for
/// byte what `prost` writes for the same message holding [`scalar`] (a unit
/// test holds it to that), but without building the message and its heap
/// allocations: logging a scalar is the hot path of a training loop.
pub(crate) fn encode_scalar_event(buf: &mut Vec<u8>, wall_time: f64, step: i64, tag: &str, v: f32) {
    // Summary.Value{tag = 1, simple_value = 2 (fixed32)}; no metadata.
    const SIMPLE_VALUE_FIELD: usize = 1 + 4;
    let value_len = 1 + varint_len(tag.len() as u64) + tag.len() + SIMPLE_VALUE_FIELD;
    let summary_len = 1 + varint_len(value_len as u64) + value_len;
    // As prost: a zero of either sign is the default and left out.
    if wall_time != 0.0 {
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
    buf.push(0x15);
    buf.extend_from_slice(&v.to_le_bytes());
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

    fn scalar_event(wall: f64, step: i64, tag: &str, v: f32) -> Event {
        Event {
            wall_time: wall,
            step,
            what: Some(event::What::Summary(Summary {
                value: vec![scalar(tag, v)],
            })),
            source_metadata: None,
        }
    }

    #[test]
    fn fast_scalar_encoding_matches_prost() {
        let long_tag = "t".repeat(300);
        for &(wall, step, tag, v) in &[
            (1_700_000_001.0, 1, "loss", 0.5f32),
            (0.0, 0, "a", 0.0),
            (-0.0, 0, "negative/zero", -0.0),
            (-1.5, -7, "neg/step", f32::NAN),
            (1e9, i64::MAX, long_tag.as_str(), f32::INFINITY),
            (3.25, 300, "ünïcode/tag", -1e-30),
        ] {
            let mut fast = Vec::new();
            encode_scalar_event(&mut fast, wall, step, tag, v);
            let message = scalar_event(wall, step, tag, v);
            assert_eq!(fast, message.encode_to_vec(), "{tag} {step}");
            // And it decodes to the message, a zero value included (a
            // `oneof` field is written even when it holds the default).
            let decoded = Event::decode(fast.as_slice()).unwrap();
            assert_eq!(decoded.step, step);
            let Some(event::What::Summary(summary)) = decoded.what else {
                panic!("no summary")
            };
            assert_eq!(summary.value[0].tag, tag);
            assert!(summary.value[0].metadata.is_none());
            match summary.value[0].value {
                Some(ValueKind::SimpleValue(x)) => assert_eq!(x.to_bits(), v.to_bits()),
                ref other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn scalar_wire_form_matches_the_format_notes() {
        // loss = 0.5 at step 1 as PyTorch's SummaryWriter writes it: a
        // Summary.Value with tag (field 1) and simple_value (field 2, fixed32),
        // encoded by hand from the field numbers of TensorFlow's summary.proto.
        let from_notes: &[u8] = b"\x0a\x0b\x0a\x04loss\x15\x00\x00\x00\x3f";
        let ours = Summary {
            value: vec![scalar("loss", 0.5)],
        };
        assert_eq!(Summary::decode(from_notes).unwrap(), ours);
        assert_eq!(ours.encode_to_vec(), from_notes);
        let bytes = scalar_event(1_700_000_001.0, 1, "loss", 0.5).encode_to_vec();
        assert_eq!(bytes.len() + 16, 42, "framed size of a 4-letter scalar");
    }

    #[test]
    fn image_is_a_summary_image_with_size_and_channels() {
        let bytes = crate::png::tiny_png(4, 2);
        let v = image("cm", Png::new(bytes.clone()).unwrap());
        let Some(ValueKind::Image(im)) = v.value else {
            panic!("not an image")
        };
        assert_eq!(
            (im.width, im.height, im.colorspace, im.encoded_image_string),
            (4, 2, 3, bytes)
        );
        assert!(v.metadata.is_none());
    }

    #[test]
    fn text_and_tensor_carry_their_metadata_with_data_class_tensor() {
        let t = text("notes", "| a |\n|---|\n| 1 |");
        let meta = t.metadata.unwrap();
        assert_eq!(meta.data_class, DataClass::Tensor as i32);
        assert_eq!(meta.plugin_data.unwrap().plugin_name, "text");
        let c = tensor(
            "cm/counts",
            int64_tensor(&[2, 2], vec![1, 0, 0, 1]),
            "x",
            vec![],
        );
        let meta = c.metadata.unwrap();
        assert_eq!(meta.data_class, DataClass::Tensor as i32);
        assert_eq!(meta.plugin_data.unwrap().plugin_name, "x");
        assert!(scalar("s", 1.0).metadata.is_none());
    }
}
