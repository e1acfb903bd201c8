//! Looking at a picture of the office the way a test must: is anything drawn, and which
//! of the five people can be seen (by the shaded colours of their clothes, which no other
//! sprite uses). Used by `agenthq-art check` on the viewer's and the browser's
//! screenshots.

use image::{Rgba, RgbaImage};

use super::{people, shade};

/// What a screenshot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// Distinct colours (a blank or one-colour picture has a handful).
    pub colours: usize,
    /// Spread of brightness over the picture, 0..=255.
    pub contrast: f32,
    /// The people seen, by sheet name, with the matching pixels.
    pub people: Vec<(&'static str, usize)>,
}

impl Inspection {
    /// Not blank: many colours and visible contrast.
    pub fn drawn(&self) -> bool {
        self.colours >= 16 && self.contrast >= 12.0
    }
}

/// Pixels of a person's top that mark them as seen.
const SEEN_PIXELS: usize = 12;

pub fn inspect(img: &RgbaImage) -> Inspection {
    let mut colours = std::collections::HashSet::new();
    let (mut sum, mut sum_sq, mut n) = (0f64, 0f64, 0f64);
    for p in img.pixels() {
        colours.insert([p[0], p[1], p[2]]);
        let l = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
        (sum, sum_sq, n) = (sum + l, sum_sq + l * l, n + 1.0);
    }
    let mean = sum / n.max(1.0);
    let contrast = (sum_sq / n.max(1.0) - mean * mean).max(0.0).sqrt() as f32;
    let people = people::cast()
        .iter()
        .filter_map(|(name, look)| {
            // The faces of a box: as `iso_box` shades them.
            let faces: Vec<Rgba<u8>> = [0.85, 0.7, 1.08]
                .into_iter()
                .map(|f| shade(look.top, f))
                .collect();
            let count = img
                .pixels()
                .filter(|p| faces.iter().any(|c| close(**p, *c)))
                .count();
            (count >= SEEN_PIXELS).then_some((*name, count))
        })
        .collect();
    Inspection {
        colours: colours.len(),
        contrast,
        people,
    }
}

/// Equal within rounding (renderers may be off by a step or two after sRGB round trips).
fn close(a: Rgba<u8>, b: Rgba<u8>) -> bool {
    (0..3).all(|i| a[i].abs_diff(b[i]) <= 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_up_shows_five_people_and_an_empty_office_none() {
        let line_up = inspect(&people::line_up());
        assert!(line_up.drawn());
        let seen: Vec<&str> = line_up.people.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            seen,
            [
                "marcus.png",
                "sable.png",
                "devonte.png",
                "yuki.png",
                "graham.png"
            ]
        );

        let office = inspect(&super::super::preview(&crate::OfficeLayout::for_desks(5)));
        assert!(office.drawn());
        assert!(
            office.people.is_empty(),
            "furniture is not mistaken for people: {:?}",
            office.people
        );

        let blank = inspect(&RgbaImage::from_pixel(64, 64, Rgba([40, 44, 51, 255])));
        assert!(!blank.drawn());
    }
}
