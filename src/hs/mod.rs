//! Header-space algebra: exact sets of packet headers.

mod packet;

pub use packet::{Packet, proto_name};
