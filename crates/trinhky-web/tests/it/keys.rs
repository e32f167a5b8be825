//! Issue 13, keys at rest: the signing keys in the database are wrapped with a key-encryption key
//! (KEK) kept outside it, so a backup of the database alone unlocks nothing, even with the PIN.

use trinhky_app::demo::DEMO_PIN;
use trinhky_app::signing::{self, KeyOf, Signing};
use trinhky_testkit::sea_orm::{ConnectionTrait, EntityTrait};
use trinhky_testkit::store::entities::{blob, signing_key};
use trinhky_testkit::store::{Store, keys};
use trinhky_testkit::{TestApp, spawn_app, test_kek};

/// Every PKCS#12 the test CA wrote (the bare files the stored keys were made from).
fn bare_p12s(app: &TestApp) -> Vec<Vec<u8>> {
    std::fs::read_dir(&app.pki.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "p12"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// A backup of the app's database, as an operator makes one: SQLite `VACUUM INTO` a new file
/// (opened as a store of its own), PostgreSQL the rows themselves (the same database).
async fn backup(app: &TestApp) -> (Store, Option<std::path::PathBuf>) {
    if app.database_url.starts_with("sqlite:") {
        let path = std::env::temp_dir().join(format!(
            "trinhky-backup-{}-{}.db",
            std::process::id(),
            app.data_dir.file_name().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_file(&path);
        app.store
            .db()
            .execute_unprepared(&format!("VACUUM INTO '{}'", path.display()))
            .await
            .unwrap();
        let copy = Store::connect(&format!("sqlite://{}?mode=rw", path.display()))
            .await
            .unwrap();
        (copy, Some(path))
    } else {
        (app.store.clone(), None)
    }
}

#[tokio::test]
async fn r13_a_backup_copy_of_the_database_alone_does_not_unlock_any_key() {
    let app = spawn_app().await;
    let (copy, file) = backup(&app).await;
    let stored = signing_key::Entity::find().all(copy.db()).await.unwrap();
    assert!(stored.len() >= 5, "the demo's keys are in the backup");
    let blobs = blob::Entity::find().all(copy.db()).await.unwrap();

    // Without the KEK: with the right PIN, no blob of the backup opens as a PKCS#12 — none is one.
    for b in &blobs {
        assert!(
            trinhky_pdf::pki::load_p12(&b.data, DEMO_PIN).is_err(),
            "blob {} ({}) opened with the PIN alone",
            b.sha256,
            b.media_type
        );
    }
    for k in &stored {
        let b = blobs.iter().find(|b| b.sha256 == k.p12_sha256).unwrap();
        assert!(
            trinhky_app::kek::is_wrapped(&b.data),
            "key {} is wrapped",
            k.id
        );
        // Not a PKCS#12 at all: nothing for a PIN to be tried against offline.
        assert!(matches!(
            trinhky_pdf::pki::load_p12(&b.data, DEMO_PIN),
            Err(trinhky_pdf::pki::PkiError::InvalidP12(_))
        ));
        assert_eq!(k.kek_id.as_deref(), Some(test_kek().id().as_str()));
        assert_eq!(b.media_type, keys::WRAPPED_MEDIA_TYPE);
    }
    // Nor do the bare PKCS#12 bytes appear anywhere in the backup file (free pages included).
    if let Some(path) = &file {
        let raw = std::fs::read(path).unwrap();
        for p12 in bare_p12s(&app) {
            let probe = &p12[p12.len() / 2..p12.len() / 2 + 32];
            assert!(!raw.windows(probe.len()).any(|w| w == probe));
        }
    }
    // Unlocking through the app without a KEK, or with another one, fails before any PIN check.
    let user = trinhky_testkit::store::accounts::user_by_username(copy.db(), "snv.giamdoc")
        .await
        .unwrap()
        .unwrap();
    let who = KeyOf::Person {
        user_id: user.id,
        username: &user.username,
    };
    let now = chrono::Utc::now();
    let err = signing::unlock(&copy, &Signing::default(), who, DEMO_PIN, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("trinhky keys init-kek"), "{err}");
    let other = Signing::default().with_kek(trinhky_app::kek::Kek::generate().unwrap());
    let err = signing::unlock(&copy, &other, who, DEMO_PIN, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("configured KEK is"), "{err}");

    // With the KEK (and the PIN) every key opens, and the workflow signs with them.
    for k in &stored {
        let p12 = signing::key_p12(&copy, &test_kek(), k).await.unwrap();
        trinhky_pdf::pki::load_p12(&p12, DEMO_PIN).unwrap();
    }
    let with_kek = Signing::default().with_kek(test_kek());
    signing::unlock(&copy, &with_kek, who, DEMO_PIN, now)
        .await
        .unwrap();
    // The whole workflow too: the head signs at approval with his unwrapped key.
    assert!(trinhky_testkit::flows::approved_document(&app, "").await > 0);
    if let Some(path) = file {
        copy.close().await.unwrap();
        let _ = std::fs::remove_file(path);
    }
}

#[tokio::test]
async fn r13_keys_stored_bare_are_wrapped_at_start_and_audited() {
    let app = spawn_app().await;
    let db = app.store.db();
    // A key as an older version stored it: the bare PKCS#12, no KEK id.
    let agency = trinhky_testkit::store::directory::agency_by_code(db, "SNV")
        .await
        .unwrap()
        .unwrap();
    let owner = keys::Owner::Agency(agency.id);
    let current = keys::current_key(db, owner).await.unwrap().unwrap();
    let p12 = signing::key_p12(&app.store, &test_kek(), &current)
        .await
        .unwrap();
    let sha = trinhky_testkit::store::blobs::put(db, &p12, "application/x-pkcs12")
        .await
        .unwrap();
    db.execute_unprepared(&format!(
        "UPDATE signing_keys SET p12_sha256 = '{sha}', kek_id = NULL WHERE id = {}",
        current.id
    ))
    .await
    .unwrap();
    let before = trinhky_testkit::store::audit::count(db).await.unwrap();

    assert_eq!(
        signing::wrap_stored_keys(&app.store, &test_kek(), "system:kek")
            .await
            .unwrap(),
        1
    );
    let row = keys::current_key(db, owner).await.unwrap().unwrap();
    assert_eq!(row.kek_id.as_deref(), Some(test_kek().id().as_str()));
    assert!(
        trinhky_testkit::store::blobs::get(db, &sha)
            .await
            .unwrap()
            .is_none(),
        "the bare PKCS#12 is deleted"
    );
    let latest = trinhky_testkit::store::audit::latest(db, 1).await.unwrap();
    assert_eq!(latest[0].action, "key.wrap");
    assert_eq!(
        trinhky_testkit::store::audit::count(db).await.unwrap(),
        before + 1
    );
    let opened = signing::key_p12(&app.store, &test_kek(), &row)
        .await
        .unwrap();
    assert_eq!(opened, p12);
    // Nothing left to wrap the second time.
    assert_eq!(
        signing::wrap_stored_keys(&app.store, &test_kek(), "system:kek")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn r13_new_pins_have_at_least_six_digits() {
    let app = spawn_app().await;
    for pin in ["2468", "12345", "abcdef", "12345a"] {
        let err = signing::check_new_pin(pin).unwrap_err();
        assert!(err.to_string().contains("ít nhất 6 chữ số"), "{pin}: {err}");
    }
    signing::check_new_pin("246810").unwrap();
    let err = trinhky_app::admin::certificates::issue_dev(
        &app.store,
        &test_kek(),
        "user:quantri",
        &app.data_dir.join("pki"),
        "mat-khau-CA",
        "2468",
        trinhky_pdf::sign::KeyAlgorithm::EcdsaP256,
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("ít nhất 6 chữ số"), "{err}");
    // An imported PKCS#12 needs a PIN of 6 characters or more too.
    let p12 = std::fs::read(
        std::fs::read_dir(&app.pki.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "p12"))
            .unwrap(),
    )
    .unwrap();
    let err = trinhky_app::admin::certificates::import_p12(
        &app.store,
        app.registry.signing(),
        "user:quantri",
        &trinhky_app::admin::certificates::HolderRef::User("snv.giamdoc".into()),
        &p12,
        "1234",
        chrono::Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("ít nhất 6 ký tự"), "{err}");
}
