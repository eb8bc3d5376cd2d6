//! Transit gateways, Site-to-Site VPN, Direct Connect and the on-prem
//! network, and the planted unencrypted DX paths (`transit-encryption`).
//!
//! Every VPC gets three attachment subnets (one per AZ, at the top of its
//! CIDR) and a `vpc` attachment to one of the transit gateways. On prem
//! (`172.16.0.0/12`) advertises its whole range over each TGW's BGP VPN, and
//! one planted /24 per planted path over the TGW's transit VIF, whose
//! connection has no MACsec. Each planted interface sits in its own subnet
//! whose route table sends its /24 to the TGW: longest prefix picks the DX
//! gateway route (C-3.3, C-9.4), so exactly the planted interfaces leave AWS
//! in the clear. The planted interfaces are database interfaces (`owner:
//! {service: rds}`: replication to on prem), which use no AWS service
//! endpoints, so `private-service-access` does not ask about them. Nothing
//! else routes to on prem, and the DX gateways
//! advertise no VPC CIDR, so on prem → AWS uses the VPNs (`prefer: [vpn]`).

use std::fmt::Write as _;

use anyhow::Result;

use super::{AZS, Gen, PlantKind, Planted, REGION, v4};

/// The strong tunnel options every generated VPN uses (`ipsec-strength` passes).
const TUNNEL: &str = "{ike_versions: [ikev2], phase1_encryption: [AES256-GCM-16], phase2_encryption: [AES256-GCM-16], phase1_integrity: [SHA2-384], phase2_integrity: [SHA2-384], phase1_dh_groups: [20], phase2_dh_groups: [20]}";

impl Gen {
    pub(super) fn hybrid(&mut self) -> Result<()> {
        let tgws = self.p.tgws;
        if tgws == 0 {
            return Ok(());
        }
        let vpcs = self.vpc_nets.clone();
        // Planted paths: spread over the VPCs.
        let planted: Vec<(usize, usize)> = (0..self.p.planted_dx)
            .map(|k| (k, (k * 13 + 5) % vpcs.len()))
            .collect();
        let mut atts: Vec<Vec<String>> = vec![Vec::new(); tgws];
        for (i, (name, p, base, len)) in vpcs.iter().enumerate() {
            let t = i % tgws;
            let top = base + (1u32 << (32 - u32::from(*len)));
            // The three attachment subnets and their local-only table.
            let rt = format!("{p}-tgw-rt");
            let id = self.id("rtb");
            writeln!(
                self.s.route_tables,
                "  - {{name: {rt}, aws_id: {id}, vpc: {name}, routes: []}}"
            )?;
            self.n.route_tables += 1;
            let mut subnets = Vec::new();
            for (az, a) in AZS.iter().enumerate() {
                let sn = format!("{p}-tgw-{a}");
                let id = self.id("subnet");
                writeln!(
                    self.s.subnets,
                    "  - {{name: {sn}, aws_id: {id}, vpc: {name}, availability_zone: {REGION}{a}, cidr: {}/28, route_table: {rt}}}",
                    v4(top - 256 * (2 + az as u32))
                )?;
                self.n.subnets += 1;
                subnets.push(sn);
            }
            let att = format!("{p}-tgw-att");
            let id = self.id("tgw-attach");
            atts[t].push(format!(
                "      - {{name: {att}, aws_id: {id}, type: vpc, vpc: {name}, subnets: [{}]}}",
                subnets.join(", ")
            ));
            // The planted interfaces of this VPC, each in its own subnet.
            for &(k, _) in planted.iter().filter(|(_, v)| *v == i) {
                let eni = format!("planted-{k:03}-{}", PlantKind::UnencryptedDx.slug());
                let sn = format!("{p}-planted-dx-{k}");
                let rt = format!("{p}-planted-dx-{k}-rt");
                let sg = format!("{p}-planted-dx-{k}-sg");
                let base_k = top - 256;
                let id = self.id("rtb");
                writeln!(
                    self.s.route_tables,
                    "  - name: {rt}\n    aws_id: {id}\n    vpc: {name}\n    routes:\n      - {{destination: 172.17.{k}.0/24, target: tgw-{t}}}"
                )?;
                self.n.route_tables += 1;
                self.n.routes += 1;
                let id = self.id("subnet");
                writeln!(
                    self.s.subnets,
                    "  - {{name: {sn}, aws_id: {id}, vpc: {name}, availability_zone: {REGION}a, cidr: {}/28, route_table: {rt}}}",
                    v4(base_k + 16 * k as u32)
                )?;
                self.n.subnets += 1;
                let id = self.id("sg");
                writeln!(
                    self.s.security_groups,
                    "  - name: {sg}\n    aws_id: {id}\n    vpc: {name}\n    egress:\n      - {{protocol: all, cidr: 172.16.0.0/12}}"
                )?;
                self.n.security_groups += 1;
                self.n.sg_rules += 1;
                let id = self.id("eni");
                writeln!(
                    self.s.network_interfaces,
                    "  # PLANTED ({}): {}\n  - {{name: {eni}, aws_id: {id}, subnet: {sn}, owner: {{service: rds}}, private_ips: [{{address: {}}}], security_groups: [{sg}]}}",
                    PlantKind::UnencryptedDx.slug(),
                    PlantKind::UnencryptedDx.describe(),
                    v4(base_k + 16 * k as u32 + 5)
                )?;
                self.n.network_interfaces += 1;
                self.planted.push(Planted {
                    check: PlantKind::UnencryptedDx.check(),
                    resource: eni,
                    kind: PlantKind::UnencryptedDx,
                    vpc: name.clone(),
                });
            }
        }
        let mut vifs = String::new();
        let mut dxgws = String::new();
        let mut vias = Vec::new();
        let mut adv = Vec::new();
        let id = self.id("cgw");
        writeln!(
            self.s.customer_gateways,
            "  - {{name: cgw-dc1, aws_id: {id}, ip_address: 198.51.100.10, bgp_asn: 65010}}"
        )?;
        for (t, list) in atts.iter().enumerate() {
            let names: Vec<String> = list
                .iter()
                .filter_map(|l| l.split("name: ").nth(1))
                .filter_map(|l| l.split(',').next())
                .map(str::to_string)
                .collect();
            let extra = self.extra_connections(t, &mut vifs, &mut dxgws)?;
            let id = self.id("tgw");
            writeln!(
                self.s.transit_gateways,
                "  - name: tgw-{t}\n    aws_id: {id}\n    amazon_side_asn: {}\n    attachments:\n{}\n      - {{name: tgw-{t}-vpn-att, type: vpn, vpn_connection: vpn-{t}}}\n      - {{name: tgw-{t}-dx-att, type: direct-connect-gateway, direct_connect_gateway: dxgw-{t}}}{}\n    route_tables:\n      - name: tgw-{t}-rt\n        associations: [{}, tgw-{t}-vpn-att, tgw-{t}-dx-att]\n        propagations: [{}, tgw-{t}-vpn-att, tgw-{t}-dx-att]{}{}",
                64512 + t,
                list.join("\n"),
                extra.attachments,
                names.join(", "),
                names.join(", "),
                extra.routes,
                if extra.names.is_empty() {
                    String::new()
                } else {
                    format!(
                        "\n      - name: tgw-{t}-edge-rt\n        associations: [{}]\n        propagations: [{}]",
                        extra.names.join(", "),
                        names.join(", ")
                    )
                },
            )?;
            let id = self.id("vpn");
            writeln!(
                self.s.vpn_connections,
                "  - {{name: vpn-{t}, aws_id: {id}, customer_gateway: cgw-dc1, gateway: tgw-{t}, tunnels: [{TUNNEL}, {TUNNEL}]}}"
            )?;
            writeln!(
                vifs,
                "    - {{name: vif-{t}, aws_id: {}, type: transit, connection: dxcon-1, direct_connect_gateway: dxgw-{t}}}",
                self.id("dxvif")
            )?;
            writeln!(
                dxgws,
                "    - {{name: dxgw-{t}, associations: [{{transit_gateway: tgw-{t}, allowed_prefixes: [192.168.{}.0/24]}}]}}",
                200 + t
            )?;
            vias.push(format!("vpn-{t}"));
            vias.push(format!("vif-{t}"));
            adv.push(format!(
                "      - {{via: vpn-{t}, prefixes: [172.16.0.0/12]}}"
            ));
            let mine: Vec<String> = planted
                .iter()
                .filter(|(_, v)| v % tgws == t)
                .map(|(k, _)| format!("172.17.{k}.0/24"))
                .collect();
            adv.push(format!(
                "      - {{via: vif-{t}, prefixes: [{}]}}",
                mine.join(", ")
            ));
        }
        let id = self.id("dxcon");
        let dxcons = std::mem::take(&mut self.extra_dx_connections);
        writeln!(
            self.s.direct_connect,
            "  connections:\n    - {{name: dxcon-1, aws_id: {id}, kind: dedicated, bandwidth: 10Gbps, encryption_mode: no_encrypt}}\n{dxcons}  virtual_interfaces:\n{vifs}  gateways:\n{dxgws}"
        )?;
        writeln!(
            self.s.on_prem_networks,
            "  - name: dc1\n    cidrs: [172.16.0.0/12]\n    via: [{}]\n    advertises:\n{}\n    prefer: [vpn, dx]",
            vias.join(", "),
            adv.join("\n")
        )?;
        Ok(())
    }

    /// The [`Shape::HybridHeavy`] connections of transit gateway `t`: static
    /// VPNs and MACsec Direct Connect links, each with its own attachment
    /// and a static route to a /24 of `100.64.0.0/10` that no declared
    /// network covers, so that the loader derives one on-prem network per
    /// connection. Every one is encrypted (IPsec, or MACsec with
    /// `must_encrypt` and an associated key), and each DX link has a DX
    /// gateway of its own, which advertises no VPC CIDR: the planted DX
    /// paths stay the only clear ones.
    fn extra_connections(
        &mut self,
        t: usize,
        vifs: &mut String,
        dxgws: &mut String,
    ) -> Result<Extra> {
        let mut x = Extra::default();
        for j in 0..self.p.extra_vpns_per_tgw {
            let (cgw, vpn, att) = (
                format!("cgw-{t}-x{j}"),
                format!("vpn-{t}-x{j}"),
                format!("tgw-{t}-vpn-x{j}"),
            );
            let ip = self.public_ip()?;
            let id = self.id("cgw");
            writeln!(
                self.s.customer_gateways,
                "  - {{name: {cgw}, aws_id: {id}, ip_address: {ip}, bgp_asn: {}}}",
                65100 + j
            )?;
            let id = self.id("vpn");
            writeln!(
                self.s.vpn_connections,
                "  - {{name: {vpn}, aws_id: {id}, customer_gateway: {cgw}, gateway: tgw-{t}, static_routes_only: true, tunnels: [{TUNNEL}, {TUNNEL}]}}"
            )?;
            write!(
                x.attachments,
                "\n      - {{name: {att}, type: vpn, vpn_connection: {vpn}}}"
            )?;
            x.names.push(att.clone());
            write!(
                x.routes,
                "\n          - {{destination: 100.{}.{j}.0/24, attachment: {att}}}",
                64 + t
            )?;
        }
        for k in 0..self.p.extra_dx_per_tgw {
            let (con, vif, gw, att) = (
                format!("dxcon-{t}-x{k}"),
                format!("vif-{t}-x{k}"),
                format!("dxgw-{t}-x{k}"),
                format!("tgw-{t}-dx-x{k}"),
            );
            let id = self.id("dxcon");
            writeln!(
                self.extra_dx_connections,
                "    - {{name: {con}, aws_id: {id}, kind: dedicated, bandwidth: 10Gbps, macsec_capable: true, encryption_mode: must_encrypt, macsec_keys: [{{state: associated}}]}}"
            )?;
            writeln!(
                vifs,
                "    - {{name: {vif}, aws_id: {}, type: transit, connection: {con}, direct_connect_gateway: {gw}}}",
                self.id("dxvif")
            )?;
            writeln!(
                dxgws,
                "    - {{name: {gw}, associations: [{{transit_gateway: tgw-{t}, allowed_prefixes: [192.168.{}.0/24]}}]}}",
                200 + t
            )?;
            write!(
                x.attachments,
                "\n      - {{name: {att}, type: direct-connect-gateway, direct_connect_gateway: {gw}}}"
            )?;
            x.names.push(att.clone());
            write!(
                x.routes,
                "\n          - {{destination: 100.{}.{}.0/24, attachment: {att}}}",
                64 + t,
                128 + k
            )?;
        }
        if !x.routes.is_empty() {
            x.routes = format!("\n        routes:{}", x.routes);
        }
        Ok(x)
    }
}

/// YAML fragments of a transit gateway's extra connections.
#[derive(Default)]
struct Extra {
    /// Attachment entries, each on a new line.
    attachments: String,
    /// The attachments, associated with a route table of their own that
    /// sends only to the VPCs: a derived network reaches no other on-prem
    /// network through the transit gateway (its routes would lead over the
    /// planted clear DX link).
    names: Vec<String>,
    /// The static routes (with the `routes:` key when there are any).
    routes: String,
}
