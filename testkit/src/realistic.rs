//! Matrices shaped like real large-vocabulary data, for tests, benches and golden images:
//! Zipf-like class frequencies, confusions clustered among related classes (blocks whose
//! members are scattered over the class indices, as related classes are in real label lists),
//! and class names in Latin, CJK, Hangul, Cyrillic and Greek scripts.
//!
//! Plain counts and names (no `tbconfusion` types), so the library's own unit tests can use
//! them too. Deterministic for a given seed.

/// A square matrix of counts, row-major (rows are true classes), and its class names.
#[derive(Clone, Debug)]
pub struct Realistic {
    /// K.
    pub classes: usize,
    /// K² counts, row-major.
    pub counts: Vec<u64>,
    /// K names.
    pub names: Vec<String>,
}

/// Related-class blocks and how the errors fall.
struct Shape {
    classes: usize,
    blocks: usize,
    /// Per class, a share of `predictions` ∝ 1 / (rank + 1)^zipf (0 = balanced).
    zipf: f64,
    predictions: u64,
    /// Share of a class's errors that go to its own block (the rest anywhere).
    in_block: f64,
}

/// 1,000 classes, Zipf-like frequencies (exponent 1; the most frequent class is ~1,000× the
/// rarest), 20 blocks of 50 related classes taking 90% of the errors, 200,000 predictions,
/// names in five scripts.
pub fn long_tailed_1000() -> Realistic {
    generate(
        &Shape {
            classes: 1000,
            blocks: 20,
            zipf: 1.0,
            predictions: 200_000,
            in_block: 0.9,
        },
        1000,
    )
}

/// 100 classes, 100 predictions each, 10 blocks of 10 related classes taking 90% of the
/// errors, names in five scripts.
pub fn balanced_100() -> Realistic {
    generate(
        &Shape {
            classes: 100,
            blocks: 10,
            zipf: 0.0,
            predictions: 10_000,
            in_block: 0.9,
        },
        100,
    )
}

/// xorshift64*: enough randomness for fixtures, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn generate(shape: &Shape, seed: u64) -> Realistic {
    let k = shape.classes;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    // Blocks of related classes, scattered over the indices by a shuffle.
    let mut shuffled: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let block_size = k.div_ceil(shape.blocks);
    let mut block_of = vec![0usize; k];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); shape.blocks];
    for (pos, &class) in shuffled.iter().enumerate() {
        block_of[class] = pos / block_size;
        members[pos / block_size].push(class);
    }
    // Frequencies by rank; ranks scattered too, so the frequent classes are not all first.
    let weights: Vec<f64> = (0..k)
        .map(|c| 1.0 / ((shuffled[(c * 7 + 3) % k] + 1) as f64).powf(shape.zipf))
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut counts = vec![0u64; k * k];
    for t in 0..k {
        let support = ((shape.predictions as f64 * weights[t] / sum).round() as u64).max(1);
        // Frequent classes are learnt better: accuracy from ~55% (rare) to ~90%.
        let accuracy = 0.55 + 0.35 * (weights[t] / weights.iter().cloned().fold(0.0, f64::max));
        let accuracy = (accuracy + 0.1 * (rng.unit() - 0.5)).clamp(0.0, 1.0);
        let correct = (support as f64 * accuracy).round() as u64;
        counts[t * k + t] = correct;
        // Each class confuses with a few favourite relatives, like real ones do.
        let block = &members[block_of[t]];
        let favourites: Vec<usize> = (0..4).map(|_| block[rng.below(block.len())]).collect();
        for _ in 0..support - correct {
            let p = if rng.unit() < shape.in_block {
                if rng.unit() < 0.6 {
                    favourites[rng.below(favourites.len())]
                } else {
                    block[rng.below(block.len())]
                }
            } else {
                rng.below(k)
            };
            let p = if p == t { (t + 1) % k } else { p };
            counts[t * k + p] += 1;
        }
    }
    Realistic {
        classes: k,
        counts,
        names: (0..k).map(name).collect(),
    }
}

/// A class name in one of five scripts, by index: Latin, CJK, Hangul, Cyrillic, Greek.
pub fn name(i: usize) -> String {
    const LATIN: [&str; 8] = [
        "tabby_cat",
        "golden_retriever",
        "fire_truck",
        "espresso",
        "oak_tree",
        "violin",
        "red_fox",
        "sailboat",
    ];
    const CJK: [&str; 8] = [
        "猫",
        "狗",
        "消防车",
        "咖啡",
        "橡树",
        "小提琴",
        "狐狸",
        "帆船",
    ];
    const HANGUL: [&str; 8] = [
        "고양이",
        "강아지",
        "소방차",
        "커피",
        "참나무",
        "바이올린",
        "여우",
        "돛단배",
    ];
    const CYRILLIC: [&str; 8] = [
        "кошка",
        "собака",
        "пожарная",
        "кофе",
        "дуб",
        "скрипка",
        "лиса",
        "парусник",
    ];
    const GREEK: [&str; 8] = [
        "γάτα",
        "σκύλος",
        "πυροσβεστικό",
        "καφές",
        "βελανιδιά",
        "βιολί",
        "αλεπού",
        "ιστιοφόρο",
    ];
    let words = [LATIN, CJK, HANGUL, CYRILLIC, GREEK][i % 5];
    format!("{}_{i}", words[(i / 5) % 8])
}

/// `classes` classes with Zipf-like frequencies (exponent 1), blocks of about five related
/// classes taking 90% of the errors, `predictions` predictions, names in five scripts: the
/// long-tailed shape at any size (K = 10 and K = 100 for the comparison pictures).
pub fn long_tailed(classes: usize, predictions: u64, seed: u64) -> Realistic {
    generate(
        &Shape {
            classes,
            blocks: classes.div_ceil(5).max(1),
            zipf: 1.0,
            predictions,
            in_block: 0.9,
        },
        seed,
    )
}

/// `base` as a run of another quality: each row keeps its total, its errors scaled by
/// `error_scale` (below 1 a better model, above 1 a worse one, capped at the row total) and
/// spread as in `base`, the diagonal taking the rest. Deterministic.
pub fn with_error_scale(base: &Realistic, error_scale: f64) -> Realistic {
    let k = base.classes;
    let mut counts = base.counts.clone();
    for t in 0..k {
        let row = &mut counts[t * k..(t + 1) * k];
        let total: u64 = row.iter().sum();
        let mut errors = 0;
        for (p, c) in row.iter_mut().enumerate() {
            if p != t {
                *c = ((*c as f64) * error_scale).round() as u64;
                errors += *c;
            }
        }
        // Scaled up past the row total: trim the largest error cells back.
        while errors > total {
            let (p, _) = row
                .iter()
                .enumerate()
                .filter(|&(p, _)| p != t)
                .max_by_key(|&(_, c)| *c)
                .unwrap_or((t, &0));
            if p == t {
                break;
            }
            let cut = (errors - total).min(row[p]);
            row[p] -= cut;
            errors -= cut;
        }
        row[t] = total - errors;
    }
    Realistic {
        classes: k,
        counts,
        names: base.names.clone(),
    }
}
