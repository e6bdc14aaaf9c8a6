//! The shortest useful program: log a confusion matrix per epoch.
//!
//! `cargo run --example quickstart`, then
//! `tensorboard --logdir runs/quickstart --samples_per_plugin images=1000`.

use tbconfusion::{ConfusionMatrix, ConfusionOptions, SummaryWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let writer = SummaryWriter::create("runs/quickstart/val")?;
    let options = ConfusionOptions::default();
    for epoch in 0..5 {
        // Stand-ins for what a model predicted on the validation set.
        let y_true = [0, 1, 2, 2, 1, 0, 2, 1, 0, 2];
        let y_pred = [0, 2, 2, 1, 1, 0, 2, 1, epoch % 3, 2];
        let mut cm = ConfusionMatrix::with_class_names(["cat", "dog", "bird"])?;
        cm.update(&y_true, &y_pred)?;
        writer.add_confusion_matrix("confusion_matrix", &cm, epoch, &options)?;
    }
    writer.close()?;
    println!("tensorboard --logdir runs/quickstart --samples_per_plugin images=1000");
    Ok(())
}
