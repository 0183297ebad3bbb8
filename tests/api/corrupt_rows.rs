//! A row that does not parse is an error, never a default: sigil answers as for any
//! internal fault (500 `server_error`) and never says a token is active on its strength.

use crate::both_backends;
use crate::helpers::{Backend, assert_oauth_error, spawn_app};

async fn a_corrupt_row_fails_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let other = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert!(app.is_active(&client, refresh).await);

    // A grant whose scope is outside the grammar: the refresh token it carries is neither
    // described nor usable, and the answer is an error, not `active: false` or a guess.
    app.execute_sql("UPDATE grants SET scope = 'openid  read'")
        .await;
    let res = app
        .post_as("/introspect", &client, &[("token", refresh)])
        .await;
    let body = assert_oauth_error(res, 500, "server_error").await;
    assert!(body.get("active").is_none(), "{body}");
    assert_oauth_error(app.refresh(&client, refresh).await, 500, "server_error").await;

    // A client row that does not parse cannot authenticate anyone; others still can. (A
    // client not used yet: one in use is served from memory, as parsed when it was read,
    // and such an edit outside sigil bumps no change number.)
    let unused = app.confidential().await;
    app.execute_sql(&format!(
        "UPDATE clients SET redirect_uris = 'not json' WHERE id = '{}'",
        unused.id
    ))
    .await;
    let res = app.token(&unused).grant("client_credentials").send().await;
    assert_oauth_error(res, 500, "server_error").await;
    let token = app.client_credentials(&other, "read").await;
    assert!(
        app.is_active(&other, token["access_token"].as_str().unwrap())
            .await
    );
}

both_backends!(a_corrupt_row_fails_closed);
