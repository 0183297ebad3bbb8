//! Rebuilds this crate when a migration or a statement changes: `sqlx::migrate!` embeds
//! the migrations and the query macros read the shared SQL at compile time, and neither
//! is a Rust source file that Cargo would otherwise watch.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/postgres");
    println!("cargo:rerun-if-changed=../store/sql");
    println!("cargo:rerun-if-changed=sql");
    println!("cargo:rerun-if-changed=sqlx.toml");
    println!("cargo:rerun-if-env-changed=SIGIL_SQLX_POSTGRES_URL");
}
