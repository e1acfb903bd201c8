//! The agents: five distinct people built from shaded boxes, each in a sprite sheet of
//! poses (stand, walk, sit, type, think) for the four directions.
//!
//! Sheet layout: one row per facing in [`FACINGS`] order, one column per frame in
//! [`FRAMES`] order; every cell is [`CELL_W`] × [`CELL_H`] pixels with the person's feet
//! (the anchor) [`super::ANCHOR_FROM_BOTTOM`] above the cell's bottom, centred.

use image::{Rgba, RgbaImage};

use super::{iso_box, shade};
use crate::layout::Facing;

/// Cell size of a sheet, in pixels.
pub const CELL_W: u32 = 64;
pub const CELL_H: u32 = 112;
/// Height above the floor diamond a cell leaves for the person.
const HEADROOM: u32 = CELL_H - 32;

/// Rows of a sheet.
pub const FACINGS: [Facing; 4] = [Facing::PlusX, Facing::MinusX, Facing::PlusY, Facing::MinusY];

/// One pose of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Stand,
    /// Step `0..4`.
    Walk(u8),
    Sit,
    /// Key stroke `0..2`, seated.
    Type(u8),
    /// Hand on chin, `0..2` (a slow nod).
    Think(u8),
}

/// Columns of a sheet.
pub const FRAMES: [Frame; 10] = [
    Frame::Stand,
    Frame::Walk(0),
    Frame::Walk(1),
    Frame::Walk(2),
    Frame::Walk(3),
    Frame::Sit,
    Frame::Type(0),
    Frame::Type(1),
    Frame::Think(0),
    Frame::Think(1),
];

/// Hair cuts a person can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hair {
    Short,
    Long,
    Bun,
    Curly,
}

/// What tells one person from another.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub skin: Rgba<u8>,
    pub hair: Rgba<u8>,
    pub cut: Hair,
    pub top: Rgba<u8>,
    pub trousers: Rgba<u8>,
}

/// The five people of the Generic Corp demo, by sheet file name.
pub fn cast() -> [(&'static str, Look); 5] {
    let c = |r, g, b| Rgba([r, g, b, 0xff]);
    [
        // Marcus Bell, CEO: navy suit, grey hair.
        (
            "marcus.png",
            Look {
                skin: c(0xe8, 0xc0, 0x9e),
                hair: c(0x9a, 0x9a, 0xa0),
                cut: Hair::Short,
                top: c(0x2c, 0x3e, 0x6b),
                trousers: c(0x26, 0x2e, 0x45),
            },
        ),
        // Sable Chen, principal engineer: long black hair, teal shirt.
        (
            "sable.png",
            Look {
                skin: c(0xf0, 0xd0, 0xb0),
                hair: c(0x1e, 0x1b, 0x20),
                cut: Hair::Long,
                top: c(0x2a, 0x9d, 0x8f),
                trousers: c(0x3b, 0x3b, 0x44),
            },
        ),
        // DeVonte Jackson, full-stack developer: curls, orange hoodie.
        (
            "devonte.png",
            Look {
                skin: c(0x7a, 0x4e, 0x32),
                hair: c(0x1a, 0x14, 0x10),
                cut: Hair::Curly,
                top: c(0xe7, 0x6f, 0x2e),
                trousers: c(0x33, 0x4e, 0x7a),
            },
        ),
        // Yuki Tanaka, SRE: bun, plum jacket.
        (
            "yuki.png",
            Look {
                skin: c(0xf2, 0xd6, 0xbc),
                hair: c(0x3a, 0x25, 0x1e),
                cut: Hair::Bun,
                top: c(0x8e, 0x44, 0x8f),
                trousers: c(0x2b, 0x2b, 0x30),
            },
        ),
        // Graham Sutton, data engineer: ginger, green jumper.
        (
            "graham.png",
            Look {
                skin: c(0xf4, 0xc9, 0xaa),
                hair: c(0xc0, 0x62, 0x2c),
                cut: Hair::Short,
                top: c(0x4f, 0x8a, 0x3c),
                trousers: c(0x5a, 0x4a, 0x3a),
            },
        ),
    ]
}

/// A box of the body in the person's own frame: `fwd` along the facing, `side` across it
/// (both in tiles, from the centre of the tile), `z` and `h` in pixels.
struct Part {
    fwd: f32,
    side: f32,
    len_fwd: f32,
    len_side: f32,
    z: f32,
    h: f32,
    color: Rgba<u8>,
}

fn part(fwd: f32, side: f32, len_fwd: f32, len_side: f32, z: f32, h: f32, color: Rgba<u8>) -> Part {
    Part {
        fwd,
        side,
        len_fwd,
        len_side,
        z,
        h,
        color,
    }
}

/// The boxes of one pose, in the person's frame.
fn body(look: &Look, frame: Frame) -> Vec<Part> {
    let seated = matches!(frame, Frame::Sit | Frame::Type(_));
    let (stride, bob) = match frame {
        Frame::Walk(n) => (
            [0.0, 0.07, 0.0, -0.07][n as usize % 4],
            [0.0, 1.0, 0.0, 1.0][n as usize % 4],
        ),
        _ => (0.0, 0.0),
    };
    let hip = if seated { 16.0 } else { 18.0 + bob };
    let mut parts = Vec::new();
    // Legs.
    for (s, dir) in [(-0.08, 1.0), (0.08, -1.0)] {
        if seated {
            parts.push(part(0.08, s, 0.2, 0.1, hip - 4.0, 5.0, look.trousers));
            parts.push(part(0.2, s, 0.08, 0.1, 0.0, hip - 4.0, look.trousers));
        } else {
            parts.push(part(stride * dir, s, 0.12, 0.12, 0.0, hip, look.trousers));
        }
    }
    // Torso and arms.
    parts.push(part(0.0, 0.0, 0.2, 0.36, hip, 20.0, look.top));
    let (reach, lift) = match frame {
        Frame::Type(n) => (0.14, [0.0, 2.0][n as usize % 2]),
        _ => (0.0, 0.0),
    };
    for (s, swing) in [(-0.22, stride), (0.22, -stride)] {
        parts.push(part(
            swing + reach,
            s,
            0.08,
            0.07,
            hip + 6.0 + lift,
            13.0,
            look.top,
        ));
        parts.push(part(
            swing + reach + 0.01,
            s,
            0.06,
            0.06,
            hip + 3.0 + lift,
            4.0,
            look.skin,
        ));
    }
    if let Frame::Think(n) = frame {
        // A hand to the chin.
        parts.push(part(
            0.1,
            0.08,
            0.06,
            0.06,
            hip + 22.0 + f32::from(n % 2),
            5.0,
            look.skin,
        ));
    }
    // Head and hair.
    let head = hip
        + 22.0
        + if let Frame::Think(1) = frame {
            -1.0
        } else {
            0.0
        };
    parts.push(part(0.0, 0.0, 0.26, 0.26, head, 16.0, look.skin));
    let eyes = shade(look.hair, 0.5);
    for s in [-0.06, 0.06] {
        parts.push(part(0.135, s, 0.02, 0.05, head + 5.0, 4.0, eyes));
    }
    match look.cut {
        Hair::Short => parts.push(part(-0.02, 0.0, 0.26, 0.28, head + 13.0, 5.0, look.hair)),
        Hair::Curly => parts.push(part(-0.02, 0.0, 0.3, 0.32, head + 11.0, 9.0, look.hair)),
        Hair::Long => {
            parts.push(part(-0.02, 0.0, 0.28, 0.28, head + 13.0, 5.0, look.hair));
            parts.push(part(-0.13, 0.0, 0.05, 0.3, head - 10.0, 25.0, look.hair));
        }
        Hair::Bun => {
            parts.push(part(-0.02, 0.0, 0.26, 0.28, head + 13.0, 4.0, look.hair));
            parts.push(part(-0.1, 0.0, 0.12, 0.12, head + 15.0, 8.0, look.hair));
        }
    }
    parts
}

/// A body part placed on the tile: footprint corner and size in tiles, lift and height in
/// pixels.
struct TileBox {
    at: (f32, f32),
    size: (f32, f32),
    z: f32,
    h: f32,
    color: Rgba<u8>,
}

/// One cell: the pose seen facing `facing`.
pub fn draw(look: &Look, frame: Frame, facing: Facing) -> RgbaImage {
    let mut img = RgbaImage::new(CELL_W, CELL_H);
    // Forward and sideways as tile axes.
    let (f, s) = match facing {
        Facing::PlusX => ((1.0, 0.0), (0.0, 1.0)),
        Facing::MinusX => ((-1.0, 0.0), (0.0, -1.0)),
        Facing::PlusY => ((0.0, 1.0), (-1.0, 0.0)),
        Facing::MinusY => ((0.0, -1.0), (1.0, 0.0)),
    };
    let mut boxes: Vec<TileBox> = body(look, frame)
        .into_iter()
        .map(|p| {
            let cx = 0.5 + f.0 * p.fwd + s.0 * p.side;
            let cy = 0.5 + f.1 * p.fwd + s.1 * p.side;
            let dx = (f.0 * p.len_fwd).abs() + (s.0 * p.len_side).abs();
            let dy = (f.1 * p.len_fwd).abs() + (s.1 * p.len_side).abs();
            TileBox {
                at: (cx - dx / 2.0, cy - dy / 2.0),
                size: (dx, dy),
                z: p.z,
                h: p.h,
                color: p.color,
            }
        })
        .collect();
    // Far boxes first: by the depth of their centres, a pixel of height counting as a
    // hundredth of a tile nearer, so what sits on top (hair on a head) is drawn after.
    boxes.sort_by(|a, b| {
        let key = |q: &TileBox| q.at.0 + q.size.0 / 2.0 + q.at.1 + q.size.1 / 2.0 + q.z * 0.01;
        key(a).total_cmp(&key(b))
    });
    for b in boxes {
        iso_box(&mut img, 1, HEADROOM, b.at, b.size, b.z, b.h, b.color);
    }
    img
}

/// The whole sheet of one person.
pub fn sheet(look: &Look) -> RgbaImage {
    let mut out = RgbaImage::new(CELL_W * FRAMES.len() as u32, CELL_H * FACINGS.len() as u32);
    for (row, facing) in FACINGS.iter().enumerate() {
        for (col, frame) in FRAMES.iter().enumerate() {
            let cell = draw(look, *frame, *facing);
            image::imageops::overlay(
                &mut out,
                &cell,
                i64::from(CELL_W) * col as i64,
                i64::from(CELL_H) * row as i64,
            );
        }
    }
    out
}

/// The five people side by side, standing, facing the viewer, three times as large: to
/// check that they read as five different people.
pub fn line_up() -> RgbaImage {
    let cast = cast();
    let mut out = RgbaImage::from_pixel(
        CELL_W * 3 * cast.len() as u32,
        CELL_H * 3,
        Rgba([0xd9, 0xc9, 0xa8, 0xff]),
    );
    for (i, (_, look)) in cast.iter().enumerate() {
        let cell = draw(look, Frame::Stand, Facing::PlusY);
        let big = image::imageops::resize(
            &cell,
            CELL_W * 3,
            CELL_H * 3,
            image::imageops::FilterType::Nearest,
        );
        image::imageops::overlay(&mut out, &big, i64::from(CELL_W * 3) * i as i64, 0);
    }
    out
}
