//! Where an agent goes, and how it gets there. Both follow from shared state alone (the
//! agent's id, desk and status) so every viewer shows the same office.
//!
//! | status | goes to |
//! | --- | --- |
//! | working, thinking, faulted | its desk's seat |
//! | awaiting approval, blocked | the meeting room (to talk it through) |
//! | idle | the coffee corner |

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
    spots[(stable_hash(id) % spots.len() as u64) as usize]
}

/// The shortest walk from `from` to `to` over walkable tiles (A*, four directions), both
/// ends included; `None` when there is none. Ties between equal paths break the same way
/// everywhere (neighbours are tried in a fixed order).
pub fn path(plan: &OfficeLayout, from: Tile, to: Tile) -> Option<Vec<Tile>> {
    pathfinding::directed::astar::astar(
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
    )
    .map(|(tiles, _)| tiles)
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
        }
        assert!(path(&plan, plan.desks[0].seat, Tile::new(-5, -5)).is_none());
    }
}
