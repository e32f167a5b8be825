//! `trinhky demo run`: the seed scenario end to end without a browser, on the configured database
//! and mail transport. Văn phòng UBND imports the seed directive and confirms its assignments;
//! every dated report whose lead agency has demo accounts is drafted, submitted (and forwarded by
//! the unit head where there is one), approved and signed (the first one by a deputy, "KT."),
//! issued with its number and the organisation's seal, dispatched, then received and archived by
//! Văn phòng UBND. Prints a table per document checked against the database and the outbox.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_app::{App, Principal, Settings};
use trinhky_domain::Role;
use trinhky_domain::time;
use trinhky_domain::workflow::Authority;
use trinhky_store::entities::{agency, assignment};
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

/// The scenario in progress: the app, the scenario's clock and Văn phòng UBND's clerk.
struct Scenario {
    app: App,
    /// The clock of the scenario, seven minutes per action.
    clock: DateTime<Utc>,
    today: NaiveDate,
    office_clerk: Principal,
    /// Whether a deputy has signed one report already ("KT.").
    deputy_used: bool,
}

impl Scenario {
    fn tick(&mut self) -> DateTime<Utc> {
        self.clock += chrono::Duration::minutes(7);
        self.clock
    }

    fn store(&self) -> &Store {
        self.app.store()
    }

    /// `who` does `action` on `doc`, with `pin` for the signing steps.
    async fn act(
        &mut self,
        who: &Principal,
        doc: i32,
        action: &str,
        pin: Option<&str>,
    ) -> Result<()> {
        let now = self.tick();
        let (store, registry) = (self.app.store(), self.app.registry());
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
                expected_version: inst.version,
                paper: Vec::new(),
            },
            now,
        )
        .await
        .with_context(|| format!("{} → {action} on document {doc}", who.user.username))?;
        Ok(())
    }

    async fn state_of(&self, doc: i32) -> Result<String> {
        Ok(
            trinhky_store::documents::instance_of(self.store().db(), doc)
                .await?
                .map(|i| i.state)
                .unwrap_or_default(),
        )
    }

    /// 1. Văn phòng UBND imports the seed directive and confirms its assignments.
    async fn import_directive(&self, demo_dir: &Path) -> Result<Vec<assignment::Model>> {
        let store = self.store();
        let seed = demo_dir.join("seed-directive.txt");
        let bytes =
            std::fs::read(&seed).with_context(|| format!("cannot read {}", seed.display()))?;
        let directive = trinhky_app::directive_intake::upload(
            store,
            self.app.cpu(),
            &self.office_clerk.actor(),
            "seed-directive.txt",
            &bytes,
            self.today,
        )
        .await?;
        let proposal = trinhky_app::directive_intake::proposal(store, directive.id).await?;
        let decisions =
            trinhky_app::directive_intake::proposed_decisions(&proposal.parsed, &proposal.resolved);
        let assignments = trinhky_app::directive_intake::confirm(
            store,
            &self.office_clerk.actor(),
            directive.id,
            &decisions,
        )
        .await?;
        println!(
            "directive \"{}\" imported: {} assignments",
            proposal.directive.title,
            assignments.len()
        );
        Ok(assignments)
    }

    /// 2. The dated reports of agencies with demo accounts: (assignment, agency, drafter).
    async fn work(
        &self,
        assignments: &[assignment::Model],
    ) -> Result<Vec<(assignment::Model, agency::Model, String)>> {
        let store = self.store();
        let mut work = Vec::new();
        for a in assignments {
            if a.last_day.is_none() {
                continue;
            }
            let Some(drafter) = member(store, a.lead_agency_id, Role::Drafter).await? else {
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
        Ok(work)
    }

    /// One report from draft to issue: drafted, submitted (forwarded by the unit head where
    /// there is one), approved and signed, issued. Returns the document's id.
    async fn play_report(
        &mut self,
        a: &assignment::Model,
        agency: &agency::Model,
        drafter: &str,
    ) -> Result<i32> {
        let code = agency.code.clone();
        let p_drafter = principal(self.store(), drafter).await?;
        let doc = uc::create_from_assignment(
            self.app.store(),
            self.app.registry(),
            &p_drafter,
            a.id,
            None,
        )
        .await?;
        let content = report_content(a, agency);
        uc::edit(
            self.app.store(),
            self.app.registry(),
            &p_drafter,
            doc.id,
            1,
            content,
            "Dự thảo",
        )
        .await?;
        self.act(&p_drafter, doc.id, "submit", None).await?;
        if self.state_of(doc.id).await? == "unit_review"
            && let Some(u) = member(self.store(), agency.id, Role::UnitHead).await?
        {
            let unit_head = principal(self.store(), &u).await?;
            self.act(&unit_head, doc.id, "forward", None).await?;
        }
        let signer = self.signer(&code, agency.id).await?;
        let pin = trinhky_app::demo::DEMO_PIN;
        let p_signer = principal(self.store(), &signer).await?;
        self.act(&p_signer, doc.id, "approve", Some(pin)).await?;
        let clerk = member(self.store(), agency.id, Role::Clerk)
            .await?
            .with_context(|| format!("{code} has no clerk account"))?;
        let p_clerk = principal(self.store(), &clerk).await?;
        self.act(&p_clerk, doc.id, "issue", Some(pin)).await?;
        Ok(doc.id)
    }

    /// Who signs the next report: the first one a deputy ("KT.", delegated by the head now),
    /// the others the head.
    async fn signer(&mut self, code: &str, agency_id: i32) -> Result<String> {
        let store = self.app.store();
        let head = member(store, agency_id, Role::AgencyHead)
            .await?
            .with_context(|| format!("{code} has no head account"))?;
        let deputy = member(store, agency_id, Role::DeputyHead).await?;
        let (Some(d), false) = (deputy, self.deputy_used) else {
            return Ok(head);
        };
        let p_head = principal(store, &head).await?;
        uc::delegate(
            store,
            &p_head,
            code,
            &d,
            Authority::Kt,
            self.today,
            Some(self.today + chrono::Duration::days(30)),
            None,
        )
        .await
        .or_else(|e| match e {
            // Already delegated in an earlier run.
            trinhky_app::AppError::Conflict(_) => Ok(()),
            other => Err(other),
        })?;
        self.deputy_used = true;
        Ok(d)
    }

    /// 3. Dispatch through the configured transport until nothing is due.
    async fn dispatch(&self) -> Result<()> {
        let settings = self.app.settings();
        let mailer = trinhky_mail::Mailer::new(&settings.mail_transport()?)
            .context("mail transport (TRINHKY_SMTP_*)")?;
        for _ in 0..20 {
            let pass = trinhky_app::dispatch::dispatch_once(
                self.store(),
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
        Ok(())
    }

    /// 4. Văn phòng UBND receives each report in its incoming register (số đến, verified
    ///    signatures), acknowledges and archives it; the report's workflow is closed too.
    ///    Returns the số đến of each document.
    async fn receive(&mut self, docs: &[i32]) -> Result<Vec<(i32, Option<i32>)>> {
        let office = directory::agency_by_code(self.store().db(), "VPUBND")
            .await?
            .context("the demo has no VPUBND")?;
        let clerk = self.office_clerk.clone();
        let mut incoming_no = Vec::new();
        for doc in docs {
            let mut seq = None;
            for row in trinhky_store::incoming::of_document(self.store().db(), *doc).await? {
                if row.agency_id != office.id {
                    continue;
                }
                let (t1, t2, t3) = (self.tick(), self.tick(), self.tick());
                let store = self.store();
                let v = trinhky_app::incoming::register(store, &clerk, row.id, t1).await?;
                trinhky_app::incoming::acknowledge(store, &clerk, row.id, t2).await?;
                trinhky_app::incoming::archive(store, &clerk, row.id, t3).await?;
                seq = v.incoming_no;
            }
            incoming_no.push((*doc, seq));
            if self.state_of(*doc).await? == "dispatched" {
                self.act(&clerk, *doc, "receive", None).await?;
                self.act(&clerk, *doc, "archive", None).await?;
            }
        }
        Ok(incoming_no)
    }

    /// 5. The table's row of one document, from what the database and the outbox hold.
    async fn row(
        &self,
        a: &assignment::Model,
        agency: &agency::Model,
        doc: i32,
        incoming: Option<i32>,
    ) -> Result<Row> {
        let db = self.store().db();
        let number = trinhky_store::numbering::number_of(db, doc).await?;
        let file = trinhky_store::documents::latest_file(db, doc, Some("issued")).await?;
        let signatures = match file {
            Some(f) => match trinhky_store::blobs::get(db, &f.blob_sha256).await? {
                Some(b) => {
                    let v = trinhky_app::signing::verify_for_display(self.app.signing(), &b.data);
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
        let outbox = trinhky_store::outbox::of_document(db, doc).await?;
        let count = |s: &str| outbox.iter().filter(|m| m.status == s).count();
        let deadline = match (&number, a.last_day) {
            (Some(n), Some(last)) => {
                if n.issued_on <= last {
                    format!("đúng hạn ({})", time::dmy(last))
                } else {
                    format!("trễ hạn ({})", time::dmy(last))
                }
            }
            _ => "—".into(),
        };
        Ok(Row {
            task: a.task_ref.clone(),
            agency: agency.code.clone(),
            number: number.map(|n| n.number).unwrap_or_else(|| "—".into()),
            signatures,
            delivered: count("sent"),
            failed: count("failed"),
            pending: count("pending"),
            deadline,
            state: self.state_of(doc).await?,
            incoming: incoming.map_or_else(|| "—".to_owned(), |n| n.to_string()),
        })
    }
}

/// The text of the report on assignment `a`.
fn report_content(
    a: &assignment::Model,
    agency: &agency::Model,
) -> trinhky_store::documents::Content {
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
    trinhky_store::documents::Content {
        title,
        body: format!(
            "I. KẾT QUẢ THỰC HIỆN\n{} đã triển khai nhiệm vụ {} theo Thông báo kết luận của Ủy ban nhân dân tỉnh.\nII. KIẾN NGHỊ, ĐỀ XUẤT\nKính đề nghị Ủy ban nhân dân tỉnh xem xét, chỉ đạo./.",
            agency.name, a.task_ref
        ),
        addressees: "Ủy ban nhân dân tỉnh Đắk Nông".into(),
        recipients: format!(
            "- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, {}.",
            agency.code
        ),
    }
}

/// Loads the demo province and issues its keys (before the App is built, so that signing
/// trusts the development CA); returns the demo folder.
async fn prepare(settings: &Settings) -> Result<PathBuf> {
    let kek = settings.load_kek(false)?;
    let store = open_store(settings).await?;
    store.migrate().await.context("migrations failed")?;
    crate::cli::wrap_stored_keys(&store, &kek).await?;
    let demo_dir = trinhky_app::demo::find_demo_dir(None)?;
    let pb = crate::cli::progress(2, "preparing");
    trinhky_app::demo::load(&store, &demo_dir).await?;
    pb.inc(1);
    let issued_keys = trinhky_app::demo::install_keys(&store, &kek, &settings.data_dir).await?;
    pb.finish_and_clear();
    store.close().await?;
    if issued_keys > 0 {
        println!(
            "development CA issued {issued_keys} signing keys (PIN {})",
            trinhky_app::demo::DEMO_PIN
        );
    }
    Ok(demo_dir)
}

/// The clock of the scenario: the given day at 08:00 Vietnam time, else now.
fn start_of(date: Option<NaiveDate>) -> Result<(DateTime<Utc>, NaiveDate)> {
    let start = match date {
        Some(d) => d
            .and_hms_opt(8, 0, 0)
            .and_then(|t| time::VN_OFFSET.from_local_datetime(&t).single())
            .map(|t| t.with_timezone(&Utc))
            .context("--date is out of range")?,
        None => Utc::now(),
    };
    Ok((start, time::local_date(start)))
}

pub async fn run(mut settings: Settings, date: Option<NaiveDate>) -> Result<ExitCode> {
    settings.use_demo_kek()?;
    let demo_dir = prepare(&settings).await?;
    let app = App::build(&settings).await?;
    let (clock, today) = start_of(date)?;
    let office_clerk = principal(app.store(), "vpubnd.vanthu").await?;
    let mut s = Scenario {
        app,
        clock,
        today,
        office_clerk,
        deputy_used: false,
    };
    let assignments = s.import_directive(&demo_dir).await?;
    let work = s.work(&assignments).await?;
    let pb = crate::cli::progress(work.len() as u64, "documents");
    let mut docs = Vec::new();
    for (a, agency, drafter) in &work {
        docs.push(s.play_report(a, agency, drafter).await?);
        pb.inc(1);
    }
    pb.finish_and_clear();
    s.dispatch().await?;
    let incoming_no = s.receive(&docs).await?;
    let mut rows = Vec::new();
    for (((a, agency, _), doc), (_, incoming)) in work.iter().zip(&docs).zip(&incoming_no) {
        rows.push(s.row(a, agency, *doc, *incoming).await?);
    }
    let ok = print_table(&rows);
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

/// Prints the table; true when every document went through (signed twice, delivered, received).
fn print_table(rows: &[Row]) -> bool {
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
    for r in rows {
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
    ok
}

/// `trinhky demo fill --documents N`: N reports spread over the demo agencies and their drafters,
/// a fifth each waiting for approval, issuing, dispatched, archived, and the rest in drafting,
/// with due dates over the next weeks. For load tests of the inbox (scripts/bench-inbox); the
/// states are set in bulk, not played through the engine.
pub async fn fill(mut settings: Settings, documents: usize) -> Result<ExitCode> {
    use trinhky_store::ConnectionTrait;
    settings.use_demo_kek()?;
    let app = App::build(&settings).await?;
    let (store, registry) = (app.store(), app.registry());
    let demo_dir = trinhky_app::demo::find_demo_dir(None)?;
    trinhky_app::demo::load(store, &demo_dir).await?;
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
