//! The two schemas stay in step: a fresh Postgres database and a fresh SQLite file, each
//! migrated by sigil, must have the same tables, columns (types mapped), nullability,
//! indexes and foreign keys, and the same views with the same columns. The statements are shared, so a drift here is a bug that
//! one backend's users would meet and the other's would not.

use std::collections::BTreeSet;

use sqlx::Connection as _;
use sqlx::Row as _;

use crate::helpers::fresh_database;

/// One fact about a schema, comparable across the two databases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Table(String),
    Column {
        table: String,
        column: String,
        ty: String,
        nullable: bool,
    },
    Index {
        table: String,
        columns: Vec<String>,
        unique: bool,
        predicate: Option<String>,
    },
    ForeignKey {
        table: String,
        column: String,
        references: String,
        on_delete: String,
    },
    /// A view and its columns, in order. (Their types and nullability are the tables'.)
    View {
        name: String,
        columns: Vec<String>,
    },
}

/// Postgres type names onto the SQLite declarations the migrations use.
fn pg_type(ty: &str) -> String {
    match ty {
        "text" => "TEXT",
        "bigint" => "BIGINT",
        "boolean" => "BOOLEAN",
        "bytea" => "BLOB",
        other => panic!("no SQLite counterpart declared for Postgres type {other}"),
    }
    .to_owned()
}

/// `(state = 'active'::text)` and `state = 'active'` are the same predicate.
fn predicate(raw: &str) -> String {
    raw.replace("::text", "")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect::<String>()
        .to_lowercase()
}

fn on_delete_pg(code: &str) -> String {
    match code {
        "c" => "CASCADE",
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => panic!("unknown confdeltype {other}"),
    }
    .to_owned()
}

async fn postgres_facts() -> BTreeSet<Fact> {
    let url = fresh_database().await;
    let store = sigil::store::open(
        &sigil::config::StoreConfig::Postgres { url: url.clone() },
        2,
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut facts = BTreeSet::new();
    let tables = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for t in &tables {
        facts.insert(Fact::Table(t.get(0)));
    }
    let columns = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
            c.is_nullable::text \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
            AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for r in &columns {
        facts.insert(Fact::Column {
            table: r.get(0),
            column: r.get(1),
            ty: pg_type(&r.get::<String, _>(2)),
            nullable: r.get::<String, _>(3) == "YES",
        });
    }
    let views = sqlx::query(
        "SELECT v.table_name::text, \
            ARRAY(SELECT c.column_name::text FROM information_schema.columns c \
                  WHERE c.table_schema = 'public' AND c.table_name = v.table_name \
                  ORDER BY c.ordinal_position) \
         FROM information_schema.views v WHERE v.table_schema = 'public'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for r in &views {
        facts.insert(Fact::View {
            name: r.get(0),
            columns: r.get(1),
        });
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text, ix.indisunique, \
            ARRAY(SELECT a.attname::text \
                  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
                  JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
                  ORDER BY k.ord), \
            pg_get_expr(ix.indpred, ix.indrelid) \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for r in &indexes {
        facts.insert(Fact::Index {
            table: r.get(0),
            unique: r.get(1),
            columns: r.get(2),
            predicate: r.get::<Option<String>, _>(3).map(|p| predicate(&p)),
        });
    }
    let fks = sqlx::query(
        "SELECT t.relname::text, a.attname::text, f.relname::text, c.confdeltype::text \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class f ON f.oid = c.confrelid \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'f'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for r in &fks {
        facts.insert(Fact::ForeignKey {
            table: r.get(0),
            column: r.get(1),
            references: r.get(2),
            on_delete: on_delete_pg(&r.get::<String, _>(3)),
        });
    }
    facts
}

async fn sqlite_facts() -> BTreeSet<Fact> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    let store = sigil::store::open(
        &sigil::config::StoreConfig::Sqlite { path: path.clone() },
        2,
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let mut facts = BTreeSet::new();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let views: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'view'")
            .fetch_all(&mut c)
            .await
            .unwrap();
    for name in views {
        let columns = sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut c)
            .await
            .unwrap();
        facts.insert(Fact::View { name, columns });
    }
    for (table, _) in &tables {
        facts.insert(Fact::Table(table.clone()));
        let columns = sqlx::query("SELECT name, type, \"notnull\" FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in &columns {
            facts.insert(Fact::Column {
                table: table.clone(),
                column: r.get(0),
                ty: r.get::<String, _>(1).to_uppercase(),
                nullable: r.get::<i64, _>(2) == 0,
            });
        }
        let indexes = sqlx::query("SELECT name, \"unique\", partial FROM pragma_index_list(?)")
            .bind(table)
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in &indexes {
            let name: String = r.get(0);
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            let predicate = if r.get::<i64, _>(2) == 1 {
                let sql: String =
                    sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE name = ?")
                        .bind(&name)
                        .fetch_one(&mut c)
                        .await
                        .unwrap();
                let (_, p) = sql
                    .split_once(" WHERE ")
                    .expect("a partial index has a WHERE");
                Some(predicate(p))
            } else {
                None
            };
            facts.insert(Fact::Index {
                table: table.clone(),
                columns,
                unique: r.get::<i64, _>(1) == 1,
                predicate,
            });
        }
        let fks =
            sqlx::query("SELECT \"from\", \"table\", on_delete FROM pragma_foreign_key_list(?)")
                .bind(table)
                .fetch_all(&mut c)
                .await
                .unwrap();
        for r in &fks {
            facts.insert(Fact::ForeignKey {
                table: table.clone(),
                column: r.get(0),
                references: r.get(1),
                on_delete: r.get(2),
            });
        }
    }
    facts
}

#[tokio::test]
async fn postgres_and_sqlite_schemas_match() {
    let pg = postgres_facts().await;
    let lite = sqlite_facts().await;
    assert!(
        pg.iter()
            .any(|f| matches!(f, Fact::Table(t) if t == "refresh_tokens"))
    );
    assert!(
        lite.iter()
            .any(|f| matches!(f, Fact::View { name, .. } if name == "refresh_families"))
    );
    let only_pg: Vec<_> = pg.difference(&lite).collect();
    let only_lite: Vec<_> = lite.difference(&pg).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "the schemas drifted.\nonly in Postgres: {only_pg:#?}\nonly in SQLite: {only_lite:#?}"
    );
}

/// SQLite migration 0002 rebuilds every table (to make key columns NOT NULL): a database
/// made before it keeps every row, and its foreign keys still hold and cascade after.
#[tokio::test]
async fn an_embedded_database_from_before_0002_keeps_its_rows() {
    use sigil::domain::{ClientId, Username};
    use sigil::store::SchemaStatus;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let migrator = sqlx::migrate::Migrator::new(migrations).await.unwrap();
    migrator.run_to(1, &pool).await.unwrap();
    let hash = |b: u8| vec![b; 32];
    sqlx::raw_sql(
        "INSERT INTO users VALUES ('u1', 'alice', 'alice@example.com', '$argon2id$x', FALSE, 1);
         INSERT INTO clients VALUES ('c1', 'App', NULL, '[\"https://app.example/cb\"]',
             'authorization_code refresh_token', 'openid read', 1);
         INSERT INTO grants VALUES ('g1', 'c1', 'u1', 'openid read', 5, 6, NULL);",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO refresh_tokens VALUES (?, 'g1', 6, 99999999999, NULL)")
        .bind(hash(1))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO sessions VALUES (?, 'u1', 5, 99999999999)")
        .bind(hash(2))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO auth_codes VALUES (?, 'c1', 'u1', 'https://app.example/cb', 'openid', \
         'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', NULL, 5, 'g2', 99999999999, NULL)",
    )
    .bind(hash(3))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = sigil::store::open(&sigil::config::StoreConfig::Sqlite { path }, 2)
        .await
        .unwrap();
    assert!(matches!(
        store.schema_status().await.unwrap(),
        SchemaStatus::Behind { .. }
    ));
    store.migrate().await.unwrap();
    assert_eq!(store.schema_status().await.unwrap(), SchemaStatus::Current);

    let user = store
        .user_by_username(&Username::parse("alice").unwrap())
        .await
        .unwrap()
        .expect("the user survives");
    assert_eq!(user.email.unwrap().as_str(), "alice@example.com");
    let client_id = ClientId::parse("c1").unwrap();
    let client = store.client(&client_id).await.unwrap().expect("the client");
    assert_eq!(client.redirect_uris[0].as_str(), "https://app.example/cb");
    let refresh = store
        .refresh_token(&[1; 32])
        .await
        .unwrap()
        .expect("the token");
    assert_eq!(refresh.grant.user_id.unwrap().as_str(), "u1");
    assert!(store.session(&[2; 32], 10).await.unwrap().is_some());
    assert!(store.code(&[3; 32]).await.unwrap().is_some());

    // The rebuilt tables still cascade from their parents.
    store.delete_client(&client_id).await.unwrap();
    assert!(store.code(&[3; 32]).await.unwrap().is_none());
    assert!(store.refresh_token(&[1; 32]).await.unwrap().is_none());
}
