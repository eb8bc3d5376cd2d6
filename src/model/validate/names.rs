//! The names table: every named resource of the file, by kind, and the
//! names of derived resources.

use super::*;

impl<'a> V<'a> {
    pub(super) fn version(&mut self) {
        let v = &self.src.version;
        if v.value != 1 {
            self.err(
                v.pos,
                format!("unsupported format version `{}`", v.value),
                Some("this version of netverify reads `version: 1`".into()),
            );
        }
    }

    pub(super) fn register(&mut self, kind: Kind, idx: usize, name: &'a str, pos: Pos) {
        if name.trim().is_empty() {
            self.err(pos, format!("{} name is empty", kind.label()), None);
            return;
        }
        if let Some(first) = self.names.get(name).copied() {
            let by = if first.pos.is_unknown() {
                first.kind.a()
            } else {
                format!("the {} at line {}", first.kind.label(), first.pos.line)
            };
            self.err(
                pos,
                format!("{} name `{name}` is already used by {by}", kind.label()),
                Some("names must be unique across the whole file, whatever the kind".into()),
            );
        } else {
            self.names.insert(name, Entry { kind, idx, pos });
        }
    }

    /// Register a resource of a section the engine does not model yet.
    pub(super) fn register_other(
        &mut self,
        kind: Kind,
        sec: usize,
        name: &'a str,
        aws_id: Option<String>,
        pos: Pos,
    ) {
        let idx = self.t.others.len();
        self.t.others.push(Meta {
            name: name.to_owned(),
            aws_id,
            pos,
        });
        self.other_src.push((kind, sec));
        self.register(kind, idx, name, pos);
    }

    pub(super) fn register_names(&mut self) {
        each_name(self.src, |kind, i, name, aws_id| {
            if kind.is_modelled() {
                self.register(kind, i, &name.value, name.pos);
            } else {
                self.register_other(kind, i, &name.value, aws_id.cloned(), name.pos);
            }
        });
    }

    pub(super) fn names_map(&mut self) {
        let mut map = HashMap::with_capacity(self.names.len() + self.derived_names.len());
        for (name, e) in &self.names {
            let r = match e.kind {
                Kind::PrefixList => ResourceRef::PrefixList(e.idx),
                Kind::Vpc => ResourceRef::Vpc(e.idx),
                Kind::Subnet => ResourceRef::Subnet(e.idx),
                Kind::RouteTable => ResourceRef::RouteTable(e.idx),
                Kind::Nacl => ResourceRef::Nacl(e.idx),
                Kind::SecurityGroup => ResourceRef::SecurityGroup(e.idx),
                Kind::Instance => ResourceRef::Instance(e.idx),
                Kind::Eni => ResourceRef::Eni(e.idx),
                Kind::Igw => ResourceRef::Igw(e.idx),
                Kind::Eigw => ResourceRef::Eigw(e.idx),
                Kind::Nat => ResourceRef::Nat(e.idx),
                Kind::LoadBalancer => ResourceRef::LoadBalancer(e.idx),
                Kind::TargetGroup => ResourceRef::TargetGroup(e.idx),
                Kind::Endpoint => ResourceRef::Endpoint(e.idx),
                Kind::Peering => ResourceRef::Peering(e.idx),
                // The kinds that are not [`Kind::is_modelled`].
                _ => ResourceRef::Other(e.idx),
            };
            map.insert((*name).to_owned(), r);
        }
        for (name, r) in self.derived_names.drain(..) {
            map.entry(name).or_insert(r);
        }
        self.t.names = map;
    }
}

impl Kind {
    /// Whether the engine models the kind in its own section of the
    /// resolved topology (the others are `others` entries).
    fn is_modelled(self) -> bool {
        !matches!(
            self,
            Kind::Tgw
                | Kind::TgwAttachment
                | Kind::TgwRouteTable
                | Kind::Vgw
                | Kind::Cgw
                | Kind::Vpn
                | Kind::DxConnection
                | Kind::DxLag
                | Kind::Vif
                | Kind::DxGateway
                | Kind::OnPrem
        )
    }
}

/// The one table of the file's named resources: calls `f` with the kind,
/// the index in its section (transit gateway attachments and route tables
/// are counted across all transit gateways, Direct Connect resources per
/// list), the name and the AWS id of every named resource, section by
/// section in the file's order.
fn each_name<'a>(
    s: &'a TopologyFile,
    mut f: impl FnMut(Kind, usize, &'a Sp<String>, Option<&'a String>),
) {
    macro_rules! section {
        ($field:ident, $kind:expr) => {
            for (i, x) in s.$field.iter().enumerate() {
                f($kind, i, &x.name, x.aws_id.as_ref());
            }
        };
    }
    section!(prefix_lists, Kind::PrefixList);
    section!(vpcs, Kind::Vpc);
    section!(subnets, Kind::Subnet);
    section!(route_tables, Kind::RouteTable);
    section!(network_acls, Kind::Nacl);
    section!(security_groups, Kind::SecurityGroup);
    section!(instances, Kind::Instance);
    section!(network_interfaces, Kind::Eni);
    section!(internet_gateways, Kind::Igw);
    section!(egress_only_internet_gateways, Kind::Eigw);
    section!(nat_gateways, Kind::Nat);
    section!(load_balancers, Kind::LoadBalancer);
    section!(target_groups, Kind::TargetGroup);
    section!(vpc_endpoints, Kind::Endpoint);
    section!(peering_connections, Kind::Peering);
    let (mut att, mut rtb) = (0, 0);
    for (i, x) in s.transit_gateways.iter().enumerate() {
        f(Kind::Tgw, i, &x.name, x.aws_id.as_ref());
        for a in &x.attachments {
            f(Kind::TgwAttachment, att, &a.name, a.aws_id.as_ref());
            att += 1;
        }
        for t in &x.route_tables {
            f(Kind::TgwRouteTable, rtb, &t.name, t.aws_id.as_ref());
            rtb += 1;
        }
    }
    section!(vpn_gateways, Kind::Vgw);
    section!(customer_gateways, Kind::Cgw);
    section!(vpn_connections, Kind::Vpn);
    if let Some(dx) = &s.direct_connect {
        for (i, x) in dx.connections.iter().enumerate() {
            f(Kind::DxConnection, i, &x.name, x.aws_id.as_ref());
        }
        for (i, x) in dx.lags.iter().enumerate() {
            f(Kind::DxLag, i, &x.name, x.aws_id.as_ref());
        }
        for (i, x) in dx.virtual_interfaces.iter().enumerate() {
            f(Kind::Vif, i, &x.name, x.aws_id.as_ref());
        }
        for (i, x) in dx.gateways.iter().enumerate() {
            f(Kind::DxGateway, i, &x.name, x.aws_id.as_ref());
        }
    }
    for (i, x) in s.on_prem_networks.iter().enumerate() {
        f(Kind::OnPrem, i, &x.name, None);
    }
}

/// Every resource name of `file`, from the one table ([`each_name`]).
pub(in crate::model) fn all_names(file: &TopologyFile) -> Vec<&str> {
    let mut out = Vec::new();
    each_name(file, |_, _, name, _| out.push(name.value.as_str()));
    out
}
