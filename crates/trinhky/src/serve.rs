use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use trinhky_app::{App, Settings};

use crate::cli::ServeArgs;

/// Waits for Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

pub async fn serve(mut settings: Settings, args: ServeArgs) -> Result<ExitCode> {
    crate::cli::check_demo_bind(&settings, &args)?;
    if args.demo {
        settings.use_demo_kek()?;
        prepare_demo(&settings, args.demo_dir.as_deref()).await?;
    }
    let app = Arc::new(App::build(&settings).await?);
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (setting TRINHKY_BIND): is another server running?",
                settings.bind
            )
        })?;
    let addr = listener.local_addr()?;
    println!("trinhky listening on http://{addr}");
    tracing::info!(%addr, "listening");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mailer = trinhky_mail::Mailer::new(&settings.mail_transport()?)
        .context("mail transport (TRINHKY_SMTP_*)")?;
    let mut workers = spawn_workers(&app, stop_rx.clone());
    workers.push(spawn_dispatcher(
        app.store(),
        mailer,
        settings.mail_from.clone(),
        settings.dispatch_lease(),
        stop_rx,
    ));
    let state = trinhky_web::state(app.clone());
    trinhky_web::serve(listener, state, shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
    }
    app.store().clone().close().await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `serve --demo`: loads the demo province and accounts and issues the demo keys from the
/// development CA (before the App is built, so that signing trusts that CA), then prints the
/// accounts.
async fn prepare_demo(settings: &Settings, demo_dir: Option<&std::path::Path>) -> Result<()> {
    let kek = settings.load_kek(false)?;
    let store = trinhky_app::app::open_store(settings).await?;
    store.migrate().await.context("migrations failed")?;
    let dir = trinhky_app::demo::find_demo_dir(demo_dir)?;
    let accounts = trinhky_app::demo::load(&store, &dir).await?;
    let keys = trinhky_app::demo::install_keys(&store, &kek, &settings.data_dir).await?;
    store.close().await?;
    println!("Demo accounts (from {}):", dir.join("users.toml").display());
    println!("  {:<28} {:<28} {}", "username", "password", "roles");
    for a in &accounts {
        println!("  {:<28} {:<28} {}", a.username, a.password, a.roles);
    }
    println!(
        "Signing PIN of every demo key (heads, deputies, organisations): {}{}",
        trinhky_app::demo::DEMO_PIN,
        if keys > 0 {
            format!(" ({keys} keys issued by the development CA now)")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Background workers. They stop when `stop` turns true.
fn spawn_workers(
    app: &Arc<App>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let store = app.store().clone();
    let registry = app.registry().clone();
    let kek = app.kek().clone();
    let checkpoints = app.settings().audit_checkpoints.clone();
    let base_url = app.settings().base_url.clone().unwrap_or_default();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        // Audit checkpoints (see trinhky_app::audit_anchor): every minute when the chain grew.
        let mut anchor_tick = tokio::time::interval(Duration::from_secs(60));
        // Notices (effect `notify`: a document waits for someone) are e-mailed within half a minute.
        let mut notice_tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                _ = anchor_tick.tick() => {
                    if let Err(e) = trinhky_app::audit_anchor::checkpoint(&store, &kek, &checkpoints, chrono::Utc::now()).await {
                        tracing::error!(error = %e, "audit checkpoint failed");
                    }
                }
                _ = notice_tick.tick() => {
                    match trinhky_app::effects::notify::deliver_pending(&store, &registry, &base_url, chrono::Utc::now()).await {
                        Ok(d) if d.messages > 0 => tracing::info!(effects = d.effects, messages = d.messages, "notices queued"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "notices failed"),
                    }
                }
                _ = tick.tick() => {
                    let now = chrono::Utc::now();
                    match trinhky_store::accounts::purge_expired(store.db(), now, now - chrono::Duration::days(30)).await {
                        Ok(n) if n > 0 => tracing::info!(rows = n, "purged expired sessions and old login attempts"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
                    }
                    match trinhky_app::documents::scan_reminders(&store, &registry, trinhky_app::today_vn(), now).await {
                        Ok(n) if n > 0 => tracing::info!(reminders = n, "deadline reminders queued"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "reminder scan failed"),
                    }
                    match trinhky_app::reminders::mail_pending(&store, &registry, &base_url, trinhky_app::today_vn(), now).await {
                        Ok(m) if m.messages > 0 => tracing::info!(effects = m.effects, assignments = m.assignments, messages = m.messages, "reminder e-mails queued"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "reminder e-mails failed"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
    vec![housekeeping]
}

/// The mail dispatcher: drains the outbox every two seconds. Several servers may run it at once;
/// rows are claimed through the database.
fn spawn_dispatcher(
    store: &trinhky_store::Store,
    mailer: trinhky_mail::Mailer,
    from: String,
    lease: chrono::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let store = store.clone();
    let worker = format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "trinhky".into()),
        std::process::id()
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match trinhky_app::dispatch::dispatch_once(&store, &mailer, &from, &worker, 50, lease, chrono::Utc::now()).await {
                        Ok(p) if p.sent + p.retried + p.failed > 0 => tracing::info!(sent = p.sent, retried = p.retried, failed = p.failed, "dispatch"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "dispatch pass failed"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}
