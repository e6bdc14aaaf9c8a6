//! The generated protobuf code is committed so that building the crate never
//! needs `protoc`. This test regenerates it from `proto/tensorboard.proto`
//! (with `protox`, a pure-Rust parser) and fails when the committed copy is
//! stale. Set `UPDATE_PROTOS=1` to rewrite the committed file instead.

use std::path::Path;

#[test]
fn committed_protos_match_a_fresh_generation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let descriptors = protox::compile([root.join("proto/tensorboard.proto")], [root.join("proto")])
        .expect("proto/tensorboard.proto must parse");
    let out = tempfile::tempdir().expect("temporary directory");
    prost_build::Config::new()
        .out_dir(out.path())
        // Ordered, so that the same hyperparameters always encode to the same bytes.
        .btree_map([".tensorboard.SessionStartInfo.hparams"])
        .compile_fds(descriptors)
        .expect("prost-build must generate code");
    let fresh = std::fs::read_to_string(out.path().join("tensorboard.rs")).expect("generated file");
    let committed_path = root.join("src/proto/tensorboard.pb.rs");
    if std::env::var_os("UPDATE_PROTOS").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write src/proto/tensorboard.pb.rs");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "src/proto/tensorboard.pb.rs is stale; to update, run: UPDATE_PROTOS=1 cargo test --test it proto_fresh"
    );
}
