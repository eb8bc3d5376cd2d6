//! The rules one packet meets, stated once: filter matching (NACLs,
//! security groups, block public access, the protocols a gateway passes)
//! and the transit gateway and BGP facts route choice depends on. The
//! engine compiles its exact sets from them, the simulator applies them to
//! one packet, and the explainer names the rule that decided.

mod filters;
mod hybrid;

pub use filters::*;
pub use hybrid::{MAX_TGW_HOPS, TgwRouteRank, VgwRouteRank, learned_routes, tgw_propagated};
