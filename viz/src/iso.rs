//! Isometric projection: the floor is a grid of tiles seen at the classic 2:1 angle.
//!
//! Tile `(x, y)` grows right-down (`x`) and left-down (`y`) on screen; screen `y` grows
//! downwards here (the renderer flips it if its axis points up).

/// Width of one floor tile on screen, in pixels at 100 % zoom.
pub const TILE_W: f32 = 64.0;
/// Height of one floor tile on screen, in pixels (half the width: the 2:1 angle).
pub const TILE_H: f32 = 32.0;

/// A floor tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Tile {
    pub x: i32,
    pub y: i32,
}

impl Tile {
    pub const fn new(x: i32, y: i32) -> Self {
        Self { x, y }
    }

    /// The four tiles an agent can step to from here.
    pub fn neighbours(self) -> [Tile; 4] {
        [
            Tile::new(self.x + 1, self.y),
            Tile::new(self.x - 1, self.y),
            Tile::new(self.x, self.y + 1),
            Tile::new(self.x, self.y - 1),
        ]
    }
}

/// A point on screen, in pixels at 100 % zoom, relative to tile (0, 0)'s centre.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Screen {
    pub x: f32,
    pub y: f32,
}

/// The centre of a (possibly fractional) tile position on screen.
pub fn to_screen(x: f32, y: f32) -> Screen {
    Screen {
        x: (x - y) * TILE_W / 2.0,
        y: (x + y) * TILE_H / 2.0,
    }
}

/// The tile under a screen point (for clicks): the inverse of [`to_screen`], rounded to
/// the nearest tile centre.
pub fn to_tile(screen: Screen) -> Tile {
    let a = screen.x / (TILE_W / 2.0);
    let b = screen.y / (TILE_H / 2.0);
    Tile::new(
        ((a + b) / 2.0).round() as i32,
        ((b - a) / 2.0).round() as i32,
    )
}

/// Draw order: what is further down the screen is nearer and drawn later. Ties (same
/// row) break by `x`, so the order is total and the same in every viewer.
pub fn depth(x: f32, y: f32) -> f32 {
    (x + y) * 1000.0 + x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_project_to_a_diamond_grid_and_back() {
        assert_eq!(to_screen(0.0, 0.0), Screen { x: 0.0, y: 0.0 });
        assert_eq!(to_screen(1.0, 0.0), Screen { x: 32.0, y: 16.0 });
        assert_eq!(to_screen(0.0, 1.0), Screen { x: -32.0, y: 16.0 });
        for x in -20..20 {
            for y in -20..20 {
                let tile = Tile::new(x, y);
                let centre = to_screen(x as f32, y as f32);
                assert_eq!(to_tile(centre), tile);
                // Anywhere inside the tile's diamond picks the tile.
                let inside = Screen {
                    x: centre.x + 10.0,
                    y: centre.y + 4.0,
                };
                assert_eq!(to_tile(inside), tile);
            }
        }
    }

    #[test]
    fn nearer_tiles_draw_later() {
        assert!(depth(1.0, 1.0) > depth(0.0, 1.0));
        assert!(depth(0.0, 2.0) > depth(1.0, 0.0));
        assert!(depth(1.0, 0.0) > depth(0.0, 1.0), "ties break by x");
    }
}
