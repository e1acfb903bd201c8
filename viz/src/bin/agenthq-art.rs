//! Writes the office's sprites (drawn by `agenthq_viz::art`) into `assets/office/`, and a
//! preview of the demo office and a line-up of its people beside them; or checks a
//! screenshot of the office.
//!
//! `cargo run -p agenthq-viz --bin agenthq-art [-- <folder>]`
//! `cargo run -p agenthq-viz --bin agenthq-art -- check <screenshot.png> [--people N]`:
//! exits 1 unless the picture is drawn (not blank) and shows at least N (default 3) of
//! the five people.

use std::path::PathBuf;
use std::process::ExitCode;

#[allow(clippy::print_stdout)] // The command's report.
fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("check") {
        let path = args
            .get(1)
            .ok_or("usage: agenthq-art check <png> [--people N]")?;
        let want: usize = match args.get(2).map(String::as_str) {
            Some("--people") => args.get(3).ok_or("--people needs a number")?.parse()?,
            _ => 3,
        };
        let img = image::open(path)?.to_rgba8();
        let seen = agenthq_viz::art::check::inspect(&img);
        println!(
            "{path}: {} colours, contrast {:.1}, people seen: {:?}",
            seen.colours, seen.contrast, seen.people
        );
        let ok = seen.drawn() && seen.people.len() >= want;
        if !ok {
            println!("{path}: expected a drawn office with at least {want} people");
        }
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let folder = args.first().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/office"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&folder)?;
    for (name, image) in agenthq_viz::art::sprites() {
        image.save(folder.join(name))?;
    }
    let plan = agenthq_viz::OfficeLayout::for_desks(5);
    agenthq_viz::art::preview(&plan).save(folder.join("preview.png"))?;
    agenthq_viz::art::people::line_up().save(folder.join("people.png"))?;
    Ok(ExitCode::SUCCESS)
}
