//! Input files for the CLI tests, written without Python.

use std::io::Write;

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A version-1.0 `.npy` holding little-endian `<i8` values of the given shape.
pub fn npy_i64(shape: &[usize], values: &[i64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<i8', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    for v in values {
        out.extend(v.to_le_bytes());
    }
    out
}

/// Writes an `.npz` archive of deflated 1-D `i64` arrays.
pub fn write_npz(path: &std::path::Path, arrays: &[(&str, &[i64])]) {
    use npyz::WriterBuilder;
    let mut zip = npyz::npz::NpzWriter::new(std::fs::File::create(path).unwrap());
    let options = npyz::zip::write::FileOptions::default()
        .compression_method(npyz::zip::CompressionMethod::Deflated);
    for (name, values) in arrays {
        let mut w = zip
            .array::<i64>(name, options)
            .unwrap()
            .default_dtype()
            .shape(&[values.len() as u64])
            .begin_nd()
            .unwrap();
        w.extend(values.iter().copied()).unwrap();
        w.finish().unwrap();
    }
}
