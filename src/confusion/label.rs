//! The integer types accepted as class labels, and the two operations the
//! counting kernels need of them: a widening that turns every invalid label
//! (negative or too large) into a large `u64`, and a vectorisable upper
//! bound of a slice.

/// An integer type usable as a class label: `u8`…`u64`, `usize`, `i8`…`i64`.
///
/// Negative values and values `≥ K` are rejected by the `update*` methods.
pub trait Label: Copy + PartialEq + sealed::Sealed {
    /// The value as `u64`, negative values sign-extended so they become
    /// huge: one `< K` test rejects both negatives and labels that are too
    /// large.
    fn to_u64_wrapping(self) -> u64;
    /// The exact value, for error messages.
    fn to_i128(self) -> i128;
    /// The label equal to `value`, if this type can hold it.
    fn from_i64(value: i64) -> Option<Self>;
    /// An upper bound of the elements of `labels` as
    /// [`to_u64_wrapping`](Self::to_u64_wrapping) gives them, exact when
    /// they are all below 2³² (0 for an empty slice). Written per type so
    /// the compiler vectorises it.
    fn max_wrapping(labels: &[Self]) -> u64;
}

mod sealed {
    /// Keeps [`super::Label`] to the integer types it was written for.
    pub trait Sealed {}
}

macro_rules! impl_label {
    ($($t:ty => $u:ty),* $(,)?) => {$(
        impl_label!(@common $t => $u);
        impl Label for $t {
            impl_label!(@methods $t => $u);
            fn max_wrapping(labels: &[Self]) -> u64 {
                labels.iter().fold(0 as $u, |m, &x| m.max(x as $u)) as u64
            }
        }
    )*};
    (wide: $($t:ty => $u:ty),* $(,)?) => {$(
        impl_label!(@common $t => $u);
        impl Label for $t {
            impl_label!(@methods $t => $u);
            /// Baseline x86-64 (SSE2) has no 64-bit vector compare, so the
            /// high halves are OR-ed and only the low halves compared.
            fn max_wrapping(labels: &[Self]) -> u64 {
                let (high, low) = labels.iter().fold((0u32, 0u32), |(h, l), &x| {
                    let x = x as $u as u64;
                    (h | (x >> 32) as u32, l.max(x as u32))
                });
                if high == 0 { u64::from(low) } else { u64::MAX }
            }
        }
    )*};
    (@common $t:ty => $u:ty) => {
        impl sealed::Sealed for $t {}
    };
    (signed: $($t:ty),* $(,)?) => {$(
        impl_label!(@common $t => $t);
        impl Label for $t {
            /// Sign-extended: `-100i8` is `2⁶⁴ − 100`, never class 156.
            #[inline(always)]
            fn to_u64_wrapping(self) -> u64 {
                self as i64 as u64
            }
            impl_label!(@exact $t);
            /// Any negative label makes the bound `u64::MAX`.
            fn max_wrapping(labels: &[Self]) -> u64 {
                let (low, high) = labels
                    .iter()
                    .fold((0 as $t, 0 as $t), |(l, h), &x| (l.min(x), h.max(x)));
                if low < 0 { u64::MAX } else { high as u64 }
            }
        }
    )*};
    (@methods $t:ty => $u:ty) => {
            #[inline(always)]
            fn to_u64_wrapping(self) -> u64 {
                self as $u as u64
            }
            impl_label!(@exact $t);
    };
    (@exact $t:ty) => {
            fn to_i128(self) -> i128 {
                self as i128
            }
            fn from_i64(value: i64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
    };
}

impl_label!(u8 => u8, u16 => u16, u32 => u32);
impl_label!(signed: i8, i16, i32);
impl_label!(wide: u64 => u64, usize => usize, i64 => u64, isize => usize);
