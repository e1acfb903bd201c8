//! Smooth walking: an agent's position moves along its path at a fixed speed, tile centre
//! to tile centre, and turns to face where it goes. A new destination mid-walk starts from
//! where the agent is, so it never jumps; only the first placement (on first load) puts an
//! agent straight at its spot.

use std::collections::VecDeque;

use crate::iso::Tile;
use crate::layout::{Facing, OfficeLayout};
use crate::walk::path;

/// Walking speed, in tiles per second.
pub const SPEED: f32 = 2.5;

/// One agent's movement.
#[derive(Debug, Clone, PartialEq)]
pub struct Walker {
    /// Position in (fractional) tile coordinates.
    pub x: f32,
    pub y: f32,
    pub facing: Facing,
    /// Tiles still to reach, the next first.
    route: VecDeque<Tile>,
    destination: Tile,
}

impl Walker {
    /// An agent placed at `tile` (first load: no walk).
    pub fn at(tile: Tile, facing: Facing) -> Self {
        Self {
            x: tile.x as f32,
            y: tile.y as f32,
            facing,
            route: VecDeque::new(),
            destination: tile,
        }
    }

    /// The tile the agent is on (the nearest tile centre).
    pub fn tile(&self) -> Tile {
        Tile::new(self.x.round() as i32, self.y.round() as i32)
    }

    pub fn destination(&self) -> Tile {
        self.destination
    }

    /// Whether it is walking.
    pub fn moving(&self) -> bool {
        !self.route.is_empty()
    }

    /// Heads for `to`, from where the agent is now, along the shortest path (A*). With no
    /// path (a plan that changed under it), it stays where it is.
    pub fn head_for(&mut self, plan: &OfficeLayout, to: Tile) {
        if to == self.destination {
            return;
        }
        let steps = path(plan, self.tile(), to).unwrap_or_default();
        self.follow(to, steps);
    }

    /// Heads for `to` along `steps` (tile by tile from the agent's tile, which may come
    /// first), from where the agent is now: mid-step, it first goes back to its tile's
    /// centre, so every leg is along one axis. Reuses the route's buffer.
    pub fn follow(&mut self, to: Tile, steps: impl IntoIterator<Item = Tile>) {
        self.destination = to;
        let here = self.tile();
        self.route.clear();
        let mut steps = steps.into_iter().peekable();
        if steps.peek() == Some(&here) {
            steps.next();
        }
        self.route.extend(steps);
        if (self.x, self.y) != (here.x as f32, here.y as f32) {
            self.route.push_front(here);
        }
    }

    /// Puts the agent at `tile` at once: first load, or a new floor plan.
    pub fn place(&mut self, tile: Tile, facing: Facing) {
        *self = Self::at(tile, facing);
    }

    /// Moves for `seconds` along the route; answers the distance walked, in tiles.
    pub fn advance(&mut self, seconds: f32) -> f32 {
        let full = seconds.max(0.0) * SPEED;
        let mut budget = full;
        while budget > 0.0 {
            let Some(&next) = self.route.front() else {
                break;
            };
            let (dx, dy) = (next.x as f32 - self.x, next.y as f32 - self.y);
            let distance = dx.abs() + dy.abs();
            if distance > 0.0 {
                self.facing = facing_of(dx, dy);
            }
            if distance <= budget {
                (self.x, self.y) = (next.x as f32, next.y as f32);
                budget -= distance;
                self.route.pop_front();
            } else {
                self.x += dx / distance * budget;
                self.y += dy / distance * budget;
                budget = 0.0;
            }
        }
        full - budget
    }
}

fn facing_of(dx: f32, dy: f32) -> Facing {
    if dx.abs() >= dy.abs() {
        if dx > 0.0 {
            Facing::PlusX
        } else {
            Facing::MinusX
        }
    } else if dy > 0.0 {
        Facing::PlusY
    } else {
        Facing::MinusY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_walks_smoothly_to_its_destination_and_stops() {
        let plan = OfficeLayout::for_desks(8);
        let start = plan.desks[0].seat;
        let goal = plan.coffee.spots[0];
        let mut walker = Walker::at(start, Facing::PlusY);
        walker.head_for(&plan, goal);
        assert!(walker.moving());
        let dt = 1.0 / 60.0;
        let (mut x, mut y) = (walker.x, walker.y);
        for _ in 0..60 * 60 {
            walker.advance(dt);
            let step = (walker.x - x).abs() + (walker.y - y).abs();
            assert!(step <= SPEED * dt + 1e-4, "no jumps: {step}");
            assert!(
                plan.walkable(walker.tile()) || walker.tile() == start,
                "on the floor"
            );
            (x, y) = (walker.x, walker.y);
            if !walker.moving() {
                break;
            }
        }
        assert_eq!(walker.tile(), goal);
        assert_eq!((walker.x, walker.y), (goal.x as f32, goal.y as f32));
    }

    #[test]
    fn a_new_destination_mid_walk_continues_from_where_the_agent_is() {
        let plan = OfficeLayout::for_desks(8);
        let mut walker = Walker::at(plan.desks[0].seat, Facing::PlusY);
        walker.head_for(&plan, plan.coffee.spots[0]);
        walker.advance(0.7); // Between two tiles.
        let (x, y) = (walker.x, walker.y);
        walker.head_for(&plan, plan.desks[5].seat);
        walker.advance(1.0 / 60.0);
        assert!((walker.x - x).abs() + (walker.y - y).abs() <= SPEED / 60.0 + 1e-4);
        for _ in 0..60 * 60 {
            walker.advance(1.0 / 60.0);
        }
        assert_eq!(walker.tile(), plan.desks[5].seat);
    }
}
