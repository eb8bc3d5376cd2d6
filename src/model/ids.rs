//! Typed indices: each resource id is the position of a resource in its
//! collection of the resolved model (a [`TiVec`] indexed by the id), so an
//! id of one kind cannot index a collection of another. The ids not yet
//! declared here are still `usize` aliases in `resolved.rs` and
//! `hybrid.rs`, and move here family by family.

pub use typed_index_collections::{TiSlice, TiVec};

/// Declares index newtypes over `usize`. `Debug` prints the bare index, as
/// the `usize` ids did, so messages and grouping keys built from it are
/// unchanged.
macro_rules! index_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(usize);

        impl From<usize> for $name {
            fn from(i: usize) -> $name {
                $name(i)
            }
        }

        impl From<$name> for usize {
            fn from(id: $name) -> usize {
                id.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }
    )*};
}

index_ids! {
    /// A customer gateway: an index into `Hybrid::cgws`.
    CgwId;
    /// A Direct Connect connection: an index into `Hybrid::dx_connections`.
    DxConnectionId;
    /// A Direct Connect LAG: an index into `Hybrid::dx_lags`.
    DxLagId;
    /// A transit gateway route table: an index into
    /// `Hybrid::tgw_route_tables`.
    TgwRouteTableId;
    /// A transit gateway: an index into `Hybrid::tgws`.
    TgwId;
    /// A transit gateway attachment: an index into `Hybrid::tgw_attachments`.
    TgwAttachmentId;
    /// A virtual private gateway: an index into `Hybrid::vgws`.
    VgwId;
    /// A Site-to-Site VPN connection: an index into `Hybrid::vpns`.
    VpnId;
    /// A Direct Connect virtual interface: an index into `Hybrid::vifs`.
    VifId;
    /// A Direct Connect gateway: an index into `Hybrid::dx_gateways`.
    DxGatewayId;
    /// An on-prem network: an index into `Hybrid::on_prem`.
    OnPremId;
}
