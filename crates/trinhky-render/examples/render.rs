//! Renders one JSON document to PDF (and optionally PNG pages): the cold-process benchmark and a manual tool.
//!
//! `cargo run --release -p trinhky-render --example render -- TEMPLATE DATA.json OUT.pdf [PNG_DIR]`
//! (templates are read from `$TRINHKY_TEMPLATES` or `templates/`).

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("render: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [template, data, out, rest @ ..] = args.as_slice() else {
        return Err("usage: render TEMPLATE DATA.json OUT.pdf [PNG_DIR]".into());
    };
    let dir = std::env::var("TRINHKY_TEMPLATES").unwrap_or_else(|_| "templates".into());
    let renderer = trinhky_render::Renderer::new(dir)?;
    let data: trinhky_render::DocumentData = serde_json::from_slice(&std::fs::read(data)?)?;
    std::fs::write(out, renderer.render_pdf(template, &data)?)?;
    if let Some(png_dir) = rest.first() {
        std::fs::create_dir_all(png_dir)?;
        for (i, png) in renderer
            .render_png(template, &data, 96.0)?
            .iter()
            .enumerate()
        {
            std::fs::write(format!("{png_dir}/page-{}.png", i + 1), png)?;
        }
    }
    Ok(())
}
