//! `trinhky demo run`: the seed scenario end to end without a browser, on the configured database
//! and mail transport. Văn phòng UBND imports the seed directive and confirms its assignments;
//! every dated report whose lead agency has demo accounts is drafted, submitted (and forwarded by
//! the unit head where there is one), approved and signed (the first one by a deputy, "KT."),
//! issued with its number and the organisation's seal, dispatched, then received and archived by
//! Văn phòng UBND. Prints a table per document checked against the database and the outbox.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_app::{Principal, Settings};
use trinhky_domain::Role;
use trinhky_domain::workflow::Authority;
use trinhky_store::{Store, accounts, directory};

use crate::cli::open_store;

async fn principal(store: &Store, username: &str) -> Result<Principal> {
    let db = store.db();
    let user = accounts::user_by_username(db, username)
        .await?
        .with_context(|| format!("demo account {username} is missing"))?;
    let memberships = accounts::memberships(db, user.id).await?;
    let province_office = directory::settings(db).await?.map(|s| s.province_office);
    Ok(Principal {
        user: user.into(),
        memberships,
        province_office,
    })
}

/// The first member of `agency` with `role`.
async fn member(store: &Store, agency_id: i32, role: Role) -> Result<Option<String>> {
    Ok(accounts::agency_members(store.db(), agency_id)
        .await?
        .into_iter()
        .find(|(_, r, _)| *r == role)
        .map(|(u, _, _)| u.username))
}

/// One row of the final table.
struct Row {
    task: String,
    agency: String,
    number: String,
    signatures: String,
    delivered: usize,
    failed: usize,
    pending: usize,
    deadline: String,
    state: String,
    /// Số đến at Văn phòng UBND.
    incoming: String,
}

async fn act(
    store: &Store,
    registry: &trinhky_app::registry::Registry,
    who: &Principal,
    doc: i32,
    action: &str,
    pin: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let inst = trinhky_store::documents::instance_of(store.db(), doc)
        .await?
        .context("document without workflow instance")?;
    uc::act(
        store,
        registry,
        who,
        doc,
        action,
        ActRequest {
            comment: None,
            pin: pin.map(str::to_owned),
            attachments: 0,
            expected_version: inst.version.into(),
        },
        now,
    )
    .await
    .with_context(|| format!("{} → {action} on document {doc}", who.user.username))?;
    Ok(())
}

pub async fn run(settings: Settings, date: Option<NaiveDate>) -> Result<ExitCode> {
    let kek = crate::cli::load_kek(&settings, true)?;
    let store = open_store(&settings).await?;
    store.migrate().await.context("migrations failed")?;
    crate::cli::wrap_stored_keys(&store, &kek).await?;
    let mut registry =
        trinhky_app::registry::Registry::load(&settings.workflows_dir, &settings.calendar_file)?;
    registry.numbering_per_type = settings.numbering_per_type;
    registry.renderer = Some(Arc::new(
        trinhky_render::Renderer::new(&settings.templates_dir)
            .with_context(|| format!("templates in {}", settings.templates_dir.display()))?,
    ));
    registry.register(&store).await?;
    let demo_dir = trinhky_app::demo::find_demo_dir(None)?;
    let steps = 4u64;
    let pb = crate::cli::progress(steps, "preparing");
    trinhky_app::demo::load(&store, &demo_dir).await?;
    pb.inc(1);
    let issued_keys = trinhky_app::demo::install_keys(&store, &kek, &settings.data_dir).await?;
    pb.inc(1);
    registry.signing = Some(Arc::new(
        trinhky_app::signing::Signing::load(
            &settings.data_dir,
            &settings.templates_dir,
            settings.tsa_url.clone(),
        )?
        .with_kek(kek),
    ));
    let registry = Arc::new(registry);
    pb.finish_and_clear();
    if issued_keys > 0 {
        println!(
            "development CA issued {issued_keys} signing keys (PIN {})",
            trinhky_app::demo::DEMO_PIN
        );
    }
    // The clock of the scenario: the given day at 08:00 Vietnam time, else now.
    let start = match date {
        Some(d) => chrono::FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.from_local_datetime(&d.and_hms_opt(8, 0, 0)?).single())
            .map(|t| t.with_timezone(&Utc))
            .context("--date is out of range")?,
        None => Utc::now(),
    };
    let today = start
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).context("time zone")?)
        .date_naive();

    // 1. Văn phòng UBND imports the seed directive and confirms its assignments.
    let office_clerk = principal(&store, "vpubnd.vanthu").await?;
    let seed = demo_dir.join("seed-directive.txt");
    let bytes = std::fs::read(&seed).with_context(|| format!("cannot read {}", seed.display()))?;
    let directive = trinhky_app::directive_intake::upload(
        &store,
        &office_clerk.actor(),
        "seed-directive.txt",
        &bytes,
        today,
    )
    .await?;
    let proposal = trinhky_app::directive_intake::proposal(&store, directive.id).await?;
    let decisions =
        trinhky_app::directive_intake::proposed_decisions(&proposal.parsed, &proposal.resolved);
    let assignments = trinhky_app::directive_intake::confirm(
        &store,
        &office_clerk.actor(),
        directive.id,
        &decisions,
    )
    .await?;
    println!(
        "directive \"{}\" imported: {} assignments",
        proposal.directive.title,
        assignments.len()
    );

    // 2. The dated reports of agencies with demo accounts.
    let mut work = Vec::new();
    for a in &assignments {
        if a.last_day.is_none() {
            continue;
        }
        let Some(drafter) = member(&store, a.lead_agency_id, Role::Drafter).await? else {
            continue;
        };
        let agency = directory::agency_by_id(store.db(), a.lead_agency_id)
            .await?
            .context("agency vanished")?;
        work.push((a.clone(), agency, drafter));
    }
    if work.is_empty() {
        bail!("no dated assignment went to an agency with demo accounts");
    }
    let pb = crate::cli::progress(work.len() as u64, "documents");
    let mut docs = Vec::new();
    let mut deputy_used = false;
    let mut clock = start;
    let mut tick = || {
        clock += chrono::Duration::minutes(7);
        clock
    };
    for (a, agency, drafter) in &work {
        let code = agency.code.clone();
        let p_drafter = principal(&store, drafter).await?;
        let doc = uc::create_from_assignment(&store, &registry, &p_drafter, a.id, None).await?;
        let title = a
            .deliverable
            .trim()
            .trim_end_matches('.')
            .chars()
            .take(200)
            .collect::<String>();
        let title = if title.is_empty() {
            format!("Báo cáo thực hiện nhiệm vụ {}", a.task_ref)
        } else {
            title
        };
        let content = trinhky_store::documents::Content {
            title,
            body: format!(
                "I. KẾT QUẢ THỰC HIỆN\n{} đã triển khai nhiệm vụ {} theo Thông báo kết luận của Ủy ban nhân dân tỉnh.\nII. KIẾN NGHỊ, ĐỀ XUẤT\nKính đề nghị Ủy ban nhân dân tỉnh xem xét, chỉ đạo./.",
                agency.name, a.task_ref
            ),
            addressees: "Ủy ban nhân dân tỉnh Đắk Nông".into(),
            recipients: format!("- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, {code}."),
        };
        uc::edit(&store, &registry, &p_drafter, doc.id, 1, content, "Dự thảo").await?;
        act(
            &store,
            &registry,
            &p_drafter,
            doc.id,
            "submit",
            None,
            tick(),
        )
        .await?;
        let state = trinhky_store::documents::instance_of(store.db(), doc.id)
            .await?
            .map(|i| i.state)
            .unwrap_or_default();
        if state == "unit_review" {
            if let Some(u) = member(&store, agency.id, Role::UnitHead).await? {
                act(
                    &store,
                    &registry,
                    &principal(&store, &u).await?,
                    doc.id,
                    "forward",
                    None,
                    tick(),
                )
                .await?;
            }
        }
        // The first report is signed by a deputy ("KT."), the others by the head.
        let head = member(&store, agency.id, Role::AgencyHead)
            .await?
            .with_context(|| format!("{code} has no head account"))?;
        let deputy = member(&store, agency.id, Role::DeputyHead).await?;
        let signer = match (&deputy, deputy_used) {
            (Some(d), false) => {
                let p_head = principal(&store, &head).await?;
                uc::delegate(
                    &store,
                    &p_head,
                    &code,
                    d,
                    Authority::Kt,
                    today,
                    Some(today + chrono::Duration::days(30)),
                    None,
                )
                .await
                .or_else(|e| match e {
                    // Already delegated in an earlier run.
                    trinhky_app::AppError::Conflict(_) => Ok(()),
                    other => Err(other),
                })?;
                deputy_used = true;
                d.clone()
            }
            _ => head.clone(),
        };
        let pin = trinhky_app::demo::DEMO_PIN;
        act(
            &store,
            &registry,
            &principal(&store, &signer).await?,
            doc.id,
            "approve",
            Some(pin),
            tick(),
        )
        .await?;
        let clerk = member(&store, agency.id, Role::Clerk)
            .await?
            .with_context(|| format!("{code} has no clerk account"))?;
        act(
            &store,
            &registry,
            &principal(&store, &clerk).await?,
            doc.id,
            "issue",
            Some(pin),
            tick(),
        )
        .await?;
        docs.push((a.clone(), agency.clone(), doc.id));
        pb.inc(1);
    }
    pb.finish_and_clear();

    // 3. Dispatch through the configured transport until nothing is due.
    let mailer = trinhky_mail::Mailer::new(&settings.mail_transport()?)
        .context("mail transport (TRINHKY_SMTP_*)")?;
    for _ in 0..20 {
        let pass = trinhky_app::dispatch::dispatch_once(
            &store,
            &mailer,
            &settings.mail_from,
            "demo-run",
            500,
            settings.dispatch_lease(),
            Utc::now(),
        )
        .await?;
        if pass.sent + pass.retried == 0 {
            break;
        }
        if pass.retried > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    // 4. Văn phòng UBND receives each report in its incoming register (số đến, verified
    //    signatures), acknowledges and archives it; the report's workflow is closed too.
    let office = directory::agency_by_code(store.db(), "VPUBND")
        .await?
        .context("the demo has no VPUBND")?;
    let mut incoming_no: Vec<(i32, Option<i32>)> = Vec::new();
    for (_, _, doc) in &docs {
        let mut seq = None;
        for row in trinhky_store::incoming::of_document(store.db(), *doc).await? {
            if row.agency_id != office.id {
                continue;
            }
            let v = trinhky_app::incoming::register(&store, &office_clerk, row.id, tick()).await?;
            trinhky_app::incoming::acknowledge(&store, &office_clerk, row.id, tick()).await?;
            trinhky_app::incoming::archive(&store, &office_clerk, row.id, tick()).await?;
            seq = v.incoming_no;
        }
        incoming_no.push((*doc, seq));
        let state = trinhky_store::documents::instance_of(store.db(), *doc)
            .await?
            .map(|i| i.state)
            .unwrap_or_default();
        if state == "dispatched" {
            act(
                &store,
                &registry,
                &office_clerk,
                *doc,
                "receive",
                None,
                tick(),
            )
            .await?;
            act(
                &store,
                &registry,
                &office_clerk,
                *doc,
                "archive",
                None,
                tick(),
            )
            .await?;
        }
    }

    // 5. The table, from what the database and the outbox hold.
    let signing = registry.signing.clone().context("signing")?;
    let mut rows = Vec::new();
    for (a, agency, doc) in &docs {
        let number = trinhky_store::numbering::number_of(store.db(), *doc).await?;
        let file = trinhky_store::documents::latest_file(store.db(), *doc, Some("issued")).await?;
        let signatures = match file {
            Some(f) => match trinhky_store::blobs::get(store.db(), &f.blob_sha256).await? {
                Some(b) => {
                    let v = trinhky_app::signing::verify_for_display(&signing, &b.data);
                    format!(
                        "{}/{} hợp lệ",
                        v.iter().filter(|s| s.status == "valid").count(),
                        v.len()
                    )
                }
                None => "thiếu tệp".into(),
            },
            None => "chưa ký".into(),
        };
        let outbox = trinhky_store::outbox::of_document(store.db(), *doc).await?;
        let count = |s: &str| outbox.iter().filter(|m| m.status == s).count();
        let deadline = match (&number, a.last_day) {
            (Some(n), Some(last)) => {
                if n.issued_on <= last {
                    format!("đúng hạn ({})", last.format("%d/%m/%Y"))
                } else {
                    format!("trễ hạn ({})", last.format("%d/%m/%Y"))
                }
            }
            _ => "—".into(),
        };
        let state = trinhky_store::documents::instance_of(store.db(), *doc)
            .await?
            .map(|i| i.state)
            .unwrap_or_default();
        rows.push(Row {
            task: a.task_ref.clone(),
            agency: agency.code.clone(),
            number: number.map(|n| n.number).unwrap_or_else(|| "—".into()),
            signatures,
            delivered: count("sent"),
            failed: count("failed"),
            pending: count("pending"),
            deadline,
            state,
            incoming: incoming_no
                .iter()
                .find(|(d, _)| d == doc)
                .and_then(|(_, n)| *n)
                .map_or_else(|| "—".to_owned(), |n| n.to_string()),
        });
    }
    println!();
    println!(
        "{:<6} {:<8} {:<14} {:<14} {:>9} {:>6} {:>6}  {:<24} {:<10} {}",
        "Mục",
        "Cơ quan",
        "Số, ký hiệu",
        "Chữ ký số",
        "Đã gửi",
        "Lỗi",
        "Chờ",
        "Thời hạn",
        "Trạng thái",
        "Số đến VP"
    );
    let mut ok = true;
    for r in &rows {
        println!(
            "{:<6} {:<8} {:<14} {:<14} {:>9} {:>6} {:>6}  {:<24} {:<10} {}",
            r.task,
            r.agency,
            r.number,
            r.signatures,
            r.delivered,
            r.failed,
            r.pending,
            r.deadline,
            r.state,
            r.incoming
        );
        ok &= r.failed == 0
            && r.pending == 0
            && r.signatures.starts_with("2/2")
            // Văn phòng UBND's own reports are not in its incoming register.
            && (r.incoming != "—" || r.agency == "VPUBND");
    }
    println!();
    println!(
        "{} documents; mail: {}",
        rows.len(),
        match settings.smtp.as_ref() {
            Some(s) => format!("SMTP {}:{}", s.host, s.port),
            None => format!(
                ".eml files in {}",
                settings.data_dir.join("outbox").display()
            ),
        }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `trinhky demo fill --documents N`: N reports spread over the demo agencies and their drafters,
/// a fifth each waiting for approval, issuing, dispatched, archived, and the rest in drafting,
/// with due dates over the next weeks. For load tests of the inbox (scripts/bench-inbox); the
/// states are set in bulk, not played through the engine.
pub async fn fill(settings: Settings, documents: usize) -> Result<ExitCode> {
    use trinhky_store::ConnectionTrait;
    let store = open_store(&settings).await?;
    store.migrate().await.context("migrations failed")?;
    let registry =
        trinhky_app::registry::Registry::load(&settings.workflows_dir, &settings.calendar_file)?;
    registry.register(&store).await?;
    let demo_dir = trinhky_app::demo::find_demo_dir(None)?;
    trinhky_app::demo::load(&store, &demo_dir).await?;
    let def = registry.latest("bao-cao").context("workflow bao-cao")?;
    // (agency id, drafter id) pairs of the demo.
    let mut drafters = Vec::new();
    for a in directory::agencies(store.db()).await? {
        for (u, r, _) in accounts::agency_members(store.db(), a.id).await? {
            if r == Role::Drafter {
                drafters.push((a.id, u.id));
            }
        }
    }
    if drafters.is_empty() {
        bail!("the demo has no drafters");
    }
    let pb = crate::cli::progress(documents as u64, "documents");
    let today = trinhky_app::today_vn();
    let mut made = 0usize;
    while made < documents {
        let txn = store.begin_write().await?;
        let batch = (documents - made).min(500);
        for k in 0..batch {
            let n = made + k;
            let (agency_id, drafter_id) = drafters[n % drafters.len()];
            trinhky_store::documents::create_document(
                &txn,
                "cli:demo-fill",
                trinhky_store::documents::NewDocument {
                    agency_id,
                    assignment_id: None,
                    doc_type: "BC".into(),
                    drafter_id,
                    content: trinhky_store::documents::Content {
                        title: format!("Báo cáo kết quả thực hiện nhiệm vụ số {n}"),
                        body: "I. KẾT QUẢ\nNội dung báo cáo./.".into(),
                        addressees: "Ủy ban nhân dân tỉnh".into(),
                        recipients: "- Như trên;\n- Lưu: VT.".into(),
                    },
                    definition_id: def.id.clone(),
                    definition_version: i32::try_from(def.version).unwrap_or(1),
                    initial_state: def.initial.clone(),
                    skip_optional: true,
                    due_date: Some(today + chrono::Duration::days((n % 40) as i64 - 5)),
                },
                Utc::now(),
            )
            .await?;
        }
        txn.commit().await?;
        made += batch;
        pb.inc(batch as u64);
    }
    pb.finish_and_clear();
    store
        .db()
        .execute_unprepared(
            "UPDATE workflow_instances SET state = CASE id % 5 \
             WHEN 0 THEN 'approval' WHEN 1 THEN 'issuing' WHEN 2 THEN 'dispatched' \
             WHEN 3 THEN 'archived' ELSE state END",
        )
        .await?;
    println!("{made} documents added");
    Ok(ExitCode::SUCCESS)
}
