//! `trinhky user token --expires-days`, `user tokens`, `user revoke-token` (issue 13).

use crate::{text, trinhky};

#[tokio::test]
async fn tokens_are_issued_listed_and_revoked_from_the_cli() {
    let app = trinhky_testkit::spawn_app().await;
    let url = &app.database_url;
    let o = trinhky(
        url,
        &[
            "user",
            "token",
            "snv.vanthu",
            "--name",
            "một cửa",
            "--expires-days",
            "30",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(token.starts_with("tk_"), "{token}");
    assert!(text(&o).contains("valid until"), "{}", text(&o));
    let o = trinhky(
        url,
        &[
            "user",
            "token",
            "snv.vanthu",
            "--name",
            "x",
            "--expires-days",
            "400",
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("365"), "{}", text(&o));

    let o = trinhky(url, &["user", "tokens", "snv.vanthu"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("một cửa") && out.contains("active") && out.contains("last used"),
        "{out}"
    );
    assert!(!out.contains(&token[3..]), "never the secret: {out}");
    let o = trinhky(url, &["user", "tokens", "snv.vanthu", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    assert!(list[0]["expires_at"].is_string());

    let o = trinhky(url, &["user", "revoke-token", &id.to_string()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("revoked"), "{}", text(&o));
    let o = trinhky(url, &["user", "tokens", "snv.vanthu", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["status"], "revoked");
    let o = trinhky(url, &["user", "revoke-token", "99999"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no API token with id 99999"),
        "{}",
        text(&o)
    );
}
