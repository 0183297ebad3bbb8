//! The `sigil` command line: `serve`, `migrate`, and the admin groups. Every command
//! reads the same configuration as `serve`. Secrets come from stdin or are generated
//! and printed once; none is ever taken from argv (argv is visible to other users in
//! the process table and lands in shell history).

mod admin;
mod audit;
mod keys;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "sigil",
    version,
    about = "OAuth 2.1 / OpenID Connect authorization server"
)]
pub struct Cli {
    /// Configuration file (default: ./sigil.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations and exit. The only command besides `serve` that changes
    /// the schema.
    Migrate(JsonFlag),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage signing keys: list, rotate, revoke, rewrap, import.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Read the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// About the configuration itself.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting, its default and meaning (Markdown; docs/configuration.md).
    Reference,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List security events: key operations and administration.
    List(audit::AuditList),
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client; prints its id and, for a confidential client, its secret (once).
    Create(CreateClient),
    List(JsonFlag),
    /// Delete a client, with its grants; every token it holds is revoked.
    Delete {
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Disable a client: it authenticates nowhere, and every token it holds is revoked.
    Disable {
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a disabled client again (its revoked tokens stay revoked).
    Enable {
        client_id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct CreateClient {
    #[arg(long)]
    pub name: String,
    /// A public client (a browser or native app that cannot keep a secret).
    #[arg(long)]
    pub public: bool,
    /// A redirect URI (repeat for several).
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// Operated by you: people are not asked to consent (not for a public client).
    #[arg(long)]
    pub first_party: bool,
    /// Where RP-initiated logout may send people back to (repeat for several).
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Comma-separated: authorization_code, client_credentials, refresh_token.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "authorization_code,refresh_token"
    )]
    pub grant_types: Vec<String>,
    /// Space-separated scopes the client may request.
    #[arg(long, default_value = "openid")]
    pub scopes: String,
    /// The algorithm of this client's ID tokens (id_token_signed_response_alg): ES256
    /// (the default), EdDSA, RS256 or PS256.
    #[arg(long)]
    pub id_token_alg: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from stdin.
    Create {
        #[arg(long)]
        username: String,
        /// The person's full name (the `name` claim, released under the `profile` scope).
        #[arg(long)]
        name: Option<String>,
        /// Released under the `email` scope.
        #[arg(long)]
        email: Option<String>,
        /// The address is known to be theirs (`email_verified: true`).
        #[arg(long, requires = "email")]
        email_verified: bool,
        /// Read the password from stdin (required: passwords never come from argv).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password, read from stdin. The user's sessions and tokens end.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: sessions end, every grant and token of theirs is revoked, and no
    /// new login works.
    Disable {
        #[arg(long)]
        username: String,
        #[arg(long)]
        json: bool,
    },
    List(JsonFlag),
    /// What a user allowed each client; with --revoke, withdraw one client's consent and
    /// end that client's grants and tokens for the user.
    Consents {
        /// The username.
        user: String,
        /// The client whose consent to withdraw.
        #[arg(long)]
        revoke: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Needs no configuration of its own: it describes it.
    if let Command::Config(ConfigCommand::Reference) = cli.command {
        print!("{}", crate::config::reference::markdown());
        return Ok(());
    }
    let config = Config::from_process_env(cli.config.as_deref()).context("configuration")?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate(f) => migrate(config, f.json).await,
        Command::Clients(cmd) => admin::clients(config, cmd).await,
        Command::Users(cmd) => admin::users(config, cmd).await,
        Command::Keys(cmd) => keys::keys(config, cmd).await,
        Command::Audit(AuditCommand::List(args)) => audit::list(config, args).await,
        Command::Config(ConfigCommand::Reference) => Ok(()),
    }
}

impl Cli {
    /// How much `serve` logs by default, and how little every other command does: an
    /// admin command's output is its result on stdout, and its stderr stays quiet unless
    /// something is wrong (`SIGIL_LOG` overrides both).
    pub fn default_log_filter(&self) -> &'static str {
        match self.command {
            Command::Serve => "info",
            _ => "warn",
        }
    }
}

/// Opens the store for an admin command. Only `migrate` and `serve` change the schema:
/// an admin command against a database that lacks migrations says so and stops.
async fn open_store(config: &Config) -> anyhow::Result<std::sync::Arc<dyn crate::store::Store>> {
    use crate::store::SchemaStatus;
    let store = crate::store::open(&config.store, 2).await?;
    match store.schema_status().await? {
        SchemaStatus::Current => Ok(store),
        SchemaStatus::Behind { pending } => anyhow::bail!(
            "the database is not migrated ({pending} migration(s) pending); run `sigil migrate` first"
        ),
    }
}

/// The shared revocation view an admin command writes to after the record: Redis when
/// configured. Without it, embedded instances learn from the record at their next poll.
fn revocation_view(
    config: &Config,
) -> anyhow::Result<Option<Box<dyn crate::revocation::RevocationList>>> {
    Ok(match &config.revocation {
        crate::config::RevocationConfig::Redis {
            url,
            prefix,
            ca_file,
        } => Some(Box::new(
            crate::revocation::redis::RedisRevocationList::connect(
                url,
                prefix,
                ca_file.as_deref(),
            )?,
        )),
        crate::config::RevocationConfig::Memory => None,
    })
}

/// Prints a command's result: JSON with `--json`, a line for a person otherwise.
fn print(json_out: bool, value: serde_json::Value, human: String) {
    if json_out {
        println!("{value}");
    } else {
        println!("{human}");
    }
}

async fn migrate(config: Config, json: bool) -> anyhow::Result<()> {
    use crate::store::SchemaStatus;
    let store = crate::store::open(&config.store, 2).await?;
    let applied = match store.schema_status().await? {
        SchemaStatus::Current => 0,
        SchemaStatus::Behind { pending } => pending,
    };
    let migrated = store.migrate().await;
    // Recorded whichever way it went (a failed one may find no table to record in, which
    // is then logged).
    let subject = format!("{applied} migration(s)");
    crate::audit::record(
        store.as_ref(),
        &crate::audit::Actor::cli(),
        "migrate",
        Some(&subject),
        migrated.as_ref().map(|_| ()),
        crate::clock::Clock::now(&crate::clock::SystemClock),
    )
    .await;
    migrated?;
    print(
        json,
        serde_json::json!({ "applied": applied }),
        format!("{applied} migration(s) applied; the schema is current"),
    );
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let embedded = matches!(config.store, crate::config::StoreConfig::Sqlite { .. });
    let app = crate::app::Application::build(config)
        .await
        .context("starting sigil")?;
    let issuer = app.services().config.issuer.clone();
    tracing::info!(port = app.port(), %issuer, "sigil is listening");
    // A person gets a sentence; a log collector (JSON logs) gets only JSON lines.
    if std::env::var("SIGIL_LOG_FORMAT").as_deref() == Ok("json") {
        app.run_until_stopped().await?;
        return Ok(());
    }
    eprintln!(
        "sigil is listening on port {} (issuer {issuer})",
        app.port()
    );
    if embedded {
        eprintln!(
            "Embedded mode. Create a first client and user from another terminal:\n  \
cargo run --release -- clients create --name demo --redirect-uri http://127.0.0.1/callback --public --scopes openid\n  \
echo 'a long passphrase' | cargo run --release -- users create --username alice --password-stdin"
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}
