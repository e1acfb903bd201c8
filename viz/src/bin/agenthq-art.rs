//! Writes the office's sprites (drawn by `agenthq_viz::art`) into `assets/office/`, and a
//! preview of the demo office and a line-up of its people beside them.
//!
//! `cargo run -p agenthq-viz --bin agenthq-art [-- <folder>]`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).map_or_else(
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
    Ok(())
}
