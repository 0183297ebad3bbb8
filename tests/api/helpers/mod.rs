//! What every test uses, by role: [`app`] starts sigil and seeds it, [`requests`] builds
//! what goes over the wire, [`flows`] walks the protocol and checks what comes back, and
//! [`servers`] runs servers a test may stop.

mod app;
mod flows;
mod process;
mod requests;
mod servers;

pub use app::*;
pub use flows::*;
pub use process::*;
pub use requests::*;
pub use servers::*;

/// Generates one `#[tokio::test]` per backend for each named `async fn(Backend)`, as
/// `<name>::sqlite` and `<name>::postgres`, so that `module::name` (as SECURITY.md
/// writes it) filters both.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}
