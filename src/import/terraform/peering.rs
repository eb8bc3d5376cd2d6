//! VPC peering: `aws_vpc_peering_connection`, `_accepter` and `_options`.
//!
//! The AWS provider's semantics that change verdicts:
//! - a peering carries traffic only once accepted (C-8.1): with
//!   `auto_accept = true` on the connection (same account and Region), or
//!   on an `aws_vpc_peering_connection_accepter` that names it; otherwise
//!   it stays `pending-acceptance` and carries nothing;
//! - an `auto_accept` known only after apply is a gap on the peering;
//! - `allow_remote_vpc_dns_resolution` comes from the `requester` and
//!   `accepter` blocks of the connection, the accepter or `_options`.

use crate::model::format::{GapKind, PeeringConnection};
use crate::model::spanned::Sp;

use super::plan::P;
use super::{Ctx, Field, Scope, aws_id, flag};

const PCX: [&str; 1] = ["aws_vpc_peering_connection"];

/// The DNS option of `side` (`requester`/`accepter`) of resource `i`.
fn dns(cx: &Ctx, i: usize, side: &str) -> Option<bool> {
    match flag(
        cx.res(i),
        &[P::K(side), P::I(0), P::K("allow_remote_vpc_dns_resolution")],
    ) {
        Field::Set(b) => Some(b),
        _ => None,
    }
}

/// Apply the DNS options of resource `i` to peering `pcx`; the peering.
fn options<'a>(cx: &'a mut Ctx, i: usize, pcx: &str) -> Option<&'a mut PeeringConnection> {
    let (req, acc) = (dns(cx, i, "requester"), dns(cx, i, "accepter"));
    let p = &mut cx
        .file
        .peering_connections
        .iter_mut()
        .find(|p| p.name.value == pcx)?
        .value;
    p.requester_allows_remote_dns_resolution = req.or(p.requester_allows_remote_dns_resolution);
    p.accepter_allows_remote_dns_resolution = acc.or(p.accepter_allows_remote_dns_resolution);
    Some(p)
}

/// Whether resource `i` accepts the peering: `Some(true)`, `Some(false)`,
/// or `None` (a gap was recorded) when unknown.
fn auto_accept(cx: &mut Ctx, i: usize, peering: &str) -> Option<bool> {
    match flag(cx.res(i), &[P::K("auto_accept")]) {
        Field::Set(b) => Some(b),
        Field::Unset => Some(false),
        Field::Unknown => {
            cx.attr_gap(
                i,
                "auto_accept",
                "whether the peering is accepted",
                GapKind::Peering,
                Scope::Resources(vec![peering.to_owned()]),
            );
            None
        }
    }
}

/// Map the peering connections (before the route tables, which route to them).
pub(super) fn peerings(cx: &mut Ctx) {
    for i in cx.of(&PCX) {
        let Some(requester) =
            cx.link_or_leave_out(i, ("vpc_id", &["aws_vpc"], "peering"), GapKind::Peering)
        else {
            continue;
        };
        let Some(accepter) = cx.link_or_leave_out(
            i,
            ("peer_vpc_id", &["aws_vpc"], "peering"),
            GapKind::Peering,
        ) else {
            continue;
        };
        let name = cx.emit(i, Some(&requester));
        let r = cx.res(i);
        // A status the plan already knows (an unchanged peering) is the
        // status; otherwise `auto_accept` decides it.
        let status = match super::text(r, &[P::K("accept_status")]) {
            Field::Set(s) if s == "active" => None,
            Field::Set(s) => Some(Sp::new(s)),
            _ => match auto_accept(cx, i, &name) {
                Some(false) => Some(Sp::new("pending-acceptance".to_owned())),
                // Accepted; or unknown: the gap decides, and the peering is
                // taken as active so no path is hidden.
                Some(true) | None => None,
            },
        };
        cx.file.peering_connections.push(Sp::new(PeeringConnection {
            name: Sp::new(name),
            aws_id: aws_id(r),
            requester_vpc: Sp::new(requester),
            accepter_vpc: Sp::new(accepter),
            status,
            requester_allows_remote_dns_resolution: dns(cx, i, "requester"),
            accepter_allows_remote_dns_resolution: dns(cx, i, "accepter"),
        }));
    }
    for i in cx.of(&["aws_vpc_peering_connection_accepter"]) {
        let Some(pcx) = cx.link_or_leave_out(
            i,
            ("vpc_peering_connection_id", &PCX, "acceptance"),
            GapKind::Peering,
        ) else {
            continue;
        };
        let accepted = auto_accept(cx, i, &pcx);
        if let Some(p) = options(cx, i, &pcx)
            && accepted != Some(false)
        {
            p.status = None;
        }
    }
    for i in cx.of(&["aws_vpc_peering_connection_options"]) {
        let Some(pcx) = cx.link_or_leave_out(
            i,
            ("vpc_peering_connection_id", &PCX, "peering's options"),
            GapKind::Peering,
        ) else {
            continue;
        };
        options(cx, i, &pcx);
    }
}
