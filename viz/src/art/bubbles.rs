//! Status bubbles: one icon per agent status, in a white bubble with a tail, drawn in the
//! office palette. Sheet layout: one row, one [`SIZE`]-pixel cell per
//! [`crate::scene::Bubble`] in `Bubble::ALL` order.

use image::{Rgba, RgbaImage};

use super::fill;
use super::palette::{COFFEE, DARK};

/// Width and height of one bubble cell, in pixels.
pub const SIZE: u32 = 32;

const WHITE: Rgba<u8> = Rgba([0xfa, 0xf7, 0xf0, 0xff]);
const OUTLINE: Rgba<u8> = Rgba([0x3a, 0x3f, 0x4b, 0xff]);
const GREEN: Rgba<u8> = Rgba([0x4c, 0xa8, 0x5a, 0xff]);
const AMBER: Rgba<u8> = Rgba([0xe8, 0xa3, 0x2e, 0xff]);
const RED: Rgba<u8> = Rgba([0xd2, 0x4b, 0x3e, 0xff]);
const BLUE: Rgba<u8> = Rgba([0x4d, 0x6b, 0xa8, 0xff]);

fn rect(img: &mut RgbaImage, x: f32, y: f32, w: f32, h: f32, c: Rgba<u8>) {
    fill(img, &[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], c);
}

/// An octagon approximating a circle.
fn disc(img: &mut RgbaImage, cx: f32, cy: f32, r: f32, c: Rgba<u8>) {
    let k = r * 0.41;
    fill(
        img,
        &[
            (cx - k, cy - r),
            (cx + k, cy - r),
            (cx + r, cy - k),
            (cx + r, cy + k),
            (cx + k, cy + r),
            (cx - k, cy + r),
            (cx - r, cy + k),
            (cx - r, cy - k),
        ],
        c,
    );
}

/// The bubble itself: an outlined rounded body with a tail pointing down to the agent.
fn body() -> RgbaImage {
    let mut img = RgbaImage::new(SIZE, SIZE);
    fill(
        &mut img,
        &[(12.0, 24.0), (20.0, 24.0), (14.0, 31.0)],
        OUTLINE,
    );
    fill(&mut img, &[(13.5, 23.0), (18.5, 23.0), (14.5, 28.5)], WHITE);
    rect(&mut img, 3.0, 1.0, 26.0, 25.0, OUTLINE);
    rect(&mut img, 1.0, 3.0, 30.0, 21.0, OUTLINE);
    rect(&mut img, 4.0, 2.0, 24.0, 23.0, WHITE);
    rect(&mut img, 2.0, 4.0, 28.0, 19.0, WHITE);
    img
}

/// One bubble, by its column in the sheet.
pub fn bubble(index: usize) -> RgbaImage {
    let mut img = body();
    match index {
        // Idle: a cup of coffee.
        0 => {
            rect(&mut img, 9.0, 10.0, 11.0, 10.0, COFFEE);
            rect(&mut img, 9.0, 10.0, 11.0, 2.0, DARK);
            rect(&mut img, 20.0, 12.0, 3.0, 2.0, COFFEE);
            rect(&mut img, 22.0, 12.0, 2.0, 5.0, COFFEE);
            rect(&mut img, 20.0, 16.0, 3.0, 2.0, COFFEE);
            rect(&mut img, 12.0, 5.0, 1.5, 3.0, OUTLINE);
            rect(&mut img, 16.0, 4.0, 1.5, 4.0, OUTLINE);
        }
        // Thinking: three dots.
        1 => {
            for x in [9.0, 16.0, 23.0] {
                disc(&mut img, x, 13.5, 2.6, BLUE);
            }
        }
        // Working: a keyboard with keys lit.
        2 => {
            rect(&mut img, 6.0, 8.0, 20.0, 11.0, DARK);
            for row in 0..3 {
                for col in 0..5 {
                    let lit = (row + col) % 3 == 0;
                    let c = if lit { GREEN } else { WHITE };
                    rect(
                        &mut img,
                        7.5 + col as f32 * 3.6,
                        9.5 + row as f32 * 3.0,
                        2.4,
                        1.8,
                        c,
                    );
                }
            }
        }
        // Awaiting approval: a question mark.
        3 => {
            rect(&mut img, 11.0, 6.0, 10.0, 3.0, AMBER);
            rect(&mut img, 18.0, 6.0, 3.0, 7.0, AMBER);
            rect(&mut img, 14.0, 11.0, 7.0, 3.0, AMBER);
            rect(&mut img, 14.0, 11.0, 3.0, 5.0, AMBER);
            rect(&mut img, 14.0, 18.0, 3.0, 3.0, AMBER);
        }
        // Blocked: a no-entry sign.
        4 => {
            disc(&mut img, 16.0, 13.5, 8.5, RED);
            rect(&mut img, 10.0, 12.0, 12.0, 3.0, WHITE);
        }
        // Faulted: a red cross.
        _ => {
            fill(
                &mut img,
                &[(9.0, 7.0), (12.0, 7.0), (23.0, 20.0), (20.0, 20.0)],
                RED,
            );
            fill(
                &mut img,
                &[(20.0, 7.0), (23.0, 7.0), (12.0, 20.0), (9.0, 20.0)],
                RED,
            );
        }
    }
    img
}

/// All six bubbles in one row.
pub fn sheet() -> RgbaImage {
    let mut out = RgbaImage::new(SIZE * 6, SIZE);
    for i in 0..6 {
        image::imageops::overlay(&mut out, &bubble(i), i64::from(SIZE) * i as i64, 0);
    }
    out
}

/// Width and height of the envelope that carries a message across the office.
pub const ENVELOPE: (u32, u32) = (24, 18);

/// A sealed envelope: outlined paper, the flap's V, a red seal.
pub fn envelope() -> RgbaImage {
    let (w, h) = (ENVELOPE.0 as f32, ENVELOPE.1 as f32);
    let mut img = RgbaImage::new(ENVELOPE.0, ENVELOPE.1);
    rect(&mut img, 0.0, 1.0, w, h - 2.0, OUTLINE);
    rect(&mut img, 1.5, 2.5, w - 3.0, h - 5.0, WHITE);
    fill(
        &mut img,
        &[(1.5, 2.5), (w - 1.5, 2.5), (w / 2.0, h / 2.0 + 1.5)],
        OUTLINE,
    );
    fill(
        &mut img,
        &[(4.0, 2.5), (w - 4.0, 2.5), (w / 2.0, h / 2.0 - 0.5)],
        WHITE,
    );
    disc(&mut img, w / 2.0, h / 2.0 + 0.5, 2.4, RED);
    img
}
