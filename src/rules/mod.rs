//! The rules one packet meets, stated once: filter matching (NACLs,
//! security groups, block public access, the protocols a gateway passes)
//! and the transit gateway and BGP facts route choice depends on, and what
//! a gateway or connection does with the packet. The
//! engine compiles its exact sets from them, the simulator applies them to
//! one packet, and the explainer names the rule that decided.

mod filters;
mod gateways;
mod hybrid;
mod lb;

pub use filters::*;
pub use gateways::*;
pub use hybrid::{
    MAX_TGW_HOPS, TgwEntry, TgwRouteRank, VgwRouteRank, learned_routes, tgw_advertised,
    tgw_dx_attachment, tgw_entry_subnet, tgw_propagated, tgw_vpc_attachment, vgw_association_cidrs,
    vgw_edge_table,
};
pub use lb::{ZoneSends, lb_node_sends_to, nacl_out_within_subnet};
