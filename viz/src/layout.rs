//! The floor plan: desk clusters for the workspace's agents, a meeting room and a coffee
//! corner beside them, plants, and walls around. It grows with the number of desks, and is
//! a pure function of that number, so every viewer lays out the same office.
//!
//! A desk cluster is a 5 × 5 cell: four desks back to back in the middle (a 3 × 2 block,
//! monitors facing each other), a seat in front of each, and an aisle along its right and
//! bottom edges.
//!
//! ```text
//!   x→  0 1 2 3 4
//! y 0   . s . s .      s  seat (desk 0, desk 1)
//! ↓ 1   . D D D .      D  desk block (not walkable)
//!   2   . D D D .
//!   3   . s . s .      s  seat (desk 2, desk 3)
//!   4   . . . . .      .  floor
//! ```

use crate::iso::Tile;

/// Side of one desk cluster's cell, in tiles.
pub const CLUSTER: i32 = 5;
/// Desks per cluster.
pub const DESKS_PER_CLUSTER: u32 = 4;
/// Width of the zone right of the desks that holds the meeting room and coffee corner.
const SIDE_ZONE: i32 = 7;
/// Height of the meeting room and of the coffee corner, in tiles.
const ROOM: i32 = 5;

/// Which way an agent faces: the four isometric directions, named by the tile axis they
/// walk along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facing {
    /// +x: towards the bottom right of the screen.
    PlusX,
    /// -x: towards the top left.
    MinusX,
    /// +y: towards the bottom left.
    PlusY,
    /// -y: towards the top right.
    MinusY,
}

/// One desk: where it stands, where its agent sits, and which way the agent faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desk {
    pub tile: Tile,
    pub seat: Tile,
    pub facing: Facing,
}

/// A room: its floor (inclusive corners), its furniture (not walkable) and the spots
/// agents stand or sit at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub from: Tile,
    pub to: Tile,
    pub furniture: Vec<Tile>,
    pub spots: Vec<Tile>,
}

/// The whole floor plan.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeLayout {
    /// Tiles across (`x`) and down (`y`), walls included.
    pub width: i32,
    pub height: i32,
    pub desks: Vec<Desk>,
    pub meeting: Room,
    pub coffee: Room,
    /// Potted plants (not walkable).
    pub plants: Vec<Tile>,
    walkable: Vec<bool>,
}

impl OfficeLayout {
    /// An office with room for at least `desks` desks (whole clusters, at least two), in
    /// a roughly square block of clusters.
    pub fn for_desks(desks: u32) -> Self {
        let clusters = desks.div_ceil(DESKS_PER_CLUSTER).max(2) as i32;
        let cols = ((clusters as f64).sqrt().ceil() as i32).max(2);
        let rows = (clusters + cols - 1) / cols;
        let desk_w = cols * CLUSTER;
        let desk_h = rows * CLUSTER;
        let width = 1 + desk_w + SIDE_ZONE + 1;
        let height = 1 + desk_h.max(2 * ROOM + 1) + 1;

        let mut plan = Self {
            width,
            height,
            desks: Vec::new(),
            meeting: meeting_room(Tile::new(1 + desk_w + 1, 1)),
            coffee: coffee_corner(Tile::new(1 + desk_w + 1, 1 + ROOM + 1)),
            plants: Vec::new(),
            walkable: vec![true; (width * height) as usize],
        };
        for t in plan.tiles() {
            if t.x == 0 || t.y == 0 || t.x == width - 1 || t.y == height - 1 {
                plan.block(t);
            }
        }
        for c in 0..(cols * rows) {
            let origin = Tile::new(1 + (c % cols) * CLUSTER, 1 + (c / cols) * CLUSTER);
            plan.add_cluster(origin);
        }
        for t in plan
            .meeting
            .furniture
            .clone()
            .into_iter()
            .chain(plan.coffee.furniture.clone())
        {
            plan.block(t);
        }
        plan.plants = vec![
            Tile::new(1 + desk_w, 1),
            Tile::new(width - 2, 1 + ROOM),
            Tile::new(1, height - 2),
        ];
        for p in plan.plants.clone() {
            plan.block(p);
        }
        plan
    }

    /// Whether an agent may stand on `tile` (inside the walls, no furniture).
    pub fn walkable(&self, tile: Tile) -> bool {
        self.index(tile).is_some_and(|i| self.walkable[i])
    }

    /// Desk number `index` (an agent's `desk`); `None` past the plan's desks.
    pub fn desk(&self, index: u32) -> Option<&Desk> {
        self.desks.get(index as usize)
    }

    /// Which way someone at a room spot faces: meeting chairs face the table's nearest
    /// tile, coffee drinkers the counter; anywhere else +y (towards the viewer).
    pub fn facing_at(&self, spot: Tile) -> Facing {
        if !self.meeting.spots.contains(&spot) {
            return Facing::PlusY;
        }
        let table = self
            .meeting
            .furniture
            .iter()
            .min_by_key(|f| (f.x - spot.x).abs() + (f.y - spot.y).abs());
        table.map_or(Facing::PlusY, |f| match (f.x - spot.x, f.y - spot.y) {
            (dx, _) if dx > 0 => Facing::PlusX,
            (dx, _) if dx < 0 => Facing::MinusX,
            (_, dy) if dy < 0 => Facing::MinusY,
            _ => Facing::PlusY,
        })
    }

    /// Every tile of the plan, row by row.
    pub fn tiles(&self) -> impl Iterator<Item = Tile> + use<> {
        let (w, h) = (self.width, self.height);
        (0..h).flat_map(move |y| (0..w).map(move |x| Tile::new(x, y)))
    }

    fn index(&self, t: Tile) -> Option<usize> {
        (t.x >= 0 && t.y >= 0 && t.x < self.width && t.y < self.height)
            .then(|| (t.y * self.width + t.x) as usize)
    }

    fn block(&mut self, t: Tile) {
        if let Some(i) = self.index(t) {
            self.walkable[i] = false;
        }
    }

    fn add_cluster(&mut self, o: Tile) {
        for dx in 1..=3 {
            for dy in 1..=2 {
                self.block(Tile::new(o.x + dx, o.y + dy));
            }
        }
        for (dx, dy_desk, dy_seat, facing) in [
            (1, 1, 0, Facing::PlusY),
            (3, 1, 0, Facing::PlusY),
            (1, 2, 3, Facing::MinusY),
            (3, 2, 3, Facing::MinusY),
        ] {
            self.desks.push(Desk {
                tile: Tile::new(o.x + dx, o.y + dy_desk),
                seat: Tile::new(o.x + dx, o.y + dy_seat),
                facing,
            });
        }
    }
}

/// A 6 × 5 meeting room with a 2 × 3 table and six chairs around it, its left column kept
/// as a corridor.
fn meeting_room(from: Tile) -> Room {
    let table: Vec<Tile> = (0..2)
        .flat_map(|dx| (1..4).map(move |dy| Tile::new(from.x + 2 + dx, from.y + dy)))
        .collect();
    let spots = vec![
        Tile::new(from.x + 2, from.y),
        Tile::new(from.x + 3, from.y),
        Tile::new(from.x + 1, from.y + 2),
        Tile::new(from.x + 4, from.y + 2),
        Tile::new(from.x + 2, from.y + 4),
        Tile::new(from.x + 3, from.y + 4),
    ];
    Room {
        from,
        to: Tile::new(from.x + SIDE_ZONE - 2, from.y + ROOM - 1),
        furniture: table,
        spots,
    }
}

/// A 6 × 5 coffee corner: a counter along its far wall and standing spots before it.
fn coffee_corner(from: Tile) -> Room {
    let counter: Vec<Tile> = (2..6)
        .map(|dx| Tile::new(from.x + dx, from.y + ROOM - 1))
        .collect();
    let spots = (2..6)
        .map(|dx| Tile::new(from.x + dx, from.y + ROOM - 2))
        .chain((2..6).map(|dx| Tile::new(from.x + dx, from.y + 1)))
        .collect();
    Room {
        from,
        to: Tile::new(from.x + SIDE_ZONE - 2, from.y + ROOM - 1),
        furniture: counter,
        spots,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Every tile an agent might need (seats and room spots) is reachable from the first
    /// seat.
    fn assert_connected(plan: &OfficeLayout) {
        let start = plan.desks[0].seat;
        let reach: HashSet<Tile> = pathfinding::directed::bfs::bfs_reach(start, |t| {
            t.neighbours()
                .into_iter()
                .filter(|n| plan.walkable(*n))
                .collect::<Vec<_>>()
        })
        .collect();
        let needed = plan
            .desks
            .iter()
            .map(|d| d.seat)
            .chain(plan.meeting.spots.iter().copied())
            .chain(plan.coffee.spots.iter().copied());
        for t in needed {
            assert!(plan.walkable(t), "{t:?} is walkable");
            assert!(reach.contains(&t), "{t:?} is reachable");
        }
    }

    #[test]
    fn the_demo_office_has_desks_rooms_and_a_way_everywhere() {
        let plan = OfficeLayout::for_desks(5);
        assert_eq!(plan.desks.len(), 8, "two clusters at least");
        let seats: HashSet<Tile> = plan.desks.iter().map(|d| d.seat).collect();
        assert_eq!(seats.len(), plan.desks.len(), "one seat per desk");
        for d in &plan.desks {
            assert!(!plan.walkable(d.tile), "desks are furniture");
        }
        assert_eq!(plan.meeting.spots.len(), 6);
        assert!(!plan.coffee.spots.is_empty());
        assert!(!plan.walkable(Tile::new(0, 0)) && !plan.walkable(Tile::new(-1, 3)));
        assert_connected(&plan);
        // Nothing stands on anything else.
        let placed: Vec<Tile> = plan
            .desks
            .iter()
            .flat_map(|d| [d.tile, d.seat])
            .chain(
                plan.meeting
                    .furniture
                    .iter()
                    .chain(&plan.meeting.spots)
                    .copied(),
            )
            .chain(
                plan.coffee
                    .furniture
                    .iter()
                    .chain(&plan.coffee.spots)
                    .copied(),
            )
            .chain(plan.plants.iter().copied())
            .collect();
        let distinct: HashSet<Tile> = placed.iter().copied().collect();
        assert_eq!(distinct.len(), placed.len(), "one thing per tile");
    }

    #[test]
    fn the_office_grows_with_the_workspace_and_stays_connected() {
        let mut last = 0;
        for desks in [1, 8, 9, 50, 333, 2_000] {
            let plan = OfficeLayout::for_desks(desks);
            assert!(plan.desks.len() >= desks as usize);
            assert!(
                plan.width * plan.height >= last,
                "never shrinks as desks grow"
            );
            last = plan.width * plan.height;
            assert_connected(&plan);
        }
        assert_eq!(
            OfficeLayout::for_desks(50),
            OfficeLayout::for_desks(50),
            "deterministic"
        );
    }
}
