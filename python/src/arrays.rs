//! Python inputs as Rust slices: anything `numpy.asarray` accepts (arrays,
//! lists, torch CPU tensors) becomes a C-contiguous array, which is then
//! read in place. Only what cannot be read in place is copied: a strided
//! view, scores that are not float32, weights that are not float64.

use numpy::{
    Element, PyArray1, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1,
    PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A 1-D array of class indices, borrowed from Python in its own dtype.
pub enum Labels<'py> {
    /// `int8`.
    I8(PyReadonlyArray1<'py, i8>),
    /// `int16`.
    I16(PyReadonlyArray1<'py, i16>),
    /// `int32`.
    I32(PyReadonlyArray1<'py, i32>),
    /// `int64`.
    I64(PyReadonlyArray1<'py, i64>),
    /// `uint8`, and `bool` viewed as it.
    U8(PyReadonlyArray1<'py, u8>),
    /// `uint16`.
    U16(PyReadonlyArray1<'py, u16>),
    /// `uint32`.
    U32(PyReadonlyArray1<'py, u32>),
    /// `uint64`.
    U64(PyReadonlyArray1<'py, u64>),
}

impl Labels<'_> {
    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            Labels::I8(a) => a.len(),
            Labels::I16(a) => a.len(),
            Labels::I32(a) => a.len(),
            Labels::I64(a) => a.len(),
            Labels::U8(a) => a.len(),
            Labels::U16(a) => a.len(),
            Labels::U32(a) => a.len(),
            Labels::U64(a) => a.len(),
        }
    }
}

/// Runs `$body` with `$slice` bound to the labels as a `&[T]` of their own
/// type (one expansion per dtype; the arrays are contiguous by
/// construction, so `as_slice` cannot fail).
macro_rules! with_label_slice {
    ($labels:expr, |$slice:ident| $body:expr) => {
        match $labels {
            $crate::arrays::Labels::I8(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::I16(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::I32(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::I64(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::U8(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::U16(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::U32(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
            $crate::arrays::Labels::U64(a) => {
                let $slice = $crate::arrays::contiguous(a)?;
                $body
            }
        }
    };
}
pub(crate) use with_label_slice;

/// The elements of a C-contiguous 1-D array, in place.
pub fn contiguous<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|e| PyValueError::new_err(format!("array is not contiguous: {e}")))
}

/// `numpy.asarray(object, **kwargs)`, made C-contiguous (which copies only
/// a strided array), as an untyped array.
fn as_contiguous_array<'py>(
    object: &Bound<'py, PyAny>,
    dtype: Option<&str>,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = object.py();
    let numpy = py.import("numpy")?;
    let kwargs = PyDict::new(py);
    if let Some(dtype) = dtype {
        kwargs.set_item("dtype", dtype)?;
    }
    let array = numpy.call_method("asarray", (object,), Some(&kwargs))?;
    let array = array.cast_into::<PyUntypedArray>()?;
    if array.is_c_contiguous() {
        Ok(array)
    } else {
        Ok(numpy
            .call_method1("ascontiguousarray", (array,))?
            .cast_into::<PyUntypedArray>()?)
    }
}

/// Borrows `array` as a 1-D array of `T` if that is its dtype.
fn typed_1d<'py, T: Element>(
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<Option<PyReadonlyArray1<'py, T>>> {
    if !array.dtype().is_equiv_to(&numpy::dtype::<T>(array.py())) {
        return Ok(None);
    }
    let typed = array.cast::<PyArray1<T>>()?;
    Ok(Some(typed.try_readonly()?))
}

/// `object` as 1-D integer class indices, named `what` in errors
/// (`"y_true"`, `"y_pred"`). Integer arrays of any width and signedness are
/// read in place; `bool` is read as `uint8`; an empty list (which numpy
/// makes `float64`) is no labels.
///
/// # Errors
///
/// `ValueError` unless `object` is one-dimensional and holds integers.
pub fn labels<'py>(object: &Bound<'py, PyAny>, what: &str) -> PyResult<Labels<'py>> {
    let mut array = as_contiguous_array(object, None)?;
    if array.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{what} must be one-dimensional (one class index per sample), got shape {}",
            shape(&array)
        )));
    }
    let kind = array.dtype().kind();
    if array.len() == 0 && kind != b'i' && kind != b'u' {
        array = as_contiguous_array(&array, Some("int64"))?;
    } else if kind == b'b' {
        // numpy's bool is one byte, 0 or 1: the same bytes as uint8.
        array = array
            .call_method1("view", ("uint8",))?
            .cast_into::<PyUntypedArray>()?;
    } else if kind == b'i' || kind == b'u' {
        if array.dtype().is_native_byteorder() == Some(false) {
            array = as_contiguous_array(&array, Some(if kind == b'i' { "=i8" } else { "=u8" }))?;
        }
    } else {
        return Err(PyValueError::new_err(format!(
            "{what} must hold integer class indices 0..K-1, got dtype {}; \
             convert it (e.g. `.astype(int)`), or pass per-class scores as `scores=`",
            array.dtype()
        )));
    }
    macro_rules! try_types {
        ($($variant:ident: $ty:ty),*) => {
            $(if let Some(typed) = typed_1d::<$ty>(&array)? {
                return Ok(Labels::$variant(typed));
            })*
        };
    }
    try_types!(I8: i8, I16: i16, I32: i32, I64: i64, U8: u8, U16: u16, U32: u32, U64: u64);
    // Platform-named types (`intc`, `longlong`) of a width already listed
    // are not always "equivalent" to it: read them as 64-bit.
    let wide = as_contiguous_array(&array, Some(if kind == b'i' { "int64" } else { "uint64" }))?;
    match kind {
        b'i' => typed_1d::<i64>(&wide)?.map(Labels::I64),
        _ => typed_1d::<u64>(&wide)?.map(Labels::U64),
    }
    .ok_or_else(|| {
        PyValueError::new_err(format!("{what}: dtype {} is not supported", array.dtype()))
    })
}

/// An N×K score matrix borrowed from Python.
pub enum Scores<'py> {
    /// float32, and any other numeric dtype but float64 (converted once).
    F32(PyReadonlyArray2<'py, f32>),
    /// float64, read in place: rows are narrowed to float32 a block at a
    /// time, as the library counts them.
    F64(PyReadonlyArray2<'py, f64>),
}

impl Scores<'_> {
    /// (rows, columns).
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Scores::F32(a) => a.as_array().dim(),
            Scores::F64(a) => a.as_array().dim(),
        }
    }
}

/// `object` as an N×K score matrix: a C-contiguous float32 or float64
/// array is read in place; other numbers are converted to float32 (one
/// copy).
///
/// # Errors
///
/// `ValueError` unless `object` is two-dimensional and numeric.
pub fn scores<'py>(object: &Bound<'py, PyAny>) -> PyResult<Scores<'py>> {
    let array = as_contiguous_array(object, None)?;
    if array.ndim() != 2 {
        return Err(PyValueError::new_err(format!(
            "scores must be two-dimensional, N samples × K classes, got shape {}",
            shape(&array)
        )));
    }
    let py = array.py();
    match array.dtype().kind() {
        b'f' | b'i' | b'u' => {
            let native = array.dtype().is_native_byteorder() != Some(false);
            if native && array.dtype().is_equiv_to(&numpy::dtype::<f64>(py)) {
                return Ok(Scores::F64(array.cast::<PyArray2<f64>>()?.try_readonly()?));
            }
            let array = if native && array.dtype().is_equiv_to(&numpy::dtype::<f32>(py)) {
                array
            } else {
                as_contiguous_array(&array, Some("float32"))?
            };
            Ok(Scores::F32(array.cast::<PyArray2<f32>>()?.try_readonly()?))
        }
        _ => Err(PyValueError::new_err(format!(
            "scores must be numbers (logits or probabilities), got dtype {}",
            array.dtype()
        ))),
    }
}

/// `object` as 1-D float64 sample weights (read in place when already
/// that).
///
/// # Errors
///
/// `ValueError` unless `object` is one-dimensional and numeric.
pub fn weights<'py>(object: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray1<'py, f64>> {
    let array = as_contiguous_array(object, Some("float64"))?;
    if array.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "sample_weight must be one-dimensional (one weight per sample), got shape {}",
            shape(&array)
        )));
    }
    Ok(array.cast::<PyArray1<f64>>()?.try_readonly()?)
}

/// An array's shape as Python prints it: `(3,)`, `(2, 5)`.
fn shape(array: &Bound<'_, PyUntypedArray>) -> String {
    match array.shape() {
        [n] => format!("({n},)"),
        dims => {
            let dims: Vec<String> = dims.iter().map(usize::to_string).collect();
            format!("({})", dims.join(", "))
        }
    }
}
