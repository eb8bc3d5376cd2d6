//! Header-space algebra: exact sets of packet headers.
//!
//! Sets are disjoint unions of cubes over interval sets (not bit-level
//! decision diagrams): address and port constraints in AWS rules are CIDRs
//! and ranges, so intervals keep sets small and operations cheap.

mod interval;
mod packet;
mod set;

pub use interval::IntervalSet;
pub use packet::{Packet, proto_name};
pub use set::*;
