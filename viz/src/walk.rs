//! Where an agent goes, and how it gets there. Both follow from shared state alone (the
//! agent's id, desk and status) so every viewer shows the same office.
//!
//! | status | goes to |
//! | --- | --- |
//! | working, thinking, faulted | its desk's seat |
//! | awaiting approval, blocked | the meeting room (to talk it through) |
//! | idle | the coffee corner |
//!
//! A large office has more people than the rooms have spots: then only a share of the
//! agents (picked by the same hash, one in `desks / (2 × spots)`) go; the others stay at
//! their desk. The share depends on the plan alone, so the choice never flips while the
//! office stays the same size.

use agenthq_protocol::{AgentId, AgentStatus};

use crate::iso::Tile;
use crate::layout::OfficeLayout;

/// A place in the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Desk,
    Meeting,
    Coffee,
}

pub fn place_for(status: AgentStatus) -> Place {
    match status {
        AgentStatus::Working | AgentStatus::Thinking | AgentStatus::Faulted => Place::Desk,
        AgentStatus::AwaitingApproval | AgentStatus::Blocked => Place::Meeting,
        AgentStatus::Idle => Place::Coffee,
    }
}

/// The tile an agent with this id, desk and status heads for. Room spots are picked by a
/// stable hash of the id, so agents spread over the spots the same way in every viewer.
pub fn destination(plan: &OfficeLayout, id: AgentId, desk: u32, status: AgentStatus) -> Tile {
    let seat = plan.desk(desk).map_or(plan.desks[0].seat, |d| d.seat);
    let spots = match place_for(status) {
        Place::Desk => return seat,
        Place::Meeting => &plan.meeting.spots,
        Place::Coffee => &plan.coffee.spots,
    };
    let hash = stable_hash(id);
    let share = (plan.desks.len() / (2 * spots.len())).max(1) as u64;
    if !(hash >> 32).is_multiple_of(share) {
        return seat; // The room is full: this one stays at the desk.
    }
    spots[(hash % spots.len() as u64) as usize]
}

/// The shortest walk from `from` to `to` over walkable tiles (A*, four directions), both
/// ends included; `None` when there is none. See [`Search`].
pub fn path(plan: &OfficeLayout, from: Tile, to: Tile) -> Option<Vec<Tile>> {
    let mut steps = Vec::new();
    Search::default()
        .path(plan, from, to, &mut steps)
        .then_some(steps)
}

/// A* on the tile grid with buffers kept between searches (a frame's searches allocate
/// nothing once they have grown). Ties break the same way everywhere: lowest estimate,
/// then the deepest node, then the lowest tile index; neighbours in [`Tile::neighbours`]
/// order.
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// Per tile: the search that last touched it (so buffers need no clearing).
    seen: Vec<u32>,
    search: u32,
    cost: Vec<u32>,
    came_from: Vec<u32>,
    open: std::collections::BinaryHeap<std::cmp::Reverse<(u32, u32, u32)>>,
}

impl Search {
    /// Writes into `out` the shortest walk from `from` to `to`, both included; `false`
    /// (and `out` empty) when there is none.
    pub fn path(&mut self, plan: &OfficeLayout, from: Tile, to: Tile, out: &mut Vec<Tile>) -> bool {
        out.clear();
        let (w, h) = (plan.width, plan.height);
        let inside = |t: Tile| t.x >= 0 && t.y >= 0 && t.x < w && t.y < h;
        if !inside(from) || !inside(to) {
            return false;
        }
        let tiles = (w * h) as usize;
        if self.seen.len() != tiles {
            self.seen = vec![0; tiles];
            self.cost = vec![0; tiles];
            self.came_from = vec![0; tiles];
            self.search = 0;
        }
        self.search = self.search.wrapping_add(1).max(1);
        self.open.clear();
        let index = |t: Tile| (t.y * w + t.x) as u32;
        let tile = |i: u32| Tile::new(i as i32 % w, i as i32 / w);
        let estimate = |t: Tile| (t.x - to.x).unsigned_abs() + (t.y - to.y).unsigned_abs();
        let (start, goal) = (index(from), index(to));
        self.seen[start as usize] = self.search;
        self.cost[start as usize] = 0;
        self.open
            .push(std::cmp::Reverse((estimate(from), u32::MAX, start)));
        while let Some(std::cmp::Reverse((_, depth, i))) = self.open.pop() {
            let g = u32::MAX - depth;
            if g > self.cost[i as usize] {
                continue; // A stale entry.
            }
            if i == goal {
                let mut at = goal;
                out.push(to);
                while at != start {
                    at = self.came_from[at as usize];
                    out.push(tile(at));
                }
                out.reverse();
                return true;
            }
            for n in tile(i).neighbours() {
                if !inside(n) || !(plan.walkable(n) || n == to) {
                    continue;
                }
                let (j, g2) = (index(n) as usize, g + 1);
                if self.seen[j] == self.search && self.cost[j] <= g2 {
                    continue;
                }
                self.seen[j] = self.search;
                self.cost[j] = g2;
                self.came_from[j] = i;
                self.open.push(std::cmp::Reverse((
                    g2 + estimate(n),
                    u32::MAX - g2,
                    j as u32,
                )));
            }
        }
        false
    }
}

/// Distance maps to every room spot, so the many walks to the meeting room and the coffee
/// corner cost a walk down a map (no search) however large the office. Built once per
/// floor plan: one breadth-first pass per spot.
#[derive(Debug, Clone)]
pub struct Fields {
    width: i32,
    height: i32,
    /// Per spot: steps from each tile to the spot (`u16::MAX`: no way).
    maps: Vec<(Tile, Vec<u16>)>,
}

impl Fields {
    pub fn new(plan: &OfficeLayout) -> Self {
        let spots = plan.meeting.spots.iter().chain(&plan.coffee.spots);
        let maps = spots.map(|&spot| (spot, distances(plan, spot))).collect();
        Self {
            width: plan.width,
            height: plan.height,
            maps,
        }
    }

    /// Appends to `out` the shortest walk from `from` to room spot `to`, `from` excluded;
    /// `false` when `to` is not a room spot or cannot be reached from `from`. Steps go to
    /// the first neighbour (in [`Tile::neighbours`] order) that is one step nearer, so
    /// every viewer picks the same way.
    pub fn walk(&self, from: Tile, to: Tile, out: &mut impl Extend<Tile>) -> bool {
        let Some((_, map)) = self.maps.iter().find(|(spot, _)| *spot == to) else {
            return false;
        };
        let at = |t: Tile| {
            let inside = t.x >= 0 && t.y >= 0 && t.x < self.width && t.y < self.height;
            if inside {
                map[(t.y * self.width + t.x) as usize]
            } else {
                u16::MAX
            }
        };
        let mut here = from;
        let mut left = at(here);
        if left == u16::MAX {
            return false;
        }
        left &= !BLOCKED; // A walk may start on furniture's tile, never step onto one.
        while left > 0 {
            let Some(next) = here.neighbours().into_iter().find(|n| at(*n) == left - 1) else {
                return false;
            };
            out.extend([next]);
            (here, left) = (next, left - 1);
        }
        true
    }
}

/// Marks a distance on a tile that is not walkable: a walk can start there (an agent
/// caught on it when the plan changed) but never step onto it.
const BLOCKED: u16 = 0x8000;

/// Steps from every tile to `spot` over walkable tiles; tiles next to them that are not
/// walkable carry their distance with [`BLOCKED`] set.
fn distances(plan: &OfficeLayout, spot: Tile) -> Vec<u16> {
    let index = |t: Tile| (t.y * plan.width + t.x) as usize;
    let inside = |t: Tile| t.x >= 0 && t.y >= 0 && t.x < plan.width && t.y < plan.height;
    let mut map = vec![u16::MAX; (plan.width * plan.height) as usize];
    let mut queue = std::collections::VecDeque::from([spot]);
    map[index(spot)] = 0;
    while let Some(t) = queue.pop_front() {
        let d = map[index(t)];
        for n in t.neighbours() {
            if inside(n) && map[index(n)] == u16::MAX {
                if plan.walkable(n) {
                    map[index(n)] = d + 1;
                    queue.push_back(n);
                } else {
                    map[index(n)] = (d + 1) | BLOCKED;
                }
            }
        }
    }
    map
}

/// FNV-1a over the id's bytes, then splitmix64's finaliser so the low bits (used to pick a
/// spot) depend on every byte: the same on every platform and Rust version (std's hasher
/// promises neither).
fn stable_hash(id: AgentId) -> u64 {
    let h = id
        .as_uuid()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> AgentId {
        AgentId::from_bytes([n; 16])
    }

    #[test]
    fn each_status_has_its_place_and_the_same_agent_always_picks_the_same_spot() {
        let plan = OfficeLayout::for_desks(5);
        assert_eq!(
            destination(&plan, id(1), 3, AgentStatus::Working),
            plan.desks[3].seat
        );
        assert_eq!(
            destination(&plan, id(1), 3, AgentStatus::Faulted),
            plan.desks[3].seat
        );
        let coffee = destination(&plan, id(1), 3, AgentStatus::Idle);
        assert!(plan.coffee.spots.contains(&coffee));
        assert_eq!(coffee, destination(&plan, id(1), 3, AgentStatus::Idle));
        let meeting = destination(&plan, id(1), 3, AgentStatus::AwaitingApproval);
        assert!(plan.meeting.spots.contains(&meeting));
        let spread: std::collections::HashSet<Tile> = (0..40)
            .map(|n| destination(&plan, id(n), 0, AgentStatus::Idle))
            .collect();
        assert!(spread.len() > 3, "agents spread over the coffee corner");
        // In a large office most idle agents stay at their desks; some still go.
        let large = OfficeLayout::for_desks(2_000);
        let idle: Vec<Tile> = (0..=255)
            .map(|n| destination(&large, id(n), u32::from(n), AgentStatus::Idle))
            .collect();
        let at_coffee = idle
            .iter()
            .filter(|t| large.coffee.spots.contains(t))
            .count();
        assert!(
            (1..=16).contains(&at_coffee),
            "{at_coffee} of 256 at the coffee corner"
        );
        assert_eq!(idle[3], large.desks[3].seat, "{:?}", idle[3]);
        // Pinned (computed independently): a change would move every agent in every viewer.
        assert_eq!(stable_hash(id(7)), 0xb639_570b_f02b_4e9f);
    }

    #[test]
    fn paths_step_tile_by_tile_over_the_floor_from_desk_to_coffee() {
        let plan = OfficeLayout::for_desks(50);
        for desk in [0, 17, 49] {
            let from = plan.desks[desk].seat;
            let to = destination(&plan, id(desk as u8), desk as u32, AgentStatus::Idle);
            let steps = path(&plan, from, to).expect("a way");
            assert_eq!((steps[0], *steps.last().unwrap()), (from, to));
            for pair in steps.windows(2) {
                assert!(
                    pair[0].neighbours().contains(&pair[1]),
                    "one tile at a time"
                );
                assert!(plan.walkable(pair[1]), "never through furniture or walls");
            }
            assert_eq!(steps, path(&plan, from, to).unwrap(), "deterministic");
            // As short as the reference A* of the pathfinding crate.
            let reference = pathfinding::directed::astar::astar(
                &from,
                |t| {
                    t.neighbours()
                        .into_iter()
                        .filter(|n| plan.walkable(*n) || *n == to)
                        .map(|n| (n, 1))
                        .collect::<Vec<_>>()
                },
                |t| (t.x - to.x).unsigned_abs() + (t.y - to.y).unsigned_abs(),
                |t| *t == to,
            );
            assert_eq!(
                reference.map(|(_, cost)| cost as usize),
                Some(steps.len() - 1)
            );
        }
        assert!(path(&plan, plan.desks[0].seat, Tile::new(-5, -5)).is_none());
    }

    #[test]
    fn walks_down_the_room_fields_are_as_short_as_a_star_and_stay_on_the_floor() {
        let plan = OfficeLayout::for_desks(50);
        let fields = Fields::new(&plan);
        let spots: Vec<Tile> = plan
            .meeting
            .spots
            .iter()
            .chain(&plan.coffee.spots)
            .copied()
            .collect();
        for (n, desk) in plan.desks.iter().enumerate().step_by(7) {
            let to = spots[n % spots.len()];
            let mut steps = Vec::new();
            assert!(fields.walk(desk.seat, to, &mut steps));
            let best = path(&plan, desk.seat, to).expect("a way");
            assert_eq!(steps.len(), best.len() - 1, "shortest");
            assert_eq!(steps.last(), Some(&to));
            let mut here = desk.seat;
            for t in &steps {
                assert!(here.neighbours().contains(t) && plan.walkable(*t));
                here = *t;
            }
        }
        let mut none = Vec::new();
        assert!(
            !fields.walk(plan.desks[0].seat, plan.desks[1].seat, &mut none),
            "not a room spot"
        );
        assert!(
            !fields.walk(Tile::new(-3, 2), spots[0], &mut none),
            "outside the plan"
        );
        assert!(none.is_empty());
    }
}
