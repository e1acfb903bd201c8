//! The office's art, drawn by code: one palette, flat-shaded isometric boxes, so every
//! sprite matches the 2:1 floor grid of [`crate::iso`]. `agenthq-art` writes the PNGs into
//! `assets/office/`; nothing is copied from elsewhere.
//!
//! Each sprite is [`crate::iso::TILE_W`] pixels wide per tile of footprint; its anchor
//! (the centre of its footprint's floor diamond) is [`ANCHOR_FROM_BOTTOM`] pixels above the
//! image's bottom edge, horizontally centred.

pub mod bubbles;
pub mod check;
pub mod people;

use image::{Rgba, RgbaImage};

use crate::iso::{TILE_H, TILE_W};
use crate::layout::Facing;

/// Pixels from a sprite's bottom edge to its anchor (half a tile: the diamond's centre).
pub const ANCHOR_FROM_BOTTOM: u32 = (TILE_H / 2.0) as u32;

/// The palette: warm floor, cool walls, wood, a few accents. Every sprite uses these.
pub mod palette {
    use image::Rgba;

    pub const FLOOR: Rgba<u8> = Rgba([0xd9, 0xc9, 0xa8, 0xff]);
    pub const FLOOR_LINE: Rgba<u8> = Rgba([0xc4, 0xb2, 0x8f, 0xff]);
    pub const WALL: Rgba<u8> = Rgba([0x8f, 0xa6, 0xb8, 0xff]);
    pub const WOOD: Rgba<u8> = Rgba([0xb5, 0x7f, 0x4e, 0xff]);
    pub const DARK: Rgba<u8> = Rgba([0x3a, 0x3f, 0x4b, 0xff]);
    pub const SCREEN: Rgba<u8> = Rgba([0x6f, 0xd3, 0xe8, 0xff]);
    pub const FABRIC: Rgba<u8> = Rgba([0x4d, 0x6b, 0xa8, 0xff]);
    pub const LEAF: Rgba<u8> = Rgba([0x5d, 0xa0, 0x4f, 0xff]);
    pub const POT: Rgba<u8> = Rgba([0xc8, 0x6b, 0x4a, 0xff]);
    pub const STEEL: Rgba<u8> = Rgba([0xa9, 0xb1, 0xba, 0xff]);
    pub const COFFEE: Rgba<u8> = Rgba([0x6b, 0x44, 0x2b, 0xff]);
}

/// A colour darkened (`f` < 1) or lightened (`f` > 1), for the faces of a box.
pub fn shade(c: Rgba<u8>, f: f32) -> Rgba<u8> {
    let s = |v: u8| (f32::from(v) * f).round().clamp(0.0, 255.0) as u8;
    Rgba([s(c[0]), s(c[1]), s(c[2]), c[3]])
}

/// A blank sprite for a footprint of `tiles_x` × `tiles_y` tiles, `height` pixels tall
/// above its floor diamond.
pub fn canvas(tiles_x: u32, tiles_y: u32, height: u32) -> RgbaImage {
    let w = (tiles_x + tiles_y) as f32 * TILE_W / 2.0;
    let h = (tiles_x + tiles_y) as f32 * TILE_H / 2.0 + height as f32;
    RgbaImage::new(w as u32, h as u32)
}

/// Fills the convex polygon `points` (pixel coordinates).
pub fn fill(img: &mut RgbaImage, points: &[(f32, f32)], color: Rgba<u8>) {
    let (min_y, max_y) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    for py in (min_y.floor().max(0.0) as u32)..(max_y.ceil().min(img.height() as f32) as u32) {
        for px in 0..img.width() {
            if inside(points, px as f32 + 0.5, py as f32 + 0.5) {
                img.put_pixel(px, py, color);
            }
        }
    }
}

fn inside(points: &[(f32, f32)], x: f32, y: f32) -> bool {
    let n = points.len();
    let mut sign = 0.0f32;
    for i in 0..n {
        let (a, b) = (points[i], points[(i + 1) % n]);
        let cross = (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0);
        if cross.abs() < f32::EPSILON {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

/// An isometric box: its footprint from tile offset (`x0`, `y0`) spanning `dx` × `dy`
/// tiles (fractions allowed), lifted `z` pixels and `h` pixels tall, drawn on a canvas
/// whose footprint is `tiles_x` × `tiles_y` and top margin `height`. Top face lighter,
/// right face darker.
#[allow(clippy::too_many_arguments)] // A box is eight numbers; a struct would only rename them.
pub fn iso_box(
    img: &mut RgbaImage,
    tiles_y: u32,
    height: u32,
    (x0, y0): (f32, f32),
    (dx, dy): (f32, f32),
    z: f32,
    h: f32,
    color: Rgba<u8>,
) {
    // Screen position of floor point (x, y) at height z on this canvas.
    let ox = tiles_y as f32 * TILE_W / 2.0;
    let p = |x: f32, y: f32, up: f32| {
        (
            ox + (x - y) * TILE_W / 2.0,
            height as f32 + (x + y) * TILE_H / 2.0 - up,
        )
    };
    let (x1, y1) = (x0 + dx, y0 + dy);
    let top = [
        p(x0, y0, z + h),
        p(x1, y0, z + h),
        p(x1, y1, z + h),
        p(x0, y1, z + h),
    ];
    let left = [
        p(x0, y1, z + h),
        p(x1, y1, z + h),
        p(x1, y1, z),
        p(x0, y1, z),
    ];
    let right = [
        p(x1, y0, z + h),
        p(x1, y1, z + h),
        p(x1, y1, z),
        p(x1, y0, z),
    ];
    fill(img, &left, shade(color, 0.85));
    fill(img, &right, shade(color, 0.7));
    fill(img, &top, shade(color, 1.08));
}

/// Every sprite of the office, by file name.
pub fn sprites() -> Vec<(&'static str, RgbaImage)> {
    use palette::*;
    let mut out = Vec::new();

    let mut floor = canvas(1, 1, 0);
    iso_box(
        &mut floor,
        1,
        0,
        (0.0, 0.0),
        (1.0, 1.0),
        0.0,
        0.0,
        FLOOR_LINE,
    );
    iso_box(
        &mut floor,
        1,
        0,
        (0.06, 0.06),
        (0.88, 0.88),
        0.0,
        0.0,
        FLOOR,
    );
    out.push(("floor.png", floor));

    let mut wall = canvas(1, 1, 72);
    iso_box(&mut wall, 1, 72, (0.0, 0.0), (1.0, 1.0), 0.0, 72.0, WALL);
    out.push(("wall.png", wall));

    for (name, facing) in [
        ("desk_plus_x.png", Facing::PlusX),
        ("desk_minus_x.png", Facing::MinusX),
        ("desk_plus_y.png", Facing::PlusY),
        ("desk_minus_y.png", Facing::MinusY),
    ] {
        out.push((name, desk(facing)));
    }

    for (name, facing) in [
        ("chair_plus_x.png", Facing::PlusX),
        ("chair_minus_x.png", Facing::MinusX),
        ("chair_plus_y.png", Facing::PlusY),
        ("chair_minus_y.png", Facing::MinusY),
    ] {
        out.push((name, chair(facing)));
    }

    let mut plant = canvas(1, 1, 64);
    iso_box(&mut plant, 1, 64, (0.3, 0.3), (0.4, 0.4), 0.0, 16.0, POT);
    for (i, (x, y, z)) in [
        (0.35, 0.35, 16.0),
        (0.25, 0.45, 26.0),
        (0.45, 0.25, 30.0),
        (0.35, 0.35, 38.0),
    ]
    .into_iter()
    .enumerate()
    {
        let leaf = if i % 2 == 0 { LEAF } else { shade(LEAF, 1.15) };
        iso_box(&mut plant, 1, 64, (x, y), (0.3, 0.3), z, 12.0, leaf);
    }
    out.push(("plant.png", plant));

    let mut counter = canvas(1, 1, 48);
    iso_box(
        &mut counter,
        1,
        48,
        (0.05, 0.2),
        (0.9, 0.6),
        0.0,
        28.0,
        WOOD,
    );
    iso_box(
        &mut counter,
        1,
        48,
        (0.4, 0.3),
        (0.3, 0.3),
        28.0,
        16.0,
        STEEL,
    );
    iso_box(
        &mut counter,
        1,
        48,
        (0.15, 0.35),
        (0.12, 0.12),
        28.0,
        6.0,
        COFFEE,
    );
    out.push(("coffee_counter.png", counter));

    let mut table = canvas(1, 1, 40);
    iso_box(
        &mut table,
        1,
        40,
        (0.05, 0.05),
        (0.9, 0.9),
        20.0,
        4.0,
        shade(WOOD, 1.1),
    );
    iso_box(&mut table, 1, 40, (0.45, 0.45), (0.1, 0.1), 0.0, 20.0, DARK);
    out.push(("meeting_table.png", table));
    out.push(("bubbles.png", bubbles::sheet()));
    out.push(("envelope.png", bubbles::envelope()));
    for (name, look) in people::cast() {
        out.push((name, people::sheet(&look)));
    }
    out
}

/// A desk whose user sits facing `facing`: the monitor at the far edge, its screen
/// towards the user (seen from behind when the user faces the viewer).
fn desk(facing: Facing) -> RgbaImage {
    use palette::{DARK, SCREEN, WOOD};
    let mut img = canvas(1, 1, 48);
    iso_box(&mut img, 1, 48, (0.1, 0.15), (0.8, 0.7), 18.0, 4.0, WOOD);
    for (x, y) in [(0.15, 0.2), (0.8, 0.2), (0.15, 0.75), (0.8, 0.75)] {
        iso_box(&mut img, 1, 48, (x, y), (0.05, 0.05), 0.0, 18.0, DARK);
    }
    // Monitor body, and the screen on the side that faces the user.
    let (body_at, body_size, screen_at, screen_size) = match facing {
        Facing::PlusY => ((0.3, 0.62), (0.4, 0.08), (0.33, 0.6), (0.34, 0.02)),
        Facing::MinusY => ((0.3, 0.3), (0.4, 0.08), (0.33, 0.38), (0.34, 0.02)),
        Facing::PlusX => ((0.62, 0.3), (0.08, 0.4), (0.6, 0.33), (0.02, 0.34)),
        Facing::MinusX => ((0.3, 0.3), (0.08, 0.4), (0.38, 0.33), (0.02, 0.34)),
    };
    // The screen is visible only on the monitor's near (+x or +y) side.
    let screen_in_front = matches!(facing, Facing::MinusX | Facing::MinusY);
    if !screen_in_front {
        iso_box(&mut img, 1, 48, screen_at, screen_size, 25.0, 13.0, SCREEN);
    }
    iso_box(&mut img, 1, 48, body_at, body_size, 22.0, 18.0, DARK);
    if screen_in_front {
        iso_box(&mut img, 1, 48, screen_at, screen_size, 25.0, 13.0, SCREEN);
    }
    img
}

/// The desk sprite for a user facing `facing`.
pub fn desk_sprite(facing: Facing) -> &'static str {
    match facing {
        Facing::PlusX => "desk_plus_x.png",
        Facing::MinusX => "desk_minus_x.png",
        Facing::PlusY => "desk_plus_y.png",
        Facing::MinusY => "desk_minus_y.png",
    }
}

/// An office chair whose sitter faces `facing` (its back on the other side).
fn chair(facing: Facing) -> RgbaImage {
    use palette::{DARK, FABRIC};
    let mut img = canvas(1, 1, 40);
    iso_box(&mut img, 1, 40, (0.45, 0.45), (0.1, 0.1), 0.0, 12.0, DARK);
    let (back_at, back_size) = match facing {
        Facing::PlusY => ((0.25, 0.2), (0.5, 0.08)),
        Facing::MinusY => ((0.25, 0.72), (0.5, 0.08)),
        Facing::PlusX => ((0.2, 0.25), (0.08, 0.5)),
        Facing::MinusX => ((0.72, 0.25), (0.08, 0.5)),
    };
    // The back is drawn first when it is behind the seat on screen (the -x or -y side).
    let behind = matches!(facing, Facing::PlusX | Facing::PlusY);
    if behind {
        iso_box(&mut img, 1, 40, back_at, back_size, 16.0, 18.0, FABRIC);
    }
    iso_box(&mut img, 1, 40, (0.25, 0.25), (0.5, 0.5), 12.0, 4.0, FABRIC);
    if !behind {
        iso_box(&mut img, 1, 40, back_at, back_size, 16.0, 18.0, FABRIC);
    }
    img
}

/// The chair sprite for a sitter facing `facing`.
pub fn chair_sprite(facing: Facing) -> &'static str {
    match facing {
        Facing::PlusX => "chair_plus_x.png",
        Facing::MinusX => "chair_minus_x.png",
        Facing::PlusY => "chair_plus_y.png",
        Facing::MinusY => "chair_minus_y.png",
    }
}

/// Everything that stands on the floor of `plan`, with its sprite: desks and their chairs,
/// the meeting table and its chairs, the coffee counter, plants. The preview and the
/// viewer both draw this list.
pub fn furniture(plan: &crate::OfficeLayout) -> Vec<(crate::iso::Tile, &'static str)> {
    let mut things = Vec::new();
    for d in &plan.desks {
        things.push((d.tile, desk_sprite(d.facing)));
        things.push((d.seat, chair_sprite(d.facing)));
    }
    things.extend(
        plan.meeting
            .furniture
            .iter()
            .map(|t| (*t, "meeting_table.png")),
    );
    for spot in &plan.meeting.spots {
        things.push((*spot, chair_sprite(plan.facing_at(*spot))));
    }
    things.extend(
        plan.coffee
            .furniture
            .iter()
            .map(|t| (*t, "coffee_counter.png")),
    );
    things.extend(plan.plants.iter().map(|t| (*t, "plant.png")));
    things
}

/// A picture of a whole floor plan drawn with the sprites in depth order: the look of the
/// office without the app, to check the art together.
pub fn preview(plan: &crate::OfficeLayout) -> RgbaImage {
    use crate::iso::{Tile, depth, to_screen};
    let sprites: std::collections::HashMap<&str, RgbaImage> = sprites().into_iter().collect();
    let mut items: Vec<(Tile, &str)> = Vec::new();
    for t in plan.tiles() {
        let edge = t.x == 0 || t.y == 0;
        let outside = t.x == plan.width - 1 || t.y == plan.height - 1;
        if edge {
            items.push((t, "wall.png"));
        } else if !outside {
            items.push((t, "floor.png"));
        }
    }
    let mut things = furniture(plan);
    things.sort_by(|a, b| {
        depth(a.0.x as f32, a.0.y as f32).total_cmp(&depth(b.0.x as f32, b.0.y as f32))
    });
    // Floors first (all of them), walls and things after, each group in depth order.
    items.sort_by_key(|(_, name)| *name != "floor.png");
    let extent = to_screen(plan.width as f32, plan.height as f32);
    let left = to_screen(0.0, plan.height as f32).x;
    let right = to_screen(plan.width as f32, 0.0).x;
    let (w, h) = ((right - left) as u32 + TILE_W as u32, extent.y as u32 + 120);
    let mut out = RgbaImage::from_pixel(w, h, Rgba([0x2b, 0x2d, 0x33, 0xff]));
    for (tile, name) in items.into_iter().chain(things) {
        let sprite = &sprites[name];
        let at = to_screen(tile.x as f32, tile.y as f32);
        let x = (at.x - left) as i64 - i64::from(sprite.width() / 2) + (TILE_W / 2.0) as i64;
        let y = at.y as i64 + 100 - i64::from(sprite.height()) + i64::from(ANCHOR_FROM_BOTTOM);
        image::imageops::overlay(&mut out, sprite, x, y);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sprite_is_drawn_on_the_tile_grid_in_the_palette() {
        let sprites = sprites();
        assert!(sprites.len() >= 7);
        for (name, img) in &sprites {
            let width = if img.height() > 200 {
                people::CELL_W * people::FRAMES.len() as u32
            } else if *name == "bubbles.png" {
                bubbles::SIZE * crate::scene::Bubble::ALL.len() as u32
            } else if *name == "envelope.png" {
                bubbles::ENVELOPE.0
            } else {
                TILE_W as u32
            };
            assert_eq!(
                img.width(),
                width,
                "{name} is one tile wide (a sheet: a tile per frame)"
            );
            let opaque = img.pixels().filter(|p| p[3] == 255).count();
            assert!(opaque > 200, "{name} has something drawn");
        }
        // The floor tile fills its diamond: the centre is floor, the corners are clear.
        let floor = &sprites[0].1;
        assert_eq!(*floor.get_pixel(32, 16), shade(palette::FLOOR, 1.08));
        assert_eq!(floor.get_pixel(1, 1)[3], 0);
    }

    #[test]
    fn the_committed_sprites_are_what_the_generator_draws() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/office");
        for (name, img) in sprites() {
            let committed = image::open(folder.join(name))
                .unwrap_or_else(|e| panic!("assets/office/{name}: {e}; run `cargo run -p agenthq-viz --bin agenthq-art`"))
                .into_rgba8();
            assert!(
                committed == img,
                "assets/office/{name} is stale; run `cargo run -p agenthq-viz --bin agenthq-art`"
            );
        }
    }
}
