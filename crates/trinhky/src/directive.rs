//! `trinhky directive parse|import`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use trinhky_app::directive_intake::{self, kind_str, proposed_decisions};
use trinhky_domain::directive::Directive;
use trinhky_store::Store;

fn today() -> chrono::NaiveDate {
    trinhky_app::today_vn()
}

fn read(file: &Path) -> Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

fn name(file: &Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn fmt_date(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "—".into(), trinhky_domain::time::dmy)
}

fn print_table(d: &Directive) {
    let doc = &d.document;
    println!(
        "Văn bản: {} {}",
        doc.doc_type.as_deref().unwrap_or("?"),
        doc.number.as_deref().unwrap_or("(không số)")
    );
    println!("Trích yếu: {}", doc.title.as_deref().unwrap_or("—"));
    println!(
        "Cơ quan ban hành: {}   Ngày: {}",
        doc.issuer.as_deref().unwrap_or("—"),
        fmt_date(doc.date)
    );
    if let Some(n) = &doc.signer.name {
        println!(
            "Người ký: {} {} {}",
            doc.signer.authority.as_deref().unwrap_or(""),
            doc.signer.position.as_deref().unwrap_or(""),
            n
        );
    }
    println!("\nNhiệm vụ có hạn ({}):", d.tasks.len());
    println!(
        "  {:<6} {:<40} {:<14} {:<11} {}",
        "mục", "chủ trì", "loại hạn", "hạn cuối", "sản phẩm"
    );
    for t in &d.tasks {
        let (kind, last) = t
            .deadline
            .as_ref()
            .map_or(("—", None), |dl| (kind_str(dl.kind), dl.last_day));
        println!(
            "  {:<6} {:<40} {:<14} {:<11} {}",
            t.reference,
            t.leads.join("; "),
            kind,
            fmt_date(last),
            t.deliverable.as_deref().unwrap_or("")
        );
    }
    println!("\nChỉ đạo chung ({}):", d.standing_directives.len());
    for s in &d.standing_directives {
        println!("  {:<6} {}", s.reference, s.leads.join("; "));
    }
    println!("\nNơi nhận:");
    for r in &d.recipients {
        println!("  - {}", r.text);
    }
    if let Some(a) = &d.archive {
        println!("  - {a}");
    }
    for w in &d.warnings {
        println!("lưu ý: {w}");
    }
}

pub fn parse(file: &Path, json: bool) -> Result<ExitCode> {
    let bytes = read(file)?;
    match directive_intake::parse_file(&bytes, &name(file), today()) {
        Ok((_, _, d)) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                print_table(&d);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn import(
    store: &Store,
    cpu: &trinhky_app::cpu::CpuPool,
    file: &Path,
    yes: bool,
    actor: &str,
) -> Result<ExitCode> {
    let bytes = read(file)?;
    // Parse first so a bad file stores nothing and the clerk reviews before anything is kept.
    let (_, _, parsed) = match directive_intake::parse_file(&bytes, &name(file), today()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was stored.");
            return Ok(ExitCode::from(1));
        }
    };
    let index = directive_intake::directory_index(store).await?;
    let resolved = trinhky_domain::resolve::resolve_directive(&index, &parsed);
    print_table(&parsed);
    let decisions = proposed_decisions(&parsed, &resolved);
    let fan_out = |i: usize| resolved.tasks.get(i).map_or(0, |r| r.lead_agencies.len());
    let count: usize = decisions
        .iter()
        .filter(|d| d.include)
        .map(|d| fan_out(d.task_index))
        .sum();
    println!("\nSẽ tạo {count} nhiệm vụ (một nhiệm vụ cho mỗi cơ quan chủ trì):");
    for d in decisions.iter().filter(|d| d.include) {
        let Some(t) = parsed.tasks.get(d.task_index) else {
            continue;
        };
        println!(
            "  {:<6} hạn {:<11} → {} ({} cơ quan)",
            t.reference,
            fmt_date(d.last_day),
            d.leads.join(", "),
            fan_out(d.task_index)
        );
    }
    if !resolved.unresolved.is_empty() {
        println!(
            "Chưa xác định được trong danh bạ: {}",
            resolved.unresolved.join("; ")
        );
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("not confirmed: pass --yes to confirm without a prompt. Nothing was stored.");
            return Ok(ExitCode::from(1));
        }
        print!("Xác nhận giao {count} nhiệm vụ? [c/K] ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(
            line.trim().to_lowercase().as_str(),
            "c" | "có" | "y" | "yes"
        ) {
            println!("Đã hủy; không lưu gì.");
            return Ok(ExitCode::from(1));
        }
    }
    let d = directive_intake::upload(store, cpu, actor, &name(file), &bytes, today()).await?;
    let created = directive_intake::confirm(store, actor, d.id, &decisions).await?;
    println!(
        "Đã lưu văn bản #{} và tạo {} nhiệm vụ.",
        d.id,
        created.len()
    );
    Ok(ExitCode::SUCCESS)
}
